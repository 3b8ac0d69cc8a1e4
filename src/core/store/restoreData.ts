// Restore data: what an in-place repair keeps instead of a copy of the original — the reverse patch
// (patch.jsonl + patch.raw, beside manifest.json in the backup folder) and the store images it names.
// It is made before the swap and kept only once a rebuild from it gave back the original's sha256;
// otherwise the full copy is kept as before.
//
// API (see imageStore.ts for the store's own):
//   prepareRestoreData(…)    build the patch (temp files in the thread's backups folder), sync the store,
//                            rebuild and compare → { prepared } or { notKept: why } (the caller keeps a full copy)
//   commitRestoreData(p, dir)  move the patch into the backup folder → RestoreData for the manifest
//   discardRestoreData(p)    drop a prepared patch (a failed or cancelled repair)
//   repairedSource(…)        where the repaired bytes a restore starts from are (the live file, or a version
//                            saved before an earlier restore)
//   rebuildToTemp(…)         a restore's new file: rebuilt beside the target, checked, for the caller to rename
//   referencedImages(home)   sha256 of every store image some restore data needs (retention keeps those)
//   restoreDataBytes(dir)    bytes a backup folder's restore data takes
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { backupsRoot, threadBackupsDir } from '../codexHome/paths';
import { readRollout } from '../rollout/reader';
import { describeWriteError, fsyncDir, removeQuietly, removeStaleTemps, tempBeside } from '../util/atomicWrite';
import { RescueError, errorMessage } from '../util/errors';
import type { BackupInfo, BackupManifest } from '../repair/backups';
import { ImageStore, checkStoreImages } from './imageStore';
import { KnownImages, PatchIndex, buildReversePatch } from './reversePatch';
import { forgetEncoded, rebuildOriginal } from './rebuildOriginal';
import { sha256File } from '../util/fileHash';
import { ScratchBuffer } from '../util/scratchBuffer';
import { canWriteZstd, decompressToTemp, statesContentSize, zstdFile, zstdSha256 } from './zstdFile';

export const PATCH_FILE = 'patch.jsonl';
export const RAW_FILE = 'patch.raw';

export interface RestoreData extends PatchIndex {
  format: 1;
  /** What the patch rebuilds: the original's bytes (for a .zst original, its decompressed content). */
  plain: { size: number; sha256: string };
  /**
   * The original was a .zst: a restore compresses the rebuilt bytes again with Node's zstd. `exact`: that
   * gives back the very file (checked when the data was made; restore data is only made when it does —
   * a compressor's output depends on its version and settings, and Codex's is not always Node's). Restore
   * data written before that rule may say `false`: then the restored .zst holds the original's content
   * byte for byte (checked) in other compressed bytes.
   */
  zstd?: { exact: boolean };
}

export interface PreparedRestoreData {
  data: RestoreData;
  patchTmp: string;
  rawTmp: string;
}

export interface PrepareInput {
  codexHome: string;
  threadId: string;
  /** The original's plain bytes (a .zst decompressed), and their sha256 when known (checked too). */
  original: string;
  plainSha256?: string;
  /** The repaired file (plain). */
  repaired: string;
  /** Where the lines the repair changed are (StripStats.editedRanges; faster); absent: every line is compared. */
  editedRanges?: number[];
  /** What the strip pass learnt of the images it replaced. */
  known?: KnownImages;
  store: ImageStore;
  /**
   * The original as it is on disk, when it is a .zst; `rewritesExactly`, when already known (see
   * decompressToTemp): whether zstdFile writes exactly it back from `original`.
   */
  zst?: { path: string; sha256: string; rewritesExactly?: boolean };
  isCancelled?: () => boolean;
}

/**
 * Build, store and check the restore data of a repair. Throws on write failures (disk full: the temp
 * files are gone, the store keeps only whole images); returns `notKept` when no restore data can stand
 * in for the original (then a full copy must be kept).
 */
export function prepareRestoreData(p: PrepareInput): { prepared?: PreparedRestoreData; notKept?: string } {
  const base = threadBackupsDir(p.codexHome, p.threadId);
  try {
    fs.mkdirSync(base, { recursive: true });
  } catch (err) {
    throw describeWriteError(err, base);
  }
  removeStaleTemps(base);
  const patchTmp = tempBeside(path.join(base, PATCH_FILE), 'patch');
  const rawTmp = tempBeside(path.join(base, RAW_FILE), 'patch');
  const drop = () => {
    removeQuietly(patchTmp);
    removeQuietly(rawTmp);
  };
  try {
    if (p.zst && !canWriteZstd()) {
      drop();
      return {
        notKept: 'this Node cannot write .zst files (it needs 22.15 or later), so the .zst original is kept whole',
      };
    }
    const index = buildReversePatch({
      original: p.original,
      repaired: p.repaired,
      patchPath: patchTmp,
      rawPath: rawTmp,
      store: p.store,
      editedRanges: p.editedRanges,
      known: p.known,
      isCancelled: p.isCancelled,
    });
    // the images must be on disk for good before anything may depend on them
    p.store.sync();
    // The rebuild is compared with the original byte for byte (cheaper than hashing the original too):
    // when they are the same, the rebuild's sha256 is the original's. Store images are read unhashed,
    // as the comparison stands in: what the rebuild kept of them goes when it did not pass.
    const same = new SameAs(p.original);
    let rebuilt: { size: number; sha256: string };
    try {
      rebuilt = rebuildOriginal({
        codexHome: p.codexHome,
        repaired: p.repaired,
        patchPath: patchTmp,
        rawPath: rawTmp,
        index,
        sink: (b) => same.next(b),
        sinkCompares: true,
        isCancelled: p.isCancelled,
      });
    } catch (err) {
      forgetEncoded();
      // a store image gone or cut since it was written (or our patch unreadable): no restore data can
      // stand in, but the repair itself is sound — a full copy is kept, as for a rebuild that differs
      const code = err instanceof RescueError ? err.code : undefined;
      if (code !== 'not-found' && code !== 'bad-input') throw err;
      drop();
      const why = errorMessage(err).replace(/; nothing was restored$/, '');
      return {
        notKept: `the rebuild from the restore data could not read back what it needs (${why}), so a full copy is kept`,
      };
    } finally {
      same.close();
    }
    const size = same.size;
    if (!same.same || rebuilt.size !== size || (p.plainSha256 && rebuilt.sha256 !== p.plainSha256)) {
      forgetEncoded();
      drop();
      return { notKept: 'the rebuild from the restore data did not give back the original, so a full copy is kept' };
    }
    // A restore must give back the .zst byte for byte: when this Node's zstd does not write exactly the
    // file Codex compressed (another zstd version or level), the .zst itself is what is kept.
    if (
      p.zst &&
      !(p.zst.rewritesExactly ?? (statesContentSize(p.zst.path) && zstdSha256(p.original) === p.zst.sha256))
    ) {
      drop();
      return {
        notKept:
          "this Node's zstd does not compress the thread back to exactly the .zst Codex wrote, so the .zst itself is kept",
      };
    }
    const data: RestoreData = { format: 1, ...index, plain: { size, sha256: rebuilt.sha256 } };
    if (p.zst) data.zstd = { exact: true };
    return { prepared: { data, patchTmp, rawTmp } };
  } catch (err) {
    drop();
    throw err;
  }
}

/** Compares what it is fed, in order, with a file's bytes. */
const sameAsBuf = new ScratchBuffer(1024 * 1024);

class SameAs {
  private readonly fd: number;
  private readonly buf: Buffer;
  private pos = 0;
  readonly size: number;
  same = true;
  constructor(file: string) {
    this.fd = fs.openSync(file, 'r');
    this.size = fs.fstatSync(this.fd).size;
    this.buf = sameAsBuf.take();
  }
  next(b: Buffer): void {
    for (let off = 0; off < b.length && this.same;) {
      const len = Math.min(this.buf.length, b.length - off);
      const n = fs.readSync(this.fd, this.buf, 0, len, this.pos);
      if (n !== len || b.compare(this.buf, 0, n, off, off + len) !== 0) this.same = false;
      off += len;
      this.pos += len;
    }
  }
  close(): void {
    fs.closeSync(this.fd);
    sameAsBuf.give(this.buf);
    if (this.pos !== this.size) this.same = false;
  }
}

export function discardRestoreData(p: PreparedRestoreData | undefined): void {
  if (!p) return;
  removeQuietly(p.patchTmp);
  removeQuietly(p.rawTmp);
}

/** Move a prepared patch into its backup folder (same file system: renames; `syncDir: false`: the caller syncs it). */
export function commitRestoreData(p: PreparedRestoreData, dir: string, o: { syncDir?: boolean } = {}): RestoreData {
  try {
    fs.renameSync(p.patchTmp, path.join(dir, PATCH_FILE));
    fs.renameSync(p.rawTmp, path.join(dir, RAW_FILE));
  } catch (err) {
    throw describeWriteError(err, dir);
  }
  if (o.syncDir ?? true) fsyncDir(dir);
  return p.data;
}

export function restoreDataBytes(dir: string): number {
  let n = 0;
  for (const f of [PATCH_FILE, RAW_FILE, 'manifest.json'])
    try {
      n += fs.statSync(path.join(dir, f)).size;
    } catch {
      // absent
    }
  return n;
}

/**
 * The repaired bytes a restore starts from: the live file as the repair left it (with `force`, also when
 * Codex appended to it since), else the version an earlier restore saved. Undefined: none is left.
 */
export function repairedSource(
  m: BackupManifest,
  livePath: string | undefined,
  force: boolean,
  savedVersions: BackupInfo[],
): RepairedSource | undefined {
  const want = m.repaired;
  if (!want) return undefined;
  if (livePath?.endsWith('.zst') && want.onDisk) {
    // Kept .zst by the repair: its decompressed bytes are what the restore data applies to.
    try {
      const st = fs.statSync(livePath);
      if (st.size === want.onDisk.size && sha256File(livePath) === want.onDisk.sha256) {
        const plain = decompressToTemp(livePath, livePath.replace(/\.zst$/, ''));
        return { path: plain.path, size: plain.size, cleanup: plain.path };
      }
    } catch {
      // gone or unreadable: look at the saved versions
    }
  }
  const candidates = [livePath, ...savedVersions.filter((b) => b.manifest.sha256 === want.sha256).map((b) => b.file)];
  for (const [i, file] of candidates.entries()) {
    if (!file) continue;
    try {
      const size = fs.statSync(file).size;
      if (size === want.size && sha256File(file) === want.sha256) return plainOf(file, size);
      const plain = compressedCopyOf(file, want);
      if (plain) return { path: plain, size: want.size, cleanup: plain };
      // Codex appended turns since (plain files only: it does not append to a .zst)
      if (
        i === 0 &&
        force &&
        size > want.size &&
        !file.endsWith('.zst') &&
        sha256File(file, { limit: want.size }) === want.sha256
      )
        return { path: file, size: want.size };
    } catch {
      // gone: the next one
    }
  }
  return undefined;
}

/** Where the repaired bytes are, plain (a repaired thread kept as .zst is decompressed to a temp file). */
export interface RepairedSource {
  path: string;
  size: number;
  /** A temp file to remove once the restore is done. */
  cleanup?: string;
}

/**
 * A .zst of exactly these plain bytes — Codex (0.171, compression on) compresses idle threads, so a
 * repaired .jsonl may since have become a .zst of the very same bytes: their temp copy, else undefined.
 */
export function compressedCopyOf(file: string, want: { size: number; sha256: string }): string | undefined {
  if (!file.endsWith('.zst')) return undefined;
  const plain = decompressToTemp(file, file.replace(/\.zst$/, ''));
  if (plain.size === want.size && plain.sha256 === want.sha256) return plain.path;
  removeQuietly(plain.path);
  return undefined;
}

function plainOf(file: string, size: number): RepairedSource {
  if (!file.endsWith('.zst')) return { path: file, size };
  const plain = decompressToTemp(file, file.replace(/\.zst$/, ''));
  return { path: plain.path, size: plain.size, cleanup: plain.path };
}

/**
 * A restore's new file, rebuilt beside `target` from the repaired bytes + patch + store and checked
 * against the original's sha256 (and compressed again for a .zst original). Refuses — writing nothing —
 * when a store image is missing or damaged or the rebuild does not match.
 */
export function rebuildToTemp(
  codexHome: string,
  b: BackupInfo,
  repaired: RepairedSource,
  target: string,
  isCancelled?: () => boolean,
): string {
  const m = b.manifest;
  const data = m.restoreData!;
  checkStoreImages(codexHome, data.images);
  const plainTmp = tempBeside(target.replace(/\.zst$/, ''), 'restore');
  let zstTmp: string | undefined;
  let fd: number | undefined;
  try {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fd = fs.openSync(plainTmp, 'wx', 0o600);
    const out = fd;
    const rebuilt = rebuildOriginal({
      codexHome,
      repaired: repaired.path,
      repairedSize: repaired.size,
      patchPath: path.join(b.dir, PATCH_FILE),
      rawPath: path.join(b.dir, RAW_FILE),
      index: data,
      sink: (chunk) => {
        for (let off = 0; off < chunk.length;) off += fs.writeSync(out, chunk, off, chunk.length - off);
      },
      isCancelled,
    });
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    if (rebuilt.sha256 !== data.plain.sha256 || rebuilt.size !== data.plain.size)
      throw new RescueError(
        'bad-input',
        `the restore data in ${b.dir} did not give back the original (its sha256 differs); nothing was restored`,
      );
    let result = plainTmp;
    if (data.zstd) {
      zstTmp = tempBeside(target, 'restore');
      zstdFile(plainTmp, zstTmp);
      if (data.zstd.exact ? sha256File(zstTmp) !== m.sha256 : decompressedSha256(zstTmp) !== data.plain.sha256)
        throw new RescueError(
          'bad-input',
          `the compressed rebuild of ${m.fileName} did not match the original; nothing was restored`,
        );
      removeQuietly(plainTmp);
      result = zstTmp;
    }
    fs.chmodSync(result, m.mode & 0o7777);
    return result;
  } catch (err) {
    if (fd !== undefined) fs.closeSync(fd);
    removeQuietly(plainTmp);
    removeQuietly(zstTmp);
    throw describeWriteError(err, target);
  }
}

function decompressedSha256(zst: string): string {
  const hash = createHash('sha256');
  readRollout(zst, () => undefined, { hashDataUrls: false, onDecompressed: (c) => hash.update(c) });
  return hash.digest('hex');
}

/** sha256 of every store image that some backup's restore data needs. */
export function referencedImages(codexHome: string): Set<string> {
  const out = new Set<string>();
  let threads: string[] = [];
  try {
    threads = fs.readdirSync(backupsRoot(codexHome));
  } catch {
    return out;
  }
  for (const t of threads) {
    let dirs: string[] = [];
    try {
      dirs = fs.readdirSync(path.join(backupsRoot(codexHome), t));
    } catch {
      continue;
    }
    for (const d of dirs) {
      const file = path.join(backupsRoot(codexHome), t, d, 'manifest.json');
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch {
        continue; // no manifest: a fork's note, or not a folder
      }
      try {
        const m = JSON.parse(text) as BackupManifest;
        for (const img of m.restoreData?.images ?? []) out.add(img.sha256);
      } catch {
        // an unreadable manifest may need any image: better keep every one than lose one it needs
        throw new RescueError('bad-input', `${file} does not parse, so which images it needs is unknown`);
      }
    }
  }
  return out;
}
