// Images hiding in text: base64 runs inside strings that are not image URLs themselves — the
// second copy of MCP tool results (raw base64 in a JSON document inside a string) and data:image
// URLs printed inside tool output. Shared by the scan (to count them) and the repair (to cut them).
import * as fs from 'node:fs';
import { BigStr, JsonObject, JsonValue, isObject } from './jsonSkeleton';
import { Classified, isImageString, walk } from './format';
import { isBrokenImageHolder } from './imageUrl';

/** A base64 run at least this long inside text is taken for embedded binary data. */
export const MIN_RUN = 1024;

/** 1 for the bytes of the base64 alphabet (without '='). */
export const B64 = new Uint8Array(256);
for (const ch of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') B64[ch.charCodeAt(0)] = 1;

/** Keys whose strings are opaque on purpose (encrypted reasoning, compaction) and never touched. */
const OPAQUE_KEYS = new Set(['encrypted_content', 'signature', 'id', 'call_id']);
/** In what the model sees, only these strings are text a tool or a person produced. */
const TEXT_KEYS = new Set(['text', 'output', 'content']);

export type TextVisit = (v: string | BigStr, parent: JsonObject | JsonValue[], key: string | number) => void;

/** Which strings of a line may hide images: 'ui' every string (UI events), 'item' only text fields. */
export type TextScope = 'ui' | 'item';

/** The strings of this line forEachTextString looks at; undefined: none. */
export function textScope(c: Classified): TextScope | undefined {
  if (c.lineType === 'event_msg' || c.lineType === 'world_state') return 'ui';
  if (c.lineType === 'response_item' || c.lineType === 'compacted') return 'item';
  return undefined;
}

/** A broken `input_image` or a generated image: neither it nor anything inside holds text. */
export function hidesText(v: JsonValue): boolean {
  return isBrokenImageHolder(v) || (isObject(v) && v.type === 'image_generation_call');
}

/** Is a string under `key` text in this scope (image URLs and opaque fields are not)? */
export function isTextString(v: string | BigStr, key: string | number, scope: TextScope): boolean {
  if (isImageString(v) || (typeof key === 'string' && OPAQUE_KEYS.has(key))) return false;
  return scope === 'ui' || typeof key === 'number' || TEXT_KEYS.has(key);
}

/**
 * Strings of a line that may hold embedded images: every string of a UI event (event_msg,
 * world_state), and tool-output / message text in response items and compaction snapshots.
 * Image URLs, generated images, broken `input_image`s and opaque fields are left out.
 */
export function forEachTextString(c: Classified, visit: TextVisit): void {
  const scope = textScope(c);
  if (!scope) return;
  walk(c.payload, (v, parent, key) => {
    if (parent === undefined || key === undefined) return;
    if (hidesText(v)) return false; // nor inside
    if (typeof v !== 'string' && !(v instanceof BigStr)) return;
    if (isTextString(v, key, scope)) visit(v, parent, key);
  });
}

/** What a run's first bytes say it is. */
export function runKind(head: string): string {
  if (head.startsWith('iVBORw0KGgo')) return 'image/png';
  if (head.startsWith('/9j/')) return 'image/jpeg';
  if (head.startsWith('R0lGOD')) return 'image/gif';
  if (head.startsWith('UklGR')) return 'image/webp';
  return 'base64 data';
}

const BIG_HINT = /\\?"type\\?"\s*:\s*\\?"image\\?"|data:image\/|iVBORw0KGgo|\/9j\/4/;

/** Strings left in the file up to this size are scanned byte by byte by the scan; longer ones are judged by their start. */
const SCAN_READ_MAX = 8 * 1024 * 1024;

/**
 * Bytes of embedded base64 in one string, for the scan: exact for strings held in memory and, given
 * the file (`fd`), for strings left in it; otherwise the whole string when its start shows an image.
 */
export function embeddedBase64Bytes(v: string | BigStr, fd?: number, held?: HeldBytes): number {
  if (v instanceof BigStr) {
    if (fd === undefined || v.byteLength > SCAN_READ_MAX) return BIG_HINT.test(v.prefix) ? v.byteLength : 0;
    if (v.byteLength < MIN_RUN) return 0; // no run fits
    const inMemory = held && v.start >= held.start && v.end <= held.start + held.bytes.length;
    const src = inMemory ? new HeldSource(held) : new FileSource(fd);
    return runsOf(src, v.start, v.end).reduce((n, [a, b]) => n + b - a, 0);
  }
  return textRunBytes(v);
}

/** Bytes of the file already in memory (`bytes[0]` is the file's byte `start`), to read instead of it. */
export interface HeldBytes {
  bytes: Buffer;
  start: number;
}

/**
 * Total length of the mixed runs of /[A-Za-z0-9+/]{MIN_RUN,}={0,2}/g in a decoded string. A run that
 * long covers one of every MIN_RUN-th characters, so only those are looked at until one is base64.
 */
function textRunBytes(v: string): number {
  let n = 0;
  let i = 0; // v[i - 1] (if any) is not base64: no run goes on through i
  while (v.length - i >= MIN_RUN) {
    const j = i + MIN_RUN - 1;
    if (!isB64Code(v.charCodeAt(j))) {
      i = j + 1;
      continue;
    }
    let a = j;
    while (a > i && isB64Code(v.charCodeAt(a - 1))) a--;
    let b = j + 1;
    while (b < v.length && isB64Code(v.charCodeAt(b))) b++;
    if (b - a >= MIN_RUN) {
      const mixed = mixOf(v, a, b) === (DIGIT | UPPER | LOWER);
      if (v.charCodeAt(b) === 0x3d) b += v.charCodeAt(b + 1) === 0x3d ? 2 : 1;
      if (mixed) n += b - a;
    }
    i = b;
  }
  return n;
}

function isB64Code(c: number): boolean {
  return c < 128 && B64[c] === 1;
}

function mixOf(v: string, a: number, b: number): number {
  let mix = 0;
  for (let k = a; k < b && mix !== (DIGIT | UPPER | LOWER); k++) mix |= classOf(v.charCodeAt(k));
  return mix;
}

// Byte classes for the run scanner below: real base64 holds upper case, lower case and digits.
const ESC_FIRST = -1 >>> 0;
const DIGIT = 1;
const UPPER = 2;
const LOWER = 4;

function classOf(b: number): number {
  if (b >= 0x30 && b <= 0x39) return DIGIT;
  if (b >= 0x41 && b <= 0x5a) return UPPER;
  if (b >= 0x61 && b <= 0x7a) return LOWER;
  return 0;
}

let runPiece: Buffer | undefined;
/** Bytes read at a time (exported for tests, which cross piece boundaries). */
export const RUN_PIECE = 1024 * 1024;

/**
 * Where runsOf reads: `read` gives up to `len` bytes at `pos` (none at the end), `byteAt` one byte or -1.
 * Classes, not closures made per call: optimized runsOf then sees two call targets, not a new one each time.
 */
interface RunSource {
  read(pos: number, len: number): Buffer;
  byteAt(at: number): number;
}

class FileSource implements RunSource {
  private readonly piece = (runPiece ??= Buffer.allocUnsafe(RUN_PIECE));
  constructor(private readonly fd: number) {}
  read(pos: number, len: number): Buffer {
    const n = fs.readSync(this.fd, this.piece, 0, Math.min(this.piece.length, len), pos);
    return this.piece.subarray(0, Math.max(0, n));
  }
  byteAt(at: number): number {
    return byteAt(this.fd, at);
  }
}

/** Reads bytes held in memory; the caller checks they cover what is read. */
class HeldSource implements RunSource {
  constructor(private readonly h: HeldBytes) {}
  read(pos: number, len: number): Buffer {
    const h = this.h;
    return h.bytes.subarray(pos - h.start, pos - h.start + len);
  }
  byteAt(at: number): number {
    const h = this.h;
    return at >= h.start && at < h.start + h.bytes.length ? h.bytes[at - h.start] : -1;
  }
}

/**
 * Runs [a, b) of base64 at least MIN_RUN long (with their '=' padding) in bytes [start, end), never
 * inside an escape. Byte by byte only where a run may be: outside a run, one long enough covers the
 * byte MIN_RUN - 1 ahead, so when that byte is not base64 the bytes up to it are passed over.
 */
export function base64Runs(fd: number, start: number, end: number): [number, number][] {
  return runsOf(new FileSource(fd), start, end);
}

/** base64Runs from any source: the same runs however the bytes come in pieces. */
function runsOf(src: RunSource, start: number, end: number): [number, number][] {
  const runs: [number, number][] = [];
  if (end - start < MIN_RUN) return runs;
  let runStart = -1;
  let mix = 0;
  let esc = 0; // bytes of an escape still to skip; ESC_FIRST: the character after the backslash
  const close = (at: number, next: number) => {
    if (runStart >= 0 && at - runStart >= MIN_RUN && mix === (DIGIT | UPPER | LOWER)) {
      let b = at;
      if (next === 0x3d) b++; // '=' padding, read below when there is a second one
      runs.push([runStart, b]);
    }
    runStart = -1;
    mix = 0;
  };
  read: for (let pos = start; pos < end;) {
    const piece = src.read(pos, end - pos);
    const n = piece.length;
    if (n <= 0) break;
    let exactUntil = 0; // bytes before this index are read one by one
    let i = 0;
    while (i < n) {
      if (esc === 0 && runStart < 0 && i >= exactUntil) {
        if (end - (pos + i) < MIN_RUN) break read; // no run can start and still be long enough
        const j = i + MIN_RUN - 1;
        if (j < n) {
          if (B64[piece[j]]) {
            // A run may cover j: read from the start of its letters (from where the escape state is known).
            let a = j;
            while (a > i && B64[piece[a - 1]]) a--;
            i = escapeFree(piece, i, a);
          } else {
            const q = escapeFree(piece, i, j + 1);
            if (q === j + 1) {
              i = q; // not in an escape after j, and no run open: skip [i, j]
              continue;
            }
            i = q;
          }
          exactUntil = j + 1;
        }
      }
      const byte = piece[i++];
      if (esc > 0) {
        // inside an escape (\n, \", \uXXXX): never part of a run
        esc = esc === ESC_FIRST && byte === 0x75 ? 4 : esc === ESC_FIRST ? 0 : esc - 1;
      } else if (byte === 0x5c) {
        if (runStart >= 0) close(pos + i - 1, byte);
        esc = ESC_FIRST;
      } else if (B64[byte]) {
        if (runStart < 0) runStart = pos + i - 1;
        mix |= classOf(byte);
        if (mix === (DIGIT | UPPER | LOWER)) while (i < n && B64[piece[i]]) i++;
      } else if (runStart >= 0) close(pos + i - 1, byte);
    }
    pos += n;
  }
  close(end, -1);
  // second '=' of the padding
  for (const r of runs) if (r[1] < end && src.byteAt(r[1] - 1) === 0x3d && src.byteAt(r[1]) === 0x3d) r[1]++;
  return runs;
}

/**
 * The last index q <= `at` (and >= `from`, where no escape or run is open) that no escape reaches: no
 * backslash in the 5 bytes before it (an escape is at most `\uXXXX`). A run started in [from, at)
 * ends before `at` and is too short to count, so reading on from q with no run open finds the same runs.
 */
function escapeFree(piece: Buffer, from: number, at: number): number {
  let q = at;
  for (;;) {
    const lo = Math.max(from, q - 5);
    let k = lo;
    while (k < q && piece[k] !== 0x5c) k++;
    if (k === q) return q;
    q = k;
  }
}

function byteAt(fd: number, at: number): number {
  const one = Buffer.alloc(1);
  return fs.readSync(fd, one, 0, 1, at) === 1 ? one[0] : -1;
}
