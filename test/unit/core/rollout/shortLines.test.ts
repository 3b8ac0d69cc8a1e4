// Short lines read whole (ReadOptions.parseShortLines, JSON.parse) give what the byte scanner gives:
// the same values, the same problems for lines that are not clean JSON, the same BigStr for data
// URLs, however the file comes in pieces; only longestString becomes the line's length, and strings
// under rangeOnlyKeys are plain strings — with which the scan measures a thread exactly the same.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readRollout, RolloutLine, SHORT_LINE_BYTES } from '../../../../src/core/rollout/reader';
import { BigStr } from '../../../../src/core/rollout/jsonSkeleton';
import { measureFile } from '../../../../src/core/scan/catalog';
import { tempDir } from '../../../support/tempHome';
import { sessionMetaLine } from '../../../support/synthetic';
import { noisePng } from '../../../support/png';

let seed = 11;
const rnd = (n: number) => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
};
const pick = <T>(a: T[]): T => a[rnd(a.length)];
const STRINGS = [
  '',
  'a',
  'héllo ✓',
  'tab\tand "quotes" and \\ back',
  '\u0000\u001f',
  '\ud800 lone',
  '😀',
  '\uFFFD as written', // valid UTF-8, left to the scanner like bytes that are not
  'x'.repeat(40),
];
const KEYS = ['type', 'payload', 'text', 'output', '__proto__', 'content', '0', 'a b', 'é'];

function value(depth: number): unknown {
  const r = rnd(100);
  if (depth > 5 || r < 40) {
    return pick<unknown>([
      pick(STRINGS),
      rnd(1000) - 500,
      -0,
      1.5e300,
      0.1,
      2 ** 53 + 2,
      -123456789012345,
      true,
      false,
      null,
    ]);
  }
  if (r < 60) return Array.from({ length: rnd(4) }, () => value(depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = rnd(5); i > 0; i--)
    Object.defineProperty(o, pick(KEYS), {
      value: value(depth + 1),
      enumerable: true,
      configurable: true,
      writable: true,
    });
  return o;
}

function read(
  file: string,
  parseShortLines: boolean,
  opts: { chunkBytes?: number; startOffset?: number; startLine?: number } = {},
): RolloutLine[] {
  const out: RolloutLine[] = [];
  readRollout(file, (l) => out.push(l), { parseShortLines, ...opts });
  return out;
}

describe('rollout reader: short lines parsed whole', () => {
  const dir = tempDir();
  const write = (name: string, lines: (string | Buffer)[]) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, Buffer.concat(lines.map((l) => Buffer.concat([Buffer.from(l), Buffer.from('\n')]))));
    return p;
  };

  it('gives the values and problems the byte scanner gives, line for line', () => {
    const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
    const lines: (string | Buffer)[] = [];
    for (let k = 0; k < 3000; k++) lines.push(JSON.stringify(value(0)) ?? 'null');
    lines.push(
      '{"a":1,"a":2}', // the last duplicate wins in both
      '{"__proto__":{"x":1}}',
      '  {"spaced" : [ 1 , 2 ] }\r',
      '"just a string"',
      '-0',
      '1e400',
      '{"broken"',
      '{"a":1}{"b":2}',
      '{"a":tru}',
      '{"a":"\\x"}',
      '{"n":01}',
      '{"n":' + '1'.repeat(65) + '}', // longer than a JSON writer would make, but a number
      '[0.' + '3'.repeat(70) + ',1e' + '0'.repeat(63) + '1]',
      '{"n":' + '7'.repeat(1990) + '}',
      '{"n":' + '7'.repeat(2001) + '}', // a line too long to be parsed whole, and a literal too long to be one
      '{"s":"a\\/b\\u0041"}', // escapes that decode to base64 letters: left to the scanner
      Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), // not UTF-8
      '{"img":"data:image/png;base64,' + 'A'.repeat(200) + '"}',
      '{"small":"data:x"}',
      deep(1000), // as deep as a line may be
      deep(1001), // too deep, and one level too long to be parsed whole
      '[' + '{"a":'.repeat(999) + '1' + '}'.repeat(999) + ']', // 1,000 levels, objects inside an array
      '[' + '{"a":'.repeat(1000) + '1' + '}'.repeat(1000) + ']',
      JSON.stringify({ t: 'x'.repeat(SHORT_LINE_BYTES - 8) }), // exactly SHORT_LINE_BYTES
      JSON.stringify({ t: 'x'.repeat(SHORT_LINE_BYTES - 7) }), // one more: the scanner's
      '',
      '   ',
    );
    const file = write('mixed.jsonl', lines);
    const scanner = read(file, false);
    const whole = read(file, true);
    assert.equal(whole.length, scanner.length);
    let parsedWhole = 0;
    for (let k = 0; k < scanner.length; k++) {
      const [a, b] = [scanner[k], whole[k]];
      const where = `line ${k + 1}: ${String(lines[k]).slice(0, 60)}`;
      assert.deepEqual(b.value, a.value, where);
      assert.equal(Object.is(b.value, -0), Object.is(a.value, -0), where);
      assert.deepEqual(b.problem, a.problem, where);
      assert.deepEqual([b.start, b.end, b.eolBytes, b.blank], [a.start, a.end, a.eolBytes, a.blank], where);
      if (b.longestString !== a.longestString) {
        // read whole: the line's length, never less than the longest string
        assert.equal(b.longestString, b.end - b.start, where);
        assert.ok(b.end - b.start <= SHORT_LINE_BYTES, where);
        assert.ok(b.longestString! >= a.longestString!, where);
        parsedWhole++;
      }
    }
    assert.ok(parsedWhole > 2500, `most short lines were parsed whole (${parsedWhole})`);
    const img = whole[lines.indexOf(lines.find((l) => String(l).startsWith('{"img"'))!)].value as { img: unknown };
    assert.ok(img.img instanceof BigStr, 'a data URL stays in the file, fingerprinted');
    const kinds = (from: number, n: number) => whole.slice(from, from + n).map((l) => l.problem?.kind ?? 'ok');
    const deepAt = lines.indexOf(lines.find((l) => l === '['.repeat(1000) + ']'.repeat(1000))!);
    assert.deepEqual(kinds(deepAt, 4), ['ok', 'too-deep', 'ok', 'too-deep']);
    const longAt = lines.indexOf(lines.find((l) => String(l).startsWith('{"n":111'))!);
    assert.deepEqual(kinds(longAt, 4), ['ok', 'ok', 'ok', 'malformed-json']);

    // Lines split across read pieces go to the scanner, whole ones to JSON.parse: the same lines.
    for (const chunkBytes of [97, 4096, 65536]) {
      const pieces = read(file, true, { chunkBytes });
      assert.deepEqual(
        pieces.map((l) => [l.start, l.value, l.problem]),
        scanner.map((l) => [l.start, l.value, l.problem]),
        `chunk ${chunkBytes}`,
      );
    }
    // A rescan that resumes at a line reads the rest the same way.
    const at = scanner[2500];
    const rest = read(file, true, { startOffset: at.start, startLine: at.index });
    assert.deepEqual(
      rest.map((l) => [l.index, l.value, l.problem]),
      scanner.slice(2500).map((l) => [l.index, l.value, l.problem]),
    );
  });

  it('measures a thread exactly as the byte scanner does', () => {
    const id = '0199a000-0000-7000-8000-0000000000aa';
    const lines = [sessionMetaLine(id, new Date('2026-01-01T00:00:00Z'), '/w')];
    const at = (k: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, k)).toISOString();
    const line = (type: string, ts: string, payload: object) => JSON.stringify({ timestamp: ts, type, payload });
    for (let k = 0; k < 400; k++) {
      const ts = at(k);
      const text = { type: 'input_text', text: `turn ${k} é` };
      const usage = { input_tokens: 900 * k, total_tokens: 950 * k };
      const info = {
        total_token_usage: { total_tokens: 1000 * k },
        last_token_usage: usage,
        model_context_window: 258400,
      };
      lines.push(
        line('response_item', ts, { type: 'message', role: k % 2 ? 'assistant' : 'user', content: [text] }),
        line('event_msg', ts, { type: 'token_count', info }),
        line('response_item', ts, { type: 'function_call', name: 'exec', call_id: `c${k}`, arguments: '{}' }),
        line('response_item', ts, { type: 'function_call_output', call_id: `c${k}`, output: 'ok '.repeat(k) }),
      );
      if (k % 50 !== 7) continue;
      const png = 'data:image/png;base64,' + noisePng(4 + (k % 3), 4, k).toString('base64');
      lines.push(
        line('response_item', ts, {
          type: 'message',
          role: 'user',
          content: [{ type: 'input_image', image_url: png }],
        }),
        line('event_msg', ts, { type: 'error', message: "Codex ran out of room in the model's context window." }),
        '{"timestamp":"' + ts + '","type":"event_msg","payload":{"type":"agent_message","message":"cut',
      );
      // base64 hidden in tool output, plain and with escapes that decode to base64 letters
      const run = noisePng(12, 12, k).toString('base64').replace(/=+$/, '').slice(0, 700);
      for (const output of [run + run, `${run}\\/${run}`, `${run}\\u0041${run}`])
        lines.push(
          '{"timestamp":"' +
            ts +
            '","type":"response_item","payload":{"type":"function_call_output","call_id":"c' +
            k +
            '","output":"' +
            output +
            '"}}',
        );
    }
    const file = write('thread.jsonl', lines);
    // as the scan reads it: its size-only keys, the file open to measure strings left in it
    const measure = (parseShortLines: boolean) =>
      measureFile(file, fs.statSync(file), undefined, { parseShortLines }).entry.metrics;
    const whole = measure(true);
    assert.deepEqual(whole, measure(false));
    assert.ok(
      whole.images.total > 0 &&
        whole.contextErrors.count > 0 &&
        whole.problemCount > 0 &&
        whole.damage.embedded.strings > 0,
      'the thread has what is compared',
    );
  });
});
