// What a half-repaired or unusual thread hides, measured line by line: image references the API
// rejects, recorded "Invalid … image_url" errors, base64 images tucked inside text, and a paginated
// thread's records whose ordinals are missing, repeated or out of order.
import { Classified } from '../rollout/format';
import { get, isObject, str } from '../rollout/jsonSkeleton';
import { imageUrlError } from '../rollout/imageUrl';
import { MIN_RUN } from '../rollout/embeddedBase64';

export interface DamageMetrics {
  /** `input_image`s whose URL the API rejects, anywhere in the file. */
  brokenImages: number;
  /** Of those, the ones the next request carries (newest compaction onwards). */
  brokenImagesLive: number;
  brokenFirstLine?: number;
  imageUrlErrors: { count: number; lastAt?: string; lastMessage?: string };
  /** Base64 runs inside text (MCP result copies, data URLs printed in tool output). */
  embedded: { strings: number; bytes: number; /** in what the model sees (not UI copies) */ visibleBytes: number };
  /** A paginated thread's record numbering (see repair/ordinals.ts for what Codex does with it). */
  ordinals?: OrdinalFacts;
  /**
   * Image references, not images: `local_images` paths, `local_image` items, `<appshot … image="…">`
   * text (openai/codex#28150). Codex 0.171 sends them as text, never as images (see the README).
   */
  imageRefs?: number;
}

const APPSHOT_IMAGE = /<appshot\b[^>]*\bimage=/g;

/** Image references (paths, appshot tags) in a user message or its UI copy. */
export function imageRefsIn(c: Classified): number {
  const p = c.payload;
  if (c.lineType === 'event_msg' && c.itemType === 'user_message') {
    const local = get(p, 'local_images');
    return Array.isArray(local) ? local.length : 0;
  }
  let parts: unknown;
  if (c.lineType === 'event_msg' && c.itemType === 'item_completed' && str(p, 'item', 'type') === 'UserMessage')
    parts = get(p, 'item', 'content');
  else if (c.lineType === 'response_item' && c.itemType === 'message' && str(p, 'role') === 'user')
    parts = get(p, 'content');
  if (!Array.isArray(parts)) return 0;
  let n = 0;
  for (const x of parts) {
    if (!isObject(x)) continue;
    if (x.type === 'local_image') n++;
    const text = typeof x.text === 'string' ? x.text : undefined;
    if (text?.includes('<appshot')) n += text.match(APPSHOT_IMAGE)?.length ?? 0;
  }
  return n;
}

export interface OrdinalFacts {
  /** Records without an ordinal. */
  missing: number;
  /** Records whose ordinal is not above the one before (reused, or gone back). */
  repeated: number;
  /** Records numbered past the next one. */
  gaps: number;
  /** First such record (1-based line). */
  firstLine?: number;
  /** The newest record's ordinal, to compare the next one with. */
  last?: number;
  /** The final record has none: Codex 0.171 cannot resume the thread. */
  finalMissing: boolean;
  finalLine?: number;
}

/** Count one record of a paginated thread (`ordinal`: its own, if it has one). */
export function noteOrdinal(d: DamageMetrics, ordinal: number | undefined, lineNo: number): void {
  const o = (d.ordinals ??= { missing: 0, repeated: 0, gaps: 0, finalMissing: false });
  o.finalLine = lineNo;
  o.finalMissing = ordinal === undefined;
  if (ordinal === undefined) o.missing++;
  else if (o.last !== undefined && ordinal <= o.last) o.repeated++;
  else if (o.last !== undefined && ordinal > o.last + 1) o.gaps++;
  if ((ordinal === undefined || o.missing + o.repeated + o.gaps > 0) && o.firstLine === undefined) o.firstLine = lineNo;
  if (ordinal !== undefined) o.last = ordinal;
}

export function emptyDamage(): DamageMetrics {
  return {
    brokenImages: 0,
    brokenImagesLive: 0,
    imageUrlErrors: { count: 0 },
    embedded: { strings: 0, bytes: 0, visibleBytes: 0 },
  };
}

/** What the scan's one walk of a line (lineWalk) found for the damage count. */
export interface LineDamage {
  /** Broken `input_image`s in the payload. */
  brokenRefs: number;
  /** Text strings holding base64, and its bytes (see embeddedBase64Bytes). */
  embeddedStrings: number;
  embeddedBytes: number;
}

/**
 * Whether a line's text strings are worth measuring for embedded base64. `fd`: the rollout, to
 * measure strings left in the file (none for .zst: judged by their start); `longestString`: at
 * least the raw bytes of the line's longest string value (RolloutLine.longestString).
 */
export function mayHoldEmbedded(fd?: number, longestString?: number): boolean {
  // Read exactly (the file at hand), no string shorter than a run holds one (decoded, none is longer).
  return fd === undefined || longestString === undefined || longestString >= MIN_RUN;
}

/** Count one line's damage; `found`: what the walk of its payload found. */
export function noteDamage(
  d: DamageMetrics,
  c: Classified,
  lineNo: number,
  at: string | undefined,
  found: LineDamage,
): void {
  if (c.lineType === 'compacted') d.brokenImagesLive = 0; // a newer snapshot replaces what came before
  if (c.lineType === 'response_item' || c.lineType === 'compacted') {
    const broken = found.brokenRefs;
    if (broken) {
      d.brokenImages += broken;
      d.brokenImagesLive += broken;
      d.brokenFirstLine ??= lineNo;
    }
  }
  const refs = imageRefsIn(c);
  if (refs) d.imageRefs = (d.imageRefs ?? 0) + refs;
  const err = imageUrlError(c);
  if (err) {
    d.imageUrlErrors.count++;
    d.imageUrlErrors.lastAt = at;
    d.imageUrlErrors.lastMessage = err.length > 300 ? err.slice(0, 300) + '…' : err;
  }
  if (!found.embeddedStrings) return;
  d.embedded.strings += found.embeddedStrings;
  d.embedded.bytes += found.embeddedBytes;
  if (c.lineType === 'response_item' || c.lineType === 'compacted') d.embedded.visibleBytes += found.embeddedBytes;
}
