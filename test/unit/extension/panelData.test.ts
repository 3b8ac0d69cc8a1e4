import * as assert from 'node:assert/strict';
import { emptyMetrics } from '../../../src/core/scan/metrics';
import { mayReveal, panelThread, repairReport } from '../../../src/extension/panelData';
import type { RepairReportView, ThreadView } from '../../../src/protocol/messages';

const report: RepairReportView = {
  mode: 'in-place',
  threadId: 't1',
  sourcePath: '/h/sessions/t1.jsonl',
  outputPath: '/h/sessions/t1.jsonl',
  bytesBefore: 5000,
  bytesAfter: 1000,
  imagesFound: 3,
  imagesReplaced: 2,
  imagesKept: 1,
  imagesArchived: 0,
  imageBytesRemoved: 3500,
  toolOutputsCapped: 1,
  toolOutputBytesRemoved: 500,
  badLinesKept: [],
  brokenImagesFixed: 1,
  embeddedImagesRemoved: 2,
  embeddedBytesRemoved: 130_000,
  ordinalsRenumbered: 0,
  linesVerified: 12,
  jsonErrors: 0,
  independentlyParsed: { jsonParse: 3, streaming: 0 },
  backupPath: '/h/rescue/backups/t1/20261130/rollout.jsonl',
  resumeCommand: 'codex resume t1',
  elapsedMs: 3,
};

describe('what the details panel is sent', () => {
  it('a thread cut down to what the panel renders (no collector state, no fingerprints)', () => {
    const m = emptyMetrics();
    m.images.byHash = { abc: [3, 100, 'image/png'] };
    m.state.callNames = { call_1: 'shell' };
    const t: ThreadView = {
      id: 't1',
      path: '/h/sessions/t1.jsonl',
      name: 'fix the build',
      archived: false,
      compressed: false,
      generation: 'legacy',
      sizeBytes: 5000,
      mtimeMs: 0,
      risk: { level: 'high', reasons: [{ level: 'high', code: 'x', text: '<b>not markup</b>' }], recommendation: 'r' },
      metrics: { ...m, images: { ...m.images, distinct: 1, maxCopies: 3, duplicateBytes: 200, top: [] } },
    };
    const p = panelThread(t);
    assert.equal(p.images.maxCopies, 3);
    assert.equal(p.risk.reasons[0].text, '<b>not markup</b>');
    const json = JSON.stringify(p);
    assert.doesNotMatch(json, /callNames|byHash|call_1/);
  });

  it('reveals only a path the last report named, inside a folder the extension writes to', () => {
    const r = repairReport(report);
    assert.equal(r.kind, 'repair');
    assert.ok(mayReveal('/h/rescue/backups/t1/20261130/rollout.jsonl', r, ['/h/rescue']));
    assert.ok(!mayReveal('/h/rescue/backups/t1/20261130/rollout.jsonl', r, ['/elsewhere']), 'outside the roots');
    assert.ok(!mayReveal('/etc/passwd', r, ['/h/rescue', '/']), 'not in the report');
    assert.ok(!mayReveal('/h/rescue/../sessions/t1.jsonl', r, ['/h/rescue']));
    assert.ok(!mayReveal('/h/rescue/backups/t1/20261130/rollout.jsonl', undefined, ['/h/rescue']), 'no report');
  });
});
