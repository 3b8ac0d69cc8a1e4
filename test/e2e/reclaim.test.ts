/**
 * A home-wide reclaim through the CLI on a generated home of copies (paginated threads, forks that
 * re-embed their parent's screenshots, archived and .zst threads): what the plan skips and why, a
 * run that leaves every thread restorable byte for byte, and runs killed with SIGKILL at several
 * points that the next run cleans up after and carries on from.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { createHash } from 'node:crypto';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { tempCodexHome, tempDir } from '../support/tempHome';
import { CopiesHomeOptions, CopiesThread, writeCopiesHome } from '../support/copiesHome';
import { sessionPath, writeSyntheticRollout } from '../support/synthetic';
import { CLI, CliResult, runCli } from '../support/cliRun';
import { maintenanceLockPath, writerLockPath } from '../../src/core/codexHome/paths';
import {
  BackupManifest,
  listBackups,
  newBackupDir,
  preserveOriginal,
  writeManifest,
} from '../../src/core/repair/backups';

const sha256 = (f: string) => createHash('sha256').update(fs.readFileSync(f)).digest('hex');
const cacheOf = (home: string) => `${home}-cache`;

function cliArgs(home: string, args: string[]): [string[], NodeJS.ProcessEnv] {
  return [[CLI, ...args, '--codex-home', home], { ...process.env, XDG_CACHE_HOME: cacheOf(home) }];
}

function cli(home: string, args: string[]): CliResult {
  const [argv, env] = cliArgs(home, args);
  return runCli(argv.slice(1), env);
}

/** The rollout's text (decompressed for .zst). */
function textOf(file: string): string {
  const raw = fs.readFileSync(file);
  return (file.endsWith('.zst') ? zlib.zstdDecompressSync(raw) : raw).toString('utf8');
}

/** Every file under `dir` whose name is one of our temp names. */
function tempFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && /\.tmp$/.test(e.name)) out.push(path.join(e.parentPath, e.name));
  }
  return out;
}

/** A thread is its original, or its repaired form with restore data that names the original. */
function originalOrRepaired(home: string, t: CopiesThread, original: string, midRun = false): 'original' | 'repaired' {
  const now = sha256(t.path);
  if (now === original) return 'original';
  assert.ok(!textOf(t.path).includes('data:image/'), `${t.id}: changed but still holds images`);
  const left = (m: BackupManifest) => m.repaired?.onDisk ?? m.repaired; // a .zst stays .zst
  const b = listBackups(home, t.id).find((x) => x.manifest.sha256 === original && left(x.manifest)?.sha256 === now);
  assert.ok(
    b && (b.manifest.restoreData || (midRun && fs.existsSync(b.file))),
    `${t.id}: repaired without restore data for its original`,
  );
  // Killed between its swap and dropping the copy, a thread still has both: the next run converts it.
  if (!midRun) assert.ok(!fs.existsSync(b.file), `${t.id}: no full copy of the original is kept`);
  return 'repaired';
}

/** What a folder takes on disk (`du -sb`: each hard-linked file once). */
function homeBytes(dir: string): number {
  return Number(spawnSync('du', ['-sb', dir], { encoding: 'utf8' }).stdout.split('\t')[0]);
}

function restoreAll(home: string, threads: CopiesThread[], shas: Map<string, string>): void {
  for (const t of threads) {
    if (sha256(t.path) === shas.get(t.id)) continue;
    const r = cli(home, ['restore', t.id, '--yes', '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(sha256(t.path), shas.get(t.id), `${t.id} restored byte for byte`);
  }
}

/**
 * The state an in-place repair left before restore data existed: the repaired thread live (made with
 * `strip --out`) and the original whole in rescue/backups/<id>/<stamp>/ with its manifest. Returns the copy.
 */
function legacyRepair(home: string, t: CopiesThread): string {
  const repaired = path.join(home, '..', `${t.id}-repaired.jsonl`);
  const r = cli(home, ['strip', t.id, '--out', repaired, '--yes']);
  assert.equal(r.status, 0, r.stderr);
  const dir = path.join(home, 'rescue', 'backups', t.id, '2026-01-01T00-00-00-000Z');
  fs.mkdirSync(dir, { recursive: true });
  const copy = path.join(dir, path.basename(t.path));
  const st = fs.statSync(t.path);
  fs.copyFileSync(t.path, copy);
  const manifest = {
    kind: 'before-repair',
    threadId: t.id,
    originalPath: t.path,
    fileName: path.basename(t.path),
    size: st.size,
    sha256: sha256(t.path),
    mtimeMs: st.mtimeMs,
    mode: st.mode & 0o7777,
    createdAt: '2026-01-01T00:00:00.000Z',
    toolVersion: '0.1.0',
    options: {},
    repaired: { size: fs.statSync(repaired).size, sha256: sha256(repaired) },
  };
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  fs.renameSync(repaired, t.path);
  const old = new Date(Date.now() - 30 * 86_400_000);
  fs.utimesSync(t.path, old, old);
  return copy;
}

const SMALL: CopiesHomeOptions = {
  threads: 4,
  forksPerThread: 1,
  distinctImages: 8,
  width: 80,
  height: 60,
  turns: 6,
  compactEvery: 2,
  archiveEvery: 3,
  zstEvery: 4,
};

/** A home big enough for a run to be killed part way through (the kill tests). */
const KILLED: CopiesHomeOptions = { ...SMALL, threads: 6, distinctImages: 12, width: 240, height: 160, turns: 8 };

describe('reclaim: the whole home, through the CLI', function () {
  this.timeout(300_000);
  let holder: ChildProcess | undefined;
  afterEach(() => holder?.kill('SIGKILL'));

  it('plans idle threads and skips held, forked-into and recent ones with their reasons; the dry run changes nothing', async () => {
    const home = tempCodexHome();
    const threads = writeCopiesHome(home, SMALL);
    // A Codex fork pointing into the first thread by byte offset: that thread must stay as it is.
    const parent = threads[0];
    const fork = writeSyntheticRollout(sessionPath(home, '0199aaaa-0000-7000-8000-00000000f0f0', new Date()), {
      imageLines: 1,
      imageBytes: 3000,
      threadId: '0199aaaa-0000-7000-8000-00000000f0f0',
    });
    const lines = fs.readFileSync(fork.path, 'utf8').split('\n');
    const meta = JSON.parse(lines[0]);
    meta.payload.history_base = { thread_id: parent.id, end_ordinal_exclusive: 3, end_byte_offset: 100 };
    lines[0] = JSON.stringify(meta);
    fs.writeFileSync(fork.path, lines.join('\n'));
    // Codex holding the second thread (a real flock on its writer lock).
    const held = threads[1];
    const lock = writerLockPath(home, held.id);
    fs.mkdirSync(path.dirname(lock), { recursive: true });
    fs.writeFileSync(lock, '');
    holder = spawn('flock', ['--exclusive', '--no-fork', lock, 'sleep', '60'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 300));
    const before = new Map(threads.map((t) => [t.id, sha256(t.path)]));

    const r = cli(home, ['reclaim', '--dry-run', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const plan = r.json.plan;
    const skipped = new Map(plan.skipped.map((s: any) => [s.id, s]));
    assert.equal((skipped.get(parent.id) as any)?.reason, 'has-forks');
    assert.match((skipped.get(parent.id) as any).message, /0199aaaa-0000-7000-8000-00000000f0f0/);
    assert.equal((skipped.get(held.id) as any)?.reason, 'held-by-codex');
    // The fork was written just now: left alone by the default 7 days.
    assert.equal(plan.recent.threads, 1);
    const planned = plan.threads.map((c: any) => c.id).sort();
    const expected = threads
      .filter((t) => t !== parent && t !== held)
      .map((t) => t.id)
      .sort();
    assert.deepEqual(planned, expected);
    assert.ok(plan.threads.some((c: any) => c.archived) && plan.threads.some((c: any) => c.compressed));
    assert.ok(plan.totals.estimatedFreedBytes > 0 && plan.totals.storeBytesAfter > plan.totals.storeBytesNow);
    for (const t of threads) assert.equal(sha256(t.path), before.get(t.id), 'a dry run changes nothing');

    const words = cli(home, ['reclaim', '--dry-run']);
    assert.match(words.stdout, /Skipped:\n(.|\n)*has-forks(.|\n)*held-by-codex|held-by-codex(.|\n)*has-forks/);
    assert.match(words.stdout, new RegExp(`${expected.length} thread\\(s\\)`));
  });

  it('reclaims every idle thread (archived and .zst included, .zst stays .zst); restoring each gives back its original byte for byte', () => {
    const home = tempCodexHome();
    const threads = writeCopiesHome(home, SMALL);
    const shas = new Map(threads.map((t) => [t.id, sha256(t.path)]));
    // A repair made before restore data existed: the live thread repaired, a full copy in its backup.
    const legacy = threads.find((t) => !t.compressed)!;
    const copy = legacyRepair(home, legacy);
    const r = cli(home, ['reclaim', '--older-than', '0', '--yes', '--json', '--workers', '2']);
    assert.equal(r.status, 0, r.stderr);
    const report = r.json.report;
    assert.deepEqual(
      r.json.plan.backups.map((b: any) => b.threadId),
      [legacy.id],
    );
    assert.ok(!fs.existsSync(copy), 'the full copy went once its restore data was verified');
    // the legacy thread has nothing left to free: the others, and its backup converted
    assert.equal(report.totals.repaired, threads.length);
    assert.equal(report.totals.failed, 0);
    for (const t of threads) {
      assert.ok(fs.existsSync(t.path), `${t.id} is where it was (a .zst stays .zst)`);
      assert.equal(originalOrRepaired(home, t, shas.get(t.id)!), 'repaired');
    }
    assert.ok(
      report.threads.some((x: any) => x.kind === 'backup' && x.ok && x.freedBytes > 0),
      'converting the backup freed its copy',
    );
    assert.ok(fs.readdirSync(path.join(home, 'rescue', 'images')).length >= SMALL.distinctImages);
    assert.deepEqual(tempFiles(home), []);
    // A second run finds nothing left to do.
    const again = cli(home, ['reclaim', '--older-than', '0', '--yes', '--json']);
    assert.equal(again.status, 0, again.stderr);
    assert.equal(again.json.plan.threads.length, 0);
    restoreAll(home, threads, shas);
  });

  it('while Codex keeps its maintenance lock, the run waits, then refuses in words; nothing changes', () => {
    const home = tempCodexHome();
    const threads = writeCopiesHome(home, { ...SMALL, threads: 2 });
    const shas = new Map(threads.map((t) => [t.id, sha256(t.path)]));
    const lock = maintenanceLockPath(home);
    fs.mkdirSync(path.dirname(lock), { recursive: true });
    holder = spawn('flock', ['-x', '--no-fork', lock, 'sleep', '60'], { stdio: 'ignore' });
    const until = Date.now() + 5000;
    while (spawnSync('flock', ['-x', '-n', lock, 'true']).status === 0 && Date.now() < until)
      spawnSync('sleep', ['0.05']);
    const t0 = Date.now();
    const r = cli(home, ['reclaim', '--older-than', '0', '--yes']);
    assert.notEqual(r.status, 0);
    assert.ok(Date.now() - t0 >= 4500, 'it waited for Codex first');
    assert.match(r.stderr, /Codex is doing its own maintenance.*Nothing was changed/s);
    for (const t of threads) assert.equal(sha256(t.path), shas.get(t.id), `${t.id} untouched`);
    assert.ok(!fs.existsSync(path.join(home, 'rescue', 'backups')), 'no restore data was made');
    assert.deepEqual(tempFiles(home), []);
  });

  it('killed with SIGKILL at several points: each thread is its original or repaired with restore data; the next run cleans up and finishes; restore gives back every original', async () => {
    const home = tempCodexHome();
    const threads = writeCopiesHome(home, KILLED);
    const shas = new Map(threads.map((t) => [t.id, sha256(t.path)]));
    const bytesBefore = homeBytes(home);
    const repairs = () =>
      fs.existsSync(path.join(home, 'rescue', 'backups'))
        ? fs.readdirSync(path.join(home, 'rescue', 'backups')).length
        : 0;
    // Killed during the scan, then as soon as the 1st, 4th and 8th thread has its restore data (its
    // swap is at hand or done, the other worker is mid-pass).
    const killPoints: (() => boolean)[] = [0, 1, 4, 8].map((n, k) => {
      const t0 = Date.now();
      return k === 0 ? () => Date.now() - t0 > 250 : () => repairs() >= n;
    });
    const states: number[] = [];
    for (const killNow of killPoints) {
      const [argv, env] = cliArgs(home, ['reclaim', '--older-than', '0', '--yes', '--workers', '2']);
      const child = spawn(process.execPath, argv, { env, stdio: 'ignore' });
      let exited = false;
      const exit = new Promise((r) => child.once('exit', r)).then(() => (exited = true));
      while (!exited && !killNow()) await new Promise((r) => setTimeout(r, 2));
      child.kill('SIGKILL');
      await exit;
      let repaired = 0;
      for (const t of threads) if (originalOrRepaired(home, t, shas.get(t.id)!, true) === 'repaired') repaired++;
      states.push(repaired);
    }
    assert.ok(
      states.some((n) => n > 0 && n < threads.length),
      `a kill left the home half reclaimed (repaired after each kill: ${states.join(', ')})`,
    );
    const last = cli(home, ['reclaim', '--older-than', '0', '--yes', '--json']);
    assert.equal(last.status, 0, last.stderr);
    for (const t of threads) assert.equal(originalOrRepaired(home, t, shas.get(t.id)!), 'repaired');
    assert.deepEqual(tempFiles(home), [], 'no temp file left');
    // The whole home, rescue/ (store and restore data) included, after the interrupted runs and the last.
    const bytesAfter = homeBytes(home);
    assert.ok(bytesAfter <= bytesBefore / 10, `home ${bytesBefore} → ${bytesAfter} bytes: at most 10 %`);
    restoreAll(home, threads, shas);
  });

  it("stops before its next swap when the process keeping Codex's maintenance lock is killed; the next run finishes", async () => {
    const home = tempCodexHome();
    const threads = writeCopiesHome(home, KILLED);
    const shas = new Map(threads.map((t) => [t.id, sha256(t.path)]));
    const [argv, env] = cliArgs(home, ['reclaim', '--older-than', '0', '--yes', '--json', '--workers', '2']);
    const child = spawn(process.execPath, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let errOut = '';
    child.stderr.on('data', (d: Buffer) => (errOut += d));
    child.stdout.on('data', (d: Buffer) => (out += d));
    const exit = new Promise<number | null>((r) => child.once('exit', r));
    // its maintenance-lock holder: a child of the CLI's whose command line names the lock file
    const lockFile = maintenanceLockPath(home);
    let killed = false;
    for (const until = Date.now() + 20_000; !killed && Date.now() < until && child.exitCode === null;) {
      for (const pid of fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
        try {
          const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
          if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== child.pid) continue;
          if (!fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(lockFile)) continue;
          // once it holds the lock (killed while it starts, the run would just not begin)
          if (spawnSync('flock', ['-x', '-n', lockFile, 'true']).status === 0) continue;
          process.kill(-Number(pid), 'SIGKILL');
          killed = true;
        } catch {
          // gone meanwhile
        }
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    assert.ok(killed, 'its maintenance-lock holder was found and killed');
    assert.equal(await exit, 1);
    assert.ok(out, errOut);
    const report = (JSON.parse(out) as { report: { stoppedBy?: string } }).report;
    assert.match(report.stoppedBy ?? '', /maintenance lock, held for this run, was lost/);
    for (const t of threads) originalOrRepaired(home, t, shas.get(t.id)!, true);
    const last = cli(home, ['reclaim', '--older-than', '0', '--yes', '--json']);
    assert.equal(last.status, 0, last.stderr);
    for (const t of threads) assert.equal(originalOrRepaired(home, t, shas.get(t.id)!), 'repaired');
    assert.deepEqual(tempFiles(home), [], 'no temp file left');
    restoreAll(home, threads, shas);
  });

  it('removes the backup folders of swaps a kill stopped before the rename (their link would keep the original), and no other', () => {
    const home = tempCodexHome();
    const threads = writeCopiesHome(home, { ...SMALL, threads: 3, zstEvery: 0 });
    const shas = new Map(threads.map((t) => [t.id, sha256(t.path)]));
    const bytesBefore = homeBytes(home);
    // As swapLocked leaves them when killed before its rename: a hard link of the live rollout, with its
    // manifest (the first thread) and without (the second, killed before the manifest was written).
    const [a, b] = threads;
    const unswapped = [a, b].map((t, k) => {
      const dir = newBackupDir(home, t.id);
      preserveOriginal(t.path, dir);
      if (k === 0)
        writeManifest(dir, {
          kind: 'before-repair',
          threadId: t.id,
          originalPath: t.path,
          fileName: path.basename(t.path),
          size: fs.statSync(t.path).size,
          sha256: shas.get(t.id)!,
          mtimeMs: fs.statSync(t.path).mtimeMs,
          mode: 0o644,
          createdAt: new Date().toISOString(),
          toolVersion: 'test',
        });
      return dir;
    });
    const r = cli(home, ['reclaim', '--older-than', '0', '--yes', '--json']);
    assert.equal(r.status, 0, r.stderr);
    for (const dir of unswapped) assert.equal(fs.existsSync(dir), false, `${dir} removed`);
    for (const t of threads) {
      assert.equal(originalOrRepaired(home, t, shas.get(t.id)!), 'repaired');
      assert.equal(listBackups(home, t.id).length, 1, `${t.id}: its repair's own backup is kept`);
    }
    const bytesAfter = homeBytes(home);
    assert.ok(bytesAfter <= bytesBefore / 10, `home ${bytesBefore} → ${bytesAfter} bytes: at most 10 %`);
    restoreAll(home, threads, shas);
  });

  it('prune drops restore data older than N days after showing it (asks, or needs --yes), then the store images nothing needs; the rest still restores', () => {
    const home = tempCodexHome();
    const threads = writeCopiesHome(home, { ...SMALL, threads: 3, zstEvery: 0 });
    const shas = new Map(threads.map((t) => [t.id, sha256(t.path)]));
    assert.equal(cli(home, ['reclaim', '--older-than', '0', '--yes']).status, 0);
    // The first three threads' repairs made ten days ago.
    const old = threads.slice(0, 3);
    for (const t of old) {
      const b = listBackups(home, t.id)[0];
      const m = { ...b.manifest, createdAt: new Date(Date.now() - 10 * 86_400_000).toISOString() };
      fs.writeFileSync(path.join(b.dir, 'manifest.json'), JSON.stringify(m));
    }
    const before = homeBytes(home);
    const dry = cli(home, ['prune', '--older-than', '7', '--dry-run', '--json']);
    assert.equal(dry.status, 0, dry.stderr);
    assert.deepEqual(dry.json.plan.folders.map((f: any) => f.threadId).sort(), old.map((t) => t.id).sort());
    assert.ok(dry.json.plan.totals.folderBytes > 0);
    assert.equal(homeBytes(home), before, 'a dry run drops nothing');
    const noYes = cli(home, ['prune', '--older-than', '7']);
    assert.equal(noYes.status, 1);
    assert.match(noYes.stderr, /--yes/);
    assert.equal(homeBytes(home), before, 'without --yes off a terminal nothing goes');

    const r = cli(home, ['prune', '--older-than', '7', '--yes', '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.json.done.folders, old.length);
    assert.ok(homeBytes(home) < before);
    for (const t of old) assert.deepEqual(listBackups(home, t.id), [], `${t.id}: its restore data went`);
    // Every image the remaining restore data needs is still there: those threads restore byte for byte.
    restoreAll(
      home,
      threads.filter((t) => !old.includes(t)),
      shas,
    );
    const none = cli(home, ['restore', old[0].id, '--yes']);
    assert.equal(none.status, 1, 'a pruned thread has nothing to restore from');
    // Nothing left that needs the store once every repair's data is older than 0 days.
    assert.equal(cli(home, ['prune', '--older-than', '0', '--yes']).status, 0);
    assert.equal(
      fs.readdirSync(path.join(home, 'rescue', 'images')).filter((n) => /^[0-9a-f]{64}\./.test(n)).length,
      0,
    );
  });

  it('a full disk stops the run with a clear message: nothing lost, no temp file, the rest not started (a real tmpfs)', function () {
    // Mounting needs root (CI and this project's machines run as root); as root, a failed mount is a failure.
    if (process.getuid?.() !== 0) this.skip();
    const mnt = tempDir('csr-reclaim-full-');
    const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt], { encoding: 'utf8' });
    assert.equal(m.status, 0, `could not mount a tmpfs for the full-disk test: ${m.stderr}`);
    try {
      const home = path.join(mnt, 'home');
      fs.mkdirSync(path.join(home, 'sessions'), { recursive: true });
      const threads = writeCopiesHome(home, { ...SMALL, threads: 3, forksPerThread: 0, archiveEvery: 0, zstEvery: 0 });
      const shas = new Map(threads.map((t) => [t.id, sha256(t.path)]));
      // Fill the disk but for a few KB: the first repaired copy cannot be written.
      const st = fs.statfsSync(mnt);
      fs.writeFileSync(path.join(mnt, 'filler'), Buffer.alloc(Math.max(0, st.bavail * st.bsize - 8192)));
      const [argv, env] = cliArgs(home, ['reclaim', '--older-than', '0', '--yes', '--json', '--workers', '1']);
      const r = runCli(argv.slice(1), { ...env, XDG_CACHE_HOME: cacheOf(mnt) });
      assert.equal(r.status, 1, r.stderr);
      const report = r.json.report;
      assert.match(report.stoppedBy, /disk is full/);
      assert.equal(report.totals.repaired, 0);
      assert.equal(report.threads.length + report.notStarted, threads.length);
      assert.ok(report.notStarted >= 1, 'the rest was not started');
      for (const t of threads) assert.equal(sha256(t.path), shas.get(t.id), `${t.id} is as it was`);
      assert.deepEqual(tempFiles(home), []);
    } finally {
      spawnSync('umount', [mnt]);
    }
  });
});
