import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { assessRisk } from '../../../../src/core/scan/risk';
import { emptyMetrics, ThreadMetrics } from '../../../../src/core/scan/metrics';
import { latestRepairs, writeRepairNote } from '../../../../src/core/repair/backups';
import { summarize } from '../../../../src/core/scan/catalog';
import { threadBackupsDir } from '../../../../src/core/codexHome/paths';
import type { RolloutFile } from '../../../../src/core/codexHome/rolloutFiles';

const MiB = 1024 * 1024;

/** A thread whose last attempt failed for lack of room (as a stuck thread's file records it). */
function stuckMetrics(): ThreadMetrics {
  const m = emptyMetrics();
  m.lastAgentMessageAt = '2026-11-30T10:00:00.000Z';
  m.lastUserMessageAt = '2026-11-30T10:05:00.000Z';
  m.tokens.window = 258_400;
  m.tokens.last = { at: '2026-11-30T10:04:00.000Z', used: 258_400, window: 258_400 };
  m.tokens.saturatedAt = '2026-11-30T10:04:00.000Z';
  m.contextErrors = { count: 1, lastAt: '2026-11-30T10:05:01.000Z', lastMessage: 'ran out of room' };
  return m;
}

describe('scan/risk', () => {
  it('a stuck thread is stuck until repaired; repaired and not resumed, its old token counts and errors no longer count', () => {
    const m = stuckMetrics();
    const before = assessRisk(m, 5 * MiB);
    assert.equal(before.level, 'stuck');
    assert.ok(before.contextFill !== undefined && before.contextFill > 0.99);

    const after = assessRisk(m, 5 * MiB, undefined, undefined, {
      at: '2026-11-30T11:00:00.000Z',
      removedBytes: 40 * MiB,
    });
    assert.equal(after.level, 'watch');
    assert.deepEqual(
      after.reasons.map((r) => r.code),
      ['repaired-not-resumed'],
    );
    assert.match(after.reasons[0].text, /repaired 2026-11-30 11:00 UTC \(40\.0 MB removed\) and not resumed since/);
    assert.match(after.recommendation, /^Resume the thread in Codex/);
    assert.equal(after.contextFill, undefined);
  });

  it('what the repaired file itself holds still counts (e.g. the images a strip kept)', () => {
    const m = stuckMetrics();
    m.images.live = 40;
    m.bytes.imagesLive = 60 * MiB;
    const r = assessRisk(m, 80 * MiB, undefined, undefined, { at: '2026-11-30T11:00:00.000Z', removedBytes: MiB });
    assert.equal(r.level, 'critical');
    assert.ok(r.reasons.some((x) => x.code === 'live-image-bytes'));
    assert.ok(r.reasons.some((x) => x.code === 'repaired-not-resumed'));
    assert.doesNotMatch(r.recommendation, /^Resume/);
  });

  it('summarize: only the newest backup counts, only a repair that removed something, only while the file is the size it left', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'csr-risk-'));
    try {
      const id = '019a0000-0000-7000-8000-000000000001';
      const folder = (stamp: string, note?: { size: number; removedBytes: number }) => {
        const dir = path.join(threadBackupsDir(home, id), stamp);
        fs.mkdirSync(dir, { recursive: true });
        if (note) writeRepairNote(dir, { at: stamp, ...note });
      };
      assert.equal(latestRepairs(home).size, 0);
      folder('2026-11-01T00-00-00-000Z', { size: 111, removedBytes: 5 });
      folder('2026-11-02T00-00-00-000Z', { size: 222, removedBytes: 5 });
      assert.deepEqual(latestRepairs(home).get(id), { at: '2026-11-02T00-00-00-000Z', size: 222, removedBytes: 5 });
      folder('2026-11-02T00-00-00-000Z-1', { size: 333, removedBytes: 0 }); // removed nothing: still stuck
      assert.equal(latestRepairs(home).get(id), undefined);
      folder('2026-11-03T00-00-00-000Z', { size: 444, removedBytes: 9 });
      const f = (size: number): RolloutFile =>
        ({ id, path: '/x', size, mtimeMs: Date.now(), archived: false, compressed: false }) as RolloutFile;
      const sources = { index: new Map(), state: new Map(), repairs: latestRepairs(home) };
      assert.equal(summarize(f(444), stuckMetrics(), sources).risk.level, 'watch');
      assert.equal(summarize(f(445), stuckMetrics(), sources).risk.level, 'stuck', 'Codex wrote since');
      assert.equal(summarize(f(444), stuckMetrics(), { index: new Map(), state: new Map() }).risk.level, 'stuck');
      folder('2026-11-04T00-00-00-000Z'); // a restore's folder, newer: the repair no longer stands
      assert.equal(latestRepairs(home).get(id), undefined);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
