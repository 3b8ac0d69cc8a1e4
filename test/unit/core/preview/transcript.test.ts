import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as nodeZlib from 'node:zlib';
import { readTranscript } from '../../../../src/core/preview/transcript';
import { RescueError } from '../../../../src/core/util/errors';
import { tempCodexHome } from '../../../support/tempHome';
import { sessionPath, writeSyntheticRollout } from '../../../support/synthetic';

function pages(file: string, maxChars: number): { texts: string[]; lines: [number, number][] } {
  const texts: string[] = [];
  const lines: [number, number][] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 200; i++) {
    const p = readTranscript(file, { cursor, maxChars });
    texts.push(p.text);
    lines.push([p.fromLine, p.toLine]);
    if (p.done) return { texts, lines };
    cursor = p.nextCursor;
  }
  throw new Error('never done');
}

describe('readTranscript: the conversation as paged text', () => {
  const home = tempCodexHome();
  const id = '0199a000-0000-7000-8000-00000000c0de';
  const file = sessionPath(home, id, new Date('2026-11-20T10:00:00Z'));
  writeSyntheticRollout(file, {
    imageLines: 7,
    imageBytes: 20_000,
    compactEvery: 3,
    toolOutputBytes: 100_000,
    threadId: id,
  });

  it('pages join into the whole conversation, line ranges in order, nothing twice', () => {
    const whole = readTranscript(file, { maxChars: 1_000_000 });
    assert.ok(whole.done && !whole.nextCursor);
    const { texts, lines } = pages(file, 1500);
    assert.ok(texts.length > 3);
    assert.equal(texts.join('\n'), whole.text);
    for (let i = 1; i < lines.length; i++) assert.ok(lines[i][0] > lines[i - 1][1], JSON.stringify(lines));
    assert.ok(texts.every((t) => t.length <= 1500));
  });

  it('shows images as placeholders and shortens tool output (a 100 KB output kept to its head and tail)', () => {
    const { text } = readTranscript(file, { maxChars: 1_000_000 });
    assert.equal((text.match(/\[image: image\/png [^\]]+\]/g) ?? []).length, 7);
    assert.doesNotMatch(text, /data:image|base64/);
    const outputs = text.split('\n').filter((l) => l.includes('TOOL OUTPUT'));
    assert.equal(outputs.length, 7);
    for (const o of outputs) {
      assert.ok(o.length < 1_500, `${o.length} chars`);
      assert.match(o, /omitted/);
    }
    assert.equal((text.match(/COMPACTION: the history was compacted/g) ?? []).length, 2);
    assert.match(text, /ASSISTANT: Fixed case 6\./);
  });

  it('reads a .jsonl.zst the same way, its cursor counting lines (text over 64 KB there is only sized)', () => {
    const zlib = nodeZlib as unknown as { zstdCompressSync(b: Buffer): Buffer };
    const small = sessionPath(home, id.replace(/c0de$/, 'c0df'), new Date('2026-11-20T11:00:00Z'));
    writeSyntheticRollout(small, { imageLines: 5, imageBytes: 20_000, compactEvery: 2, toolOutputBytes: 3000 });
    const zst = `${small}.zst`.replace('.jsonl.zst', '-z.jsonl.zst');
    fs.writeFileSync(zst, zlib.zstdCompressSync(fs.readFileSync(small)));
    assert.deepEqual(pages(zst, 1500).texts, pages(small, 1500).texts);
    const big = `${file.replace(/\.jsonl$/, '')}-z.jsonl.zst`;
    fs.writeFileSync(big, zlib.zstdCompressSync(fs.readFileSync(file)));
    assert.match(
      readTranscript(big, { maxChars: 1_000_000 }).text,
      /TOOL OUTPUT \(call_6\): \[97\.7 KB of text, not shown\]/,
    );
  });

  it('refuses a cursor that does not point at a line of this file', () => {
    assert.throws(
      () => readTranscript(file, { cursor: 'L2@5' }),
      (e: unknown) => e instanceof RescueError && e.code === 'usage',
    );
    assert.throws(() => readTranscript(file, { cursor: 'garbage' }), /does not come from read_thread/);
  });
});
