// The reclaim pool as the CLI and the extension run it (the built worker bundle, two workers): every
// thread done, .zst ones included, and nothing left behind — no lock-holder shell (exited or not) and
// no status folder of one.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { tempCodexHome } from '../../../support/tempHome';
import { writeCopiesHome } from '../../../support/copiesHome';
import { bundle } from '../../../support/bundles';
import { scanCatalog } from '../../../../src/core/scan/catalog';
import { planReclaim } from '../../../../src/core/reclaim/plan';
import { runReclaim } from '../../../../src/core/reclaim/run';

/** Our `sh` and `perl` children now (lock holders), from /proc — a zombie among them: exited, never reaped. */
function ourShells(): string[] {
  const out: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (
        (stat.includes(' (sh) ') || stat.includes(' (perl) ')) &&
        Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === process.pid
      )
        out.push(stat);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}
const lockFolders = () => new Set(fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('csr-lock-')));

(process.platform === 'linux' ? describe : describe.skip)('reclaim pool (built workers)', () => {
  it('does every thread, .zst ones included, and leaves no lock holder or status folder behind', async function () {
    this.timeout(60_000);
    const script = bundle('reclaimWorker.js');
    const home = tempCodexHome();
    const threads = writeCopiesHome(home, {
      threads: 4,
      forksPerThread: 1,
      distinctImages: 4,
      width: 60,
      height: 40,
      turns: 3,
      compactEvery: 2,
      archiveEvery: 3,
      zstEvery: 2,
    });
    assert.ok(threads.filter((t) => t.compressed).length >= 2, 'several .zst threads');
    const foldersBefore = lockFolders();
    // this thread's own kept holder (earlier tests in this process repaired here) is not the pool's
    const shellsBefore = new Set(ourShells().map((st) => st.split(' ')[0]));
    const poolShells = () => ourShells().filter((st) => !shellsBefore.has(st.split(' ')[0]));
    const plan = planReclaim(home, scanCatalog(home).threads, { olderThanDays: 0 });
    const report = await runReclaim(plan, { script, workers: 2, growthWindowMs: 0 });
    assert.equal(report.totals.failed, 0, JSON.stringify(report.threads.filter((t) => !t.ok)));
    assert.equal(report.totals.repaired, plan.threads.length);
    assert.ok(plan.threads.length >= threads.length - 1);
    // the workers shut their kept lock holders down and waited for them before ending
    const until = Date.now() + 3000;
    while (poolShells().length && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(poolShells(), [], 'no lock holder of the workers left, not even an exited one');
    const left = [...lockFolders()].filter((n) => !foldersBefore.has(n));
    assert.deepEqual(left, [], 'no status folder left');
  });
});
