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

/**
 * Strings of a line that may hold embedded images: every string of a UI event (event_msg,
 * world_state), and tool-output / message text in response items and compaction snapshots.
 * Image URLs, generated images, broken `input_image`s and opaque fields are left out.
 */
export function forEachTextString(c: Classified, visit: TextVisit): void {
  const ui = c.lineType === 'event_msg' || c.lineType === 'world_state';
  if (!ui && c.lineType !== 'response_item' && c.lineType !== 'compacted') return;
  const skip = new Set<JsonValue>();
  walk(c.payload, (v, parent, key) => {
    if (parent === undefined || key === undefined) return;
    if (skip.has(parent as JsonValue)) {
      if (v !== null && typeof v === 'object') skip.add(v);
      return;
    }
    if (isBrokenImageHolder(v) || (isObject(v) && v.type === 'image_generation_call')) {
      skip.add(v);
      return;
    }
    if (typeof v !== 'string' && !(v instanceof BigStr)) return;
    if (isImageString(v) || (typeof key === 'string' && OPAQUE_KEYS.has(key))) return;
    if (!ui && !(typeof key === 'number' || TEXT_KEYS.has(key))) return;
    visit(v, parent, key);
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

const RUN_RE = new RegExp(`[A-Za-z0-9+/]{${MIN_RUN},}={0,2}`, 'g');
const BIG_HINT = /\\?"type\\?"\s*:\s*\\?"image\\?"|data:image\/|iVBORw0KGgo|\/9j\/4/;

/** Strings left in the file up to this size are scanned byte by byte by the scan; longer ones are judged by their start. */
const SCAN_READ_MAX = 8 * 1024 * 1024;

/**
 * Bytes of embedded base64 in one string, for the scan: exact for strings held in memory and, given
 * the file (`fd`), for strings left in it; otherwise the whole string when its start shows an image.
 */
export function embeddedBase64Bytes(v: string | BigStr, fd?: number): number {
  if (v instanceof BigStr) {
    if (fd === undefined || v.byteLength > SCAN_READ_MAX) return BIG_HINT.test(v.prefix) ? v.byteLength : 0;
    return base64Runs(fd, v.start, v.end).reduce((n, [a, b]) => n + b - a, 0);
  }
  if (v.length < MIN_RUN) return 0;
  let n = 0;
  for (const m of v.matchAll(RUN_RE)) if (isMixed(m[0])) n += m[0].length;
  return n;
}

/** Real base64 mixes cases and digits; a long run of one letter or of hex is something else. */
export function isMixed(s: string): boolean {
  return /[A-Z]/.test(s) && /[a-z]/.test(s) && /[0-9]/.test(s);
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

/** Runs [a, b) of base64 at least MIN_RUN long (with their '=' padding) in bytes [start, end). */
export function base64Runs(fd: number, start: number, end: number): [number, number][] {
  const runs: [number, number][] = [];
  const piece = (runPiece ??= Buffer.allocUnsafe(1024 * 1024));
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
  for (let pos = start; pos < end;) {
    const n = fs.readSync(fd, piece, 0, Math.min(piece.length, end - pos), pos);
    if (n <= 0) break;
    for (let i = 0; i < n; i++) {
      const byte = piece[i];
      if (esc > 0) {
        // inside an escape (\n, \", \uXXXX): never part of a run
        esc = esc === ESC_FIRST && byte === 0x75 ? 4 : esc === ESC_FIRST ? 0 : esc - 1;
        continue;
      }
      if (byte === 0x5c) {
        if (runStart >= 0) close(pos + i, byte);
        esc = ESC_FIRST;
        continue;
      }
      if (B64[byte]) {
        if (runStart < 0) runStart = pos + i;
        mix |= classOf(byte);
      } else if (runStart >= 0) close(pos + i, byte);
    }
    pos += n;
  }
  close(end, -1);
  // second '=' of the padding
  for (const r of runs) if (r[1] < end && byteAt(fd, r[1] - 1) === 0x3d && byteAt(fd, r[1]) === 0x3d) r[1]++;
  return runs;
}

function byteAt(fd: number, at: number): number {
  const one = Buffer.alloc(1);
  return fs.readSync(fd, one, 0, 1, at) === 1 ? one[0] : -1;
}
