// .zst files both ways: written with Node's own zstd (node:zlib, from Node 22.15 — VS Code's Node),
// synchronously (the worker's passes are synchronous); read back into a plain temp file, for the passes
// that need byte offsets, with the one streaming reader (rollout/reader.ts: Node's zstd through a
// helper thread, or fzstd).
import * as fs from 'node:fs';
import { createHash } from 'node:crypto';
import { describeWriteError, removeQuietly, tempBeside } from '../util/atomicWrite';
import { readRollout } from '../rollout/reader';
import { WHOLE_MAX, WholeZst, decompressZstWhole, readZstWhole } from '../rollout/zstdWhole';
import { zlib } from '../util/lazyModules';
import { readAt } from '../util/readAt';
import { bigBuffer, freeNow } from '../util/freeBuffer';

type ZstdZlib = {
  zstdCompressSync?: (b: Buffer) => Buffer;
};
const z = (): ZstdZlib => zlib() as unknown as ZstdZlib;

/** Node can write zstd (22.15 and later). */
export function canWriteZstd(): boolean {
  return typeof z().zstdCompressSync === 'function';
}

/**
 * Files are compressed a frame of this size at a time (one call each, as zstdCompressSync does): Node has
 * no synchronous streaming zstd. Codex (Rust's zstd reader) and fzstd read a file of several frames.
 * A file of one such frame is what rollout/zstdWhole.ts reads whole.
 */
const FRAME = WHOLE_MAX;

/** Compress `src` into `dest` (a new file; none: only `onOut` sees the bytes). */
export function zstdFile(src: string, dest: string | undefined, onOut?: (b: Buffer) => void): void {
  if (!canWriteZstd()) throw new Error('this Node has no zstd compressor (it needs Node 22.15 or later)');
  const size = fs.statSync(src).size;
  const outFd = dest ? fs.openSync(dest, 'wx', 0o600) : undefined;
  const emit = (b: Buffer) => {
    if (!b.length) return;
    if (outFd !== undefined)
      try {
        for (let off = 0; off < b.length;) off += fs.writeSync(outFd, b, off, b.length - off);
      } catch (err) {
        throw describeWriteError(err, dest ?? src);
      }
    onOut?.(b);
  };
  const inFd = fs.openSync(src, 'r');
  try {
    const buf = bigBuffer(Math.min(FRAME, Math.max(1, size)));
    for (let pos = 0; pos < size;) {
      const n = readAt(inFd, pos, Math.min(size, pos + buf.length), buf).length;
      if (n === 0) break;
      const out = compressFrame(buf.subarray(0, n));
      emit(out);
      freeNow(out);
      pos += n;
    }
    if (size === 0) emit(compressFrame(Buffer.alloc(0)));
    freeNow(buf);
    if (outFd !== undefined) fs.fsyncSync(outFd);
  } finally {
    fs.closeSync(inFd);
    if (outFd !== undefined) fs.closeSync(outFd);
  }
}

/**
 * One frame, as zstdCompressSync writes it with its default chunk size. That size is part of the
 * format: with room for zstd's whole bound in one chunk, zstd takes another path and writes other bytes
 * (checked), so Codex's .zst files and every restore data's rewrite check depend on it.
 */
function compressFrame(input: Buffer): Buffer {
  return z().zstdCompressSync!(input);
}

/**
 * Whether zstdFile could have written this .zst: its first frame states its content size, as a
 * one-shot compression (ours) always does. Codex's streaming compressor writes frames without it, so
 * compressing the whole thread again to compare (zstdSha256) can be skipped for those.
 */
export function statesContentSize(zst: string): boolean {
  const b = Buffer.alloc(5);
  const fd = fs.openSync(zst, 'r');
  try {
    if (fs.readSync(fd, b, 0, 5, 0) !== 5 || b.readUInt32LE(0) !== 0xfd2fb528) return false;
  } finally {
    fs.closeSync(fd);
  }
  return b[4] >> 6 !== 0 || ((b[4] >> 5) & 1) === 1; // Frame_Content_Size_flag, or Single_Segment (size in 1 byte)
}

/** sha256 of what zstdFile would write for `src` (nothing written). */
export function zstdSha256(src: string): string {
  const h = createHash('sha256');
  zstdFile(src, undefined, (b) => h.update(b));
  return h.digest('hex');
}

/** A .zst's content copied out (decompressToTemp). */
export interface PlainCopy {
  path: string;
  size: number;
  /** sha256 of the content; '' when not asked for. */
  sha256: string;
  /**
   * With `rewrite` asked for and the file read whole (one frame of at most FRAME bytes): the sha256 of
   * the .zst bytes that were read, and whether zstdFile writes exactly them back from the content.
   */
  rewrite?: { zstSha256: string; exact: boolean };
}

/**
 * A .zst file's content in a new temp file beside `beside` (a path whose folder and name it borrows),
 * and its sha256 (unless `hash` is false: '').
 */
export function decompressToTemp(
  zst: string,
  beside: string,
  isCancelled?: () => boolean,
  o: { hash?: boolean; rewrite?: boolean } = {},
): PlainCopy {
  const tmp = tempBeside(beside, 'unzst');
  const hash = o.hash === false ? undefined : createHash('sha256');
  let size = 0;
  const fd = fs.openSync(tmp, 'wx', 0o600);
  let rewrite: PlainCopy['rewrite'];
  try {
    const write = (c: Uint8Array): void => {
      hash?.update(c);
      size += c.length;
      for (let off = 0; off < c.length;) off += fs.writeSync(fd, c, off, c.length - off);
    };
    const whole = isCancelled?.() ? undefined : decompressWhole(zst, write, o.rewrite === true);
    if (whole) rewrite = whole.rewrite;
    else
      readRollout(zst, () => undefined, {
        hashDataUrls: false,
        isCancelled,
        onDecompressed: write,
      });
  } catch (err) {
    fs.closeSync(fd);
    removeQuietly(tmp);
    throw describeWriteError(err, tmp); // our own errors (cancelled, unreadable) pass through as they are
  }
  fs.closeSync(fd);
  return { path: tmp, size, sha256: hash?.digest('hex') ?? '', ...(rewrite ? { rewrite } : {}) };
}

/**
 * A .zst that rollout/zstdWhole.ts reads whole (Codex's idle threads, and what zstdFile writes for
 * them), decompressed in one call: no helper thread (one more isolate for the rest of a reclaim
 * worker's life), and the content is in hand to compress it again for the rewrite check,
 * where that check read the temp copy back. Its buffers are freed at once, so at most the .zst and its
 * content, or the content and its compression, are held at a time. Undefined (nothing written) for any
 * other file, for a Node without zstd, or when Node's zstd refuses it: the streaming reader then reads
 * it, and says what is wrong with a damaged one.
 */
function decompressWhole(
  zst: string,
  write: (c: Buffer) => void,
  rewrite: boolean,
): { rewrite?: PlainCopy['rewrite'] } | undefined {
  if (!z().zstdCompressSync) return undefined;
  const read = readWhole(zst);
  if (!read) return undefined;
  const zstSha256 = rewrite ? createHash('sha256').update(read.bytes).digest('hex') : '';
  const plain = decompressZstWhole(read); // frees read.bytes
  if (!plain) return undefined;
  try {
    write(plain);
    if (!rewrite) return {};
    const again = compressFrame(plain);
    const exact = again.length === read.size && sameSha(again, zstSha256);
    freeNow(again);
    return { rewrite: { zstSha256, exact } };
  } finally {
    freeNow(plain);
  }
}

const sameSha = (b: Buffer, sha256: string): boolean => createHash('sha256').update(b).digest('hex') === sha256;

/** readZstWhole of the file at `zst`; undefined when it cannot be opened (the streaming reader says why). */
function readWhole(zst: string): WholeZst | undefined {
  let fd: number;
  try {
    fd = fs.openSync(zst, 'r');
  } catch {
    return undefined;
  }
  try {
    return readZstWhole(fd, fs.fstatSync(fd).size);
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}
