// Whether an `input_image`'s URL is one the Responses API accepts: an http(s) URL or a well-formed
// `data:image/<type>;base64,…`. Half-repaired threads hold placeholders, empty strings or cut-off
// data URLs there, and every request that carries one is rejected ("Invalid … image_url").
import { BigStr, JsonObject, JsonValue, isObject, str } from './jsonSkeleton';
import { Classified, walk } from './format';
import { BROKEN_IMAGE_PREFIX } from './placeholders';

const HTTP_URL = /^https?:\/\/[^\s"<>]+$/i;
const DATA_HEADER = /^data:image\/[a-z0-9.+-]+;base64,/i;
const BASE64_BODY = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64_HEAD = /^[A-Za-z0-9+/]*={0,2}$/;

/** Why this image URL would be rejected, in a few words; undefined when it is fine. */
export function imageUrlProblem(url: JsonValue | undefined): string | undefined {
  if (url instanceof BigStr) {
    // Too long to hold: judge the header, the first bytes and the length (base64 comes in fours).
    const header = DATA_HEADER.exec(url.prefix);
    if (!header) return url.prefix.startsWith('data:') ? 'a data URL that is not a base64 image' : 'not a URL';
    const body = url.byteLength - header[0].length;
    const head = url.prefix.slice(header[0].length);
    if (body === 0) return 'an empty data URL';
    if (!BASE64_HEAD.test(head) || body % 4 !== 0) return `a truncated data URL (${url.dataUrlType})`;
    return undefined;
  }
  if (typeof url !== 'string') return url === undefined ? 'no URL' : 'not a URL';
  if (url === '') return 'an empty URL';
  if (HTTP_URL.test(url)) return undefined;
  const header = DATA_HEADER.exec(url);
  if (header) {
    const body = url.slice(header[0].length);
    const type = url.slice(5, url.indexOf(';'));
    if (body && BASE64_BODY.test(body) && isWholeImage(type, Buffer.from(body, 'base64'))) return undefined;
    return body ? `a truncated data URL (${type})` : 'an empty data URL';
  }
  if (url.startsWith('data:')) return 'a data URL that is not a base64 image';
  const shown = url.length > 60 ? url.slice(0, 57) + '...' : url;
  return `the text ${JSON.stringify(shown)}`;
}

const PNG_END = Buffer.from('0000000049454e44ae426082', 'hex');
const JPEG_END = Buffer.from([0xff, 0xd9]);

/** Does a decoded image end where its format says it ends (a cut-off copy does not)? */
function isWholeImage(type: string, b: Buffer): boolean {
  switch (type.toLowerCase()) {
    case 'image/png':
      return b.length > 8 + PNG_END.length && b.readUInt32BE(0) === 0x89504e47 && b.subarray(-64).includes(PNG_END);
    case 'image/jpeg':
    case 'image/jpg':
      return b.length > 4 && b[0] === 0xff && b[1] === 0xd8 && b.subarray(-64).includes(JPEG_END);
    case 'image/gif':
      return b.length > 6 && b.toString('latin1', 0, 3) === 'GIF' && b[b.length - 1] === 0x3b;
    default:
      return b.length > 0;
  }
}

export interface BrokenImageRef {
  /** The `input_image` object. */
  holder: JsonObject;
  problem: string;
}

/** Why this value, if it is an `input_image`, would be rejected (one with a file_id is fine). */
export function inputImageProblem(v: JsonValue | undefined): string | undefined {
  if (!isObject(v) || v.type !== 'input_image') return undefined;
  if (v.image_url === undefined && typeof v.file_id === 'string') return undefined;
  return imageUrlProblem(v.image_url);
}

/** `input_image` items of a value whose URL the API would reject. */
export function brokenImageRefs(v: JsonValue | undefined): BrokenImageRef[] {
  const found: BrokenImageRef[] = [];
  walk(v, (x) => {
    const problem = inputImageProblem(x);
    if (problem) found.push({ holder: x as JsonObject, problem });
  });
  return found;
}

/** Is this the `input_image` of a broken reference (its BigStr URL must not count as an image)? */
export function isBrokenImageHolder(v: JsonValue | undefined): boolean {
  return inputImageProblem(v) !== undefined;
}

/** The text that replaces a broken reference (an `input_text` item in the same place). */
export function brokenImageText(problem: string): string {
  return `${BROKEN_IMAGE_PREFIX}the image_url was ${problem}]`;
}

// Also the API's answers to an image it will not take although its data URL is well formed (a valid
// PNG rejected, openai/codex#32287): the remedy is the same, the image out of the history.
const IMAGE_URL_ERROR =
  /invalid[^\n]{0,80}image_url|image[_ ]poisoning|expected a (?:valid URL|base64-encoded data URI)|invalid[_ ]image\b|image_parse_error|does not represent a valid image/i;

/** A recorded error saying a request was rejected for an image (a broken URL, or an image the API refused), if this line is one. */
export function imageUrlError(c: Classified): string | undefined {
  if (c.lineType !== 'event_msg') return undefined;
  let m: string | undefined;
  if (c.itemType === 'error' || c.itemType === 'stream_error' || c.itemType === 'warning')
    m = str(c.payload, 'message');
  else if (c.itemType === 'task_complete' || c.itemType === 'turn_aborted') m = str(c.payload, 'error', 'message');
  return m !== undefined && IMAGE_URL_ERROR.test(m) ? m : undefined;
}
