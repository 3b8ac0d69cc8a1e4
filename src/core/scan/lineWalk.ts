// One walk over a line's payload for the scan, finding what three walks found before: the images
// it stores, its broken `input_image`s and the text strings that may hide base64. Each finding
// follows the rules of the walk it replaces (MetricsCollector images, brokenImageRefs,
// forEachTextString, of whose strings it gives those long enough to hold a run), in the same
// document order.
import { BigStr, JsonValue } from '../rollout/jsonSkeleton';
import { isImageString } from '../rollout/format';
import { inputImageProblem } from '../rollout/imageUrl';
import { MIN_RUN, TextScope, isTextString } from '../rollout/embeddedBase64';

export interface LineWalkVisitor {
  /** A stored image: a data URL (`type` undefined) or an image_generation_call result ('image/png'). */
  image(s: BigStr | string, type: string | undefined): void;
  /**
   * A string forEachTextString would visit that may hide a base64 run: every BigStr, and the plain
   * strings of at least MIN_RUN characters (a shorter one cannot hold a run).
   */
  text(v: string | BigStr): void;
}

// Flags of a value on the to-do stack.
const ROOT = 1; // the payload itself (forEachTextString never leaves it out)
const IN_BROKEN = 2; // its parent is a broken input_image: its image URL is not an image
const NO_TEXT = 4; // inside a broken input_image or a generated image: no text string here
const TEXT = 8; // a text string to visit
const GENERATED = 16; // the result of an image_generation_call

/**
 * Walk `payload` depth first, parents before children. `text`: the scope of text strings to visit
 * (undefined: none). Returns how many broken `input_image`s it holds (the root included).
 */
export function walkLine(payload: JsonValue | undefined, text: TextScope | undefined, visit: LineWalkVisitor): number {
  if (payload === undefined) return 0;
  let broken = 0;
  // Only what can be found goes on the stack (containers, big strings, strings flagged when pushed):
  // images are still met in document order, and numbers and most small strings cost no push.
  const values: JsonValue[] = [payload];
  const flags: number[] = [ROOT];
  const push = (v: JsonValue, key: string | number, inherited: number, generator: boolean): void => {
    let f = inherited;
    if (v === null || typeof v !== 'object' || v instanceof BigStr) {
      if (typeof v !== 'string' && !(v instanceof BigStr)) return; // numbers, booleans, null: nothing to find
      if (generator && key === 'result' && v !== '') f |= GENERATED;
      if (
        text !== undefined &&
        !(f & NO_TEXT) &&
        (typeof v !== 'string' || v.length >= MIN_RUN) &&
        isTextString(v, key, text)
      )
        f |= TEXT;
      if (typeof v === 'string' && !(f & (GENERATED | TEXT))) return; // a small string is no image
    }
    values.push(v);
    flags.push(f);
  };
  while (values.length) {
    const x = values.pop() as JsonValue;
    const f = flags.pop() as number;
    if (x === null || typeof x !== 'object' || x instanceof BigStr) {
      if (typeof x !== 'string' && !(x instanceof BigStr)) continue;
      if (isImageString(x)) {
        if (!(f & IN_BROKEN)) visit.image(x, undefined); // a cut-off data URL counts as a broken reference
      } else if (f & GENERATED) visit.image(x, 'image/png');
      if (f & TEXT) visit.text(x);
      continue;
    }
    let inherited = f & NO_TEXT;
    if (Array.isArray(x)) {
      for (let i = x.length - 1; i >= 0; i--) push(x[i], i, inherited, false);
      continue;
    }
    const t = x.type;
    if (t === 'input_image' && inputImageProblem(x) !== undefined) {
      broken++;
      inherited |= IN_BROKEN | (f & ROOT ? 0 : NO_TEXT);
    } else if (t === 'image_generation_call' && !(f & ROOT)) inherited |= NO_TEXT;
    const generator = t === 'image_generation_call';
    const ks = Object.keys(x);
    for (let i = ks.length - 1; i >= 0; i--) push(x[ks[i]], ks[i], inherited, generator);
  }
  return broken;
}
