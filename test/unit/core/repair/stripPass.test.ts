import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { stripRollout } from '../../../../src/core/repair/stripPass';
import { ImageStore } from '../../../../src/core/store/imageStore';
import { tempDir } from '../../../support/tempHome';
import { sessionMetaLine, writeSyntheticRollout } from '../../../support/synthetic';

const ID = '0199a000-0000-7000-8000-00000000abcd';
const png = (n: number, seed: number) => {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 7) & 0xff;
  return 'data:image/png;base64,' + b.toString('base64');
};

function write(dir: string, name: string, lines: unknown[]): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
  return p;
}

const parseLines = (p: string) =>
  fs
    .readFileSync(p, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

describe('strip pass', () => {
  const dir = tempDir();
  const meta = sessionMetaLine(ID, new Date('2026-01-01T00:00:00Z'), '/w');
  const imgA = png(5000, 1);
  const imgB = png(6000, 2);
  const lines = [
    meta,
    {
      timestamp: 't1',
      type: 'response_item',
      payload: {
        type: 'message',
        role: 'user',
        content: [
          { type: 'input_text', text: 'look' },
          { type: 'input_image', image_url: imgA, detail: 'high' },
        ],
      },
    },
    { timestamp: 't1', type: 'event_msg', payload: { type: 'user_message', message: 'look', images: [imgA] } },
    {
      timestamp: 't2',
      type: 'response_item',
      payload: { type: 'function_call', name: 'view_image', arguments: '{"path":"b.png"}', call_id: 'call_1' },
    },
    {
      timestamp: 't2',
      type: 'response_item',
      payload: {
        type: 'function_call_output',
        call_id: 'call_1',
        output: [
          { type: 'input_text', text: 'here' },
          { type: 'input_image', image_url: imgB },
        ],
      },
    },
    {
      timestamp: 't3',
      type: 'response_item',
      payload: {
        type: 'image_generation_call',
        id: 'ig_1',
        status: 'completed',
        result: Buffer.alloc(3000, 9).toString('base64'),
      },
    },
    {
      timestamp: 't4',
      type: 'compacted',
      payload: {
        message: 'summary',
        replacement_history: [{ type: 'message', role: 'user', content: [{ type: 'input_image', image_url: imgA }] }],
      },
    },
    {
      timestamp: 't5',
      type: 'response_item',
      payload: { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'done' }] },
    },
  ];

  it('replaces every image payload with a placeholder and keeps every line in place', () => {
    const src = write(dir, 'a.jsonl', lines);
    const out = path.join(dir, 'a.out.jsonl');
    const s = stripRollout(src, out);
    assert.equal(s.imagesFound, 5);
    assert.equal(s.imagesReplaced, 5);
    const before = fs.readFileSync(src, 'utf8').split('\n');
    const after = fs.readFileSync(out, 'utf8').split('\n');
    assert.equal(after.length, before.length);
    for (const i of [0, 3, 7]) assert.equal(after[i], before[i], `line ${i + 1} untouched byte for byte`);
    const o = parseLines(out);
    assert.deepEqual(
      o.map((l) => [l.type, l.payload.type]),
      parseLines(src).map((l) => [l.type, l.payload.type]),
    );
    const item = o[1].payload.content[1];
    assert.equal(item.type, 'input_text');
    assert.match(
      item.text,
      /^\[image omitted by codex-session-rescue: image\/png, 4\.9 KB, fingerprint:[0-9a-f]{16}; the original is in the rescue backup\]$/,
    );
    assert.match(o[2].payload.images[0], /^\[image omitted/);
    assert.equal(o[4].payload.output[1].type, 'input_text');
    assert.equal(o[4].payload.call_id, 'call_1');
    assert.equal(o[5].payload.result, '');
    assert.equal(o[6].payload.replacement_history[0].content[0].type, 'input_text');
    assert.ok(!fs.readFileSync(out, 'utf8').includes('data:image'));
    // the same image gets the same hash wherever it is
    const hashes = fs.readFileSync(out, 'utf8').match(/fingerprint:[0-9a-f]{16}/g) ?? [];
    assert.equal(new Set(hashes).size, 2, 'imgA (3 copies) and imgB; the generated image becomes ""');
  });

  it('keeps the newest N live images untouched (UI copies only within the live history)', () => {
    const src = write(dir, 'k.jsonl', lines);
    const out = path.join(dir, 'k.out.jsonl');
    const s = stripRollout(src, out, { keepImages: 1 });
    // live = newest compacted (line 7) onwards: its one image is the newest live image
    assert.equal(s.imagesKept, 1, 'the copy in the newest replacement_history');
    const o = parseLines(out);
    assert.equal(o[6].payload.replacement_history[0].content[0].image_url, imgA);
    assert.match(o[2].payload.images[0], /^\[image omitted/, 'a UI copy before the newest compaction is dead weight');
    assert.equal(o[1].payload.content[1].type, 'input_text', 'the dead copy is still replaced');
  });

  it('saves each distinct image once in the store, decoded, under the hash of its decoded bytes', () => {
    const src = write(dir, 'ar.jsonl', lines);
    const out = path.join(dir, 'ar.out.jsonl');
    const store = new ImageStore(path.join(dir, 'home'));
    const archive = store.dir;
    const s = stripRollout(src, out, { store });
    const files = fs.readdirSync(archive).sort();
    assert.equal(s.imagesArchived, 3);
    assert.equal(files.length, 3);
    const a = Buffer.from(imgA.slice(imgA.indexOf(',') + 1), 'base64');
    // named by the decoded bytes' sha256; the extension by what the bytes are (these are no real PNGs)
    const name = createHash('sha256').update(a).digest('hex') + '.bin';
    assert.deepEqual(fs.readFileSync(path.join(archive, name)), a);
    assert.ok(fs.readFileSync(out, 'utf8').includes(`saved as ${path.join(archive, name)}`));
    // saved: the placeholder carries the exact hash its file is named by
    assert.ok(fs.readFileSync(out, 'utf8').includes(`sha256:${name.slice(0, 16)}; saved as`));
  });

  it('caps tool outputs at safe points (escapes, surrogate pairs, UTF-8) keeping head and tail', () => {
    const pieces = ['a', '\\', '"', '\n', 'é', '😀', '\u2028', 'x'];
    for (let seed = 0; seed < 60; seed++) {
      let text = '';
      for (let i = 0; i < 3000; i++) text += pieces[(i * 7 + seed * 13 + (i >> 3)) % pieces.length];
      const escaped = seed % 2 ? text : text.replace(/😀/g, '\ud83d\ude00');
      const src = write(dir, `t${seed}.jsonl`, [
        meta,
        {
          timestamp: 't',
          type: 'response_item',
          payload: { type: 'function_call_output', call_id: 'c', output: escaped },
        },
      ]);
      // force \uXXXX escapes for the emoji in odd seeds
      if (seed % 2) fs.writeFileSync(src, fs.readFileSync(src, 'utf8').replace(/😀/g, '\\ud83d\\ude00'));
      const out = path.join(dir, `t${seed}.out.jsonl`);
      const cap = 100 + seed * 37;
      const s = stripRollout(src, out, { maxToolOutputBytes: cap });
      assert.equal(s.toolOutputsCapped, 1);
      const o = parseLines(out)[1].payload.output as string;
      const [head, tail] = o.split(/\n\n\[… .* of output cut by codex-session-rescue.*…\]\n\n/s);
      assert.ok(text.startsWith(head), `seed ${seed}: head is a prefix`);
      assert.ok(text.endsWith(tail), `seed ${seed}: tail is a suffix`);
      assert.ok(!/[\ud800-\udbff](?![\udc00-\udfff])/.test(o), 'no lone high surrogate');
    }
  });

  it('gives a fork every id of the old thread anew', () => {
    const src = write(dir, 'f.jsonl', [
      meta,
      { timestamp: 't', type: 'event_msg', payload: { type: 'thread_settings_applied', thread_id: ID } },
    ]);
    const out = path.join(dir, 'f.out.jsonl');
    stripRollout(src, out, { newThreadId: '0199b000-0000-7000-8000-00000000ffff' });
    const text = fs.readFileSync(out, 'utf8');
    assert.ok(!text.includes(ID));
    assert.equal(parseLines(out)[0].payload.id, '0199b000-0000-7000-8000-00000000ffff');
    assert.equal(parseLines(out)[1].payload.thread_id, '0199b000-0000-7000-8000-00000000ffff');
  });

  it('copies broken lines verbatim and reports them', () => {
    const src = write(dir, 'b.jsonl', [meta, '{"type":"response_item","payload":{oops', lines[1], '{"truncated":"']);
    const out = path.join(dir, 'b.out.jsonl');
    const s = stripRollout(src, out);
    assert.deepEqual(s.badLinesKept, [
      { line: 2, kind: 'malformed-json' },
      { line: 4, kind: 'truncated' },
    ]);
    const after = fs.readFileSync(out, 'utf8').split('\n');
    assert.equal(after[1], '{"type":"response_item","payload":{oops');
    assert.equal(after[3], '{"truncated":"');
  });

  it('repairs a generated rollout with compactions down to its text', () => {
    const src = path.join(dir, 'syn.jsonl');
    writeSyntheticRollout(src, { imageLines: 12, imageBytes: 40_000, compactEvery: 4, distinctImages: 5 });
    const out = path.join(dir, 'syn.out.jsonl');
    const s = stripRollout(src, out, { keepImages: 2 });
    assert.equal(s.imagesFound, 12 + 12 + (4 + 8 + 12));
    assert.equal(s.imagesKept, 2);
    assert.ok(s.bytesAfter < s.bytesBefore / 5, `${s.bytesAfter} of ${s.bytesBefore}`);
    const text = fs.readFileSync(out, 'utf8');
    assert.equal((text.match(/data:image/g) ?? []).length, s.imagesKept);
  });
});

describe('strip pass: cutting inside long runs of backslashes', () => {
  it('never splits an escape, whatever the run length (nested JSON in tool output)', () => {
    const dir = tempDir();
    const meta = sessionMetaLine(ID, new Date('2026-01-01T00:00:00Z'), '/w');
    for (const run of [31, 32, 33, 63, 64, 65, 200]) {
      const text = 'a' + '\\'.repeat(run) + '"' + 'b'.repeat(50) + '\\'.repeat(run + 1) + 'n' + 'c'.repeat(50);
      const raw = JSON.stringify(text);
      for (const cap of [20, 60, 100, 150, 300]) {
        const src = path.join(dir, `r${run}-${cap}.jsonl`);
        fs.writeFileSync(
          src,
          meta +
            '\n' +
            JSON.stringify({
              timestamp: 't',
              type: 'response_item',
              payload: { type: 'function_call_output', call_id: 'c', output: text },
            }) +
            '\n',
        );
        const out = src + '.out';
        const s = stripRollout(src, out, { maxToolOutputBytes: cap });
        const o = JSON.parse(fs.readFileSync(out, 'utf8').split('\n')[1]).payload.output as string; // must parse
        if (raw.length - 2 > cap && s.toolOutputsCapped) {
          const [head, tail] = o.split(/\n\n\[… .* of output cut by codex-session-rescue.*…\]\n\n/s);
          assert.ok(text.startsWith(head) && text.endsWith(tail), `run ${run} cap ${cap}`);
        }
      }
    }
  });
});
