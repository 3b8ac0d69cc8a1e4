// What a half-repaired or unusual thread hides, measured line by line: image references the API
// rejects, recorded "Invalid … image_url" errors, and base64 images tucked inside text.
import { Classified } from '../rollout/format';
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
