// The home's image store: CODEX_HOME/rescue/images/<sha256 of the decoded image>.<ext> — each distinct
// image once, however many copies, compactions, forks and threads held it. Restore data refers to it
// (reversePatch.ts); the placeholders a repair leaves name its files.
//
// API for the repair, restore and reclaim (all synchronous, for the worker pool):
//   openStore(codexHome)              the store for writing (migrates the old archive once, see below)
//     .put(decoded, sha256?)          write an image once (temp + fsync + rename); → StoreImage
//     .sync()                         make every put durable (the folder fsynced): call it before any thread
//                                     whose restore data needs these images is swapped
//   readStoreImage(codexHome, ref)    the image's bytes, checked against its name; a missing or damaged file
//                                     throws RescueError ('not-found' / 'bad-input') naming the image
//   withStoreImage(codexHome, ref, use) the same, seen by `use` in a reused buffer (no copy)
//   checkStoreImages(codexHome, refs) the same check for every image a restore needs, before it starts
//   storeStats(codexHome)             { images, bytes } on disk (hard-linked aliases counted once)
//   listStore(codexHome)              every image (sha256, file, bytes); aliases: old archive names
//   removeStoreImage(codexHome, sha)  drop an image and its aliases (retention: only images no restore
//                                     data refers to — see referencedImages in restoreData.ts)
//   migrateArchive(codexHome)         the old archive's migration (openStore does it; call it once before
//                                     starting workers that open the store side by side)
//
// Reclaim's other entry points:
//   stripThread({ mode: 'in-place', keepCompressed? })  repair/stripThread.ts: restore data is the default
//       path of every in-place repair (report: restoreData {bytes, imageRefs, images, rawBytes}, or
//       fullCopyKept: why a full copy was kept); keepCompressed: a .zst thread stays .zst
//   convertBackupToRestoreData(codexHome, threadId, backupDir)  repair/convertBackup.ts: an old full
//       backup → restore data (rebuild checked first, then the copy dropped) → { freedBytes, … }
//   restoreThread(…)  repair/restore.ts: from restore data or a full backup, as before
//   estimateReclaim(sizeBytes, metrics, inStore)  store/estimate.ts: a plan's figure from the scan
//   referencedImages(codexHome), restoreDataBytes(dir)  store/restoreData.ts
//
// The old archive (`--archive-images`, before the store) used the same folder but named each file by the
// sha256 of the image *as stored in the rollout* (base64 text, data: header included). Migration (once,
// marker file .store-v1): every file whose name is not the sha256 of its bytes gets its store name as a
// hard link (no bytes copied; a copy where links are not supported), and the old name stays as an alias
// (listed in aliases.json) because the placeholders written by those repairs name it.
import * as fs from 'node:fs';
import { readAt } from '../util/readAt';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { imageArchiveDir } from '../codexHome/paths';
import {
  describeWriteError,
  fsyncDir,
  removeQuietly,
  removeStaleTemps,
  tempBeside,
  writeFileAtomic,
} from '../util/atomicWrite';
import { RescueError } from '../util/errors';
import { ScratchBuffer } from '../util/scratchBuffer';

export interface StoreImage {
  sha256: string;
  /** File name inside the store folder: `<sha256>.<ext>`. */
  file: string;
  bytes: number;
}

const STORE_NAME = /^([0-9a-f]{64})\.([a-z0-9]{1,5})$/;
const MARKER = '.store-v1';
const ALIASES = 'aliases.json';

export const storeDir = imageArchiveDir;

/** The extension a store file gets, from the image's first bytes (its data URL may name another type). */
export function imageExt(b: Buffer): string {
  if (b.length >= 8 && b.readUInt32BE(0) === 0x89504e47) return 'png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpg';
  if (b.length >= 6 && b.toString('latin1', 0, 4) === 'GIF8') return 'gif';
  if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  if (b.length >= 2 && b.toString('latin1', 0, 2) === 'BM') return 'bmp';
  return 'bin';
}

export function sha256Of(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

export function storeFileName(decoded: Buffer, sha256 = sha256Of(decoded)): string {
  return `${sha256}.${imageExt(decoded)}`;
}

export class ImageStore {
  readonly dir: string;
  /** Files known whole in this run (written, or read back and checked once). */
  private readonly checked = new Map<string, StoreImage>();
  private dirty = false;

  constructor(readonly codexHome: string) {
    this.dir = storeDir(codexHome);
  }

  /** The image saved once: its file is written (temp + fsync + rename) unless an intact one is there. */
  put(decoded: Buffer, sha256 = sha256Of(decoded)): StoreImage {
    const known = this.checked.get(sha256);
    if (known) return known;
    const file = storeFileName(decoded, sha256);
    const final = path.join(this.dir, file);
    const img: StoreImage = { sha256, file, bytes: decoded.length };
    if (!intact(final, sha256, decoded.length)) {
      // a damaged file under this name is replaced by the good bytes
      const tmp = tempBeside(final, 'store');
      try {
        fs.mkdirSync(this.dir, { recursive: true });
        const fd = fs.openSync(tmp, 'wx', 0o644);
        try {
          fs.writeSync(fd, decoded);
          fs.fsyncSync(fd);
        } finally {
          fs.closeSync(fd);
        }
        fs.renameSync(tmp, final);
      } catch (err) {
        removeQuietly(tmp);
        throw describeWriteError(err, final);
      }
      this.dirty = true;
    }
    this.checked.set(sha256, img);
    return img;
  }

  /**
   * An image this thread of execution put (or checked) earlier, for another repair: known again when its
   * file is still whole (read and hashed: far cheaper than decoding its copy again), and its name synced
   * with the rest. False: the caller saves it again from its copy (which also mends a damaged file).
   */
  adopt(img: StoreImage): boolean {
    if (this.checked.has(img.sha256)) return true;
    if (!intact(this.path(img), img.sha256, img.bytes)) return false;
    this.checked.set(img.sha256, img);
    this.dirty = true;
    return true;
  }

  path(img: StoreImage): string {
    return path.join(this.dir, img.file);
  }

  /** Make every image put so far durable: the files were fsynced as written, now their names. */
  sync(): void {
    if (this.dirty) fsyncDir(this.dir);
    this.dirty = false;
  }
}

/** Store files are read through this (screenshots: a few hundred KB; a bigger one's buffer is not kept). */
const storeReads = new ScratchBuffer(1024 * 1024, 8 * 1024 * 1024);

/**
 * The file's bytes in the reused buffer, seen by `use` with the state of the descriptor they were read
 * from; undefined (use not called) when it cannot be read whole.
 */
function withFileBytes<T>(file: string, use: (bytes: Buffer, st: fs.Stats) => T): T | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return undefined;
  }
  let buf: Buffer | undefined;
  try {
    let bytes: Buffer;
    let st: fs.Stats;
    try {
      st = fs.fstatSync(fd);
      buf = storeReads.take(st.size);
      bytes = readAt(fd, 0, st.size, buf);
      if (bytes.length !== st.size) return undefined;
    } catch {
      return undefined;
    }
    return use(bytes, st);
  } finally {
    fs.closeSync(fd);
    if (buf) storeReads.give(buf);
  }
}

/**
 * Store files found whole by this thread of execution, with the state they had then: a reclaim worker
 * checks the same screenshots for thread after thread, and a file that is not written again (same
 * device, inode, size and times) is not read and hashed again.
 */
const foundWhole = new Map<string, string>();
const FOUND_WHOLE_MAX = 50_000;
const stateOf = (sha256: string, st: fs.Stats): string =>
  `${sha256}:${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;

/** A store file that holds exactly these bytes (size first: a cheap refusal). */
function intact(file: string, sha256: string, bytes: number): boolean {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    return false;
  }
  if (st.size !== bytes) return false;
  if (foundWhole.get(file) === stateOf(sha256, st)) return true;
  const state = withFileBytes(file, (b, read) => (sha256Of(b) === sha256 ? stateOf(sha256, read) : undefined));
  if (!state) return false;
  if (foundWhole.size >= FOUND_WHOLE_MAX) foundWhole.clear();
  foundWhole.set(file, state); // the state of the very descriptor that was hashed
  return true;
}

/**
 * Stores opened by this thread of execution: a reclaim worker opens the home's store for each of its
 * threads, and reading the whole store folder each time (to sweep, then to look for the migration's
 * marker) grew with the store.
 */
const opened = new Set<string>();

/** The store for writing: leftovers of a killed run swept, the old archive migrated (once). */
export function openStore(codexHome: string): ImageStore {
  const store = new ImageStore(codexHome);
  if (opened.has(store.dir) && fs.existsSync(path.join(store.dir, MARKER))) return store;
  removeStaleTemps(store.dir);
  migrateArchive(codexHome);
  if (opened.size >= 1000) opened.clear();
  opened.add(store.dir);
  return store;
}

/** Give old archive files (named by the stored base64's sha256) their store names; see the top. */
export function migrateArchive(codexHome: string): void {
  const dir = storeDir(codexHome);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return; // no store yet
  }
  if (names.includes(MARKER)) return;
  const aliases = readAliases(codexHome);
  for (const n of names) {
    const m = STORE_NAME.exec(n);
    if (!m || aliases[n]) continue;
    const bytes = fs.readFileSync(path.join(dir, n));
    const sha = sha256Of(bytes);
    if (sha === m[1]) continue;
    const canonical = storeFileName(bytes, sha);
    const dest = path.join(dir, canonical);
    if (!intact(dest, sha, bytes.length)) {
      removeQuietly(dest); // damaged
      try {
        fs.linkSync(path.join(dir, n), dest);
      } catch (err) {
        // EEXIST: another run made it meanwhile (never copy over it: it may be this very file's link)
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') new ImageStore(codexHome).put(bytes, sha);
      }
    }
    aliases[n] = canonical;
  }
  writeFileAtomic(path.join(dir, ALIASES), JSON.stringify(aliases, null, 1));
  writeFileAtomic(path.join(dir, MARKER), 'the old archive names were migrated to store names (see aliases.json)\n');
}

function readAliases(codexHome: string): Record<string, string> {
  try {
    return JSON.parse(fs.readFileSync(path.join(storeDir(codexHome), ALIASES), 'utf8')) as Record<string, string>;
  } catch {
    return {};
  }
}

/**
 * A store image's bytes, checked against its name, seen by `use` (valid only during the call: the buffer
 * is reused). A missing or damaged file is refused by name. `hashed: false`: only its size is checked,
 * for a caller that compares what it makes of the bytes with the original anyway (a damaged file then
 * shows as a difference).
 */
export function withStoreImage<T>(
  codexHome: string,
  img: StoreImage,
  use: (bytes: Buffer) => T,
  o: { hashed?: boolean } = {},
): T {
  const file = path.join(storeDir(codexHome), img.file);
  if (!fs.existsSync(file))
    throw new RescueError(
      'not-found',
      `the image ${img.file} is missing from the image store (${storeDir(codexHome)}), and this thread's restore data needs it; nothing was restored`,
    );
  const damaged = () =>
    new RescueError(
      'bad-input',
      `the image ${img.file} in the image store (${storeDir(codexHome)}) is damaged (its bytes no longer match its sha256), and this thread's restore data needs it; nothing was restored`,
    );
  const found = withFileBytes(file, (bytes) => {
    if (bytes.length !== img.bytes || (o.hashed !== false && sha256Of(bytes) !== img.sha256)) throw damaged();
    return { value: use(bytes) };
  });
  if (!found) throw damaged(); // there, but not readable whole
  return found.value;
}

/** A store image's bytes (a copy of its own), checked as withStoreImage checks them. */
export function readStoreImage(codexHome: string, img: StoreImage): Buffer {
  return withStoreImage(codexHome, img, (b) => Buffer.from(b));
}

/** Every image a restore needs is there and whole; otherwise the first one that is not is named. */
export function checkStoreImages(codexHome: string, imgs: StoreImage[]): void {
  for (const img of imgs) withStoreImage(codexHome, img, () => undefined);
}

/** Every image in the store (aliases left out) and the old names that point at them. */
export function listStore(codexHome: string): { images: StoreImage[]; aliases: Record<string, string> } {
  const dir = storeDir(codexHome);
  const aliases = readAliases(codexHome);
  const images: StoreImage[] = [];
  let names: string[] = [];
  try {
    names = fs.readdirSync(dir);
  } catch {
    // no store yet
  }
  for (const n of names) {
    const m = STORE_NAME.exec(n);
    if (!m || aliases[n]) continue;
    try {
      images.push({ sha256: m[1], file: n, bytes: fs.statSync(path.join(dir, n)).size });
    } catch {
      // removed meanwhile
    }
  }
  return { images, aliases };
}

/** What the store takes on disk: its images, each file counted once (aliases are hard links). */
export function storeStats(codexHome: string): { images: number; bytes: number; dir: string } {
  const dir = storeDir(codexHome);
  const { images, aliases } = listStore(codexHome);
  const seen = new Set<number>();
  let bytes = 0;
  for (const name of [...images.map((i) => i.file), ...Object.keys(aliases)]) {
    try {
      const st = fs.statSync(path.join(dir, name));
      if (seen.has(st.ino)) continue;
      seen.add(st.ino);
      bytes += st.size;
    } catch {
      // gone
    }
  }
  return { images: images.length, bytes, dir };
}

/** Drop an image and the old names that point at it (retention decides which: nothing may refer to it). */
export function removeStoreImage(codexHome: string, sha256: string): void {
  const dir = storeDir(codexHome);
  const aliases = readAliases(codexHome);
  const { images } = listStore(codexHome);
  for (const img of images.filter((i) => i.sha256 === sha256)) {
    for (const [old, target] of Object.entries(aliases))
      if (target === img.file) {
        removeQuietly(path.join(dir, old));
        delete aliases[old];
      }
    removeQuietly(path.join(dir, img.file));
  }
  if (Object.keys(aliases).length || fs.existsSync(path.join(dir, ALIASES)))
    writeFileAtomic(path.join(dir, ALIASES), JSON.stringify(aliases, null, 1));
  fsyncDir(dir);
}
