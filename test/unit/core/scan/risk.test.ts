import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { assessRisk } from '../../../../src/core/scan/risk';
import { emptyMetrics, ThreadMetrics } from '../../../../src/core/scan/metrics';
import { latestRepairs, writeManifest } from '../../../../src/core/repair/backups';
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

    const after = assessRisk(m, 5 * MiB, undefined, undefined, '2026-11-30T11:00:00.000Z');
    assert.equal(after.level, 'watch');
    assert.deepEqual(
      after.reasons.map((r) => r.code),
      ['repaired-not-resumed'],
    );
    assert.match(after.reasons[0].text, /repaired 2026-11-30 11:00 UTC and not resumed since/);
    assert.match(after.recommendation, /^Resume the thread in Codex/);
    assert.equal(after.contextFill, undefined);
  });

  it('what the repaired file itself holds still counts (e.g. the images a strip kept)', () => {
    const m = stuckMetrics();
    m.images.live = 40;
    m.images.liveBytes = 60 * MiB;
    const r = assessRisk(m, 80 * MiB, undefined, undefined, '2026-11-30T11:00:00.000Z');
    assert.equal(r.level, 'critical');
    assert.ok(r.reasons.some((x) => x.code === 'live-image-bytes'));
    assert.ok(r.reasons.some((x) => x.code === 'repaired-not-resumed'));
    assert.doesNotMatch(r.recommendation, /^Resume/);
  });

  it('summarize: only the newest repair counts, and only while the file is the size it left', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'csr-risk-'));
    try {
      const id = '019a0000-0000-7000-8000-000000000001';
      const manifest = (stamp: string, size: number, kind: 'before-repair' | 'before-restore' = 'before-repair') => {
        const dir = path.join(threadBackupsDir(home, id), stamp);
        fs.mkdirSync(dir, { recursive: true });
        writeManifest(dir, {
          kind,
          threadId: id,
          originalPath: '/x',
          fileName: 'x.jsonl',
          size: 10,
          sha256: '',
          mtimeMs: 0,
          mode: 0o600,
          createdAt: stamp,
          toolVersion: 'test',
          repaired: kind === 'before-repair' ? { size, sha256: '' } : undefined,
        });
      };
      assert.equal(latestRepairs(home).size, 0);
      manifest('2026-11-01T00:00:00.000Z', 111);
      manifest('2026-11-02T00:00:00.000Z', 222);
      manifest('2026-11-03T00:00:00.000Z', 0, 'before-restore');
      assert.deepEqual(latestRepairs(home).get(id), { at: '2026-11-02T00:00:00.000Z', size: 222 });

      const f = (size: number): RolloutFile =>
        ({ id, path: '/x', size, mtimeMs: Date.now(), archived: false, compressed: false }) as RolloutFile;
      const sources = { index: new Map(), state: new Map(), repairs: latestRepairs(home) };
      assert.equal(summarize(f(222), stuckMetrics(), sources).risk.level, 'watch');
      assert.equal(summarize(f(223), stuckMetrics(), sources).risk.level, 'stuck', 'Codex wrote since');
      assert.equal(summarize(f(222), stuckMetrics(), { index: new Map(), state: new Map() }).risk.level, 'stuck');
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
