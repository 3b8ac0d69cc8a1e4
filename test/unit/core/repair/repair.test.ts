import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as nodeZlib from 'node:zlib';
import * as path from 'node:path';
import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import { restoreThread } from '../../../../src/core/repair/restore';
import { stripThread } from '../../../../src/core/repair/stripThread';
import { RescueError } from '../../../../src/core/util/errors';
import { listBackups } from '../../../../src/core/repair/backups';
import { maintenanceLockPath, writerLockPath } from '../../../../src/core/codexHome/paths';
import { withCodexMaintenanceLock } from '../../../../src/core/codexHome/maintenanceLock';
import { openDb } from '../../../../src/core/codexHome/sqlite';
import { tempCodexHome, tempDir } from '../../../support/tempHome';
import { sessionMetaLine, sessionPath, writeSyntheticRollout, agentMessageLine } from '../../../support/synthetic';
import { holdDatabaseLock } from '../../../support/dbLock';
import { createHash } from 'node:crypto';

const quiet = { growthWindowMs: 0 };

function makeThread(home: string, opts: { imageLines?: number; when?: Date } = {}) {
  const when = opts.when ?? new Date('2026-11-20T10:00:00Z');
  const id = '0199a000-0000-7000-8000-' + String(Math.floor(Math.random() * 1e12)).padStart(12, '0');
  const file = sessionPath(home, id, when);
  writeSyntheticRollout(file, {
    imageLines: opts.imageLines ?? 6,
    imageBytes: 30_000,
    compactEvery: 3,
    threadId: id,
    start: when,
  });
  const old = new Date(Date.now() - 60_000);
  fs.utimesSync(file, old, old);
  return { id, file };
}

function tempFilesIn(dir: string): string[] {
  return fs.readdirSync(dir).filter((n) => n.endsWith('.tmp'));
}

describe('repair: in place, fork, restore', () => {
  it('repairs in place keeping restore data, not a copy, and restores byte for byte', () => {
    const home = tempCodexHome();
    const { id, file } = makeThread(home);
    const original = fs.readFileSync(file);
    const mode = 0o640;
    fs.chmodSync(file, mode);
    const r = stripThread({ codexHome: home, thread: id, mode: 'in-place' }, quiet);
    assert.equal(r.jsonErrors, 0);
    assert.equal(r.imagesReplaced, r.imagesFound);
    assert.ok(r.bytesAfter < r.bytesBefore / 5);
    assert.equal(r.outputPath, file);
    assert.ok(!fs.readFileSync(file, 'utf8').includes('data:image'));
    assert.equal(fs.statSync(file).mode & 0o777, mode, 'file mode kept');
    const [b] = listBackups(home, id);
    assert.equal(b.dir, r.backupPath);
    assert.ok(b.manifest.restoreData, 'restore data kept');
    assert.ok(!fs.existsSync(b.file), 'no copy of the original is kept');
    assert.equal(r.fullCopyKept, undefined);
    assert.ok(r.restoreData && r.restoreData.bytes < 20_000, `restore data of kilobytes: ${r.restoreData?.bytes}`);
    assert.equal(b.manifest.sha256, createHash('sha256').update(original).digest('hex'));
    assert.equal(b.manifest.originalPath, file);
    assert.deepEqual(tempFilesIn(path.dirname(file)), []);
    const back = restoreThread({ codexHome: home, thread: id });
    assert.deepEqual(fs.readFileSync(file), original, 'restored byte for byte');
    assert.ok(back.savedCurrentAs && fs.existsSync(back.savedCurrentAs), 'the repaired version was kept too');
  });

  it('forks into a new thread and leaves the original untouched', () => {
    const home = tempCodexHome();
    const { id, file } = makeThread(home);
    const before = fs.readFileSync(file);
    const r = stripThread({ codexHome: home, thread: id, mode: 'fork' }, quiet);
    assert.ok(r.newThreadId && r.newThreadId !== id);
    assert.deepEqual(fs.readFileSync(file), before);
    assert.ok(r.outputPath.endsWith(`${r.newThreadId}.jsonl`));
    const first = JSON.parse(fs.readFileSync(r.outputPath, 'utf8').split('\n')[0]);
    assert.equal(first.payload.id, r.newThreadId);
    assert.equal(r.resumeCommand, `codex resume ${r.newThreadId}`);
    // a fork makes no backup: its placeholders point at the thread it was made from
    const text = fs.readFileSync(r.outputPath, 'utf8');
    assert.match(
      text,
      new RegExp(
        `image omitted by codex-session-rescue: [^\\]]*the original is in thread ${id}, which the fork was made from`,
      ),
    );
    assert.doesNotMatch(text, /rescue backup/);
  });

  it('dry run changes nothing and reports what would change', () => {
    const home = tempCodexHome();
    const { id, file } = makeThread(home);
    const before = fs.readFileSync(file);
    const r = stripThread({ codexHome: home, thread: id, mode: 'dry-run' }, quiet);
    assert.deepEqual(fs.readFileSync(file), before);
    assert.ok(r.imagesReplaced > 0);
    assert.equal(r.backupPath, undefined);
    assert.ok(!fs.existsSync(path.join(home, 'rescue', 'backups')));
    fs.rmSync(r.outputPath);
  });
});

describe('repair: refusals leave the original untouched', () => {
  let holder: ChildProcess | undefined;
  afterEach(() => holder?.kill('SIGKILL'));

  it("refuses while Codex holds the thread's writer lock (a real flock held by another process)", async () => {
    const home = tempCodexHome();
    const { id, file } = makeThread(home);
    const lock = writerLockPath(home, id);
    fs.mkdirSync(path.dirname(lock), { recursive: true });
    fs.writeFileSync(lock, '');
    holder = spawn('flock', ['--exclusive', '--no-fork', lock, 'sleep', '30'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 300));
    const before = fs.readFileSync(file);
    assert.throws(
      () => stripThread({ codexHome: home, thread: id, mode: 'in-place' }, quiet),
      (e: Error) =>
        e instanceof RescueError &&
        e.code === 'held-by-codex' &&
        /Codex is writing this thread right now/.test(e.message),
    );
    assert.deepEqual(fs.readFileSync(file), before);
    holder.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    const r = stripThread({ codexHome: home, thread: id, mode: 'in-place' }, quiet);
    assert.equal(r.jsonErrors, 0, 'a stale lock file no one holds does not block');
  });

  it('does not swap while Codex holds its maintenance lock, says why, and leaves the file byte-identical', async () => {
    const home = tempCodexHome();
    const { id, file } = makeThread(home);
    const lock = maintenanceLockPath(home);
    fs.mkdirSync(path.dirname(lock), { recursive: true });
    // what Codex 0.171 does while it compresses or migrates rollouts
    holder = spawn('flock', ['-x', '--no-fork', lock, 'sleep', '60'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 300));
    const before = fs.readFileSync(file);
    const t0 = Date.now();
    assert.throws(
      () => stripThread({ codexHome: home, thread: id, mode: 'in-place' }, { ...quiet, lockWaitMs: 500 }),
      (e: Error) =>
        e instanceof RescueError &&
        e.code === 'codex-maintenance' &&
        /Codex is doing its own maintenance/.test(e.message) &&
        /Nothing was changed/.test(e.message),
    );
    assert.ok(Date.now() - t0 >= 450, 'it waited briefly first');
    assert.deepEqual(fs.readFileSync(file), before);
    assert.deepEqual(listBackups(home, id), [], 'no backup either');
    assert.deepEqual(tempFilesIn(path.dirname(file)), []);
    assert.equal(fs.existsSync(writerLockPath(home, id)), false, 'the writer lock taken for the swap is gone');
    // Codex lets go: the same repair goes through, and a restore waits for the lock in the same way
    holder.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    stripThread({ codexHome: home, thread: id, mode: 'in-place' }, quiet);
    holder = spawn('flock', ['-x', '--no-fork', lock, 'sleep', '60'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 300));
    const repaired = fs.readFileSync(file);
    assert.throws(
      () => restoreThread({ codexHome: home, thread: id }, { lockWaitMs: 300 }),
      (e: Error) => e instanceof RescueError && e.code === 'codex-maintenance',
    );
    assert.deepEqual(fs.readFileSync(file), repaired);
    holder.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    restoreThread({ codexHome: home, thread: id });
    assert.deepEqual(fs.readFileSync(file), before, 'restored byte for byte');
  });

  it('a run that holds the maintenance lock itself (reclaim) can repair and restore under it', () => {
    const home = tempCodexHome();
    const { id, file } = makeThread(home);
    const before = fs.readFileSync(file);
    withCodexMaintenanceLock(home, () => {
      stripThread({ codexHome: home, thread: id, mode: 'in-place' }, { ...quiet, lockWaitMs: 300 });
      assert.ok(!fs.readFileSync(file, 'utf8').includes('data:image'));
      restoreThread({ codexHome: home, thread: id }, { lockWaitMs: 300 });
    });
    assert.deepEqual(fs.readFileSync(file), before);
  });

  it('refuses while the rollout is still growing', async () => {
    const home = tempCodexHome();
    const { id, file } = makeThread(home);
    // Codex appending from another process while we look (our growth check waits synchronously)
    holder = spawn(
      process.execPath,
      [
        '-e',
        `const fs=require('fs');setInterval(()=>fs.appendFileSync(${JSON.stringify(file)}, '{"type":"event_msg","payload":{"type":"agent_message","message":"x"}}\\n'),50);setTimeout(()=>process.exit(0),5000)`,
      ],
      { stdio: 'ignore' },
    );
    const size = fs.statSync(file).size;
    while (fs.statSync(file).size === size) await new Promise((r) => setTimeout(r, 20)); // the writer has started
    assert.throws(
      () => stripThread({ codexHome: home, thread: id, mode: 'in-place' }, { growthWindowMs: 600 }),
      (e: Error) => /still growing/.test(e.message),
    );
    assert.equal(listBackups(home, id).length, 0);
    assert.deepEqual(tempFilesIn(path.dirname(file)), []);
  });

  it('refuses a file without session_meta, with a way forward', () => {
    const home = tempCodexHome();
    const file = sessionPath(home, '0199a000-0000-7000-8000-00000000dead', new Date('2026-11-20T10:00:00Z'));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(
      file,
      JSON.stringify({ type: 'response_item', payload: { type: 'message', role: 'user', content: [] } }) + '\n',
    );
    const before = fs.readFileSync(file);
    assert.throws(
      () => stripThread({ codexHome: home, thread: file, mode: 'in-place' }, quiet),
      /does not start with a session_meta line.*handoff/s,
    );
    assert.deepEqual(fs.readFileSync(file), before);
  });

  it('keeps corrupt lines verbatim and reports them', () => {
    const home = tempCodexHome();
    const { id, file } = makeThread(home);
    fs.appendFileSync(file, '{"timestamp":"t","type":"event_msg","payload":{"type":"agent_mess');
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(file, old, old);
    const r = stripThread({ codexHome: home, thread: id, mode: 'in-place' }, quiet);
    assert.equal(r.jsonErrors, 0);
    assert.equal(r.badLinesKept.length, 1);
    assert.equal(r.badLinesKept[0].kind, 'truncated');
    assert.ok(fs.readFileSync(file, 'utf8').endsWith('"type":"agent_mess'));
  });

  it('cancels cleanly: no temp file, no backup, original untouched', () => {
    const home = tempCodexHome();
    const { id, file } = makeThread(home, { imageLines: 30 });
    const before = fs.readFileSync(file);
    let calls = 0;
    assert.throws(
      () =>
        stripThread({ codexHome: home, thread: id, mode: 'in-place' }, { ...quiet, isCancelled: () => ++calls > 1 }),
      /Cancelled\. Nothing was changed/,
    );
    assert.deepEqual(fs.readFileSync(file), before);
    assert.deepEqual(tempFilesIn(path.dirname(file)), []);
    assert.equal(listBackups(home, id).length, 0);
  });

  it('refuses in place when a Codex fork points into the file by byte offset', () => {
    const home = tempCodexHome();
    const { id } = makeThread(home);
    const forkId = '0199a000-0000-7000-8000-0000000f0f0f';
    const forkFile = sessionPath(home, forkId, new Date('2026-11-21T10:00:00Z'));
    fs.mkdirSync(path.dirname(forkFile), { recursive: true });
    const meta = JSON.parse(sessionMetaLine(forkId, new Date('2026-11-21T10:00:00Z'), '/w'));
    meta.payload.history_base = { thread_id: id, end_ordinal_exclusive: 10, end_byte_offset: 5000 };
    fs.writeFileSync(forkFile, JSON.stringify(meta) + '\n');
    assert.throws(() => stripThread({ codexHome: home, thread: id, mode: 'in-place' }, quiet), /fork\(s\).*--fork/s);
    const r = stripThread({ codexHome: home, thread: id, mode: 'fork' }, quiet);
    assert.equal(r.jsonErrors, 0);
  });

  it('reports a full disk in plain words and leaves nothing behind (a real 1 MB tmpfs)', function () {
    const mnt = tempDir('csr-full-');
    // Mounting needs root (CI and this project's machines run as root); as root, a failed mount is a failure.
    if (process.getuid?.() !== 0) this.skip();
    const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt], { encoding: 'utf8' });
    assert.equal(m.status, 0, `could not mount a tmpfs for the full-disk test: ${m.stderr}`);
    try {
      const home = path.join(mnt, 'home');
      const when = new Date('2026-11-20T10:00:00Z');
      const id = '0199a000-0000-7000-8000-00000000f011';
      const file = sessionPath(home, id, when);
      // 600 KB of text the strip keeps (nothing to remove), so the copy cannot fit beside it
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const lines = [sessionMetaLine(id, when, '/w')];
      for (let i = 0; i < 300; i++)
        lines.push(
          JSON.stringify({
            timestamp: 't',
            type: 'response_item',
            payload: { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'y'.repeat(2000) }] },
          }),
        );
      fs.writeFileSync(file, lines.join('\n') + '\n');
      const old = new Date(Date.now() - 60_000);
      fs.utimesSync(file, old, old);
      const before = fs.readFileSync(file);
      assert.throws(
        () => stripThread({ codexHome: home, thread: id, mode: 'in-place' }, quiet),
        /disk is full.*nothing was changed/s,
      );
      assert.deepEqual(fs.readFileSync(file), before);
      assert.deepEqual(tempFilesIn(path.dirname(file)), []);
    } finally {
      spawnSync('umount', [mnt]);
    }
  });

  it('keeps working when rescue/ is on another file system (no hard link: the original is copied, then dropped)', function () {
    // Mounting needs root (CI and this project's machines run as root); as root, a failed mount is a failure.
    if (process.getuid?.() !== 0) this.skip();
    const home = tempCodexHome();
    const { id, file } = makeThread(home, { imageLines: 3 });
    const original = fs.readFileSync(file);
    const rescue = path.join(home, 'rescue');
    fs.mkdirSync(rescue, { recursive: true });
    const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', rescue], { encoding: 'utf8' });
    assert.equal(m.status, 0, `could not mount a tmpfs on rescue/: ${m.stderr}`);
    try {
      const r = stripThread({ codexHome: home, thread: id, mode: 'in-place' }, quiet);
      assert.ok(r.restoreData, 'restore data stands in for the copy');
      assert.ok(fs.readFileSync(file).length < original.length);
      restoreThread({ codexHome: home, thread: id });
      assert.deepEqual(fs.readFileSync(file), original);
    } finally {
      spawnSync('umount', [rescue]);
    }
  });

  it("puts the original back when Codex's projection database is locked", async () => {
    const home = tempCodexHome();
    const { id, file } = makeThread(home);
    const dbPath = path.join(home, 'thread_history_1.sqlite');
    const db = openDb(dbPath, { readOnly: false });
    db.exec(
      'CREATE TABLE thread_history_projection_state (thread_id TEXT PRIMARY KEY, next_rollout_byte_offset INTEGER NOT NULL, next_rollout_ordinal INTEGER NOT NULL)',
    );
    db.prepare('INSERT INTO thread_history_projection_state VALUES (?, 1234, 7)').run(id);
    db.close();
    const before = fs.readFileSync(file);
    // another process holds a write lock on the database, as a running Codex would
    holder = await holdDatabaseLock(dbPath);
    assert.throws(
      () => stripThread({ codexHome: home, thread: id, mode: 'in-place' }, quiet),
      /database .* is locked.*Nothing was changed/s,
    );
    assert.deepEqual(fs.readFileSync(file), before);
    holder.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    const r = stripThread({ codexHome: home, thread: id, mode: 'in-place' }, quiet);
    assert.equal(r.projectionRowsCleared, 1);
    const check = openDb(dbPath, { readOnly: true });
    assert.equal(check.prepare('SELECT count(*) AS n FROM thread_history_projection_state').get()?.n, 0);
    check.close();
    restoreThread({ codexHome: home, thread: id });
    const after = openDb(dbPath, { readOnly: true });
    assert.deepEqual(
      { ...after.prepare('SELECT * FROM thread_history_projection_state').get() },
      { thread_id: id, next_rollout_byte_offset: 1234, next_rollout_ordinal: 7 },
    );
    after.close();
    assert.deepEqual(fs.readFileSync(file), before);
  });
});

describe('repair: leftovers of a killed run', () => {
  it('removes temp files whose process is gone, and keeps others', () => {
    const home = tempCodexHome();
    const { id, file } = makeThread(home);
    const dir = path.dirname(file);
    const dead = path.join(dir, `.${path.basename(file)}.rescue-999999-0a1b2c3d.tmp`);
    const mine = path.join(dir, `.${path.basename(file)}.rescue-${process.ppid}-0a1b2c3d.tmp`);
    fs.writeFileSync(dead, 'partial');
    fs.writeFileSync(mine, 'in progress elsewhere');
    stripThread({ codexHome: home, thread: id, mode: 'dry-run' }, quiet);
    assert.ok(!fs.existsSync(dead), "a dead run's temp file is removed");
    assert.ok(fs.existsSync(mine), "a live process's temp file is left alone");
  });
});

describe('repair: review findings stay fixed', () => {
  it('never writes a dry run or a copy over the rollout itself, or over an existing file', () => {
    const home = tempCodexHome();
    const { id, file } = makeThread(home);
    const before = fs.readFileSync(file);
    assert.throws(
      () => stripThread({ codexHome: home, thread: id, mode: 'dry-run', out: file }, quiet),
      /must not be the thread's own rollout/,
    );
    assert.throws(
      () => stripThread({ codexHome: home, thread: id, mode: 'copy', out: file }, quiet),
      /must not be the thread's own rollout/,
    );
    const other = path.join(tempDir(), 'exists.jsonl');
    fs.writeFileSync(other, 'keep me');
    assert.throws(
      () => stripThread({ codexHome: home, thread: id, mode: 'dry-run', out: other }, quiet),
      /already exists/,
    );
    assert.equal(fs.readFileSync(other, 'utf8'), 'keep me');
    assert.deepEqual(fs.readFileSync(file), before);
  });

  it('restore refuses to move aside turns Codex wrote after the repair unless forced', () => {
    const home = tempCodexHome();
    const { id, file } = makeThread(home);
    const original = fs.readFileSync(file);
    stripThread({ codexHome: home, thread: id, mode: 'in-place' }, quiet);
    fs.appendFileSync(file, agentMessageLine('new work after the repair', 't'));
    const withNewTurn = fs.readFileSync(file);
    assert.throws(
      () => restoreThread({ codexHome: home, thread: id }),
      /changed since it was repaired \(Codex added .*\)/,
    );
    assert.deepEqual(fs.readFileSync(file), withNewTurn, 'nothing changed');
    const r = restoreThread({ codexHome: home, thread: id, force: true });
    assert.deepEqual(fs.readFileSync(file), original);
    assert.deepEqual(fs.readFileSync(r.savedCurrentAs!), withNewTurn, 'the newer version is kept');
  });

  it('restores a copy: Codex appending to the restored thread leaves the backup intact (a second restore still verifies)', () => {
    const home = tempCodexHome();
    const { id, file } = makeThread(home);
    const original = fs.readFileSync(file);
    const repaired = stripThread({ codexHome: home, thread: id, mode: 'in-place' }, quiet);
    restoreThread({ codexHome: home, thread: id });
    assert.throws(() => restoreThread({ codexHome: home, thread: id }), /already is this backup's version/);
    fs.appendFileSync(file, agentMessageLine('Codex goes on after the restore'));
    assert.ok(fs.existsSync(path.join(repaired.backupPath!, 'patch.jsonl')), 'the restore data is untouched');
    const again = restoreThread({ codexHome: home, thread: id, force: true });
    assert.equal(again.sha256, createHash('sha256').update(original).digest('hex'));
    assert.deepEqual(fs.readFileSync(file), original);
  });

  it("restore writes only this thread's rollout: a backup of another thread or a forged manifest is refused", () => {
    const home = tempCodexHome();
    const a = makeThread(home, { when: new Date('2026-11-20T10:00:00Z') });
    const b = makeThread(home, { when: new Date('2026-11-21T10:00:00Z') });
    const ra = stripThread({ codexHome: home, thread: a.id, mode: 'in-place' }, quiet);
    stripThread({ codexHome: home, thread: b.id, mode: 'in-place' }, quiet);
    const bBefore = fs.readFileSync(b.file);
    assert.throws(
      () => restoreThread({ codexHome: home, thread: b.id, backupPath: ra.backupPath }),
      /is not a backup of thread/,
    );
    assert.deepEqual(fs.readFileSync(b.file), bBefore);
    // a manifest that names a file outside the Codex home, planted among the thread's own backups
    const victim = path.join(tempDir('csr-victim-'), 'victim.txt');
    fs.writeFileSync(victim, 'mine');
    const forged = path.join(path.dirname(ra.backupPath!), 'forged');
    fs.mkdirSync(forged);
    for (const f of ['patch.jsonl', 'patch.raw']) fs.copyFileSync(path.join(ra.backupPath!, f), path.join(forged, f));
    const m = JSON.parse(fs.readFileSync(path.join(ra.backupPath!, 'manifest.json'), 'utf8'));
    fs.writeFileSync(
      path.join(forged, 'manifest.json'),
      JSON.stringify({ ...m, fileName: 'x.jsonl', originalPath: victim }),
    );
    assert.throws(
      () => restoreThread({ codexHome: home, thread: a.id, backupPath: forged, force: true }),
      /not thread .*'s rollout/,
    );
    assert.equal(fs.readFileSync(victim, 'utf8'), 'mine');
  });
});

describe('repair: compressed rollouts', () => {
  it('repairs a .jsonl.zst in place into a plain .jsonl (Codex prefers it), restore data rebuilding the .zst; forks in .zst are seen', () => {
    const zlib = nodeZlib as unknown as { zstdCompressSync(b: Buffer): Buffer }; // Node ≥ 22.15, the test runtime
    const home = tempCodexHome();
    const { id, file } = makeThread(home);
    const plain = fs.readFileSync(file);
    const zst = file + '.zst';
    fs.writeFileSync(zst, zlib.zstdCompressSync(plain));
    fs.rmSync(file);
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(zst, old, old);
    // a compressed Codex fork pointing into it blocks the in-place repair
    const forkId = '0199a000-0000-7000-8000-0000000f0f0e';
    const forkFile = sessionPath(home, forkId, new Date('2026-11-21T10:00:00Z')) + '.zst';
    fs.mkdirSync(path.dirname(forkFile), { recursive: true });
    const meta = JSON.parse(sessionMetaLine(forkId, new Date('2026-11-21T10:00:00Z'), '/w'));
    meta.payload.history_base = { thread_id: id, end_ordinal_exclusive: 3, end_byte_offset: 100 };
    fs.writeFileSync(forkFile, zlib.zstdCompressSync(Buffer.from(JSON.stringify(meta) + '\n')));
    assert.throws(() => stripThread({ codexHome: home, thread: id, mode: 'in-place' }, quiet), /fork\(s\)/);
    fs.rmSync(forkFile);
    const r = stripThread({ codexHome: home, thread: id, mode: 'in-place' }, quiet);
    assert.equal(r.jsonErrors, 0);
    assert.equal(r.outputPath, file);
    assert.ok(!fs.existsSync(zst));
    assert.ok(!fs.readFileSync(file, 'utf8').includes('data:image'));
    assert.ok(!fs.existsSync(path.join(r.backupPath!, path.basename(zst))), 'no copy of the .zst is kept');
    const [b] = listBackups(home, id);
    assert.deepEqual(b.manifest.restoreData?.zstd, { exact: true }, "Node's zstd gives back the very .zst");
    assert.deepEqual(tempFilesIn(path.dirname(file)), []);
    restoreThread({ codexHome: home, thread: id });
    assert.deepEqual(fs.readFileSync(zst), zlib.zstdCompressSync(plain), 'the .zst is back');
    assert.ok(!fs.existsSync(file), 'and the repaired plain file no longer shadows it');
  });
});
