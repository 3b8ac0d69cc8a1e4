// Facts about an embedded image read from the first bytes of its data URL, without decoding it.
import { BigStr } from './jsonSkeleton';

export interface ImageFacts {
  mediaType: string;
  /** Stored (base64) bytes in the rollout. */
  storedBytes: number;
  /** Decoded image bytes (base64 is 4 chars per 3 bytes). */
  decodedBytes: number;
  width?: number;
  height?: number;
}

/** Bytes of a data URL's `data:…,` header before its payload (0 for bare base64). */
export function dataUrlHeaderLength(s: BigStr): number {
  const comma = s.prefix.indexOf(',');
  return s.prefix.startsWith('data:') && comma >= 0 ? comma + 1 : 0;
}

export function imageFacts(s: BigStr, mediaTypeIfBare = 'image/png'): ImageFacts {
  const mediaType = s.dataUrlType ?? mediaTypeIfBare;
  const headerLen = dataUrlHeaderLength(s);
  const payload = s.byteLength - headerLen;
  const facts: ImageFacts = { mediaType, storedBytes: s.byteLength, decodedBytes: Math.floor((payload * 3) / 4) };
  if (mediaType === 'image/png') {
    const b64 = s.prefix.slice(headerLen, headerLen + 44);
    if (b64.length === 44) {
      const head = Buffer.from(b64, 'base64');
      // 8-byte signature, then the IHDR chunk: length(4) "IHDR"(4) width(4) height(4)
      if (head.length >= 24 && head.toString('latin1', 12, 16) === 'IHDR') {
        facts.width = head.readUInt32BE(16);
        facts.height = head.readUInt32BE(20);
      }
    }
  }
  return facts;
}

/**
 * Tokens a vision model charges for a high-detail image (OpenAI's published tiling rule:
 * fit in 2048², shortest side to 768, 170 per 512² tile plus 85). Unknown size: a typical screenshot.
 */
export function imageTokens(f: ImageFacts): number {
  let w = f.width;
  let h = f.height;
  if (!w || !h) return 1105;
  const fit = Math.min(1, 2048 / Math.max(w, h));
  w *= fit;
  h *= fit;
  const short = Math.min(w, h);
  if (short > 768) {
    w *= 768 / short;
    h *= 768 / short;
  }
  return 85 + 170 * Math.ceil(w / 512) * Math.ceil(h / 512);
}
