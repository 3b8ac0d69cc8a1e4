// The ring of encoded images a rebuild keeps (encodedRing.ts): whatever it hands back for a key is the
// stored form of that key's image, however the images before it went round the buffer.
import * as assert from 'node:assert/strict';
import { EncodedRing } from '../../../../src/core/store/encodedRing';
import { StoredForm, encodeStoredBuffer } from '../../../../src/core/store/storedForm';
import { seededRandom } from '../../../support/random';

const FORMS: StoredForm[] = [
  { prefix: 'data:image/png;base64,', pad: true },
  { prefix: '', pad: false },
  { prefix: 'data:image/jpeg;base64,', pad: true, slash: true },
  { prefix: '', pad: true, url: true },
  { prefix: 'data:image/png;base64,', pad: true, wrap: { every: 76, eol: '\\n', last: false } },
];

describe('encoded images kept round and round (EncodedRing)', () => {
  it('hands back, for every key it still has, exactly the stored form, over thousands of images of mixed sizes', () => {
    const next = seededRandom(17);
    const ring = new EncodedRing(64 * 1024);
    const images = new Map<string, { decoded: Buffer; form: StoredForm }>();
    let wraps = 0;
    let last = -1;
    for (let i = 0; i < 3000; i++) {
      // mostly new images, some seen before (a later thread's copy); sizes from 1 byte to past the buffer
      const key = next() < 0.3 && images.size ? `img${Math.floor(next() * images.size)}` : `img${images.size}`;
      let img = images.get(key);
      if (!img) {
        const size = next() < 0.02 ? 50_000 + Math.floor(next() * 20_000) : 1 + Math.floor(next() * 12_000);
        const decoded = Buffer.alloc(size);
        for (let b = 0; b < size; b++) decoded[b] = Math.floor(next() * 256);
        img = { decoded, form: FORMS[Math.floor(next() * FORMS.length)] };
        images.set(key, img);
      }
      const want = encodeStoredBuffer(img.decoded, img.form);
      const got = ring.get(key) ?? ring.keep(key, img.decoded, img.form);
      if (want.length > ring.size) assert.equal(got, undefined, 'bigger than the whole buffer: not kept');
      else assert.deepEqual(got, want, `${key} as it was handed back`);
      for (const [k, v] of images) {
        const b = ring.get(k);
        if (b) assert.deepEqual(b, encodeStoredBuffer(v.decoded, v.form), `${k} still kept, after ${key}`);
      }
      const now = ring.get(key)?.byteOffset ?? -1;
      if (now >= 0 && now < last) wraps++;
      if (now >= 0) last = now;
    }
    assert.ok(wraps > 50, `the buffer went round ${wraps} times`);
  });

  it('keeps nothing after forget()', () => {
    const ring = new EncodedRing(1024);
    ring.keep('a', Buffer.from('hello'), FORMS[0]);
    assert.ok(ring.get('a'));
    ring.forget();
    assert.equal(ring.get('a'), undefined);
  });
});
