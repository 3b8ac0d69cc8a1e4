// Codex's maintenance lock and a thread's writer lock, held by us through a child process: checked
// with util-linux flock(1) — the same flock(2) locks Codex 0.171 takes (LOCK_EX|LOCK_NB).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { holdLock } from '../../../../src/core/codexHome/lockHolder';
import { noOneHasOpen, useLockServer } from '../../../../src/core/codexHome/lockServer';
import { acquireCodexMaintenanceLock, withCodexMaintenanceLock } from '../../../../src/core/codexHome/maintenanceLock';
import { holdThreadWriterLock, processesHolding, threadLockState } from '../../../../src/core/codexHome/writerLock';
import { maintenanceLockPath, writerLockPath } from '../../../../src/core/codexHome/paths';
import { RescueError } from '../../../../src/core/util/errors';
import { withSwapLocks } from '../../../../src/core/repair/swapLocks';
import { tempCodexHome } from '../../../support/tempHome';

const ID = '01a24730-4e35-78f2-9be2-978041c0f6c3';

/** Can another process take `file` exclusively right now (flock -n, as Codex tries it)? */
function free(file: string): boolean {
  const r = spawnSync('flock', ['-x', '-n', file, 'true']);
  return r.status === 0;
}

/** Another process holding `file` (flock -x … sleep), as Codex's maintenance would. */
function holdElsewhere(file: string, seconds = 60): ChildProcess {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const child = spawn('flock', ['-x', '--no-fork', file, 'sleep', String(seconds)], { stdio: 'ignore' });
  const until = Date.now() + 5000;
  while (free(file) && Date.now() < until) spawnSync('sleep', ['0.05']);
  return child;
}

/** Wait (up to 3 s) until `ok()`. */
function waitUntil(ok: () => boolean): void {
  const until = Date.now() + 3000;
  while (!ok() && Date.now() < until) spawnSync('sleep', ['0.05']);
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

for (const holder of ['flock', 'perl'] as const) {
  describe(`lock holder (${holder})`, () => {
    it('holds the lock until release, then lets it go at once', () => {
      const home = tempCodexHome();
      const file = maintenanceLockPath(home);
      const lock = holdLock({ lockPath: file, waitMs: 1000, holder });
      assert.equal(typeof lock, 'object');
      assert.equal(free(file), false);
      if (typeof lock === 'object') lock.release();
      assert.equal(free(file), true);
    });

    it('says it is held while its holder runs, and not once the holder is killed (the lock went with it) or let go', () => {
      const home = tempCodexHome();
      const file = maintenanceLockPath(home);
      const lock = holdLock({ lockPath: file, waitMs: 1000, holder });
      assert.ok(typeof lock === 'object');
      assert.equal(lock.held(), true);
      const [child] = ourChildren().filter((c) => c.cmd.includes(file));
      assert.ok(child, 'its holder process');
      process.kill(-child.pid, 'SIGKILL');
      waitUntil(() => free(file));
      assert.equal(lock.held(), false, 'killed (a zombie until our event loop reaps it): not held');
      lock.release();
      const again = holdLock({ lockPath: file, waitMs: 1000, holder });
      assert.ok(typeof again === 'object');
      again.release();
      assert.equal(again.held(), false, 'let go');
    });

    it('says busy when another process keeps the lock for the whole wait', () => {
      const home = tempCodexHome();
      const file = maintenanceLockPath(home);
      children.push(holdElsewhere(file));
      const t0 = Date.now();
      assert.equal(holdLock({ lockPath: file, waitMs: 400, holder }), 'busy');
      assert.ok(Date.now() - t0 >= 350, 'it waited');
    });

    it('takes the lock when the other holder lets go during the wait', () => {
      const home = tempCodexHome();
      const file = maintenanceLockPath(home);
      children.push(holdElsewhere(file, 0.5));
      const lock = holdLock({ lockPath: file, waitMs: 5000, holder });
      assert.equal(typeof lock, 'object');
      if (typeof lock === 'object') lock.release();
    });

    it("takes a thread's writer lock the way Codex does, and removes its file at release", () => {
      const home = tempCodexHome();
      const coordinationPath = path.join(home, 'thread-writer-locks', '.coordination.lock');
      const lockPath = writerLockPath(home, ID);
      const lock = holdLock({ lockPath, coordinationPath, waitMs: 1000, holder });
      assert.equal(typeof lock, 'object');
      assert.equal(free(lockPath), false);
      assert.equal(free(coordinationPath), true, 'the coordination lock is only held while taking or removing');
      if (typeof lock === 'object') lock.release();
      assert.equal(fs.existsSync(lockPath), false);
    });

    it("says held when Codex holds the thread's writer lock", () => {
      const home = tempCodexHome();
      const lockPath = writerLockPath(home, ID);
      children.push(holdElsewhere(lockPath));
      const coordinationPath = path.join(home, 'thread-writer-locks', '.coordination.lock');
      assert.equal(holdLock({ lockPath, coordinationPath, waitMs: 300, holder }), 'held');
      assert.equal(fs.existsSync(lockPath), true, "Codex's lock file stays");
    });
  });
}

/** Our child processes now (the kept holder among them), from /proc. */
function ourChildren(): { pid: number; cmd: string }[] {
  const out: { pid: number; cmd: string }[] = [];
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid)
        out.push({ pid: Number(pid), cmd: fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ') });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}
/** The kept holder's command line: sh's loop, or perl's. */
const keptHolders = () =>
  ourChildren().filter((c) => c.cmd.includes('read -r op') || c.cmd.includes('defined(my $op = <STDIN>)'));

for (const kind of ['perl', 'sh'] as const)
  (process.platform === 'linux' ? describe : describe.skip)(
    `the kept writer-lock holder (${kind}: one process for lock after lock)`,
    () => {
      before(() => useLockServer(kind));
      after(() => useLockServer(undefined));

      const coordinationOf = (home: string) => path.join(home, 'thread-writer-locks', '.coordination.lock');

      it('takes and lets go writer lock after writer lock through one process, the way Codex does', () => {
        const home = tempCodexHome();
        const coordinationPath = coordinationOf(home);
        for (let k = 0; k < 5; k++) {
          const lockPath = writerLockPath(home, ID.slice(0, -1) + k);
          const lock = holdLock({ lockPath, coordinationPath, waitMs: 1000 });
          assert.equal(typeof lock, 'object');
          assert.equal(free(lockPath), false);
          assert.equal(free(coordinationPath), true, 'the coordination lock is only held while taking or removing');
          if (typeof lock === 'object') lock.release();
          assert.equal(fs.existsSync(lockPath), false, 'its file is removed at release');
        }
        assert.equal(keptHolders().length, 1, 'one kept holder for all of them');
        assert.ok(keptHolders()[0].cmd.includes(kind === 'perl' ? '<STDIN>' : 'read -r op'), `the ${kind} holder`);
      });

      it('says held while Codex holds the thread, and busy while the coordination lock is kept; then goes on', () => {
        const home = tempCodexHome();
        const coordinationPath = coordinationOf(home);
        const lockPath = writerLockPath(home, ID);
        const codex = holdElsewhere(lockPath);
        children.push(codex);
        assert.equal(holdLock({ lockPath, coordinationPath, waitMs: 300 }), 'held');
        assert.equal(fs.existsSync(lockPath), true, "Codex's lock file stays");
        codex.kill('SIGKILL');
        children.push(holdElsewhere(coordinationPath));
        assert.equal(holdLock({ lockPath, coordinationPath, waitMs: 300 }), 'busy');
        for (const c of children.splice(0)) c.kill('SIGKILL');
        const until = Date.now() + 3000;
        while (!free(coordinationPath) && Date.now() < until) spawnSync('sleep', ['0.05']);
        const lock = holdLock({ lockPath, coordinationPath, waitMs: 1000 });
        assert.equal(typeof lock, 'object', 'the same kept holder takes it once they are gone');
        if (typeof lock === 'object') lock.release();
      });

      it('says error for a lock file it cannot open, and keeps serving', () => {
        const home = tempCodexHome();
        const coordinationPath = coordinationOf(home);
        fs.mkdirSync(path.dirname(coordinationPath), { recursive: true });
        const lockPath = path.join(home, 'thread-writer-locks', 'a-folder.lock');
        fs.mkdirSync(lockPath); // a folder where the lock file should be
        assert.equal(holdLock({ lockPath, coordinationPath, waitMs: 300 }), 'error');
        const ok = holdLock({ lockPath: writerLockPath(home, ID), coordinationPath, waitMs: 1000 });
        assert.equal(typeof ok, 'object');
        if (typeof ok === 'object') ok.release();
      });

      it('holds a second lock at once through a holder of its own, and paths with spaces as they are', () => {
        const home = path.join(tempCodexHome(), ' a home with spaces ');
        const coordinationPath = coordinationOf(home);
        const a = holdLock({ lockPath: writerLockPath(home, ID), coordinationPath, waitMs: 1000 });
        const b = holdLock({ lockPath: writerLockPath(home, ID.slice(0, -1) + '9'), coordinationPath, waitMs: 1000 });
        assert.equal(typeof a, 'object');
        assert.equal(typeof b, 'object');
        assert.equal(free(writerLockPath(home, ID)), false);
        assert.equal(free(writerLockPath(home, ID.slice(0, -1) + '9')), false);
        if (typeof a === 'object') a.release();
        if (typeof b === 'object') b.release();
        assert.equal(free(writerLockPath(home, ID)), true);
        assert.equal(fs.existsSync(writerLockPath(home, ID.slice(0, -1) + '9')), false);
      });

      it('lets the lock go when the kept holder is killed, and a new one serves the next lock', () => {
        const home = tempCodexHome();
        const coordinationPath = coordinationOf(home);
        const lockPath = writerLockPath(home, ID);
        const lock = holdLock({ lockPath, coordinationPath, waitMs: 1000 });
        assert.equal(typeof lock, 'object');
        const [kept] = keptHolders();
        assert.ok(kept, 'a kept holder is running');
        process.kill(-kept.pid, 'SIGKILL');
        const until = Date.now() + 3000;
        while (!free(lockPath) && Date.now() < until) spawnSync('sleep', ['0.05']);
        assert.equal(free(lockPath), true, 'the kernel let the lock go with it');
        if (typeof lock === 'object') lock.release(); // answers nothing now: returns anyway
        const again = holdLock({ lockPath, coordinationPath, waitMs: 1000 });
        assert.equal(typeof again, 'object');
        assert.equal(free(lockPath), false);
        if (typeof again === 'object') again.release();
        assert.equal(keptHolders().filter((c) => c.pid === kept.pid).length, 0);
      });
      it(`tells at once whether any process has a file open (${kind === 'perl' ? 'a write lease' : 'sh cannot: undefined'}), while it holds a lock`, async () => {
        const home = tempCodexHome();
        const rollout = path.join(home, 'rollout.jsonl');
        fs.writeFileSync(rollout, '{}\n');
        const lock = holdLock({
          lockPath: writerLockPath(home, ID),
          coordinationPath: coordinationOf(home),
          waitMs: 1000,
        });
        assert.equal(typeof lock, 'object');
        try {
          const expect = (open: boolean) => (kind === 'perl' ? !open : undefined);
          assert.equal(noOneHasOpen(rollout), expect(false));
          // a grandchild (a child of ours is taken for a lock holder that has not exec'd yet, and passed over)
          const reader = spawn('sh', ['-c', 'sleep 30 < "$0" & wait', rollout], { stdio: 'ignore', detached: true });
          await new Promise((r) => setTimeout(r, 200));
          assert.equal(noOneHasOpen(rollout), expect(true), 'another process has it open');
          // that process is named by the walk over /proc the probe stands in for
          assert.deepEqual(
            processesHolding(rollout)?.map((h) => h.name),
            ['sleep'],
          );
          process.kill(-reader.pid!, 'SIGKILL');
          await new Promise((r) => setTimeout(r, 200));
          const fd = fs.openSync(rollout, 'r');
          assert.equal(noOneHasOpen(rollout), expect(true), 'this process has it open');
          fs.closeSync(fd);
          assert.equal(noOneHasOpen(rollout), expect(false));
          assert.equal(noOneHasOpen(path.join(home, 'missing.jsonl')), undefined);
          assert.deepEqual(processesHolding(rollout), []);
        } finally {
          if (typeof lock === 'object') lock.release();
        }
        assert.equal(keptHolders().length, 1, 'the same kept holder served the lock and every probe');
      });

      if (kind === 'perl')
        it('a lease probe never costs the lock: a FIFO is refused at once, and a holder that does not answer in time is kept', () => {
          const home = tempCodexHome();
          const lockPath = writerLockPath(home, ID);
          const lock = holdLock({ lockPath, coordinationPath: coordinationOf(home), waitMs: 1000 });
          assert.equal(typeof lock, 'object');
          try {
            const fifo = path.join(home, 'a-fifo');
            assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
            const t0 = Date.now();
            assert.equal(noOneHasOpen(fifo), undefined);
            assert.ok(Date.now() - t0 < 500, 'answered at once');
            const rollout = path.join(home, 'rollout.jsonl');
            fs.writeFileSync(rollout, '{}\n');
            const [kept] = keptHolders();
            assert.ok(kept);
            process.kill(kept.pid, 'SIGSTOP'); // as if its open hung (a stalled network file system)
            try {
              assert.equal(noOneHasOpen(rollout), undefined, 'no answer in time: cannot tell');
            } finally {
              process.kill(kept.pid, 'SIGCONT');
            }
            assert.equal(free(lockPath), false, 'the writer lock is still held');
            assert.equal(noOneHasOpen(rollout), true, 'the next probe gets its own answer, not the late one');
            assert.deepEqual(
              keptHolders().map((c) => c.pid),
              [kept.pid],
            );
          } finally {
            if (typeof lock === 'object') lock.release();
          }
          assert.equal(free(lockPath), true);
        });

      it('says a lock is held while the kept holder runs; once it is killed, a swap under it is refused', () => {
        const home = tempCodexHome();
        fs.mkdirSync(path.dirname(coordinationOf(home)), { recursive: true });
        assert.throws(
          () =>
            withSwapLocks(
              home,
              ID,
              (assertWriterLockHeld) => {
                assertWriterLockHeld(); // held: goes on
                const [kept] = keptHolders();
                assert.ok(kept, 'a kept holder is running');
                process.kill(-kept.pid, 'SIGKILL');
                waitUntil(() => free(writerLockPath(home, ID)));
                assertWriterLockHeld();
                assert.fail('went on without the lock');
              },
              { maintenanceLockHeld: true },
            ),
          (e: unknown) =>
            e instanceof RescueError && e.code === 'held-by-codex' && /ended during the swap/.test(e.message),
        );
      });

      it('never writes to a descriptor of a kept holder that died between locks (another file may have its number now)', async () => {
        const home = tempCodexHome();
        const coordinationPath = coordinationOf(home);
        const first = holdLock({ lockPath: writerLockPath(home, ID), coordinationPath, waitMs: 1000 });
        if (typeof first === 'object') first.release();
        const [kept] = keptHolders();
        assert.ok(kept, 'a kept holder is running');
        process.kill(-kept.pid, 'SIGKILL');
        await new Promise((r) => setTimeout(r, 200)); // Node reaps it and closes its stdin pipe
        const bystanders = Array.from({ length: 8 }, (_, k) => path.join(home, `bystander-${k}`));
        const fds = bystanders.map((f) => fs.openSync(f, 'w')); // one of them likely gets the pipe's old number
        try {
          const lock = holdLock({ lockPath: writerLockPath(home, ID), coordinationPath, waitMs: 1000 });
          assert.equal(typeof lock, 'object', 'a new holder takes it');
          if (typeof lock === 'object') lock.release();
        } finally {
          fds.forEach((fd) => fs.closeSync(fd));
        }
        for (const f of bystanders) assert.equal(fs.statSync(f).size, 0, `${path.basename(f)} was not written to`);
      });
    },
  );

(process.platform === 'linux' ? it : it.skip)(
  "keeps sh + flock(1) as the holder where perl lacks Time::HiRes (Debian's perl-base alone)",
  () => {
    const home = tempCodexHome();
    const bin = path.join(home, 'fake-bin');
    fs.mkdirSync(bin);
    const real = spawnSync('sh', ['-c', 'command -v perl'], { encoding: 'utf8' }).stdout.trim();
    // a perl that cannot load Time::HiRes, as on a system with perl-base only
    fs.writeFileSync(
      path.join(bin, 'perl'),
      `#!/bin/sh\ncase "$*" in *Time::HiRes*) echo "Can't locate Time/HiRes.pm" >&2; exit 2;; esac\nexec ${real} "$@"\n`,
      { mode: 0o755 },
    );
    const script = `
      const { holdLock } = require(${JSON.stringify(path.resolve(__dirname, '../../../../src/core/codexHome/lockHolder.ts'))});
      const fs = require('node:fs');
      const kinds = new Set();
      for (let k = 0; k < 3; k++) {
        const lock = holdLock({ lockPath: ${JSON.stringify(home)} + '/w' + k + '.lock', coordinationPath: ${JSON.stringify(home)} + '/c.lock', waitMs: 1000 });
        for (const pid of fs.readdirSync('/proc').filter((d) => /^\\d+$/.test(d))) {
          try {
            const stat = fs.readFileSync('/proc/' + pid + '/stat', 'utf8');
            if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== process.pid) continue;
            const cmd = fs.readFileSync('/proc/' + pid + '/cmdline', 'utf8');
            if (cmd.includes('read -r op')) kinds.add('sh');
            if (cmd.includes('<STDIN>')) kinds.add('perl');
          } catch {}
        }
        if (typeof lock !== 'object') throw new Error('not locked: ' + lock);
        lock.release();
      }
      console.log([...kinds].join(','));
    `;
    const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], {
      encoding: 'utf8',
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'sh', 'one kept sh holder served every lock');
  },
);

describe("Codex's maintenance lock", () => {
  it('refuses in plain words while Codex keeps it, and runs nothing', () => {
    const home = tempCodexHome();
    children.push(holdElsewhere(maintenanceLockPath(home)));
    let ran = false;
    assert.throws(
      () => withCodexMaintenanceLock(home, () => (ran = true), { waitMs: 300 }),
      (e: unknown) =>
        e instanceof RescueError &&
        e.code === 'codex-maintenance' &&
        /Codex is doing its own maintenance/.test(e.message) &&
        /Nothing was changed/.test(e.message),
    );
    assert.equal(ran, false);
  });

  it('is let go when the function throws, and after a promise settles', async () => {
    const home = tempCodexHome();
    const file = maintenanceLockPath(home);
    assert.throws(() =>
      withCodexMaintenanceLock(home, () => {
        assert.equal(free(file), false);
        throw new Error('boom');
      }),
    );
    assert.equal(free(file), true);
    const p = withCodexMaintenanceLock(home, async () => {
      await new Promise((r) => setTimeout(r, 50));
      return free(file);
    });
    assert.equal(await p, false, 'held while the promise runs');
    assert.equal(free(file), true);
  });

  it('is let go when the process holding it is killed', () => {
    const home = tempCodexHome();
    const file = maintenanceLockPath(home);
    const script = `require(${JSON.stringify(require.resolve('tsx/cjs'))});
      const m = require(${JSON.stringify(path.resolve(__dirname, '../../../../src/core/codexHome/maintenanceLock.ts'))});
      m.acquireCodexMaintenanceLock(${JSON.stringify(home)}); console.log('held'); setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    return new Promise<void>((resolve, reject) => {
      const t = setInterval(() => {
        if (!out.includes('held')) return;
        clearInterval(t);
        try {
          assert.equal(free(file), false);
          child.kill('SIGKILL');
          const until = Date.now() + 3000;
          while (!free(file) && Date.now() < until) spawnSync('sleep', ['0.05']);
          assert.equal(free(file), true, 'the holder let go when its parent died');
          resolve();
        } catch (e) {
          reject(e);
        }
      }, 20);
    });
  });

  it('is re-entrant in one process: a repair inside a run that holds it goes on, and the lock goes with the last release', () => {
    const home = tempCodexHome();
    const file = maintenanceLockPath(home);
    const outer = acquireCodexMaintenanceLock(home);
    const t0 = Date.now();
    const inner = withCodexMaintenanceLock(home, () => free(file), { waitMs: 2000 });
    assert.equal(inner, false, 'still held while the inner run works');
    assert.ok(Date.now() - t0 < 1500, 'no wait for our own lock');
    assert.equal(free(file), false, 'the outer hold stays');
    outer.release();
    assert.equal(free(file), true);
  });

  it('acquire and release leave no process behind', () => {
    const home = tempCodexHome();
    const lock = acquireCodexMaintenanceLock(home);
    lock.release();
    lock.release(); // twice is harmless
    assert.equal(free(maintenanceLockPath(home)), true);
  });
});

describe("a thread's writer lock, held by us", () => {
  it('makes the probe see the thread as held, and is refused while Codex holds it', () => {
    const home = tempCodexHome();
    const lock = holdThreadWriterLock(home, ID);
    assert.equal(threadLockState(home, ID).held, true);
    lock.release();
    assert.equal(threadLockState(home, ID).held, false);
    children.push(holdElsewhere(writerLockPath(home, ID)));
    assert.throws(
      () => holdThreadWriterLock(home, ID, { waitMs: 300 }),
      (e: unknown) => e instanceof RescueError && e.code === 'held-by-codex' && /Close the Codex CLI/.test(e.message),
    );
  });
});
