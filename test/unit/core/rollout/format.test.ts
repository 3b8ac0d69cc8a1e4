import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MetricsCollector } from '../../../../src/core/scan/metrics';
import { readRollout } from '../../../../src/core/rollout/reader';
import { stripRollout } from '../../../../src/core/repair/stripPass';
import { assessRisk } from '../../../../src/core/scan/risk';
import { tempDir } from '../../../support/tempHome';

// A rollout as Codex wrote them before September 2025: a bare header line, then bare items.
const header = {
  id: '5f1c3a2e-1111-4222-8333-944445555666',
  timestamp: '2025-06-01T10:00:00.000Z',
  instructions: null,
  git: { commit_hash: 'abc', branch: 'feature/x' },
};
const shot = 'data:image/png;base64,' + Buffer.alloc(9000, 7).toString('base64');
const lines = [
  header,
  { record_type: 'state' },
  {
    type: 'message',
    role: 'user',
    content: [{ type: 'input_text', text: '<environment_context>cwd</environment_context>' }],
  },
  {
    type: 'message',
    role: 'user',
    content: [
      { type: 'input_text', text: 'Fix the login page' },
      { type: 'input_image', image_url: shot },
    ],
  },
  { type: 'function_call', name: 'shell', arguments: '{"command":["ls"]}', call_id: 'c1' },
  { type: 'function_call_output', call_id: 'c1', output: '{"output":"a\\nb","metadata":{"exit_code":0}}' },
  { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Done.' }] },
];

describe('format generations', () => {
  it('reads the pre-September-2025 header format: meta from the header, bare items, images live', () => {
    const file = path.join(tempDir(), 'rollout-2025-06-01T10-00-00-5f1c3a2e-1111-4222-8333-944445555666.jsonl');
    fs.writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const c = new MetricsCollector();
    readRollout(file, (l) => c.line(l));
    const m = c.result();
    assert.equal(m.generation, 'header');
    assert.equal(m.meta?.id, header.id);
    assert.equal(m.meta?.gitBranch, 'feature/x');
    assert.equal(m.firstUserMessage, 'Fix the login page');
    assert.equal(m.images.total, 1);
    assert.equal(m.images.live, 1);
    assert.equal(m.toolOutputs.count, 1);
    assert.equal(m.problemCount, 0);
    assert.equal(assessRisk(m, fs.statSync(file).size).level, 'ok');
    const out = file.replace('.jsonl', '.out.jsonl');
    const s = stripRollout(file, out);
    assert.equal(s.imagesReplaced, 1);
    assert.equal(s.threadIdInMeta, header.id);
    const after = fs
      .readFileSync(out, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    assert.deepEqual(after[0], header);
    assert.equal(after[3].content[1].type, 'input_text');
  });

  it("a user message that starts with an image keeps its words as the thread's first prompt after a repair", () => {
    const file = path.join(tempDir(), 'rollout-2025-06-01T10-00-00-5f1c3a2e-1111-4222-8333-944445555666.jsonl');
    const prompt = lines[3] as { content: unknown[] };
    const imageFirst = lines.map((l) => (l === prompt ? { ...prompt, content: [...prompt.content].reverse() } : l));
    fs.writeFileSync(file, imageFirst.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const out = file.replace('.jsonl', '.out.jsonl');
    assert.equal(stripRollout(file, out).imagesReplaced, 1);
    for (const f of [file, out]) {
      const c = new MetricsCollector();
      readRollout(f, (l) => c.line(l));
      assert.equal(c.result().firstUserMessage, 'Fix the login page', f);
    }
  });

  it('tells legacy from paginated and counts unknown line types without failing', () => {
    const dir = tempDir();
    const legacy = path.join(dir, 'l.jsonl');
    fs.writeFileSync(
      legacy,
      [
        { timestamp: 't', type: 'session_meta', payload: { id: 'a', cwd: '/w', cli_version: '0.50.0' } },
        { timestamp: 't', type: 'brand_new_line_type', payload: { x: 1 } },
      ]
        .map((l) => JSON.stringify(l))
        .join('\n') + '\n',
    );
    const paginated = path.join(dir, 'p.jsonl');
    fs.writeFileSync(
      paginated,
      [
        { timestamp: 't', ordinal: 0, type: 'session_meta', payload: { id: 'b', history_mode: 'paginated' } },
        { timestamp: 't', ordinal: 1, type: 'world_state', payload: { full: true } },
      ]
        .map((l) => JSON.stringify(l))
        .join('\n') + '\n',
    );
    const gen = (f: string) => {
      const c = new MetricsCollector();
      readRollout(f, (l) => c.line(l));
      return c.result();
    };
    const l = gen(legacy);
    assert.equal(l.generation, 'legacy');
    assert.equal(l.lineTypes.brand_new_line_type, 1);
    assert.equal(l.problemCount, 0);
    assert.equal(gen(paginated).generation, 'paginated');
  });
});
