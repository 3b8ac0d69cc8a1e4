import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { readRollout, RolloutLine, RolloutReadError } from '../../../../src/core/rollout/reader';
import { MetricsCollector } from '../../../../src/core/scan/metrics';
import { BigStr } from '../../../../src/core/rollout/jsonSkeleton';
import { tempDir } from '../../../support/tempHome';
import { sessionMetaLine } from '../../../support/synthetic';

function lines(file: string, opts = {}): RolloutLine[] {
  const out: RolloutLine[] = [];
  readRollout(file, (l) => out.push(l), opts);
  return out;
}

const meta = sessionMetaLine('0199a000-0000-7000-8000-000000000001', new Date('2026-01-01T00:00:00Z'), '/w');
const user = JSON.stringify({
  timestamp: '2026-01-01T00:00:01Z',
  type: 'response_item',
  payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'héllo' }] },
});

describe('rollout reader: bad input never crashes or hangs', () => {
  const dir = tempDir();
  const write = (name: string, data: string | Buffer) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, data);
    return p;
  };

  it('reads CRLF line ends and a BOM', () => {
    const ls = lines(write('crlf.jsonl', '\uFEFF' + meta + '\r\n' + user + '\r\n'));
    assert.equal(ls.length, 2);
    assert.equal(ls[0].problem, undefined);
    assert.equal(ls[0].eolBytes, 2);
    assert.equal((ls[0].value as Record<string, unknown>).type, 'session_meta');
    assert.equal(ls[0].start, 3, 'the BOM is not part of the first line');
  });

  it('reports a truncated last line with its line number and keeps the rest', () => {
    const ls = lines(write('trunc.jsonl', meta + '\n' + user + '\n' + user.slice(0, 40)));
    assert.equal(ls.length, 3);
    assert.equal(ls[2].problem?.kind, 'truncated');
    assert.equal(ls[2].eolBytes, 0);
    assert.ok(ls[1].value);
  });

  it('reports malformed lines, keeps reading, and counts blank lines', () => {
    const ls = lines(write('bad.jsonl', meta + '\n\n{"type": oops}\n' + user + '\n'));
    assert.deepEqual(
      ls.map((l) => [l.index, l.blank, l.problem?.kind]),
      [
        [0, false, undefined],
        [1, true, undefined],
        [2, false, 'malformed-json'],
        [3, false, undefined],
      ],
    );
  });

  it('handles an empty file and a file of only newlines', () => {
    assert.equal(lines(write('empty.jsonl', '')).length, 0);
    assert.ok(lines(write('nl.jsonl', '\n\n\n')).every((l) => l.blank));
  });

  it('flags bytes that are not UTF-8 but still reads the line', () => {
    const bad = Buffer.concat([
      Buffer.from('{"type":"event_msg","payload":{"type":"agent_message","message":"'),
      Buffer.from([0xc3, 0x28, 0xff]),
      Buffer.from('"}}\n'),
    ]);
    const ls = lines(write('utf.jsonl', Buffer.concat([Buffer.from(meta + '\n'), bad])));
    assert.equal(ls[1].problem?.kind, 'invalid-utf8');
    assert.ok(ls[1].value);
  });

  it('reports a missing session_meta through the metrics', () => {
    const c = new MetricsCollector();
    readRollout(write('nometa.jsonl', user + '\n'), (l) => c.line(l));
    assert.equal(c.m.problems[0].kind, 'missing-session-meta');
    assert.equal(c.m.generation, 'unknown');
  });

  it('gives clear errors for missing files and folders', () => {
    assert.throws(
      () => lines(path.join(dir, 'nope.jsonl')),
      (e: Error) => e instanceof RolloutReadError && /does not exist/.test(e.message),
    );
    assert.throws(
      () => lines(dir),
      (e: Error) => e instanceof RolloutReadError && /folder/.test(e.message),
    );
  });

  it('reads a .jsonl.zst rollout by decompressing it as a stream', () => {
    const big = JSON.stringify({
      timestamp: 't',
      type: 'response_item',
      payload: {
        type: 'message',
        role: 'user',
        content: [{ type: 'input_image', image_url: 'data:image/png;base64,' + 'A'.repeat(3_000_000) }],
      },
    });
    const plain = meta + '\n' + user + '\n' + big + '\n';
    const zst = write(
      'rollout.jsonl.zst',
      (zlib as unknown as { zstdCompressSync(b: Buffer): Buffer }).zstdCompressSync(
        Buffer.from(plain),
      ) /* Node ≥ 22.15, the test runtime */,
    );
    const ls = lines(zst, { chunkBytes: 64 * 1024 });
    assert.equal(ls.length, 3);
    const img = (ls[2].value as any).payload.content[0].image_url as BigStr;
    assert.ok(img instanceof BigStr);
    assert.equal(img.byteLength, 'data:image/png;base64,'.length + 3_000_000);
    assert.equal(Buffer.from(plain).toString('latin1', img.start, img.start + 22), 'data:image/png;base64,');
  });

  it('splits lines correctly whatever the chunk size', () => {
    const text = [meta, user, user, '{"broken"', user].join('\n') + '\n';
    const file = write('chunks.jsonl', text);
    const expected = lines(file).map((l) => [l.start, l.end, l.problem?.kind]);
    for (const chunkBytes of [1, 2, 3, 7, 64, 1000]) {
      assert.deepEqual(
        lines(file, { chunkBytes }).map((l) => [l.start, l.end, l.problem?.kind]),
        expected,
        `chunk ${chunkBytes}`,
      );
    }
  });

  it('resumes from an offset with continued line numbers', () => {
    const file = write('resume.jsonl', meta + '\n' + user + '\n' + user + '\n');
    const all = lines(file);
    const rest = lines(file, { startOffset: all[1].start, startLine: 1 });
    assert.deepEqual(
      rest.map((l) => [l.index, l.start]),
      all.slice(1).map((l) => [l.index, l.start]),
    );
  });
});
