/**
 * The proof that a repair works: the real Codex CLI cannot resume the stuck thread, we strip
 * it, and the same resume answers — with no image payload in what Codex sends.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { codexExec, type ExecResult } from '../support/codexRun';
import { runCli } from '../support/cliRun';
import { cloneThread, makeFixtureSet, type FixtureSet } from '../support/fixtures';
import type { RecordedRequest } from '../support/mockResponses';
import { CODEX_LEGACY_VERSION, CODEX_NEWEST_VERSION, CODEX_PAGINATED_VERSION } from '../support/tools';

const CONTEXT_WINDOW = /context window|context_length_exceeded/i;

const sha256 = (f: string) => createHash('sha256').update(fs.readFileSync(f)).digest('hex');

/** Files under `dir` holding exactly these bytes (by size, then sha256). */
function copiesOf(dir: string, bytes: Buffer): string[] {
  const want = createHash('sha256').update(bytes).digest('hex');
  const found: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const p = path.join(e.parentPath, e.name);
    if (e.isFile() && fs.statSync(p).size === bytes.length && sha256(p) === want) found.push(p);
  }
  return found;
}

const cli = (args: string[]) => runCli(args);

/** The user texts a request carries, in order (what the model would see of the conversation). */
function userTexts(req: RecordedRequest): string[] {
  const input = req.json?.input;
  if (!Array.isArray(input)) return [];
  const out: string[] = [];
  for (const item of input) {
    if (item?.type !== 'message' || item.role !== 'user' || !Array.isArray(item.content)) continue;
    const text = item.content.map((c: any) => (typeof c.text === 'string' ? c.text : '')).join('');
    if (
      text &&
      !text.startsWith('<environment_context>') &&
      !text.startsWith('# AGENTS.md') &&
      !text.startsWith('<user_instructions>')
    )
      out.push(text);
  }
  return out;
}

for (const version of [CODEX_LEGACY_VERSION, CODEX_PAGINATED_VERSION, CODEX_NEWEST_VERSION]) {
  const paginated = version !== CODEX_LEGACY_VERSION;
  describe(`repair proven by the real Codex ${version} CLI`, function () {
    this.timeout(300_000);
    let fx: FixtureSet;
    before(async () => {
      fx = await makeFixtureSet(version);
    });

    /** Resume with the mock's byte limit on, as for a real stuck user. */
    async function resume(
      home: string,
      id: string,
      prompt = 'are you there?',
    ): Promise<{ run: ExecResult; requests: RecordedRequest[] }> {
      const seq0 = fx.mock.requests.length;
      fx.mock.setByteLimit(fx.stuck.byteLimit);
      try {
        const run = await codexExec(home, version, prompt, { ...fx.stuck.resume, resumeId: id, cwd: fx.stuck.cwd });
        return { run, requests: fx.mock.requests.slice(seq0) };
      } finally {
        fx.mock.setByteLimit(null);
      }
    }

    it('in place: stuck → strip → the same resume answers; restore brings the original back byte for byte', async () => {
      const clone = cloneThread(fx, fx.stuck);
      const id = fx.stuck.threadId;
      const stuck = await resume(clone.codexHome, id);
      assert.notEqual(stuck.run.code, 0, 'the thread is stuck before the repair');
      assert.match(stuck.run.stderr + stuck.run.stdout, CONTEXT_WINDOW);
      const beforeRepair = fs.readFileSync(clone.rolloutPath);

      const r = cli(['strip', id, '--codex-home', clone.codexHome, '--yes', '--json']);
      assert.equal(r.status, 0, r.stderr);
      const report = r.json;
      for (const k of [
        'bytesBefore',
        'bytesAfter',
        'imagesReplaced',
        'jsonErrors',
        'backupPath',
        'outputPath',
        'threadId',
      ])
        assert.ok(k in report, k);
      assert.equal(report.jsonErrors, 0);
      assert.equal(report.threadId, id);
      assert.ok(report.imagesReplaced >= 4, `images replaced: ${report.imagesReplaced}`);
      assert.ok(report.bytesAfter < report.bytesBefore / 10);
      // restore data (kilobytes) and the image store stand in for the original: no copy of it is on disk
      assert.ok(report.restoreData && !report.fullCopyKept, JSON.stringify(report));
      assert.ok(report.restoreData.bytes < beforeRepair.length / 20, JSON.stringify(report.restoreData));
      assert.deepEqual(copiesOf(clone.codexHome, beforeRepair), [], 'no full copy of the original on disk');
      if (paginated) assert.ok(report.projectionRowsCleared > 0, 'projection rows cleared');

      // Until Codex resumes it, the scan says it was repaired rather than "stuck" on figures from before.
      const riskNow = () => {
        const scan = cli(['scan', '--codex-home', clone.codexHome, '--json', '--no-cache']);
        assert.equal(scan.status, 0, scan.stderr);
        return scan.json.find((t: any) => t.id === id).risk;
      };
      const repaired = riskNow();
      assert.notEqual(repaired.level, 'stuck', JSON.stringify(repaired));
      assert.ok(
        repaired.reasons.some((x: any) => x.code === 'repaired-not-resumed'),
        JSON.stringify(repaired.reasons),
      );
      assert.ok(!repaired.reasons.some((x: any) => ['saturated', 'context-error'].includes(x.code)));
      assert.match(repaired.recommendation, /Resume the thread in Codex/);
      const inspected = cli(['inspect', id, '--codex-home', clone.codexHome]);
      assert.match(inspected.stdout, /repaired .* and not resumed since/);

      fx.mock.script([{ type: 'message', text: 'Yes, I am here after the repair.' }]);
      const after = await resume(clone.codexHome, id);
      assert.equal(after.run.code, 0, after.run.stderr);
      assert.match(after.run.stdout, /Yes, I am here after the repair\./);
      assert.doesNotMatch(after.run.stderr, /shrank before projection/);
      const posts = after.requests.filter((q) => q.kind !== 'websocket');
      assert.ok(
        posts.length > 0 && posts.every((q) => q.status === 200),
        after.requests.map((q) => `${q.kind}:${q.status}:${q.bytes}`).join(' '),
      );
      for (const q of after.requests)
        assert.doesNotMatch(q.body.toString('utf8'), /data:image\//, `${q.kind} request carries no image payload`);
      const sent = after.requests.map((q) => q.body.toString('utf8')).join('\n');
      assert.match(sent, /\[image omitted by codex-session-rescue: image\/png 600x400/);
      // every earlier message is still there, in order
      const turn = after.requests.filter((q) => q.kind === 'responses').at(-1)!;
      const said = userTexts(turn);
      const expected = ['Screenshots of the broken layout.', 'Check it.'];
      let at = -1;
      for (const e of expected) {
        const i = said.findIndex((t, k) => k > at && t.includes(e));
        assert.ok(i > at, `"${e}" kept in order: ${JSON.stringify(said)}`);
        at = i;
      }
      assert.ok(said.at(-1)?.includes('are you there?'));
      // Resumed: Codex's new records describe the repaired thread, and it answered.
      const resumed = riskNow();
      assert.ok(!resumed.reasons.some((x: any) => x.code === 'repaired-not-resumed'), JSON.stringify(resumed));
      assert.notEqual(resumed.level, 'stuck', JSON.stringify(resumed));

      // Codex appended the new turn to the repaired file: a plain restore refuses to drop it
      const refused = cli(['restore', id, '--codex-home', clone.codexHome, '--yes']);
      assert.equal(refused.status, 1);
      assert.match(refused.stderr, /changed since it was repaired \(Codex added .*new turns\).*add --force/s);
      const back = cli(['restore', id, '--codex-home', clone.codexHome, '--yes', '--force', '--json']);
      assert.equal(back.status, 0, back.stderr);
      // Codex appended the new turn to the repaired file; the restore saved that version first
      assert.ok(back.json.savedCurrentAs && fs.existsSync(back.json.savedCurrentAs));
      assert.deepEqual(fs.readFileSync(clone.rolloutPath), beforeRepair);
    });

    it('as a fork: the original stays as it was and the new thread resumes', async () => {
      const clone = cloneThread(fx, fx.stuck);
      const original = sha256(clone.rolloutPath);
      const r = cli(['strip', fx.stuck.threadId, '--codex-home', clone.codexHome, '--fork', '--json']);
      assert.equal(r.status, 0, r.stderr);
      const forkId = r.json.newThreadId as string;
      assert.match(forkId, /^[0-9a-f-]{36}$/);
      assert.equal(sha256(clone.rolloutPath), original);
      assert.equal(r.json.resumeCommand, `codex resume ${forkId}`);
      // The fork starts with the original's records from before the repair: "repaired", not "stuck".
      const risks = () => {
        const scan = cli(['scan', '--codex-home', clone.codexHome, '--json', '--no-cache']);
        assert.equal(scan.status, 0, scan.stderr);
        return (id: string) => scan.json.find((t: any) => t.id === id).risk;
      };
      const before = risks();
      assert.ok(
        before(forkId).reasons.some((x: any) => x.code === 'repaired-not-resumed'),
        JSON.stringify(before(forkId)),
      );
      assert.notEqual(before(forkId).level, 'stuck');
      assert.ok(before(forkId).recommendation.includes(`the original thread (${fx.stuck.threadId}) is as it was`));
      assert.match(JSON.stringify(before(forkId).reasons), new RegExp(`made by a repair of ${fx.stuck.threadId}`));
      assert.ok(
        !before(fx.stuck.threadId).reasons.some((x: any) => x.code === 'repaired-not-resumed'),
        'the original was not repaired',
      );
      fx.mock.script([{ type: 'message', text: 'Fork answering.' }]);
      const after = await resume(clone.codexHome, forkId);
      assert.equal(after.run.code, 0, after.run.stderr);
      assert.match(after.run.stdout, /Fork answering\./);
      for (const q of after.requests) assert.doesNotMatch(q.body.toString('utf8'), /data:image\//);
      const resumed = risks()(forkId);
      assert.ok(!resumed.reasons.some((x: any) => x.code === 'repaired-not-resumed'), JSON.stringify(resumed));
      const noBackup = cli(['restore', forkId, '--codex-home', clone.codexHome, '--yes']);
      assert.equal(noBackup.status, 1, 'a fork has no backup');
      assert.match(
        noBackup.stderr,
        new RegExp(`is the fork a repair made of thread ${fx.stuck.threadId}.*nothing was changed`),
      );
      // the original is still stuck
      const still = await resume(clone.codexHome, fx.stuck.threadId);
      assert.notEqual(still.run.code, 0);
    });

    it('the screenshots thread (images in user messages and tool outputs) resumes after a strip keeping the newest 2', async () => {
      const clone = cloneThread(fx, fx.screenshots);
      const r = cli([
        'strip',
        fx.screenshots.threadId,
        '--codex-home',
        clone.codexHome,
        '--yes',
        '--keep-images',
        '2',
        '--archive-images',
        '--json',
      ]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.json.jsonErrors, 0);
      assert.ok(r.json.imagesKept >= 2);
      // six distinct screenshots: the two kept stay in the file, the other four are archived once each
      assert.equal(r.json.imagesArchived, 4);
      const archived = fs.readdirSync(path.join(clone.codexHome, 'rescue', 'images')).filter((n) => n.endsWith('.png'));
      assert.equal(archived.length, 4);
      for (const n of archived)
        assert.deepEqual(
          fs.readFileSync(path.join(clone.codexHome, 'rescue', 'images', n)).subarray(0, 8),
          Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
        );
      fx.mock.script([{ type: 'message', text: 'Still with you.' }]);
      const seq0 = fx.mock.requests.length;
      const run = await codexExec(clone.codexHome, version, 'are you there?', {
        ...fx.screenshots.resume,
        resumeId: fx.screenshots.threadId,
        cwd: fx.screenshots.cwd,
      });
      assert.equal(run.code, 0, run.stderr);
      const turn = fx.mock.requests
        .slice(seq0)
        .filter((q) => q.kind === 'responses')
        .at(-1)!;
      const body = turn.body.toString('utf8');
      assert.equal((body.match(/data:image\/png;base64,/g) ?? []).length, 2, 'exactly the two kept images are sent');
      assert.match(body, /saved as [^\]]*rescue\/images\/[0-9a-f]{64}\.png/);
    });

    it('refuses while the real Codex CLI is running the thread', async function () {
      const clone = cloneThread(fx, fx.small);
      // a turn that the mock answers slowly keeps Codex (and its writer lock or file growth) busy
      fx.mock.script([{ type: 'message', text: 'slow answer', delayMs: 6000 }]);
      const running = codexExec(clone.codexHome, version, 'take your time', {
        ...fx.small.resume,
        resumeId: fx.small.threadId,
        cwd: fx.small.cwd,
      });
      await new Promise((r) => setTimeout(r, 2500));
      const before = sha256(clone.rolloutPath);
      const r = cli(['strip', fx.small.threadId, '--codex-home', clone.codexHome, '--yes']);
      const done = await running;
      assert.equal(done.code, 0, done.stderr);
      assert.equal(r.status, 1, r.stdout);
      assert.match(
        r.stderr,
        /Codex is writing this thread right now|has its rollout open|still growing|changed while it was being repaired/,
      );
      assert.ok(fs.readdirSync(path.dirname(clone.rolloutPath)).every((n) => !n.endsWith('.tmp')));
      void before;
    });
  });
}
