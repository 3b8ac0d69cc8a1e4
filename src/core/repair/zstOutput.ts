// A repaired .zst thread written back as .zst: the verified plain output compressed beside the
// original with Node's built-in zstd (Node 22.15+; Codex's own readers take it), then read back
// through the reader's own decompression and compared by sha256 before anything is swapped.
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { createHash } from 'node:crypto';
import { readRollout } from '../rollout/reader';
import { describeWriteError, removeQuietly, tempBeside } from '../util/atomicWrite';
import { CancelledError, RescueError } from '../util/errors';

type ZstdSync = (buf: Buffer, opts?: object) => Buffer;
const compressSync = (zlib as unknown as { zstdCompressSync?: ZstdSync }).zstdCompressSync;

/** Whether this Node can write zstd (older ones leave a repaired .zst thread as plain .jsonl). */
export function canWriteZstd(): boolean {
  return typeof compressSync === 'function';
}

/** Compressed in frames of this many input bytes: flat memory for any size (frames concatenate). */
const FRAME = 8 * 1024 * 1024;

/** Compress `plain` into a temp file beside `target` and prove it decompresses to the same bytes. */
export function compressVerified(plain: string, target: string, isCancelled?: () => boolean): string {
  if (!compressSync) throw new RescueError('unsupported', 'this Node has no zstd (Node 22.15 or newer writes it)');
  const tmp = tempBeside(target, 'rezst');
  const want = createHash('sha256');
  const buf = Buffer.allocUnsafe(FRAME);
  let src: number | undefined;
  let out: number | undefined;
  try {
    src = fs.openSync(plain, 'r');
    out = fs.openSync(tmp, 'wx', 0o600);
    for (;;) {
      if (isCancelled?.()) throw new CancelledError();
      const n = fs.readSync(src, buf, 0, FRAME, null);
      if (n <= 0) break;
      want.update(buf.subarray(0, n));
      fs.writeSync(out, compressSync(buf.subarray(0, n)));
    }
    fs.fsyncSync(out);
  } catch (err) {
    removeQuietly(tmp);
    throw describeWriteError(err, tmp);
  } finally {
    if (src !== undefined) fs.closeSync(src);
    if (out !== undefined) fs.closeSync(out);
  }
  const got = createHash('sha256');
  try {
    readRollout(tmp, () => undefined, { hashDataUrls: false, isCancelled, onDecompressed: (c) => got.update(c) });
  } catch (err) {
    removeQuietly(tmp);
    throw err;
  }
  if (got.digest('hex') !== want.digest('hex')) {
    removeQuietly(tmp);
    throw new RescueError(
      'verify-failed',
      'The compressed repaired copy did not read back as the verified one, so the original was left untouched. Please report this.',
    );
  }
  return tmp;
}
