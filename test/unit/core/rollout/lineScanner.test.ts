import * as assert from 'node:assert/strict';
import { LineScanner } from '../../../../src/core/rollout/lineScanner';
import { BigStr, JsonValue, spansOf } from '../../../../src/core/rollout/jsonSkeleton';

/** Parse `text` with the scanner, fed in pieces cut at `cuts`. */
function scan(text: string | Buffer, cuts: number[] = [], opts = {}) {
  const buf = Buffer.isBuffer(text) ? text : Buffer.from(text);
  const s = new LineScanner(opts);
  let prev = 0;
  for (const c of [...cuts, buf.length]) {
    // each piece arrives as its own buffer with its absolute base offset
    const piece = Buffer.from(buf.subarray(prev, c));
    s.feed(piece, 0, piece.length, prev);
    prev = c;
  }
  return { buf, ...s.finish(buf.length) };
}

/** Replace BigStr by the string they stand for (read back from `buf`) so results compare with JSON.parse. */
function materialize(v: JsonValue | undefined, buf: Buffer): unknown {
  if (v instanceof BigStr) return JSON.parse('"' + buf.toString('utf8', v.start, v.end) + '"');
  if (Array.isArray(v)) return v.map((x) => materialize(x, buf));
  if (v && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = materialize(x, buf);
    return o;
  }
  return v;
}

let seed = 42;
function rnd(n: number): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
}
function randomString(): string {
  const alphabet = ['a', 'b', '"', '\\', '\n', 'é', '😀', '/', ' ', '\u0001', 'data:image/png;base64,'];
  let s = '';
  const n = rnd(4) === 0 ? 200 + rnd(300) : rnd(12);
  for (let i = 0; i < n; i++) s += alphabet[rnd(alphabet.length)];
  return s;
}
function randomValue(depth: number): unknown {
  const k = rnd(depth > 3 ? 5 : 8);
  switch (k) {
    case 0:
      return randomString();
    case 1:
      return rnd(1000) - 500 + (rnd(2) ? 0.25 : 0);
    case 2:
      return rnd(2) === 0;
    case 3:
      return null;
    case 4:
      return randomString();
    case 5:
    case 6: {
      const o: Record<string, unknown> = {};
      for (let i = rnd(5); i > 0; i--) o[randomString().slice(0, 8) || 'k'] = randomValue(depth + 1);
      return o;
    }
    default:
      return Array.from({ length: rnd(5) }, () => randomValue(depth + 1));
  }
}

describe('LineScanner', () => {
  it('parses random JSON exactly like JSON.parse, whatever the piece boundaries', () => {
    for (let t = 0; t < 400; t++) {
      const value = { type: 'x', payload: randomValue(0) };
      const text = JSON.stringify(value);
      const cuts: number[] = [];
      const len = Buffer.byteLength(text);
      for (let c = 0; c < rnd(6); c++) cuts.push(rnd(len));
      cuts.sort((a, b) => a - b);
      const r = scan(text, cuts, { bigStringBytes: 50 + rnd(100) });
      assert.equal(r.problem, undefined, text);
      assert.deepEqual(materialize(r.value, r.buf), value);
    }
  });

  it('reads keys that share a cache slot, or differ only by an escape or a non-ASCII byte, each as written', () => {
    // same length, first, middle and last byte: the same slot of the key cache
    const keys = ['abcdez', 'abXdez', 'abcdez', 'a\\u0062cdez', 'ab\u00e9dez', 'abédez', '', 'abcdez'];
    for (let round = 0; round < 3; round++) {
      for (const k of keys) {
        const text = `{"${k}":1,"x${k}":{"${k}":[2]}}`;
        const r = scan(text);
        assert.deepEqual(materialize(r.value, r.buf), JSON.parse(text), text);
        assert.deepEqual(Object.keys(r.value as object), Object.keys(JSON.parse(text)));
      }
    }
  });

  it('cuts at every byte of a line with escapes and a data URL', () => {
    const value = { a: 'q\\"\\\\"x', img: 'data:image/png;base64,' + 'A'.repeat(300), n: [1, -2.5e3, true, null] };
    const text = JSON.stringify(value);
    for (let c = 0; c <= Buffer.byteLength(text); c++) {
      const r = scan(text, [c]);
      assert.equal(r.problem, undefined, `cut ${c}`);
      assert.deepEqual(materialize(r.value, r.buf), value, `cut ${c}`);
      const img = (r.value as Record<string, JsonValue>).img as BigStr;
      assert.ok(img instanceof BigStr);
      assert.equal(img.dataUrlType, 'image/png');
      assert.equal(img.hash?.length, 40);
    }
  });

  it('gives an image the same fingerprint wherever the pieces are cut, and a different one for other pixels', () => {
    const body = Buffer.alloc(30000);
    for (let i = 0; i < body.length; i++) body[i] = 65 + ((i * 7919) % 26);
    const url = 'data:image/png;base64,' + body.toString('latin1');
    const other = url.slice(0, -1) + 'Z';
    const text = JSON.stringify({ a: url, b: other });
    const hashes = new Set<string>();
    for (const cut of [1, 4, 9, 12, 40, 8200, 15000, 29990, 30020]) {
      for (const mode of ['fingerprint', 'full'] as const) {
        const r = scan(text, [cut, cut + 3, cut + 9000], { hashDataUrls: mode });
        const v = r.value as Record<string, BigStr>;
        assert.notEqual(v.a.hash, v.b.hash);
        hashes.add(mode + v.a.hash);
      }
    }
    assert.equal(hashes.size, 2);
  });

  it('keeps big strings as byte ranges with the same hash for the same image', () => {
    const url = 'data:image/jpeg;base64,' + 'Zm9v'.repeat(5000);
    const text = JSON.stringify({ x: [url, url, 'small'] });
    const r = scan(text, [100, 7000, 15000]);
    const arr = (r.value as Record<string, JsonValue[]>).x;
    assert.ok(arr[0] instanceof BigStr && arr[1] instanceof BigStr);
    assert.equal((arr[0] as BigStr).hash, (arr[1] as BigStr).hash);
    assert.equal((arr[0] as BigStr).byteLength, url.length);
    assert.equal(arr[2], 'small');
  });

  it('reports malformed and truncated lines instead of throwing', () => {
    assert.equal(scan('{"a":1,}').problem?.kind, 'malformed-json');
    assert.equal(scan('{"a":tru}').problem?.kind, 'malformed-json');
    assert.equal(scan('{"a":"abc').problem?.kind, 'truncated');
    assert.equal(scan('{"a":[1,2').problem?.kind, 'truncated');
    assert.equal(scan('{"a":1} x').problem?.kind, 'malformed-json');
    assert.equal(scan('not json').problem?.kind, 'malformed-json');
    // a run of zero bytes / digits after a crash is a broken line, not a crash of the reader
    assert.equal(scan('{"a":' + '1'.repeat(2_000_000) + '}').problem?.kind, 'malformed-json');
    assert.equal(
      scan(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])).problem?.kind,
      'invalid-utf8',
    );
  });

  it('records byte spans of containers and children when asked', () => {
    const text =
      '{"content":[{"type":"input_text","text":"hi"},{"type":"input_image","image_url":"data:image/png;base64,' +
      'A'.repeat(100) +
      '"}]}';
    const r = scan(text, [30, 90], { spans: true });
    const content = (r.value as Record<string, JsonValue[]>).content;
    const sp = spansOf(content)!;
    const [s, e] = sp.children.get(1)!;
    assert.equal(text.slice(s, e), JSON.stringify(JSON.parse(text).content[1]));
    assert.deepEqual(sp.self, [text.indexOf('['), text.lastIndexOf(']') + 1]);
  });
});

describe('line scanner: literals read from the bytes, size-only keys', () => {
  it('reads true/false/null and numbers like JSON.parse, wherever the pieces are cut', () => {
    const text =
      '{"a":[true,false,null,0,-0,7,-12,123456789012345,1234567890123456789,0.5,-1.25e3,1E2],"b":{"c":42},"d":-3}';
    const want = JSON.parse(text);
    for (let cut = 0; cut <= text.length; cut++) {
      const r = scan(text, cut ? [cut] : []);
      assert.equal(r.problem, undefined, `cut at ${cut}`);
      assert.deepEqual(r.value, want, `cut at ${cut}`);
      assert.ok(Object.is((r.value as { a: number[] }).a[4], -0), 'negative zero kept');
    }
  });

  it('still rejects what JSON rejects', () => {
    for (const bad of ['{"a":tru}', '{"a":01}', '{"a":-}', '{"a":nul}', '{"a":1x}', '{"a":truex}']) {
      const r = scan(bad);
      assert.equal(r.problem?.kind, 'malformed-json', bad);
    }
  });

  it('leaves string values of size-only keys (and of their objects) undecoded, with exact ranges', () => {
    const line = JSON.stringify({
      type: 'function_call_output',
      output: 'line 1\nline "2"',
      base_instructions: { text: 'You are Codex.\n' },
      content: [{ type: 'input_text', text: 'kept' }],
      nested: { output: [{ text: 'in an array: decoded' }] },
    });
    const r = scan(line, [], { rangeOnlyKeys: new Set(['output', 'base_instructions']) });
    const v = r.value as Record<string, unknown>;
    assert.ok(v.output instanceof BigStr);
    assert.ok((v.base_instructions as Record<string, unknown>).text instanceof BigStr);
    assert.equal(v.type, 'function_call_output');
    assert.equal((v.content as { text: string }[])[0].text, 'kept');
    assert.equal((v.nested as { output: { text: string }[] }).output[0].text, 'in an array: decoded');
    assert.deepEqual(materialize(r.value, r.buf), JSON.parse(line), 'the ranges hold exactly the values');
  });
});
