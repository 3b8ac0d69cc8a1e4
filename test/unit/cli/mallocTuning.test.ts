// The CLI's reclaim runs with glibc's malloc tuned (src/cli/mallocTuning.ts): the built CLI re-executes
// itself once, as the same process, with the two variables set; a user's own MALLOC_* setting is left
// as it is, and other commands are not started again. Seen from inside the CLI by a --require hook that
// writes each program start's pid and MALLOC_ARENA_MAX.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fork, spawnSync } from 'node:child_process';
import { CLI } from '../../support/cliRun';
import { tempCodexHome, tempDir } from '../../support/tempHome';
import { MALLOC_TUNING } from '../../../src/cli/mallocTuning';

describe('cli: reclaim with malloc tuned (mallocTuning)', function () {
  const canExec = process.platform === 'linux' && typeof (process as { execve?: unknown }).execve === 'function';
  let dir: string;
  let home: string;
  beforeEach(() => {
    dir = tempDir('malloc-');
    home = tempCodexHome();
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(home, { recursive: true, force: true });
  });

  /** The hook that logs each start of the program as `pid MALLOC_ARENA_MAX-or-'-'`, and the environment. */
  function prepare(extra: Record<string, string>) {
    const log = path.join(dir, 'starts.txt');
    const hook = path.join(dir, 'hook.cjs');
    fs.writeFileSync(
      hook,
      `require('fs').appendFileSync(${JSON.stringify(log)}, process.pid + ' ' + (process.env.MALLOC_ARENA_MAX ?? '-') + '\\n');`,
    );
    // this process's own MALLOC_* are not passed on
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MALLOC_')));
    const env = { ...clean, XDG_CACHE_HOME: path.join(dir, 'cache'), ...extra };
    const logged = () =>
      (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : []).map((l) => l.split(' '));
    return { hook, env, logged };
  }

  /** Each start of the program: [pid, MALLOC_ARENA_MAX or '-']; and the command's exit status. */
  function starts(args: string[], extra: Record<string, string> = {}): { starts: string[][]; status: number | null } {
    const { hook, env, logged } = prepare(extra);
    const r = spawnSync(process.execPath, ['--require', hook, CLI, ...args, '--codex-home', home], {
      encoding: 'utf8',
      env,
    });
    return { starts: logged(), status: r.status };
  }

  it('reclaim: started again once, as the same process, with the tuning set', function () {
    if (!canExec) this.skip(); // Linux with Node 22.15+ only (process.execve); elsewhere it runs untuned
    const r = starts(['reclaim', '--dry-run', '--json']);
    assert.equal(r.status, 0);
    assert.equal(r.starts.length, 2, JSON.stringify(r.starts));
    assert.equal(r.starts[0]![0], r.starts[1]![0], 'the same pid');
    assert.equal(r.starts[0]![1], '-');
    assert.equal(r.starts[1]![1], MALLOC_TUNING.MALLOC_ARENA_MAX);
  });

  it("a user's own MALLOC_ setting is left as it is: not started again", () => {
    const r = starts(['reclaim', '--dry-run', '--json'], { MALLOC_ARENA_MAX: '4' });
    assert.equal(r.status, 0);
    assert.deepEqual(
      r.starts.map((s) => s[1]),
      ['4'],
    );
  });

  it('other commands are not started again', () => {
    const r = starts(['scan', '--json']);
    assert.equal(r.status, 0);
    assert.deepEqual(
      r.starts.map((s) => s[1]),
      ['-'],
    );
  });

  it('a process with an IPC channel (a fork()ed child) is not started again: it would lose the channel', async () => {
    const { hook, env, logged } = prepare({});
    const child = fork(CLI, ['reclaim', '--dry-run', '--json', '--codex-home', home], {
      execArgv: ['--require', hook],
      env,
      stdio: 'ignore',
    });
    const status = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(status, 0);
    assert.deepEqual(
      logged().map((s) => s[1]),
      ['-'],
    );
  });
});
