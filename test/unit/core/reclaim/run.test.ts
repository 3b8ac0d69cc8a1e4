// A plan carried out (run.ts): the order in which work is handed out.
import * as assert from 'node:assert/strict';
import { tempCodexHome } from '../../../support/tempHome';
import { writeCopiesHome } from '../../../support/copiesHome';
import { scanCatalog } from '../../../../src/core/scan/catalog';
import { planReclaim } from '../../../../src/core/reclaim/plan';
import { runReclaim } from '../../../../src/core/reclaim/run';

describe('reclaim run: the order of the work', () => {
  it('hands .zst threads out first: they run one at a time, and started last they would end the run on one core', async () => {
    const home = tempCodexHome();
    writeCopiesHome(home, {
      threads: 4,
      forksPerThread: 0,
      distinctImages: 2,
      width: 40,
      height: 30,
      turns: 2,
      compactEvery: 2,
      archiveEvery: 0,
      zstEvery: 2,
    });
    const plan = planReclaim(home, scanCatalog(home).threads, { olderThanDays: 0 });
    const zst = plan.threads.filter((t) => t.compressed).length;
    assert.ok(zst >= 1 && zst < plan.threads.length, 'both kinds');
    // in this thread (no worker script): the order in which threads are done is the order handed out
    const done: boolean[] = [];
    await runReclaim(plan, { growthWindowMs: 0, onThread: (r) => done.push(r.path.endsWith('.zst')) });
    assert.deepEqual(done, [...Array(zst).fill(true), ...Array(plan.threads.length - zst).fill(false)]);
  });
});
