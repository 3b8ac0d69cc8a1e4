// Progressive listing through the real worker bundle (dist/worker.js + its scan pool): every thread is
// listed from cheap facts before any badge, badges arrive as threads are measured, and a thread
// appended to or archived while the scan runs is neither lost nor listed twice once the watcher's
// rescan has run. The watcher itself runs in the worker and reports changes as events.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WorkerClient } from '../../src/extension/workerClient';
import { ThreadList } from '../../src/extension/threadList';
import { scanCatalog } from '../../src/core/scan/catalog';
import type { ScanPartial } from '../../src/protocol/messages';
import { makeFixtureSet } from '../support/fixtures';
import { sessionPath, writeSyntheticRollout, appendAgentMessage, agentMessageLine } from '../support/synthetic';
import { tempDir } from '../support/tempHome';
import { bundle } from '../support/bundles';
import { CODEX_PAGINATED_VERSION } from '../support/tools';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('progressive scan in the worker', function () {
  this.timeout(300_000);
  let home: string;
  let realIds: string[];
  let realPaths: string[];
  let worker: WorkerClient;

  before(async () => {
    const set = await makeFixtureSet(CODEX_PAGINATED_VERSION);
    home = path.join(tempDir('csr-progressive-'), 'codex-home');
    fs.cpSync(path.join(set.codexHome, 'sessions'), path.join(home, 'sessions'), { recursive: true });
    realIds = set.all.map((t) => t.threadId);
    realPaths = set.all.map((t) => path.join(home, path.relative(set.codexHome, t.rolloutPath)));
    // The real threads are old (measured last: most recent first); two generated 40 MB rollouts from
    // today are measured first, which leaves time to change the real ones mid-scan.
    const old = new Date(Date.now() - 30 * 86400000);
    for (const p of realPaths) fs.utimesSync(p, old, old);
    for (const k of [1, 2]) {
      const id = `01a20000-0000-7000-8000-00000000b00${k}`;
      writeSyntheticRollout(sessionPath(home, id, new Date()), { imageLines: 40, imageBytes: 370_000, threadId: id });
    }
    worker = new WorkerClient(bundle('worker.js'));
  });

  after(() => worker?.dispose());

  it('lists every thread before any badge, then badges arrive until none is pending', async () => {
    const list = new ThreadList();
    const seen: { kind: string; pendingAfter: number; threads: number }[] = [];
    list.begin();
    const r = await worker.call(
      'scan',
      { codexHome: home, progressive: true, reset: true },
      {
        onPartial: (p: ScanPartial) => {
          list.apply(p);
          seen.push({ kind: p.kind, pendingAfter: list.pendingCount, threads: list.threads.length });
        },
      },
    );
    assert.ok(r.streamed, 'threads came as partials');
    assert.deepEqual(r.threads, []);
    assert.equal(seen[0].kind, 'listed', 'rows first');
    assert.equal(seen[0].threads, 7, 'every thread listed at once');
    assert.equal(seen[0].pendingAfter, 7, 'none measured yet on a never-scanned home');
    const measured = seen.filter((s) => s.kind === 'measured');
    assert.ok(measured.length >= 1, 'badges arrive');
    assert.ok(
      measured.every((s, i) => i === 0 || s.pendingAfter <= measured[i - 1].pendingAfter),
      'pending only goes down',
    );
    list.finish(r);
    assert.equal(list.pendingCount, 0);
    const expected = scanCatalog(home).threads;
    assert.deepEqual(
      list.threads.map((t) => [t.path, t.risk.level, t.metrics.lines]).sort(),
      expected.map((t) => [t.path, t.risk.level, t.metrics.lines]).sort(),
      'same threads and badges as a one-thread scan',
    );
  });

  it('loses and doubles nothing when a thread is appended or archived mid-scan', async () => {
    const list = new ThreadList();
    const appended = realPaths[0];
    const archivedFrom = realPaths[1];
    const archivedTo = path.join(home, 'archived_sessions', path.basename(archivedFrom));
    const sizeBefore = fs.statSync(appended).size;
    const line = agentMessageLine('appended mid-scan').trimEnd();
    let changedMidScan = false;
    let eventSeen = 0;
    await worker.call('watch', { codexHome: home, debounceMs: 100, pollMs: 500 });
    const off = worker.onEvent(() => eventSeen++);
    const scan = async (): Promise<void> => {
      list.begin();
      const r = await worker.call(
        'scan',
        { codexHome: home, progressive: true, reset: true },
        {
          onPartial: (p) => {
            list.apply(p);
            if (p.kind === 'listed' && !changedMidScan) {
              changedMidScan = true;
              assert.ok(list.isPending(appended) && list.isPending(archivedFrom), 'both still to be measured');
              fs.appendFileSync(appended, line + '\n');
              fs.mkdirSync(path.dirname(archivedTo), { recursive: true });
              fs.renameSync(archivedFrom, archivedTo);
            }
          },
        },
      );
      list.finish(r);
    };
    try {
      await scan();
      assert.ok(changedMidScan);
      // the worker's watcher reports the changes; the store would rescan: do what it does
      for (let i = 0; i < 100 && eventSeen === 0; i++) await sleep(50);
      assert.ok(eventSeen > 0, 'the watcher in the worker reported the change');
      await scan();
    } finally {
      off();
      await worker.call('unwatch', {});
    }
    const ids = list.threads.map((t) => t.id);
    assert.equal(ids.length, new Set(ids).size, 'no thread listed twice');
    for (const id of realIds) assert.ok(ids.includes(id), `thread ${id} still listed`);
    assert.equal(list.threads.length, 7);
    const arch = list.threads.find((t) => t.path === archivedTo);
    assert.ok(arch?.archived, 'the archived thread is listed once, as archived');
    assert.ok(!list.threads.some((t) => t.path === archivedFrom));
    const app = list.threads.find((t) => t.path === appended)!;
    assert.equal(app.sizeBytes, sizeBefore + line.length + 1, 'the appended thread has its new size');
    assert.equal(list.pendingCount, 0);
  });
  it('a rescan sends only new and changed threads; the list keeps the rest', async () => {
    const list = new ThreadList();
    const run = async (listKnown: boolean, reset: boolean): Promise<Set<string>> => {
      const sent = new Set<string>();
      list.begin();
      const r = await worker.call(
        'scan',
        { codexHome: home, progressive: true, listKnown, reset },
        {
          onPartial: (p) => {
            for (const t of p.threads) sent.add(t.path);
            list.apply(p);
          },
        },
      );
      list.finish(r);
      return sent;
    };
    const all = await run(false, true);
    assert.equal(all.size, list.threads.length, 'a first scan sends every thread');
    const quiet = list.threads.find((t) => Date.now() - t.mtimeMs > 3600_000 && !t.archived)!;
    const before = list.threads.length;
    appendAgentMessage(quiet.path, 'more');
    const sent = await run(true, false);
    assert.ok(sent.has(quiet.path), 'the changed thread is sent');
    const stale = [...sent].filter((p) => p !== quiet.path && Date.now() - fs.statSync(p).mtimeMs > 10 * 60_000);
    assert.deepEqual(stale, [], 'no unchanged, quiet thread is sent again');
    assert.equal(list.threads.length, before, 'every thread still listed');
    assert.equal(list.threads.find((t) => t.path === quiet.path)!.sizeBytes, fs.statSync(quiet.path).size);
    assert.equal(list.pendingCount, 0);
  });
});
