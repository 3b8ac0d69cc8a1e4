// A range of a file read whole (readSync may return less than asked): the one read loop the passes
// that read by offset share.
import * as fs from 'node:fs';

/**
 * Bytes [start, end) of a file (fewer at its end), in `into` when given (a scratch buffer at least that
 * big, reused by the caller: a fresh buffer per piece of a GB file is memory the GC gives back late).
 */
export function readAt(fd: number, start: number, end: number, into?: Buffer): Buffer {
  const b = into ? into.subarray(0, end - start) : Buffer.allocUnsafe(end - start);
  let got = 0;
  while (got < b.length) {
    const n = fs.readSync(fd, b, got, b.length - got, start + got);
    if (n <= 0) break;
    got += n;
  }
  return got === b.length ? b : b.subarray(0, got);
}
