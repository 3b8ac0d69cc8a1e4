/**
 * Scan and risk model on threads made by the real Codex CLI (legacy and paginated), read
 * through node:sqlite on databases the CLI wrote.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { newThreadId, rolloutFileName } from '../../src/core/codexHome/paths';
import { makeFixtureSet, type FixtureSet } from '../support/fixtures';
import { CODEX_LEGACY_VERSION, CODEX_PAGINATED_VERSION, REPO_ROOT } from '../support/tools';
import { emptyIndex, scanCatalog } from '../../src/core/scan/catalog';
import { readStateDb } from '../../src/core/codexHome/threadNames';
import { nodeVersionProblem } from '../../src/cli/nodeVersion';
import { appendAgentMessage } from '../support/synthetic';

const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');

for (const version of [CODEX_LEGACY_VERSION, CODEX_PAGINATED_VERSION]) {
  const paginated = version === CODEX_PAGINATED_VERSION;
  describe(`scan of real Codex ${version} threads`, function () {
    this.timeout(300_000);
    let fx: FixtureSet;
    before(async () => {
      fx = await makeFixtureSet(version);
      // as the person sees it: some minutes after the last failed attempt (a fresh file may be mid-turn)
      const then = new Date(Date.now() - 10 * 60_000);
      fs.utimesSync(fx.stuck.rolloutPath, then, then);
    });

    it('lists every thread with its facts, the stuck one first and the small one ok', () => {
      const r = scanCatalog(fx.codexHome);
      assert.deepEqual(r.errors, []);
      assert.equal(r.threads.length, fx.all.length);
      const byId = new Map(r.threads.map((t) => [t.id, t]));
      for (const f of fx.all) {
        const t = byId.get(f.threadId);
        assert.ok(t, `${f.kind} listed`);
        assert.equal(t.generation, paginated ? 'paginated' : 'legacy');
        assert.equal(t.path, f.rolloutPath);
        assert.equal(t.cwd, f.cwd);
        assert.equal(t.cliVersion, version);
        assert.equal(t.metrics.problemCount, 0, `${f.kind}: no damaged lines`);
        assert.ok(
          t.firstUserMessage && !t.firstUserMessage.startsWith('<'),
          `${f.kind}: the person's words, not injected context`,
        );
      }
      assert.equal(byId.get(fx.small.threadId)!.risk.level, 'ok');
      const stuck = byId.get(fx.stuck.threadId)!;
      assert.equal(stuck.risk.level, 'stuck', JSON.stringify(stuck.risk));
      assert.equal(r.threads[0].id, fx.stuck.threadId, 'most urgent first');
      assert.match(stuck.risk.recommendation, /handoff.*strip images/);
      assert.equal(byId.get(fx.small.threadId)!.model, fx.model);
    });

    it('measures images, duplicates, tool outputs and compactions as the files hold them', () => {
      const r = scanCatalog(fx.codexHome);
      const get = (id: string) => r.threads.find((t) => t.id === id)!;
      const shots = get(fx.screenshots.threadId).metrics;
      assert.equal(Object.keys(shots.images.byHash).length, 6, 'six distinct screenshots');
      assert.ok(shots.images.totalBytes > 6 * 600_000);
      const stuck = get(fx.stuck.threadId).metrics;
      assert.ok(stuck.compactions.count >= 1);
      assert.ok(stuck.images.live >= 4, `live images ${stuck.images.live}`);
      assert.ok(
        Object.values(stuck.images.byHash).some(([copies]) => copies >= 2),
        'compaction copied images',
      );
      const tools = get(fx.tools.threadId).metrics;
      assert.ok(tools.toolOutputs.largest[0].bytes > 300_000, 'the seq output is the biggest');
      assert.ok(tools.toolOutputs.count >= 4);
      const compacted = get(fx.compacted.threadId).metrics;
      assert.equal(compacted.compactions.count, 1);
      assert.match(compacted.compactions.lastSummary ?? '', /MOCK SUMMARY/);
      assert.ok(compacted.tokens.series.length >= 2 && compacted.tokens.window! > 0);
    });

    it('rescans incrementally: unchanged files are reused, a grown file is read from where it stopped', () => {
      const index = emptyIndex();
      const first = scanCatalog(fx.codexHome, { index });
      assert.equal(first.stats.fullScans, fx.all.length);
      const again = scanCatalog(fx.codexHome, { index });
      assert.equal(again.stats.reused, fx.all.length);
      assert.equal(again.stats.bytesRead, 0);
      // a copy of the home so the shared fixture stays as it is
      const home = path.join(path.dirname(fx.codexHome), `grow-${Date.now()}`);
      fs.cpSync(fx.codexHome, home, { recursive: true });
      const idx = emptyIndex();
      scanCatalog(home, { index: idx });
      const small = path.join(home, path.relative(fx.codexHome, fx.small.rolloutPath));
      const before = fs.statSync(small).size;
      appendAgentMessage(small, 'appended later');
      const grown = scanCatalog(home, { index: idx });
      assert.equal(grown.stats.resumed, 1);
      assert.ok(grown.stats.bytesRead < 1000, `read only the new bytes (${grown.stats.bytesRead})`);
      const t = grown.threads.find((x) => x.path === small)!;
      const full = scanCatalog(home).threads.find((x) => x.path === small)!;
      assert.deepEqual(t.metrics, full.metrics, 'resumed metrics equal a full rescan');
      assert.ok(t.sizeBytes > before);
      fs.rmSync(home, { recursive: true, force: true });
    });

    it('reads names and rows from the state database Codex wrote (WAL honoured, read-only)', function () {
      const db = path.join(fx.codexHome, 'state_5.sqlite');
      if (!fs.existsSync(db)) {
        // this CLI version keeps no state database; names come from the files
        assert.ok(!paginated, 'the paginated CLI writes state_5.sqlite');
        return;
      }
      const walBefore = fs.existsSync(db + '-wal') ? fs.readFileSync(db + '-wal') : undefined;
      const { rows, note } = readStateDb(fx.codexHome);
      assert.equal(note, undefined);
      for (const f of fx.all) assert.ok(rows.has(f.threadId), `${f.kind} has a threads row`);
      if (walBefore) assert.deepEqual(fs.readFileSync(db + '-wal'), walBefore, 'the WAL is left as Codex left it');
    });

    it('prefers session_index.jsonl names (last entry wins)', () => {
      const home = path.join(path.dirname(fx.codexHome), `names-${Date.now()}`);
      fs.cpSync(fx.codexHome, home, { recursive: true });
      fs.appendFileSync(
        path.join(home, 'session_index.jsonl'),
        [
          JSON.stringify({ id: fx.small.threadId, thread_name: 'first name', updated_at: '2026-01-01T00:00:00Z' }),
          JSON.stringify({ id: fx.small.threadId, thread_name: 'Renamed thread', updated_at: '2026-01-02T00:00:00Z' }),
        ].join('\n') + '\n',
      );
      const t = scanCatalog(home).threads.find((x) => x.id === fx.small.threadId)!;
      assert.equal(t.name, 'Renamed thread');
      fs.rmSync(home, { recursive: true, force: true });
    });

    it('CLI: scan --json and inspect; on a Node older than 22.13 it says in one sentence what is needed', () => {
      const run = (node: string, args: string[]) =>
        spawnSync(node, [CLI, ...args], {
          encoding: 'utf8',
          env: { ...process.env, XDG_CACHE_HOME: path.dirname(fx.codexHome) },
        });
      const r = run(process.execPath, ['scan', '--codex-home', fx.codexHome, '--json']);
      assert.equal(r.status, 0, r.stderr);
      const arr = JSON.parse(r.stdout);
      assert.equal(arr.length, fx.all.length);
      for (const t of arr) for (const k of ['id', 'path', 'name', 'archived', 'sizeBytes']) assert.ok(k in t, k);
      assert.equal(arr[0].risk.level, 'stuck');
      assert.ok(Array.isArray(arr[0].risk.reasons) && arr[0].risk.reasons.length > 0);
      const text = run(process.execPath, ['inspect', fx.stuck.threadId, '--codex-home', fx.codexHome]);
      assert.equal(text.status, 0, text.stderr);
      assert.match(text.stdout, /Risk: STUCK/);
      assert.match(text.stdout, /What the file is made of/);
      // The system Node (20 here) is too old: one sentence saying what is needed and how to get it.
      const sys = spawnSync('node', ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
      if (nodeVersionProblem(sys)) {
        const old = run('node', ['scan', '--codex-home', fx.codexHome, '--json', '--no-cache']);
        assert.equal(old.status, 1);
        assert.equal(old.stdout, '');
        assert.equal(old.stderr.trim().split('\n').length, 1, old.stderr);
        assert.match(
          old.stderr,
          /needs Node\.js 22\.13 or newer \(this is Node 20\.[\d.]+\): install Node 22 LTS or 24 .*VS Code/,
        );
      }
      assert.equal(run(process.execPath, ['inspect', 'no-such-thread', '--codex-home', fx.codexHome]).status, 1);
      assert.equal(run(process.execPath, ['scan', '--bogus']).status, 2);
    });

    // The CLI's output, not the format: once is enough.
    if (!paginated)
      it('CLI: scan --json into a pipe: all of it reaches a slow reader, and it stops quietly when the reader leaves', async () => {
        // Many threads, so the JSON (hundreds of KB) is more than a pipe holds.
        const home = fs.mkdtempSync(path.join(path.dirname(fx.codexHome), 'pipe-home-'));
        const day = path.join(home, 'sessions', '2026', '11', '30');
        fs.mkdirSync(day, { recursive: true });
        for (let k = 0; k < 120; k++) {
          const id = newThreadId(Date.now() - k * 60_000);
          fs.copyFileSync(fx.stuck.rolloutPath, path.join(day, rolloutFileName(id, new Date(Date.now() - k * 60_000))));
        }
        const args = [CLI, 'scan', '--json', '--no-cache', '--codex-home', home];
        const whole = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
        assert.equal(whole.status, 0, whole.stderr);
        assert.ok(whole.stdout.length > 256 * 1024, `output of ${whole.stdout.length} B fills a pipe`);
        assert.equal(JSON.parse(whole.stdout).length, 120);
        const piped = (readAfterMs: number, take?: number) =>
          new Promise<{ out: string; err: string; code: number | null }>((resolve) => {
            const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
            const out: Buffer[] = [];
            let err = '';
            p.stderr.on('data', (d: Buffer) => (err += d.toString()));
            p.stdout.pause(); // a reader that is busy elsewhere at first
            setTimeout(() => {
              p.stdout.on('data', (d: Buffer) => {
                out.push(d);
                if (take !== undefined && Buffer.concat(out).length >= take) p.stdout.destroy(); // `| head -c`
              });
              p.stdout.resume();
            }, readAfterMs);
            p.on('close', (code) => resolve({ out: Buffer.concat(out).toString('utf8'), err, code }));
          });
        const slow = await piped(500);
        assert.equal(slow.code, 0, slow.err);
        assert.equal(slow.out, whole.stdout);
        const head = await piped(200, 100);
        assert.equal(head.code, 0, head.err);
        assert.equal(head.err, '');
        // `> file` on a full disk: said in words, no stack
        if (fs.existsSync('/dev/full')) {
          const fd = fs.openSync('/dev/full', 'w');
          const full = spawnSync(process.execPath, args, { stdio: ['ignore', fd, 'pipe'], encoding: 'utf8' });
          fs.closeSync(fd);
          assert.equal(full.status, 1);
          assert.match(full.stderr, /^codex-session-rescue: could not write the output \(the disk is full\)\. /);
          assert.doesNotMatch(full.stderr, /\n\s+at /, 'no stack');
        }
        fs.rmSync(home, { recursive: true, force: true });
      });
  });
}
