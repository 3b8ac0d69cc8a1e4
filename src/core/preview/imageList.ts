// The images of a rollout for the details panel: listed in file order with their byte ranges, and each
// thumbnail read on demand from its range (a multi-GB thread never goes through the panel whole).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { imageArchiveDir } from '../codexHome/paths';
import { readRollout } from '../rollout/reader';
import { classify, isImageString, walk } from '../rollout/format';
import { imageFacts } from '../rollout/images';
import type { ImageRef } from './imageRef';
import { IMAGE_PLACEHOLDER_PREFIX } from '../rollout/placeholders';

export interface ImageListHooks {
  isCancelled?: () => boolean;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Images of a rollout in file order (the first `limit`), with byte ranges for lazy thumbnails; with
 * `codexHome`, also the images a repair moved to that home's image store (named by their placeholder).
 */
export function listImages(
  file: string,
  limit: number,
  hooks: ImageListHooks = {},
  codexHome?: string,
): { images: ImageRef[]; total: number } {
  const storeDir = codexHome ? imageArchiveDir(codexHome) : undefined;
  const images: ImageRef[] = [];
  let total = 0;
  let first = true;
  readRollout(
    file,
    (l) => {
      if (!l.value) return;
      const c = classify(l.value, first);
      first = false;
      const where = [c.lineType, c.itemType].filter(Boolean).join('/');
      walk(l.value, (v) => {
        const stored = storeDir && typeof v === 'string' ? storedImage(v, storeDir) : undefined;
        if (stored) {
          const k = total++;
          if (images.length < limit) images.push({ index: k, line: l.index + 1, start: 0, end: 0, where, ...stored });
          return;
        }
        if (!isImageString(v)) return;
        const k = total++;
        if (images.length >= limit) return;
        const f = imageFacts(v);
        const comma = v.prefix.indexOf(',');
        images.push({
          index: k,
          line: l.index + 1,
          start: v.start + (comma >= 0 ? comma + 1 : 0),
          end: v.end,
          mediaType: f.mediaType,
          storedBytes: f.storedBytes,
          width: f.width,
          height: f.height,
          where,
        });
      });
    },
    { hashDataUrls: false, isCancelled: hooks.isCancelled, onProgress: hooks.onProgress },
  );
  return { images, total };
}

/** A repair's placeholder: "[image omitted by codex-session-rescue: image/png …; saved as …/<sha256>.png]". */
const PLACEHOLDER =
  /^\[image omitted by codex-session-rescue: (image\/[a-z0-9.+-]+)[^\]]*?saved as [^\]]*?([0-9a-f]{64}\.[a-z0-9]{1,5})\]/;

/**
 * The store file of an image a placeholder names (rollout text, untrusted: only its file name is
 * taken, and looked up in this home's store), when it is there.
 */
function storedImage(text: string, storeDir: string): Pick<ImageRef, 'mediaType' | 'storedBytes' | 'file'> | undefined {
  if (!text.startsWith(IMAGE_PLACEHOLDER_PREFIX)) return undefined;
  const m = PLACEHOLDER.exec(text);
  if (!m) return undefined;
  const file = path.join(storeDir, m[2]);
  try {
    return { mediaType: m[1], storedBytes: fs.statSync(file).size, file };
  } catch {
    return undefined; // not in the store (pruned): nothing to show
  }
}

/** One image's base64 payload straight from its byte range: a data URL for the webview. */
export function thumbnail(
  file: string,
  start: number,
  end: number,
  maxBytes = 8 * 1024 * 1024,
): { dataUrl?: string; reason?: string } {
  const len = end - start;
  if (len <= 0) return { reason: 'empty image' };
  if (len > maxBytes) return { reason: `image too large to preview (${len} bytes)` };
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(len);
    fs.readSync(fd, buf, 0, len, start);
    // JSON may escape '/' as '\/' inside the string; base64 has no other escapes.
    const b64 = buf.toString('latin1').replace(/\\\//g, '/');
    if (!/^[A-Za-z0-9+/=\s]*$/.test(b64.slice(0, 4096))) return { reason: 'not base64' };
    const bytes = Buffer.from(b64, 'base64');
    const type = sniffImageType(bytes);
    if (!type) return { reason: 'unknown image format' };
    return { dataUrl: `data:${type};base64,${bytes.toString('base64')}` };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * An image a repair archived, named in a placeholder (rollout text: untrusted). Only a file of the
 * home's image archive, named by its sha256, is read — never a path the text points elsewhere.
 */
export function archivedThumbnail(
  codexHome: string,
  file: string,
  maxBytes = 8 * 1024 * 1024,
): { dataUrl?: string; reason?: string } {
  let real: string;
  let dir: string;
  try {
    real = fs.realpathSync(file);
    dir = fs.realpathSync(imageArchiveDir(codexHome));
  } catch {
    return { reason: 'the archived image is not there' };
  }
  if (path.dirname(real) !== dir || !/^[0-9a-f]{64}\.(png|jpg|jpeg|gif|webp)$/.test(path.basename(real)))
    return { reason: "not an image of this Codex home's archive" };
  const st = fs.statSync(real);
  if (st.size > maxBytes) return { reason: `image too large to preview (${st.size} bytes)` };
  const bytes = fs.readFileSync(real);
  const type = sniffImageType(bytes);
  if (!type) return { reason: 'unknown image format' };
  return { dataUrl: `data:${type};base64,${bytes.toString('base64')}` };
}

function sniffImageType(bytes: Buffer): string | undefined {
  if (bytes[0] === 0x89 && bytes[1] === 0x50) return 'image/png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return 'image/jpeg';
  if (bytes.toString('latin1', 0, 4) === 'GIF8') return 'image/gif';
  if (bytes.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
  return undefined;
}
