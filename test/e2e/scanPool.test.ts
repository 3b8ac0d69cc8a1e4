// The scan pool: the real Codex CLI's threads (plus one generated big rollout and an archived copy)
// measured by worker threads give exactly what one thread gives; a worker killed mid-file is
// replaced and the file measured again; a file that kills every worker is reported, nothing else lost.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { ScanIndex, emptyIndex, scanCatalog } from '../../src/core/scan/catalog';
import { scanCatalogParallel } from '../../src/core/scan/parallelScan';
import { startWorkers } from '../../src/core/scan/scanPool';
import { threadJson } from '../../src/core/scan/threadJson';
import { makeFixtureSet } from '../support/fixtures';
import { appendAgentMessage, sessionPath, writeSyntheticRollout } from '../support/synthetic';
import { tempDir } from '../support/tempHome';
import { bundle } from '../support/bundles';
import { CODEX_PAGINATED_VERSION, REPO_ROOT } from '../support/tools';

const script = path.join(REPO_ROOT, 'dist', 'scanWorker.js'); // built in before()

/** Threads as comparable JSON, in path order (the pool finishes files in any order). */
function canon(threads: Parameters<typeof threadJson>[0][]): string {
  return JSON.stringify([...threads].sort((a, b) => (a.path < b.path ? -1 : 1)).map(threadJson));
}

describe('scan pool (worker threads)', function () {
  this.timeout(300_000);
  let home: string;
  let big: string;

  before(async () => {
    bundle('scanWorker.js');
    const set = await makeFixtureSet(CODEX_PAGINATED_VERSION);
    home = path.join(tempDir('csr-pool-'), 'codex-home');
    fs.cpSync(path.join(set.codexHome, 'sessions'), path.join(home, 'sessions'), { recursive: true });
    // one real thread archived as well, and a generated rollout big enough to be killed mid-read
    fs.mkdirSync(path.join(home, 'archived_sessions'), { recursive: true });
    fs.copyFileSync(set.small.rolloutPath, path.join(home, 'archived_sessions', path.basename(set.small.rolloutPath)));
    big = writeSyntheticRollout(sessionPath(home, '01a20000-0000-7000-8000-00000000c0de', new Date()), {
      imageLines: 40,
      imageBytes: 300_000,
      threadId: '01a20000-0000-7000-8000-00000000c0de',
    }).path;
  });

  it('gives the same threads, index and stats as one thread', async () => {
    const one = scanCatalog(home, { index: emptyIndex() });
    const index: ScanIndex = emptyIndex();
    const seen: string[] = [];
    const many = await scanCatalogParallel(home, {
      index,
      script,
      workers: 2,
      minPoolBytes: 0,
      onThread: (t) => seen.push(t.path),
    });
    assert.equal(one.threads.length, 7, 'five real threads, the archived copy, the big one');
    assert.equal(canon(many.threads), canon(one.threads));
    assert.deepEqual(many.stats, one.stats);
    assert.deepEqual(many.errors, []);
    assert.deepEqual([...seen].sort(), one.threads.map((t) => t.path).sort(), 'each thread reported once');
    assert.deepEqual(
      many.threads.map((t) => t.path),
      one.threads.map((t) => t.path),
      'same urgency order',
    );
    // and a rescan of the unchanged home reads nothing
    const again = await scanCatalogParallel(home, { index, script, workers: 2, minPoolBytes: 0 });
    assert.equal(again.stats.reused, 7);
    assert.equal(again.stats.bytesRead, 0);
    assert.equal(canon(again.threads), canon(one.threads));
  });

  it('replaces a worker killed mid-file and measures its file again', async () => {
    const dispatched: number[] = [];
    const many = await scanCatalogParallel(home, {
      index: emptyIndex(),
      script,
      workers: 2,
      minPoolBytes: 0,
      onDispatch: (job, worker, attempt) => {
        if (job.path !== big) return;
        dispatched.push(attempt);
        if (attempt === 1) void worker.terminate(); // killed while it reads the big file
      },
    });
    assert.deepEqual(dispatched, [1, 2], 'the big file went to a fresh worker after the kill');
    assert.deepEqual(many.errors, []);
    assert.equal(canon(many.threads), canon(scanCatalog(home).threads));
  });

  it('reports a file that kills every worker it is given, and loses nothing else', async () => {
    let kills = 0;
    const many = await scanCatalogParallel(home, {
      index: emptyIndex(),
      script,
      workers: 2,
      minPoolBytes: 0,
      onDispatch: (job, worker) => {
        if (job.path === big) {
          kills++;
          void worker.terminate();
        }
      },
    });
    assert.equal(kills, 2, 'tried twice (maxAttempts)');
    assert.equal(many.errors.length, 1);
    assert.equal(many.errors[0].path, big);
    assert.match(many.errors[0].message, /scan worker stopped 2 times/);
    const rest = scanCatalog(home).threads.filter((t) => t.path !== big);
    assert.equal(canon(many.threads), canon(rest));
  });
  it('a worker killed in the middle of a batch of small files: each is measured again, alone', async () => {
    const small = scanCatalog(home).threads.filter((t) => t.path !== big);
    const victim = small[0].path;
    const dispatches = new Map<string, number>();
    let killed = false;
    const many = await scanCatalogParallel(home, {
      index: emptyIndex(),
      script,
      workers: 1,
      minPoolBytes: 0,
      onDispatch: (job, worker) => {
        dispatches.set(job.path, (dispatches.get(job.path) ?? 0) + 1);
        if (job.path === victim && !killed) {
          killed = true;
          void worker.terminate();
        }
      },
    });
    assert.ok(killed);
    assert.equal(dispatches.get(victim), 2, 'sent again after the kill');
    assert.deepEqual(many.errors, []);
    assert.equal(canon(many.threads), canon(scanCatalog(home).threads));
  });

  it('workers started ahead: one that died before it was taken is not handed out; dispose stops the rest', async () => {
    const dies = path.join(tempDir('csr-pool-exit-'), 'exit.js');
    fs.writeFileSync(dies, 'process.exit(3);\n');
    const created = new Promise<Worker>((r) => process.once('worker', r));
    const dead = startWorkers(dies, 1);
    const w0 = await created;
    if (w0.threadId !== -1) await new Promise((r) => w0.once('exit', r));
    assert.equal(dead.take(), undefined);
    const made: Worker[] = [];
    const note = (x: Worker) => made.push(x);
    process.on('worker', note);
    const live = startWorkers(script, 2);
    for (let k = 0; made.length < 2 && k < 500; k++) await new Promise((r) => setTimeout(r, 10)); // 'worker' comes later
    process.off('worker', note);
    assert.equal(made.length, 2);
    const w = live.take()!;
    assert.ok(w);
    await w.terminate();
    const other = made.find((x) => x !== w)!;
    const stopped = new Promise((r) => other.once('exit', r));
    live.dispose();
    await stopped; // dispose stopped the one not taken
  });

  it('a rescan while Codex appends to one thread starts no worker', async () => {
    const index = emptyIndex();
    await scanCatalogParallel(home, { index, script, workers: 2, minPoolBytes: 0 });
    appendAgentMessage(big, 'one more turn');
    // Count the workers made (the pool looks Worker up on the module when it makes one).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const wt = require('node:worker_threads') as { Worker: typeof Worker };
    const Real = wt.Worker;
    let made = 0;
    wt.Worker = class extends Real {
      constructor(...args: ConstructorParameters<typeof Worker>) {
        super(...args);
        made++;
      }
    };
    try {
      const r = await scanCatalogParallel(home, { index, script, workers: 2, minPoolBytes: 1 });
      assert.equal(r.stats.resumed, 1);
      assert.equal(made, 0, 'workers started');
    } finally {
      wt.Worker = Real;
    }
  });
});
