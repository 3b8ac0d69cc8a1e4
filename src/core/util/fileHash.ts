// A file's sha256, read in pieces into one buffer this thread reuses (a fresh multi-MB buffer per
// file costs page faults and peak memory in a reclaim worker that hashes every thread's files).
import * as fs from 'node:fs';
import { createHash } from 'node:crypto';

let piece: Buffer | undefined;

/** sha256 of a file (of its first `limit` bytes, with a limit). */
export function sha256File(file: string, o: { limit?: number; onProgress?: (done: number) => void } = {}): string {
  const limit = o.limit ?? Infinity;
  const buf = (piece ??= Buffer.allocUnsafe(1024 * 1024));
  const fd = fs.openSync(file, 'r');
  try {
    const hash = createHash('sha256');
    for (let pos = 0; pos < limit;) {
      const n = fs.readSync(fd, buf, 0, Math.min(buf.length, limit - pos), pos);
      if (n <= 0) break;
      hash.update(buf.subarray(0, n));
      pos += n;
      o.onProgress?.(pos);
    }
    return hash.digest('hex');
  } finally {
    fs.closeSync(fd);
  }
}
