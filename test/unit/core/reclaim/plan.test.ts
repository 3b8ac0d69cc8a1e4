// What a reclaim plans to leave alone (plan.ts): a file other rollouts read their history from.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { tempCodexHome } from '../../../support/tempHome';
import { sessionPath, writeSyntheticRollout } from '../../../support/synthetic';
import { scanCatalog } from '../../../../src/core/scan/catalog';
import { planReclaim } from '../../../../src/core/reclaim/plan';

describe('reclaim plan: files other rollouts point into', () => {
  it("leaves a reverted thread's older rollout alone (its later one reads history from it) and reclaims the later one", () => {
    const home = tempCodexHome();
    const id = '0199a000-0000-7000-8000-00000000ab00';
    const start = new Date('2026-10-01T10:00:00Z');
    const older = writeSyntheticRollout(sessionPath(home, id, start), {
      threadId: id,
      start,
      imageLines: 3,
      imageBytes: 20_000,
    }).path;
    // the revert: Codex writes the thread again in a new file that points into the older one
    const when = new Date('2026-10-02T10:00:00Z');
    const later = sessionPath(home, id, when).replace(/\.jsonl$/, '_0199a000-0000-7000-8000-00000000ab01.jsonl');
    writeSyntheticRollout(later, { threadId: id, start: when, imageLines: 3, imageBytes: 20_000 });
    const lines = fs.readFileSync(later, 'utf8').split('\n');
    const meta = JSON.parse(lines[0]);
    meta.payload.history_base = { thread_id: id, end_ordinal_exclusive: 4, end_byte_offset: 2000 };
    lines[0] = JSON.stringify(meta);
    fs.writeFileSync(later, lines.join('\n'));
    const old = new Date(Date.now() - 86_400_000);
    for (const f of [older, later]) fs.utimesSync(f, old, old);

    const plan = planReclaim(home, scanCatalog(home).threads, { olderThanDays: 0 });
    assert.deepEqual(
      plan.threads.map((t) => t.path),
      [later],
    );
    assert.equal(plan.skipped.length, 1);
    assert.equal(plan.skipped[0].path, older);
    assert.equal(plan.skipped[0].reason, 'has-forks');
    assert.match(plan.skipped[0].message, /its own later rollout made by a revert/);
  });
});
