// The worker's side of *Reclaim Space…*: a plan kept by id, the run (cancellable, in this thread here:
// no bundle under tsx), and a reclaimed thread's images still listed and shown, from the image store.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { tempCodexHome } from '../../support/tempHome';
import { writeCopiesHome } from '../../support/copiesHome';
import { noisePng } from '../../support/png';
import { planReclaim, reclaim } from '../../../src/worker/reclaimJobs';
import { archivedThumbnail, listImages } from '../../../src/core/preview/imageList';

const ctx = (cancel = () => false) => ({ isCancelled: cancel, progress: () => undefined });
const OPTS = {
  threads: 2,
  forksPerThread: 0,
  distinctImages: 3,
  width: 30,
  height: 20,
  turns: 3,
  compactEvery: 2,
  archiveEvery: 0,
  zstEvery: 0,
};

describe('worker: reclaim jobs', () => {
  it('runs only the plan it made last; afterwards the images are listed from the store, byte for byte', async () => {
    const home = tempCodexHome();
    const threads = writeCopiesHome(home, OPTS);
    const before = listImages(threads[0].path, 100, {}, home);
    assert.ok(before.total > 0);
    const old = planReclaim({ codexHome: home, olderThanDays: 0 }, ctx());
    const plan = planReclaim({ codexHome: home, olderThanDays: 0 }, ctx());
    await assert.rejects(reclaim({ codexHome: home, planId: old.id + 'x' }, ctx()), /no longer current/);
    const report = await reclaim({ codexHome: home, planId: plan.id }, ctx());
    assert.equal(report.totals.repaired, threads.length);
    await assert.rejects(reclaim({ codexHome: home, planId: plan.id }, ctx()), /no longer current/, 'used once');

    const after = listImages(threads[0].path, 100, {}, home);
    assert.equal(after.total, before.total, 'every image copy still listed');
    assert.ok(after.images.every((i) => i.file && i.mediaType === 'image/png'));
    // The first screenshot of the first thread is the generator's noise PNG with seed 1.
    const shown = archivedThumbnail(home, after.images[0].file!);
    assert.equal(shown.dataUrl, `data:image/png;base64,${noisePng(30, 20, 1).toString('base64')}`);
    assert.match(archivedThumbnail(home, '/etc/passwd').reason ?? '', /not an image of this Codex home's archive/);
  });

  it('a cancelled run leaves the threads not reached as they were', async () => {
    const home = tempCodexHome();
    const threads = writeCopiesHome(home, OPTS);
    const before = threads.map((t) => fs.readFileSync(t.path));
    const plan = planReclaim({ codexHome: home, olderThanDays: 0 }, ctx());
    const report = await reclaim(
      { codexHome: home, planId: plan.id },
      ctx(() => true),
    );
    assert.equal(report.cancelled, true);
    assert.equal(report.totals.repaired, 0);
    threads.forEach((t, i) => assert.deepEqual(fs.readFileSync(t.path), before[i]));
  });
});
