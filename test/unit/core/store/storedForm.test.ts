import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { StoredForm, decodeStored, encodeStoredBuffer } from '../../../../src/core/store/storedForm';
import { noisePng } from '../../../support/png';

/** base64 written MIME-style: an end-of-line escape (as raw JSON bytes) every `every` characters. */
function wrapped(b64: string, every: number, eol: string, last: boolean): string {
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += every) lines.push(b64.slice(i, i + every));
  return lines.join(eol) + (last ? eol : '');
}

describe('store: the exact form an image was written in', () => {
  const png = noisePng(40, 30, 3);
  const b64 = png.toString('base64');
  const cases: [string, string, number, Partial<StoredForm>][] = [
    ['a data URL', `data:image/png;base64,${b64}`, 22, { pad: b64.endsWith('=') }],
    ['bare base64 (a generated image)', b64, 0, {}],
    ['JSON-escaped slashes', `data:image/png;base64,${b64.replace(/\//g, '\\/')}`, 22, { slash: true }],
    ['no padding', b64.replace(/=+$/, ''), 0, { pad: false }],
    ['URL-safe alphabet, no padding', png.toString('base64url'), 0, { url: true }],
    [
      'MIME lines of 76, escaped \\r\\n',
      wrapped(b64, 76, '\\r\\n', false),
      0,
      { wrap: { every: 76, eol: '\\r\\n', last: false } },
    ],
    [
      'lines of 64, escaped \\n after the last too',
      wrapped(b64, 64, '\\n', true),
      0,
      { wrap: { every: 64, eol: '\\n', last: true } },
    ],
  ];
  for (const [name, stored, prefixLen, expect] of cases)
    it(`${name}: decodes to the image and writes back the very bytes`, () => {
      const raw = Buffer.from(stored, 'latin1');
      const d = decodeStored(raw, prefixLen);
      assert.ok(d?.form, 'a form was found');
      assert.deepEqual(d.decoded, png);
      for (const [k, v] of Object.entries(expect)) assert.deepEqual((d.form as any)[k], v, k);
      assert.deepEqual(encodeStoredBuffer(d.decoded, d.form), raw);
    });

  it('an image bigger than one encoding piece (3 MiB), wrapped: lines carry on across pieces', () => {
    const big = randomBytes(3 * 1024 * 1024 + 1001);
    const raw = Buffer.from(wrapped(big.toString('base64'), 76, '\\n', false), 'latin1');
    const d = decodeStored(raw, 0);
    assert.ok(d?.form);
    assert.deepEqual(d.decoded, big);
    assert.deepEqual(encodeStoredBuffer(d.decoded, d.form), raw);
  });

  it('base64 that does not re-encode to itself has no form (kept verbatim), and non-base64 is refused', () => {
    // the last character carries bits a decoder drops: it decodes, but writes back as 'iVBORw0KGgo='
    const odd = decodeStored(Buffer.from('iVBORw0KGgp='), 0);
    assert.ok(odd && !odd.form);
    // mixed: some slashes escaped, some not
    assert.ok(b64.split('/').length > 2, 'the image has several slashes');
    const mixed = decodeStored(Buffer.from(b64.replace('/', '\\/'), 'latin1'), 0);
    assert.deepEqual(mixed?.decoded, png);
    assert.equal(mixed?.form, undefined);
    assert.equal(decodeStored(Buffer.from('abc\\"def'), 0), undefined, 'a quote escape is not base64');
  });
});
