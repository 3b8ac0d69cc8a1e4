// .zst files both ways: written with Node's own zstd (node:zlib, from Node 22.15 — VS Code's Node),
// synchronously (the worker's passes are synchronous); read back into a plain temp file, for the passes
// that need byte offsets, with the one streaming reader (rollout/reader.ts: Node's zstd through a
// helper thread, or fzstd).
import * as fs from 'node:fs';
import { createHash } from 'node:crypto';
import { describeWriteError, removeQuietly, tempBeside } from '../util/atomicWrite';
import { readRollout } from '../rollout/reader';
import { zlib } from '../util/lazyModules';

type ZstdZlib = { zstdCompressSync?: (b: Buffer) => Buffer };
const z = (): ZstdZlib => zlib() as unknown as ZstdZlib;

/** Node can write zstd (22.15 and later). */
export function canWriteZstd(): boolean {
  return typeof z().zstdCompressSync === 'function';
}

/**
 * Files are compressed a frame of this size at a time (one call each, as zstdCompressSync does): Node has
 * no synchronous streaming zstd. Codex (Rust's zstd reader) and fzstd read a file of several frames.
 */
const FRAME = 32 * 1024 * 1024;

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
    const buf = Buffer.allocUnsafe(Math.min(FRAME, Math.max(1, size)));
    for (let pos = 0; pos < size;) {
      let n = 0;
      while (n < buf.length && pos + n < size) {
        const got = fs.readSync(inFd, buf, n, buf.length - n, pos + n);
        if (got <= 0) break;
        n += got;
      }
      if (n === 0) break;
      emit(z().zstdCompressSync!(buf.subarray(0, n)));
      pos += n;
    }
    if (size === 0) emit(z().zstdCompressSync!(Buffer.alloc(0)));
    if (outFd !== undefined) fs.fsyncSync(outFd);
  } finally {
    fs.closeSync(inFd);
    if (outFd !== undefined) fs.closeSync(outFd);
  }
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

/**
 * A .zst file's content in a new temp file beside `beside` (a path whose folder and name it borrows),
 * and its sha256 (unless `hash` is false: '').
 */
export function decompressToTemp(
  zst: string,
  beside: string,
  isCancelled?: () => boolean,
  o: { hash?: boolean } = {},
): { path: string; size: number; sha256: string } {
  const tmp = tempBeside(beside, 'unzst');
  const hash = o.hash === false ? undefined : createHash('sha256');
  let size = 0;
  const fd = fs.openSync(tmp, 'wx', 0o600);
  try {
    readRollout(zst, () => undefined, {
      hashDataUrls: false,
      isCancelled,
      onDecompressed: (c) => {
        hash?.update(c);
        size += c.length;
        for (let off = 0; off < c.length;) off += fs.writeSync(fd, c, off, c.length - off);
      },
    });
  } catch (err) {
    fs.closeSync(fd);
    removeQuietly(tmp);
    throw describeWriteError(err, tmp); // our own errors (cancelled, unreadable) pass through as they are
  }
  fs.closeSync(fd);
  return { path: tmp, size, sha256: hash?.digest('hex') ?? '' };
}
