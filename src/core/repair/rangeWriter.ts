// Writes a copy of a file with some byte ranges replaced. Unchanged stretches are copied in
// large reads straight from the source (consecutive lines coalesce), never through JS strings.
import * as fs from 'node:fs';
import { describeWriteError } from '../util/atomicWrite';
import { RescueError } from '../util/errors';
import { ScratchBuffer } from '../util/scratchBuffer';

export interface Edit {
  /** Absolute source range [start, end) to replace with `bytes`. */
  start: number;
  end: number;
  bytes: Buffer;
}

/** Unchanged stretches go through this buffer (1 MiB pieces: as fast as bigger ones from the page cache). */
const COPY_BUF = 1024 * 1024;
const copyBuf = new ScratchBuffer(COPY_BUF);
/** Contiguous copies are coalesced up to this long before they are written out. */
const MAX_PENDING = 512 * 1024 * 1024;

export class RangeWriter {
  private readonly fd: number;
  private pendStart = 0;
  private pendEnd = 0;
  bytesWritten = 0;
  private closed = false;

  constructor(
    private readonly srcFd: number,
    private readonly dest: string,
    flags = 'wx',
  ) {
    try {
      this.fd = fs.openSync(dest, flags, 0o600);
    } catch (err) {
      throw describeWriteError(err, dest);
    }
  }

  /** Where the next byte goes in the copy (pending copies included). */
  get position(): number {
    return this.bytesWritten + (this.pendEnd - this.pendStart);
  }

  /** Copy source bytes [start, end) (coalesced with the previous copy when contiguous). */
  copy(start: number, end: number): void {
    if (end <= start) return;
    if (start === this.pendEnd && this.pendEnd > this.pendStart) {
      this.pendEnd = end;
    } else {
      this.flush();
      this.pendStart = start;
      this.pendEnd = end;
    }
    if (this.pendEnd - this.pendStart >= MAX_PENDING) this.flush();
  }

  /** A line [start, end) with edits (any order, non-overlapping). */
  line(start: number, end: number, edits: Edit[]): void {
    if (edits.length === 0) return this.copy(start, end);
    edits.sort((a, b) => a.start - b.start);
    let pos = start;
    for (const e of edits) {
      if (e.start < pos) continue; // overlapping edit (nested value already replaced): skip it
      this.copy(pos, e.start);
      this.write(e.bytes);
      pos = e.end;
    }
    this.copy(pos, end);
  }

  write(bytes: Buffer): void {
    this.flush();
    this.writeAll(bytes, 0, bytes.length);
  }

  finish(): void {
    this.flush();
    try {
      fs.fsyncSync(this.fd);
    } catch (err) {
      throw describeWriteError(err, this.dest);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }

  private flush(): void {
    let pos = this.pendStart;
    const end = this.pendEnd;
    this.pendStart = this.pendEnd = 0;
    if (pos >= end) return;
    const buf = copyBuf.take();
    try {
      while (pos < end) {
        const n = fs.readSync(this.srcFd, buf, 0, Math.min(buf.length, end - pos), pos);
        if (n <= 0)
          throw new RescueError(
            'changed-during-run',
            'the original file got shorter while it was being copied; is Codex still writing it? (nothing was changed)',
          );
        this.writeAll(buf, 0, n);
        pos += n;
      }
    } finally {
      copyBuf.give(buf);
    }
  }

  private writeAll(b: Buffer, off: number, len: number): void {
    try {
      while (len > 0) {
        const n = fs.writeSync(this.fd, b, off, len);
        off += n;
        len -= n;
        this.bytesWritten += n;
      }
    } catch (err) {
      throw describeWriteError(err, this.dest);
    }
  }
}

/** How many backslashes end just before `end` in the file (not reading below `min`). */
function backslashesBefore(fd: number, end: number, min: number): number {
  const buf = Buffer.alloc(4096);
  let count = 0;
  while (end > min) {
    const len = Math.min(buf.length, end - min);
    const n = fs.readSync(fd, buf, 0, len, end - len);
    let k = n - 1;
    while (k >= 0 && buf[k] === 0x5c) k--;
    count += n - 1 - k;
    if (k >= 0 || n < len) return count;
    end -= len;
  }
  return count;
}

/**
 * Move `p` back to a place where raw JSON string content can be cut: not inside an escape
 * (`\n`, `\"`, `\uXXXX`), not between the two halves of a surrogate pair, not inside a UTF-8
 * sequence. Never goes below `min`.
 */
export function safeCutPoint(fd: number, p: number, min: number): number {
  const from = Math.max(min, p - 32);
  const win = Buffer.alloc(p - from + 1);
  const n = fs.readSync(fd, win, 0, win.length, from);
  const at = (i: number) => (i - from >= 0 && i - from < n ? win[i - from] : -1);
  // Is there a real escape starting at i? (odd number of backslashes ending at i)
  const escapeAt = (i: number) => {
    if (at(i) !== 0x5c) return false;
    let run = 0;
    let j = i;
    for (; j >= from && at(j) === 0x5c; j--) run++;
    if (j < from) run += backslashesBefore(fd, from, min); // the run goes on before the window
    return run % 2 === 1;
  };
  for (let guard = 0; guard < 8 && p > min; guard++) {
    let moved = false;
    // inside or right after a \uXXXX escape?
    for (let d = 1; d <= 6; d++) {
      const i = p - d;
      if (i < from || !escapeAt(i) || at(i + 1) !== 0x75) continue;
      if (d < 6) {
        p = i; // cut would fall inside the escape
        moved = true;
      } else {
        const hex = String.fromCharCode(at(i + 2), at(i + 3), at(i + 4), at(i + 5)).toLowerCase();
        if (/^d[89ab]/.test(hex)) {
          p = i; // right after a high surrogate: keep the pair together
          moved = true;
        }
      }
      break;
    }
    if (moved) continue;
    if (p - 1 >= from && escapeAt(p - 1)) {
      p -= 1; // between a backslash and the character it escapes
      continue;
    }
    if ((at(p) & 0xc0) === 0x80) {
      p -= 1; // inside a UTF-8 sequence
      continue;
    }
    break;
  }
  return Math.max(min, p);
}
