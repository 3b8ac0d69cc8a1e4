// The session watcher and proactive handoffs: exactly one handoff when a growing thread crosses
// the threshold, none for quiet threads, and it keeps working while files are appended, rotated,
// archived and deleted under it.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { SessionChange, SessionWatcher } from '../../../../src/core/codexHome/sessionWatcher';
import { RiskCrossing } from '../../../../src/core/scan/riskCrossing';
import { ProactiveEvent, ProactiveHandoffs } from '../../../../src/core/handoff/proactive';
import { ThreadSummary } from '../../../../src/core/scan/catalog';
import { RiskLevel } from '../../../../src/core/scan/risk';
import { listHandoffs } from '../../../../src/core/handoff/write';
import { sessionMetaLine, sessionPath } from '../../../support/synthetic';
import { bundle } from '../../../support/bundles';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

function tmpHome(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'csr-watch-'));
  after(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

const when = new Date('2026-05-01T09:00:00Z');

function newThread(home: string, text = 'hello'): { id: string; file: string } {
  const id = randomUUID();
  const file = sessionPath(home, id, when);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const user = {
    timestamp: when.toISOString(),
    type: 'response_item',
    payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] },
  };
  fs.writeFileSync(file, sessionMetaLine(id, when, '/home/dev/app') + '\n' + JSON.stringify(user) + '\n');
  return { id, file };
}

/** Append a turn carrying `images` screenshots of `bytes` each (what pushes a thread's risk up). */
function appendImages(file: string, images: number, bytes: number): void {
  const content: unknown[] = [{ type: 'input_text', text: 'look at these' }];
  for (let i = 0; i < images; i++)
    content.push({ type: 'input_image', image_url: 'data:image/png;base64,' + randomBytes(bytes).toString('base64') });
  fs.appendFileSync(
    file,
    JSON.stringify({
      timestamp: new Date().toISOString(),
      type: 'response_item',
      payload: { type: 'message', role: 'user', content },
    }) + '\n',
  );
}

function summary(id: string, level: RiskLevel, mtimeMs: number): ThreadSummary {
  return {
    id,
    path: `/x/${id}.jsonl`,
    mtimeMs,
    risk: { level, reasons: [], recommendation: '' },
  } as unknown as ThreadSummary;
}

describe('RiskCrossing', () => {
  it('fires once per upward crossing, re-arms only below the threshold, waits for quiet', () => {
    const rc = new RiskCrossing({ level: 'high', quietMs: 1000 });
    const t0 = 1_000_000;
    assert.deepEqual(rc.update([summary('a', 'ok', t0), summary('b', 'watch', t0)], t0 + 5000).crossings, []);
    // a crosses while still being written: not yet, recheck later
    let r = rc.update([summary('a', 'high', t0 + 4900), summary('b', 'watch', t0)], t0 + 5000);
    assert.deepEqual(r.crossings, []);
    assert.equal(r.recheckInMs, 900);
    r = rc.update([summary('a', 'high', t0 + 4900), summary('b', 'watch', t0)], t0 + 6000);
    assert.deepEqual(
      r.crossings.map((c) => [c.id, c.from, c.to]),
      [['a', 'ok', 'high']],
    );
    // still high, then higher: no new crossing
    assert.deepEqual(rc.update([summary('a', 'high', t0), summary('b', 'watch', t0)], t0 + 7000).crossings, []);
    assert.deepEqual(rc.update([summary('a', 'critical', t0), summary('b', 'watch', t0)], t0 + 8000).crossings, []);
    // falls below (e.g. stripped), crosses again: fires again
    rc.update([summary('a', 'watch', t0)], t0 + 9000);
    assert.deepEqual(
      rc.update([summary('a', 'stuck', t0)], t0 + 10_000).crossings.map((c) => [c.id, c.from, c.to]),
      [['a', 'watch', 'stuck']],
    );
    // state survives a restart
    const again = new RiskCrossing({ level: 'high', quietMs: 1000 }, JSON.parse(JSON.stringify(rc.state())));
    assert.deepEqual(again.update([summary('a', 'stuck', t0)], t0 + 11_000).crossings, []);
  });
});

describe('SessionWatcher', function () {
  this.timeout(30_000);

  for (const mode of ['fs.watch', 'poll only'] as const) {
    it(`reports appends, archive moves, renames, deletes and folders created later (${mode})`, async () => {
      const home = tmpHome();
      const w = new SessionWatcher(home, {
        debounceMs: 150,
        pollMs: mode === 'poll only' ? 100 : 2000,
        useFsWatch: mode === 'fs.watch',
      });
      const events: SessionChange[] = [];
      w.onEvents((b) => events.push(...b));
      w.start(); // sessions/ does not exist yet
      const seen = (kind: string, p: string) => events.some((e) => e.kind === kind && e.path === p);
      const { id, file } = newThread(home);
      await until('added', () => seen('added', file));
      fs.appendFileSync(
        file,
        '{"timestamp":"2026-05-01T09:00:01Z","type":"event_msg","payload":{"type":"agent_message","message":"hi"}}\n',
      );
      await until('changed', () => seen('changed', file));
      // rotation / atomic swap: a new file renamed over the old one
      const tmp = file + '.tmp';
      fs.writeFileSync(tmp, fs.readFileSync(file, 'utf8') + '\n');
      fs.renameSync(tmp, file);
      const changes = () => events.filter((e) => e.kind === 'changed' && e.path === file).length;
      await until('changed after rename', () => changes() >= 2);
      // archive: moved to archived_sessions/
      const archived = path.join(home, 'archived_sessions', path.basename(file));
      fs.mkdirSync(path.dirname(archived), { recursive: true });
      fs.renameSync(file, archived);
      await until('archive move', () => seen('removed', file) && seen('added', archived));
      assert.equal(events.find((e) => e.kind === 'added' && e.path === archived)?.movedFrom, file);
      assert.equal(events.find((e) => e.kind === 'added' && e.path === archived)?.id, id);
      fs.rmSync(archived);
      await until('removed', () => seen('removed', archived));
      w.stop();
      // nothing after stop
      const n = events.length;
      newThread(home);
      await sleep(400);
      assert.equal(events.length, n);
    });
  }

  it('debounces a file that keeps growing into few events', async () => {
    const home = tmpHome();
    const { file } = newThread(home);
    const w = new SessionWatcher(home, { debounceMs: 300, maxWaitMs: 5000, pollMs: 50 });
    const events: SessionChange[] = [];
    w.onEvents((b) => events.push(...b));
    w.start();
    for (let i = 0; i < 20; i++) {
      fs.appendFileSync(
        file,
        `{"timestamp":"2026-05-01T09:00:0${i % 10}Z","type":"event_msg","payload":{"type":"agent_message","message":"${i}"}}\n`,
      );
      await sleep(40);
    }
    await sleep(600);
    w.stop();
    const changed = events.filter((e) => e.kind === 'changed');
    assert.ok(changed.length >= 1 && changed.length <= 2, `${changed.length} change events for 20 appends`);
  });
});

describe('ProactiveHandoffs', function () {
  this.timeout(60_000);

  it('writes exactly one handoff when a growing thread crosses the threshold, none for quiet threads', async () => {
    const home = tmpHome();
    const quiet = newThread(home, 'a quiet thread');
    const growing = newThread(home, 'the thread that grows');
    const p = new ProactiveHandoffs(home, { level: 'high', quietMs: 400, debounceMs: 100, pollMs: 100 });
    const events: ProactiveEvent[] = [];
    p.onEvent((e) => events.push(e));
    p.start();
    const handoffs = () =>
      events.filter((e): e is Extract<ProactiveEvent, { type: 'handoff' }> => e.type === 'handoff');
    await sleep(300);
    assert.equal(handoffs().length, 0, 'nothing at start: both threads are ok');
    // Grow in steps (Codex appending turns) past 24 MB of live images → high.
    for (let i = 0; i < 7; i++) {
      appendImages(growing.file, 2, 2 * 1024 * 1024);
      await sleep(60);
    }
    await until('handoff', () => handoffs().length >= 1, 20_000);
    // keep appending while high: no second handoff
    appendImages(growing.file, 1, 1024 * 1024);
    await sleep(1200);
    // and the file is archived under it: same thread, no new handoff, watcher keeps going
    const archived = path.join(home, 'archived_sessions', path.basename(growing.file));
    fs.mkdirSync(path.dirname(archived), { recursive: true });
    fs.renameSync(growing.file, archived);
    await sleep(1000);
    // a quiet thread deleted under it: no handoff, no crash
    fs.rmSync(quiet.file);
    await sleep(600);
    p.stop();
    const h = handoffs();
    assert.equal(h.length, 1, JSON.stringify(events.filter((e) => e.type !== 'change' && e.type !== 'assessed')));
    assert.equal(h[0].id, growing.id);
    assert.ok(['high', 'critical'].includes(h[0].to));
    assert.equal(listHandoffs(home, growing.id).length, 1);
    assert.equal(listHandoffs(home, quiet.id).length, 0);
    assert.ok(fs.readFileSync(h[0].handoff.path, 'utf8').includes('the thread that grows'));
    assert.deepEqual(
      events.filter((e) => e.type === 'error'),
      [],
    );
    // A restart does not write it again (state in CODEX_HOME/rescue/watch-state.json).
    const p2 = new ProactiveHandoffs(home, { level: 'high', quietMs: 0, pollMs: 0, useFsWatch: false });
    assert.deepEqual(
      p2.runOnce().filter((e) => e.type === 'handoff'),
      [],
    );
  });

  it('`watch --once` hands off a thread already at the level and exits', async () => {
    const home = tmpHome();
    const t = newThread(home, 'big one');
    for (let i = 0; i < 4; i++) appendImages(t.file, 2, 4 * 1024 * 1024);
    const { spawnSync } = await import('node:child_process');
    const cli = bundle('cli.js');
    const r = spawnSync(process.execPath, [cli, 'watch', '--once', '--codex-home', home], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`handoff ${t.id} new→(high|critical) `));
    assert.equal(listHandoffs(home, t.id).length, 1);
    const r2 = spawnSync(process.execPath, [cli, 'watch', '--once', '--codex-home', home], { encoding: 'utf8' });
    assert.equal(r2.stdout, '');
  });
});
