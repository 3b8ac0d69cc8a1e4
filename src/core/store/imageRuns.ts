// Where images sit in a stretch of a rollout's bytes: runs of base64 at least MIN_RUN long, with the
// escapes a writer may put inside one (`\/`, and `\n` / `\r\n` of MIME line wrapping) and the
// `data:image/…;base64,` header right before it. What a reverse patch refers to the store instead of keeping.
import * as fs from 'node:fs';
import { B64, MIN_RUN } from '../rollout/embeddedBase64';

const DIGIT = 1;
const UPPER = 2;
const LOWER = 4;
function classOf(b: number): number {
  if (b >= 0x30 && b <= 0x39) return DIGIT;
  if (b >= 0x41 && b <= 0x5a) return UPPER;
  if (b >= 0x61 && b <= 0x7a) return LOWER;
  return 0;
}

/** Base64 letters, URL-safe letters and padding. */
const LETTER = new Uint8Array(256);
for (let i = 0; i < 256; i++) LETTER[i] = B64[i];
LETTER[0x2d] = LETTER[0x5f] = LETTER[0x3d] = 1; // - _ =

const PIECE = 1024 * 1024;

/** An image's bytes in the file: [start, end), the first `prefixLen` of them a data URL header. */
export interface ImageRun {
  start: number;
  end: number;
  prefixLen: number;
}

/**
 * Base64 runs in bytes [start, end) of the file (which must start outside any JSON escape): at least
 * MIN_RUN bytes, with digits, upper- and lower-case letters (so long words and hex are passed over).
 */
export function imageRuns(fd: number, start: number, end: number): ImageRun[] {
  const runs: ImageRun[] = [];
  if (end - start < MIN_RUN) return runs;
  const buf = Buffer.allocUnsafe(PIECE + 8);
  let runStart = -1;
  let mix = 0;
  let skip = 0; // bytes of an escape (outside a run) still to pass over
  const close = (at: number) => {
    if (runStart >= 0 && at - runStart >= MIN_RUN && mix === (DIGIT | UPPER | LOWER))
      runs.push(withHeader(fd, runStart, at, start));
    runStart = -1;
    mix = 0;
  };
  for (let pos = start; pos < end;) {
    // read a few bytes past the piece: an escape's second byte decides where a run ends
    const n = fs.readSync(fd, buf, 0, Math.min(PIECE + 8, end - pos), pos);
    if (n <= 0) break;
    const usable = Math.min(n, PIECE);
    let i = 0;
    while (i < usable) {
      const b = buf[i];
      if (skip > 0) {
        skip--;
        i++;
        continue;
      }
      if (LETTER[b]) {
        if (runStart < 0) runStart = pos + i;
        mix |= classOf(b);
        i++;
        continue;
      }
      if (b === 0x5c) {
        const next = i + 1 < n ? buf[i + 1] : -1;
        if (runStart >= 0 && next === 0x2f) {
          i += 2; // `\/` inside base64
          continue;
        }
        if (runStart >= 0 && (next === 0x6e || next === 0x72)) {
          i += 2; // an end-of-line escape inside base64 (MIME wrapping)
          continue;
        }
        close(pos + i);
        skip = next === 0x75 ? 5 : 1; // \uXXXX or a two-byte escape
        i++;
        continue;
      }
      close(pos + i);
      i++;
    }
    pos += i;
  }
  if (runStart >= 0) close(end);
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
