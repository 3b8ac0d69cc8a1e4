// One reusable buffer per purpose and thread of execution. A reclaim worker repairs thread after thread;
// a fresh multi-MiB buffer per pass costs a page fault per 4 KiB and, once freed, raises glibc's mmap
// threshold, so later buffers of every size pile up in the thread's malloc arena (80 MB of a reclaim's
// RSS before these). A nested use (a pass within a pass) while the buffer is out gets a fresh one.

import { freeNow } from './freeBuffer';

export class ScratchBuffer {
  private buf: Buffer | undefined;
  private out = false;

  /**
   * `size`: what take() hands out by default; a bigger ask grows the buffer, which is kept while it is
   * at most `keepMax` bytes (a rare huge image's buffer is not held for the thread's life).
   */
  constructor(
    private readonly size: number,
    private readonly keepMax = size,
  ) {}

  /** A buffer of at least `bytes` until give(); fresh when the shared one is out. */
  take(bytes = this.size): Buffer {
    if (this.out) return Buffer.allocUnsafeSlow(bytes);
    this.out = true;
    if (!this.buf || this.buf.length < bytes) this.buf = Buffer.allocUnsafeSlow(Math.ceil(bytes / 65536) * 65536);
    return this.buf;
  }

  /** Hand back what take() returned (a fresh buffer, or one grown past keepMax, is freed now). */
  give(b: Buffer): void {
    if (b !== this.buf) return freeNow(b);
    this.out = false;
    if (b.length > this.keepMax) {
      this.buf = undefined;
      freeNow(b);
    }
  }
}
