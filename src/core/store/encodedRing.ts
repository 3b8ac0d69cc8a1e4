// Encoded images kept in one buffer used round and round: what a rebuild from restore data writes for
// a store image (its stored form) is kept for the next copy, and the next thread, of the same image.
import { StoredForm, encodeStored } from './storedForm';

/**
 * A new image goes after the last one (at the start when it does not fit there), and the images it is
 * written over, the oldest, are dropped. One buffer, not one per image: those (three copies each on the
 * way) were garbage that only V8's full collections freed, and it piled up in the worker's malloc arena.
 */
export class EncodedRing {
  private readonly at = new Map<string, [number, number]>();
  private buf: Buffer | undefined;
  private used = 0;

  constructor(readonly size: number) {}

  /** The kept bytes for `key`, valid until the next keep(). */
  get(key: string): Buffer | undefined {
    const span = this.at.get(key);
    return span && this.buf!.subarray(span[0], span[1]);
  }

  /** The stored form of `decoded`, kept under `key`; undefined when it is bigger than the whole buffer. */
  keep(key: string, decoded: Buffer, form: StoredForm): Buffer | undefined {
    const buf = (this.buf ??= Buffer.allocUnsafeSlow(this.size));
    for (let start = this.used; ; start = 0) {
      let end = start;
      encodeStored(decoded, form, (b) => {
        if (end + b.length <= buf.length) b.copy(buf, end);
        end += b.length;
      });
      // what was kept where this was written (whole or, when it did not fit, in part) is gone
      const written = Math.min(end, buf.length);
      for (const [k, [s, e]] of this.at) if (s < written && e > start) this.at.delete(k);
      if (end <= buf.length) {
        this.at.set(key, [start, end]);
        this.used = end;
        return buf.subarray(start, end);
      }
      if (start === 0) {
        this.used = 0;
        return undefined;
      }
    }
  }

  /** Drop everything kept. */
  forget(): void {
    this.at.clear();
    this.used = 0;
  }
}
