/**
 * Codex 0.171's locks, with the real CLI: it skips its rollout maintenance (idle-thread compression)
 * while we hold `.tmp/rollout-maintenance.lock`, and cannot open a thread whose writer lock we hold;
 * a repair under a maintenance lock held by someone else does not swap and says why, while a real
 * CLI is running another turn in the same home.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { codexExec, findRollout, type ExecResult } from '../support/codexRun';
import { type MockResponses } from '../support/mockResponses';
import { mockedCodexHome } from '../support/mockedHome';
import { acquireCodexMaintenanceLock } from '../../src/core/codexHome/maintenanceLock';
import { holdThreadWriterLock } from '../../src/core/codexHome/writerLock';
import { maintenanceLockPath } from '../../src/core/codexHome/paths';
import { CODEX_NEWEST_VERSION, REPO_ROOT } from '../support/tools';

const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');
const TEN_DAYS_AGO = new Date(Date.now() - 10 * 86_400_000);

function must(r: ExecResult, what: string): ExecResult {
  assert.ok(r.code === 0 && r.sessionId, `${what} failed (code ${r.code}):\n${r.stderr.slice(-3000)}`);
  return r;
}

/** Idle for Codex's compressor (7 days), and its once-per-round marker cleared so it runs again. */
function makeIdle(home: string, file: string): void {
  fs.utimesSync(file, TEN_DAYS_AGO, TEN_DAYS_AGO);
  fs.rmSync(path.join(home, '.tmp', 'rollout-compression.lock'), { force: true });
}

describe(`Codex ${CODEX_NEWEST_VERSION}'s maintenance and writer locks, with the real CLI`, function () {
  this.timeout(300_000);
  let mock: MockResponses;
  let home: string;
  let holder: ChildProcess | undefined;
  before(async () => {
    ({ mock, home } = await mockedCodexHome({
      extraToml: '[features]\nlocal_thread_store_compression = true',
      prefix: 'csr-locks-',
    }));
  });
  after(() => mock.close());
  afterEach(() => holder?.kill('SIGKILL'));
  const exec = (prompt: string, resumeId?: string) => codexExec(home, CODEX_NEWEST_VERSION, prompt, { resumeId });

  it('Codex skips compressing an idle thread while we hold its maintenance lock, and compresses it after', async () => {
    const a = must(await exec('first thread'), 'exec');
    const file = findRollout(home, a.sessionId!)!;
    makeIdle(home, file);
    const lock = acquireCodexMaintenanceLock(home);
    try {
      must(await exec('while we hold the maintenance lock'), 'exec under our lock');
    } finally {
      lock.release();
    }
    assert.ok(fs.existsSync(file), 'still a plain .jsonl: Codex skipped its maintenance');
    assert.ok(!fs.existsSync(`${file}.zst`));
    makeIdle(home, file);
    must(await exec('after we let go'), 'exec after');
    assert.ok(fs.existsSync(`${file}.zst`) && !fs.existsSync(file), 'compressed once the lock was free');
  });

  it('Codex cannot open a thread while we hold its writer lock, and resumes it after', async () => {
    const a = must(await exec('a thread to hold'), 'exec');
    const writer = holdThreadWriterLock(home, a.sessionId!);
    let r: ExecResult;
    try {
      r = await exec('are you there?', a.sessionId);
    } finally {
      writer.release();
    }
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /already has an active writer/);
    must(await exec('are you there now?', a.sessionId), 'resume after release');
  });

  it('a repair under a held maintenance lock does not swap and says why, while a real CLI runs a turn', async () => {
    const idle = must(await exec('a thread to repair'), 'exec');
    const file = findRollout(home, idle.sessionId!)!;
    const before = fs.readFileSync(file);
    const lockFile = maintenanceLockPath(home);
    holder = spawn('flock', ['-x', '--no-fork', lockFile, 'sleep', '60'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 300));
    // a real Codex busy with another turn in the same home meanwhile
    mock.script([{ type: 'message', text: 'slow answer', delayMs: 8000 }]);
    const running = exec('take your time');
    await new Promise((r) => setTimeout(r, 2500));
    const r = spawnSync(process.execPath, [CLI, 'strip', idle.sessionId!, '--yes', '--codex-home', home], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /Codex is doing its own maintenance/);
    assert.match(r.stderr, /Nothing was changed/);
    assert.deepEqual(fs.readFileSync(file), before, 'byte-identical');
    must(await running, 'the concurrent turn');
    holder.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    const ok = spawnSync(process.execPath, [CLI, 'strip', idle.sessionId!, '--yes', '--codex-home', home], {
      encoding: 'utf8',
    });
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  });
});
