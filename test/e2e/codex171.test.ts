/**
 * What Codex 0.171 does to its own files, with the real CLI against the mock:
 *  - a paginated thread whose final record lost its ordinal (openai/codex#45150): 0.171 refuses to
 *    resume it; inspect says why; the repair renumbers; 0.171 resumes it;
 *  - a final ordinal that went back (#35746): 0.171 resumes but numbers its new turn from there
 *    (reused ordinals) and its projection drops that turn; after the repair it projects every turn;
 *  - compression (`local_thread_store_compression`, threads idle by mtime) → `.jsonl.zst`, and a
 *    legacy thread migrated by `codex migrate-rollouts --apply`: scan, inspect, handoff, repair,
 *    restore (byte-identical) and `codex exec resume` after the repair.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { DatabaseSync } from 'node:sqlite';
import { codexEnv, codexExec, defaultCwd, findRollout, makeCodexHome, type ExecResult } from '../support/codexRun';
import { type MockResponses } from '../support/mockResponses';
import { mockedCodexHome } from '../support/mockedHome';
import { writeNoisePng } from '../support/png';
import { maintenanceLockPath } from '../../src/core/codexHome/paths';
import { listBackups } from '../../src/core/repair/backups';
import { writeCopiesHome } from '../support/copiesHome';
import { CODEX_LEGACY_VERSION, CODEX_NEWEST_VERSION, REPO_ROOT, codexBin } from '../support/tools';

const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');
const TEN_DAYS_AGO = new Date(Date.now() - 10 * 86_400_000);

function cli(home: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [CLI, ...args, '--codex-home', home], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
}

function must(r: ExecResult, what: string): ExecResult {
  assert.ok(r.code === 0 && r.sessionId, `${what} failed (code ${r.code}):\n${r.stderr.slice(-3000)}`);
  return r;
}

function ok(r: { status: number | null; stdout: string; stderr: string }, what: string): string {
  assert.equal(r.status, 0, `${what}: ${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Rewrite one record of a rollout (a JSON line) in place. */
function editRecord(file: string, index: number, change: (rec: Record<string, unknown>) => Record<string, unknown>) {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const nonEmpty = lines.map((l, i) => (l.trim() ? i : -1)).filter((i) => i >= 0);
  const at = nonEmpty[index < 0 ? nonEmpty.length + index : index];
  lines[at] = JSON.stringify(change(JSON.parse(lines[at])));
  fs.writeFileSync(file, lines.join('\n'));
}

function projectedTurns(home: string, id: string): number {
  const db = new DatabaseSync(path.join(home, 'thread_history_1.sqlite'), { readOnly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM thread_turns WHERE thread_id = ?').get(id) as { n: number }).n;
  } finally {
    db.close();
  }
}

/** `codex <args>` of a pinned version in this home (not exec: migrate-rollouts). */
function codex(home: string, version: string, args: string[]) {
  return spawnSync(process.execPath, [codexBin(version), ...args], {
    cwd: defaultCwd(home),
    env: codexEnv(home),
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe(`the real Codex ${CODEX_NEWEST_VERSION} CLI: ordinals, compression, migration`, function () {
  this.timeout(600_000);
  let mock: MockResponses;
  let home: string;
  let png: string;
  before(async () => {
    ({ mock, home } = await mockedCodexHome({ prefix: 'csr-171-' }));
    png = writeNoisePng(path.join(path.dirname(home), 'shot.png'), 300, 200, 7);
  });
  after(() => mock.close());
  const exec = (prompt: string, o: { resumeId?: string; images?: string[]; version?: string } = {}) =>
    codexExec(home, o.version ?? CODEX_NEWEST_VERSION, prompt, { resumeId: o.resumeId, images: o.images });

  it('a final record without an ordinal: 0.171 refuses to resume, inspect says why, the repair lets it answer', async () => {
    const id = must(await exec('look at this', { images: [png] }), 'exec').sessionId!;
    const file = findRollout(home, id)!;
    editRecord(file, -1, ({ ordinal: _drop, ...rest }) => rest); // what a cut-off writer leaves (#45150)
    const before = fs.readFileSync(file);
    const refused = await exec('are you there?', { resumeId: id });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /final paginated rollout record at .* is missing an ordinal/);
    assert.deepEqual(fs.readFileSync(file), before, 'Codex left it as it was');
    const inspect = ok(cli(home, ['inspect', id]), 'inspect');
    assert.match(inspect, /\[stuck\] the last record \(line \d+\) has no ordinal/);
    assert.match(inspect, /Next step: Close Codex and repair the thread: the repair numbers its records/);
    const strip = ok(cli(home, ['strip', id, '--yes']), 'strip');
    assert.match(strip, /ordinals +1 records numbered again/);
    ok(cli(home, ['restore', id, '--yes']), 'restore');
    assert.deepEqual(fs.readFileSync(file), before, 'restored byte for byte');
    ok(cli(home, ['strip', id, '--yes']), 'strip again');
    must(await exec('are you there now?', { resumeId: id }), 'resume after the repair');
  });

  it('a final ordinal gone back: 0.171 reuses ordinals and drops the turn from its projection; after the repair every turn is there', async () => {
    const id = must(await exec('first turn'), 'exec').sessionId!;
    must(await exec('second turn', { resumeId: id }), 'resume');
    const file = findRollout(home, id)!;
    editRecord(file, -1, (r) => ({ ...r, ordinal: 3 }));
    must(await exec('third turn', { resumeId: id }), 'resume after the ordinal went back');
    const ordinals = fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l).ordinal as number);
    assert.ok(new Set(ordinals).size < ordinals.length, 'Codex numbered the new turn from 4 again: reused ordinals');
    assert.equal(projectedTurns(home, id), 2, "Codex's projection left the third turn out");
    const inspect = ok(cli(home, ['inspect', id]), 'inspect');
    assert.match(inspect, /\[high\] records out of sequence \(\d+ reuse an earlier ordinal or go back/);
    ok(cli(home, ['strip', id, '--yes']), 'strip');
    must(await exec('fourth turn', { resumeId: id }), 'resume after the repair');
    assert.equal(projectedTurns(home, id), 4, 'every turn projected');
  });

  it('image references (#28150): local image paths and <appshot … image="…"> text never become images in a request', async () => {
    const id = must(await exec('see this', { images: [png] }), 'exec').sessionId!;
    ok(cli(home, ['strip', id, '--yes']), 'strip'); // the inline image out, its local path kept in the UI copy
    const file = findRollout(home, id)!;
    const text = fs.readFileSync(file, 'utf8');
    assert.ok(text.includes('"local_image"') && text.includes(png), 'the local path is still there');
    // the tag a Computer Use thread holds, pointing at an image that exists on disk
    const lines = text.split('\n');
    const at = lines.findIndex((l) => l.includes('"role":"user"') && l.includes('see this'));
    const rec = JSON.parse(lines[at]);
    rec.payload.content.push({ type: 'input_text', text: `<appshot app="Safari" window="Main" image="${png}">` });
    lines[at] = JSON.stringify(rec);
    fs.writeFileSync(file, lines.join('\n'));
    assert.match(ok(cli(home, ['inspect', id]), 'inspect'), /references: 2 image paths or <appshot/);
    mock.clearRequests();
    must(await exec('what do you see?', { resumeId: id }), 'resume');
    const bodies = mock.requests.map((r) => r.body.toString('utf8'));
    assert.ok(bodies.length > 0);
    assert.ok(
      bodies.every((b) => !b.includes('input_image')),
      'no image in any request',
    );
    assert.ok(
      bodies.some((b) => b.includes('<appshot app=\\"Safari\\"')),
      'the tag went as text',
    );
  });

  it('compression: an idle thread becomes .jsonl.zst; scan, inspect, handoff, repair, restore byte-identical, resume', async () => {
    const id = must(await exec('a screenshot', { images: [png] }), 'exec').sessionId!;
    const plain = findRollout(home, id)!;
    fs.utimesSync(plain, TEN_DAYS_AGO, TEN_DAYS_AGO);
    fs.rmSync(path.join(home, '.tmp', 'rollout-compression.lock'), { force: true });
    must(
      await codexExec(home, CODEX_NEWEST_VERSION, 'anything', {
        config: ['features.local_thread_store_compression=true'],
      }),
      'exec with compression on',
    );
    const zst = `${plain}.zst`;
    assert.ok(fs.existsSync(zst) && !fs.existsSync(plain), 'Codex compressed the idle thread');
    const scan = JSON.parse(ok(cli(home, ['scan', '--json', '--no-cache']), 'scan')) as any[];
    const row = scan.find((t) => t.id === id);
    assert.ok(row?.compressed && row.metrics.images.total > 0, 'listed, compressed, images counted');
    assert.match(ok(cli(home, ['inspect', id]), 'inspect'), new RegExp(id));
    const handoff = path.join(path.dirname(home), 'handoff-zst.md');
    ok(cli(home, ['handoff', id, '--out', handoff]), 'handoff');
    assert.match(fs.readFileSync(handoff, 'utf8'), /a screenshot/);
    const original = fs.readFileSync(zst);
    ok(cli(home, ['strip', id, '--yes']), 'strip');
    assert.ok(fs.existsSync(plain) && !fs.existsSync(zst), 'repaired into a plain .jsonl');
    assert.ok(!fs.readFileSync(plain, 'utf8').includes('data:image'));
    ok(cli(home, ['restore', id, '--yes']), 'restore');
    assert.deepEqual(fs.readFileSync(zst), original, 'the .zst is back byte for byte');
    assert.ok(!fs.existsSync(plain));
    ok(cli(home, ['strip', id, '--yes']), 'strip again');
    must(await codexExec(home, CODEX_NEWEST_VERSION, 'are you there?', { resumeId: id }), 'resume after the repair');
  });

  it("compression: a big idle thread Codex compressed is reclaimed with restore data, not a copy of its .zst (Node's zstd writes Codex's file back); restore gives the .zst back", async () => {
    // a home of its own: a reclaim takes every idle thread of the home
    const own = await mockedCodexHome({ prefix: 'csr-171z-' });
    try {
      const [t] = writeCopiesHome(own.home, {
        threads: 1,
        forksPerThread: 0,
        distinctImages: 6,
        width: 400,
        height: 300,
        turns: 12,
        compactEvery: 4,
        archiveEvery: 0,
        zstEvery: 0,
      });
      assert.ok(fs.statSync(t.path).size > 4_000_000, 'a thread of several MB');
      must(
        await codexExec(own.home, CODEX_NEWEST_VERSION, 'anything', {
          config: ['features.local_thread_store_compression=true'],
        }),
        'exec with compression on',
      );
      const zst = `${t.path}.zst`;
      assert.ok(fs.existsSync(zst) && !fs.existsSync(t.path), 'Codex compressed the idle thread');
      const original = fs.readFileSync(zst);
      const r = spawnSync(
        process.execPath,
        [CLI, 'reclaim', '--older-than', '0', '--yes', '--json', '--codex-home', own.home],
        {
          encoding: 'utf8',
          maxBuffer: 64 * 1024 * 1024,
          env: { ...process.env, XDG_CACHE_HOME: path.join(path.dirname(own.home), 'cache-171z') },
        },
      );
      assert.equal(r.status, 0, r.stderr);
      const done = (JSON.parse(r.stdout) as { report: { threads: { id: string; ok: boolean; freedBytes: number }[] } })
        .report.threads;
      const mine = done.find((x) => x.id === t.id);
      assert.ok(mine?.ok, JSON.stringify(done));
      const [b] = listBackups(own.home, t.id);
      assert.ok(b.manifest.restoreData?.zstd?.exact, 'restore data stands for the .zst');
      assert.equal(fs.existsSync(b.file), false, 'no copy of the .zst is kept');
      assert.ok(
        mine.freedBytes > original.length * 0.9,
        `it gave back the .zst's space (${mine.freedBytes} of ${original.length})`,
      );
      ok(cli(own.home, ['restore', t.id, '--yes']), 'restore');
      assert.deepEqual(fs.readFileSync(zst), original, 'the .zst is back byte for byte');
    } finally {
      await own.mock.close();
    }
  });
  it('migration: a legacy thread migrated by migrate-rollouts --apply (refused while we hold the maintenance lock); scan … resume', async () => {
    // A home 0.77 used first: 0.171 then fills its database from the files. (In a home 0.171 already
    // knows, a thread 0.77 adds later has no database row: "missing its SQLite metadata".)
    const home = makeCodexHome({ mockUrl: mock.url, mode: 'local', prefix: 'csr-171-migrate-' });
    const id = must(
      await codexExec(home, CODEX_LEGACY_VERSION, 'a legacy thread', { images: [png] }),
      'exec 0.77',
    ).sessionId!;
    const file = findRollout(home, id)!;
    assert.ok(!fs.readFileSync(file, 'utf8').includes('"ordinal"'), 'legacy format');
    // the dry run: the thread is eligible
    const dry = codex(home, CODEX_NEWEST_VERSION, ['migrate-rollouts', '--thread', id, '--json']);
    assert.equal(JSON.parse(dry.stdout).outcomes[0].status, 'eligible', dry.stdout + dry.stderr);
    // Codex's migration takes the maintenance lock too: held by another process, it refuses at once.
    fs.mkdirSync(path.dirname(maintenanceLockPath(home)), { recursive: true });
    const holder = spawn('flock', ['-x', '--no-fork', maintenanceLockPath(home), 'sleep', '30'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 300));
      const refused = codex(home, CODEX_NEWEST_VERSION, ['migrate-rollouts', '--thread', id, '--apply', '--json']);
      assert.notEqual(refused.status, 0);
      assert.match(refused.stderr, /rollout compression or another migration is already running/);
    } finally {
      holder.kill('SIGKILL');
    }
    await new Promise((r) => setTimeout(r, 200));
    const migrated = codex(home, CODEX_NEWEST_VERSION, ['migrate-rollouts', '--thread', id, '--apply', '--json']);
    assert.equal(migrated.status, 0, migrated.stdout + migrated.stderr);
    assert.equal(JSON.parse(migrated.stdout).outcomes[0].status, 'migrated');
    const scan = JSON.parse(ok(cli(home, ['scan', '--json', '--no-cache']), 'scan')) as any[];
    assert.equal(scan.find((t) => t.id === id)?.generation, 'paginated');
    assert.doesNotMatch(ok(cli(home, ['inspect', id]), 'inspect'), /ordinal/);
    const handoff = path.join(path.dirname(home), 'handoff-migrated.md');
    ok(cli(home, ['handoff', id, '--out', handoff]), 'handoff');
    const original = fs.readFileSync(file);
    ok(cli(home, ['strip', id, '--yes']), 'strip');
    assert.ok(!fs.readFileSync(file, 'utf8').includes('data:image'));
    ok(cli(home, ['restore', id, '--yes']), 'restore');
    assert.deepEqual(fs.readFileSync(file), original, 'restored byte for byte');
    ok(cli(home, ['strip', id, '--yes']), 'strip again');
    must(await codexExec(home, CODEX_NEWEST_VERSION, 'are you there?', { resumeId: id }), 'resume after the repair');
  });
});
