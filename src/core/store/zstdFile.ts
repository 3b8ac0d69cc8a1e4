// .zst files both ways: written with Node's own zstd (node:zlib, from Node 22.15 — VS Code's Node),
// synchronously (the worker's passes are synchronous); read back into a plain temp file, for the passes
// that need byte offsets, with the one streaming reader (fzstd, synchronous) or — where the caller can
// wait for a promise, as a reclaim worker can — Node's own decompressor, several times faster.
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import type { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createHash } from 'node:crypto';
import { describeWriteError, removeQuietly, tempBeside } from '../util/atomicWrite';
import { readRollout } from '../rollout/reader';

type ZstdZlib = { zstdCompressSync?: (b: Buffer) => Buffer; createZstdDecompress?: () => Transform };
const z = zlib as unknown as ZstdZlib;

/** Node can write zstd (22.15 and later). */
export function canWriteZstd(): boolean {
  return typeof z.zstdCompressSync === 'function';
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
      emit(z.zstdCompressSync!(buf.subarray(0, n)));
      pos += n;
    }
    if (size === 0) emit(z.zstdCompressSync!(Buffer.alloc(0)));
    if (outFd !== undefined) fs.fsyncSync(outFd);
  } finally {
    fs.closeSync(inFd);
    if (outFd !== undefined) fs.closeSync(outFd);
  }
}

/** sha256 of what zstdFile would write for `src` (nothing written). */
export function zstdSha256(src: string): string {
  const h = createHash('sha256');
  zstdFile(src, undefined, (b) => h.update(b));
  return h.digest('hex');
}

/** A .zst file's content in a new temp file beside `beside` (a path whose folder and name it borrows). */
export function decompressToTemp(
  zst: string,
  beside: string,
  isCancelled?: () => boolean,
): { path: string; size: number; sha256: string } {
  const tmp = tempBeside(beside, 'unzst');
  const hash = createHash('sha256');
  let size = 0;
  const fd = fs.openSync(tmp, 'wx', 0o600);
  try {
    readRollout(zst, () => undefined, {
      hashDataUrls: false,
      isCancelled,
      onDecompressed: (c) => {
        hash.update(c);
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
  return { path: tmp, size, sha256: hash.digest('hex') };
}

/** What a file was when it was read: the same path with the same (ino, size, mtime) is the same file. */
export interface FileState {
  ino: number;
  size: number;
  mtimeMs: number;
}

export function sameFile(a: FileState, b: FileState): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

/**
 * A .zst file's content in a new temp file beside `beside`, with Node's own zstd (asynchronous,
 * 22.15+), and the state of the .zst it read. Undefined when this Node has no zstd decompressor, the
 * file is damaged, or it changed while it was read: the caller then decompresses synchronously, as
 * before (and a damaged file is described in the synchronous reader's words).
 */
export async function decompressToTempNative(
  zst: string,
  beside: string,
): Promise<{ path: string; of: FileState } | undefined> {
  if (typeof z.createZstdDecompress !== 'function') return undefined;
  const before = fs.statSync(zst);
  const tmp = tempBeside(beside, 'unzst');
  try {
    await pipeline(
      fs.createReadStream(zst, { highWaterMark: 256 * 1024 }),
      z.createZstdDecompress(),
      fs.createWriteStream(tmp, { flags: 'wx', mode: 0o600 }),
    );
  } catch {
    removeQuietly(tmp);
    return undefined;
  }
  const after = fs.statSync(zst);
  if (!sameFile(before, after)) {
    removeQuietly(tmp);
    return undefined;
  }
  return { path: tmp, of: { ino: after.ino, size: after.size, mtimeMs: after.mtimeMs } };
}
