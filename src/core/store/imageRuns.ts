// Where images sit in a stretch of a rollout's bytes: runs of base64 at least MIN_RUN long, with the
// escapes a writer may put inside one (`\/`, and `\n` / `\r\n` of MIME line wrapping) and the
// `data:image/…;base64,` header right before it. What a reverse patch refers to the store instead of keeping.
import * as fs from 'node:fs';
import { MIN_RUN } from '../rollout/embeddedBase64';

/** An image's bytes in the file: [start, end), the first `prefixLen` of them a data URL header. */
export interface ImageRun {
  start: number;
  end: number;
  prefixLen: number;
}

const PIECE = 1024 * 1024;
/** Base64 letters (either alphabet, padding) and the escapes a writer may put inside base64. */
const RUN = /(?:[A-Za-z0-9+/=_-]|\\[/nr])+/g;
const MIXED = [/[0-9]/, /[A-Z]/, /[a-z]/];

/**
 * Base64 runs in bytes [start, end) of the file (which must start outside any JSON escape): at least
 * MIN_RUN bytes, with digits, upper- and lower-case letters (so long words and hex are passed over).
 * Read a piece at a time as latin1 text for the regular expression engine (a byte loop in JavaScript
 * costs ~10 ns a byte; base64 is most of a big rollout). A run found here that is not really base64
 * (it took in an escape's letters) only ends up kept verbatim: the patch is checked by a rebuild.
 */
export function imageRuns(fd: number, start: number, end: number): ImageRun[] {
  const runs: ImageRun[] = [];
  if (end - start < MIN_RUN) return runs;
  const buf = Buffer.allocUnsafe(PIECE);
  let open: { start: number; mix: number } | undefined;
  const mixOf = (t: string, mix: number) =>
    MIXED.reduce((m, re, k) => (m & (1 << k) || !re.test(t) ? m : m | (1 << k)), mix);
  const close = (at: number) => {
    if (open && at - open.start >= MIN_RUN && open.mix === 7) runs.push(withHeader(fd, open.start, at, start));
    open = undefined;
  };
  let prev = -1; // the byte before the piece
  for (let pos = start; pos < end;) {
    let n = fs.readSync(fd, buf, 0, Math.min(PIECE, end - pos), pos);
    if (n <= 0) break;
    // never split an escape between two pieces
    if (n > 1 && pos + n < end && buf[n - 1] === 0x5c) n--;
    const text = buf.toString('latin1', 0, n);
    RUN.lastIndex = 0;
    let m = RUN.exec(text);
    if (open && m?.index !== 0) close(pos); // the run ended with the last piece
    for (; m; m = RUN.exec(text)) {
      let a = m.index;
      const b = a + m[0].length;
      if (open) open.mix = mixOf(m[0], open.mix);
      else {
        const before = a > 0 ? text.charCodeAt(a - 1) : prev;
        if (before === 0x5c) a += m[0][0] === 'u' ? 5 : 1; // the letters of an escape (\uXXXX, \n …) are no base64
        if (b - a <= 0) continue;
        open = { start: pos + a, mix: mixOf(text.slice(a, b), 0) };
      }
      if (b < n) close(pos + b); // else it may go on in the next piece
    }
    prev = buf[n - 1];
    pos += n;
  }
  close(end);
  return runs.map((r) => trimEol(fd, r));
}

/** A run ends in letters or padding, not in a line-end escape (that one is kept outside it). */
function trimEol(fd: number, r: ImageRun): ImageRun {
  const tail = Buffer.alloc(4);
  const from = Math.max(r.start, r.end - 4);
  const n = fs.readSync(fd, tail, 0, r.end - from, from);
  const t = tail.toString('latin1', 0, n);
  if (/\\r\\n$/.test(t)) return { ...r, end: r.end - 4 };
  if (/\\[nr]$/.test(t)) return { ...r, end: r.end - 2 };
  return r;
}

/** The run with the `data:<type>;base64,` header right before it, when there is one. */
function withHeader(fd: number, a: number, b: number, min: number): ImageRun {
  const start = dataUrlStart(fd, a, min);
  return { start, end: b, prefixLen: a - start };
}

/** Start of a `data:image/…;base64,` header right before byte `a` (not reading below `min`), else `a`. */
export function dataUrlStart(fd: number, a: number, min: number): number {
  const from = Math.max(min, a - 64);
  const buf = Buffer.alloc(a - from);
  fs.readSync(fd, buf, 0, buf.length, from);
  const m = /data:[a-z]+\/[a-z0-9.+-]+;base64,$/i.exec(buf.toString('latin1'));
  return m ? from + m.index : a;
}
