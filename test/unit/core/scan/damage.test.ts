// Embedded base64 counted by the scan: a line whose strings are all shorter than a run is passed over
// unread, so the boundary (a run exactly MIN_RUN long) must still count.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MIN_RUN } from '../../../../src/core/rollout/embeddedBase64';
import { readRollout } from '../../../../src/core/rollout/reader';
import { MetricsCollector } from '../../../../src/core/scan/metrics';
import { tempDir } from '../../../support/tempHome';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const run = (n: number) => Array.from({ length: n }, (_, i) => B64[(i * 7) % 64]).join('');
const item = (text: string, output?: string) =>
  JSON.stringify({
    timestamp: '2026-11-01T10:00:00.000Z',
    type: 'response_item',
    payload: output
      ? { type: 'function_call_output', call_id: 'c1', output }
      : { type: 'message', role: 'user', content: [{ type: 'input_text', text }] },
  });

describe('scan: embedded base64 in text', () => {
  it('counts a run of exactly MIN_RUN characters, in decoded text and in a string left in the file', () => {
    const meta = JSON.stringify({ timestamp: '2026-11-01T10:00:00.000Z', type: 'session_meta', payload: { id: 'x' } });
    const lines = [
      meta,
      item(run(MIN_RUN - 1)),
      item(run(MIN_RUN)), // the line's longest string is exactly the run
      item('', run(MIN_RUN)),
      item('', `x\n${run(MIN_RUN - 1)}`),
    ];
    const file = path.join(tempDir(), 'rollout.jsonl');
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const fd = fs.openSync(file, 'r');
    try {
      const collector = new MetricsCollector(undefined, fd);
      readRollout(file, (l) => collector.line(l), { rangeOnlyKeys: new Set(['output']) });
      const e = collector.result().damage.embedded;
      assert.deepEqual(e, { strings: 2, bytes: 2 * MIN_RUN, visibleBytes: 2 * MIN_RUN });
    } finally {
      fs.closeSync(fd);
    }
  });
});
