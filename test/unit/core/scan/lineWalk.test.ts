// The scan's one walk per line finds exactly what the three walks it replaced found, in the same
// order: the images (MetricsCollector's old walk, written out here as the reference), the broken
// input_images (brokenImageRefs) and the text strings (forEachTextString) — which the repair still uses.
import * as assert from 'node:assert/strict';
import { walkLine } from '../../../../src/core/scan/lineWalk';
import { BigStr, JsonValue, isObject } from '../../../../src/core/rollout/jsonSkeleton';
import { Classified, isImageString, walk } from '../../../../src/core/rollout/format';
import { brokenImageRefs, isBrokenImageHolder } from '../../../../src/core/rollout/imageUrl';
import {
  MIN_RUN,
  embeddedBase64Bytes,
  forEachTextString,
  textScope,
} from '../../../../src/core/rollout/embeddedBase64';

let seed = 7;
const rnd = (n: number) => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
};
const pick = <T>(a: T[]): T => a[rnd(a.length)];
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const run = (n: number) => Array.from({ length: n }, () => B64[rnd(64)]).join('');
const PNG = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk';
const KEYS = ['type', 'image_url', 'result', 'text', 'output', 'content', 'id', 'call_id', 'encrypted_content'];
const KEYS2 = ['file_id', 'foo', 'message', 'items', '0', 'summary', 'detail'];
let at = 0;

function bigStr(): BigStr {
  const prefix = pick([
    'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB',
    'data:image/jpeg;base64,/9j/4AAQ',
    'data:application/pdf;base64,JVBE',
    'hello world',
    'see iVBORw0KGgo here',
  ]);
  const len = 64 + rnd(5000);
  at += 10_000;
  return new BigStr(at, at + len, prefix, rnd(2) ? `h${rnd(5)}` : undefined);
}

function value(depth: number): JsonValue {
  const r = rnd(100);
  if (depth > 4 || r < 35) {
    const q = rnd(10);
    if (q < 5)
      return pick([
        'input_image',
        'image_generation_call',
        'input_text',
        '',
        'abc',
        PNG,
        'data:image/png;base64,iVBO',
        'http://x/y.png',
        `xx ${run(1100)} yy`,
      ]);
    if (q < 7) return bigStr();
    if (q < 8) return rnd(100);
    return q < 9 ? null : true;
  }
  if (r < 55) return Array.from({ length: rnd(4) }, () => value(depth + 1));
  const o: Record<string, JsonValue> = {};
  for (let i = 1 + rnd(5); i > 0; i--) o[pick(rnd(3) ? KEYS : KEYS2)] = value(depth + 1);
  const kind = rnd(10);
  if (kind < 2) {
    o.type = 'image_generation_call';
    o.result = pick<JsonValue>(['', 'abc', bigStr(), PNG, null]);
  } else if (kind < 4) {
    o.type = 'input_image';
    o.image_url = pick<JsonValue>([PNG, 'data:image/png;base64,iVBO', 'http://x/y.png', '', bigStr(), 3]);
  } else if (kind < 5) o.type = pick(['message', 'function_call_output']);
  return o;
}

/** The images the old per-line walk of MetricsCollector counted, in order. */
function oldImages(payload: JsonValue | undefined): [JsonValue, string | undefined][] {
  const out: [JsonValue, string | undefined][] = [];
  walk(payload, (v, parent, key) => {
    if (isImageString(v)) {
      if (isBrokenImageHolder(parent)) return;
      out.push([v, undefined]);
    } else if (
      key === 'result' &&
      isObject(parent) &&
      parent.type === 'image_generation_call' &&
      (v instanceof BigStr || (typeof v === 'string' && v.length > 0))
    ) {
      out.push([v, 'image/png']);
    }
  });
  return out;
}

describe('scan/lineWalk', () => {
  it('finds the same images, broken references and text strings, in the same order, as the three walks it replaced', () => {
    let images = 0;
    let texts = 0;
    let broken = 0;
    for (let n = 0; n < 4000; n++) {
      const lineType = pick(['response_item', 'compacted', 'event_msg', 'world_state', 'turn_context']);
      const payload = value(0);
      const c: Classified = { lineType, payload, itemType: undefined, timestamp: undefined };
      const foundImages: [JsonValue, string | undefined][] = [];
      const foundTexts: JsonValue[] = [];
      const refs = walkLine(payload, textScope(c), {
        image: (s, type) => foundImages.push([s, type]),
        text: (v) => foundTexts.push(v),
      });
      const wantTexts: JsonValue[] = [];
      // ...those that may hold a base64 run: plain strings shorter than one cannot
      forEachTextString(c, (v) => (typeof v !== 'string' || v.length >= MIN_RUN) && wantTexts.push(v));
      const wantImages = oldImages(payload);
      const wantBroken = lineType === 'response_item' || lineType === 'compacted' ? brokenImageRefs(payload).length : 0;
      const where = JSON.stringify({ lineType, payload });
      assert.deepEqual(foundImages, wantImages, `images of ${where}`);
      assert.deepEqual(foundTexts, wantTexts, `texts of ${where}`);
      if (lineType === 'response_item' || lineType === 'compacted')
        assert.equal(refs, wantBroken, `broken in ${where}`);
      images += wantImages.length;
      texts += wantTexts.length;
      broken += wantBroken;
    }
    // the trees hold enough of each to mean something
    assert.ok(images > 500 && texts > 500 && broken > 100, JSON.stringify({ images, texts, broken }));
  });

  it('leaves out only the plain strings in which the finder finds nothing', () => {
    // base64 and nothing else: a run as long as the string when it is long enough to be one
    for (let n = MIN_RUN - 3; n <= MIN_RUN + 3; n++) {
      const text = run(n);
      assert.equal(embeddedBase64Bytes(text), n >= MIN_RUN ? n : 0, `${n} characters`);
    }
  });
});
