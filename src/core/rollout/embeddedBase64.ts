// Images hiding in text: base64 runs inside strings that are not image URLs themselves — the
// second copy of MCP tool results (raw base64 in a JSON document inside a string) and data:image
// URLs printed inside tool output. Shared by the scan (to count them) and the repair (to cut them).
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

/**
 * Bytes of embedded base64 in one string, for the scan: exact for strings held in memory; for
 * strings left in the file, the whole string when its first bytes show an image document.
 */
export function embeddedBase64Bytes(v: string | BigStr): number {
  if (v instanceof BigStr) return BIG_HINT.test(v.prefix) ? v.byteLength : 0;
  if (v.length < MIN_RUN) return 0;
  let n = 0;
  for (const m of v.matchAll(RUN_RE)) if (isMixed(m[0])) n += m[0].length;
  return n;
}

/** Real base64 mixes cases and digits; a long run of one letter or of hex is something else. */
export function isMixed(s: string): boolean {
  return /[A-Z]/.test(s) && /[a-z]/.test(s) && /[0-9]/.test(s);
}
