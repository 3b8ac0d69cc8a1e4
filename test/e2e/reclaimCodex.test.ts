/**
 * A reclaim proven by the real Codex CLI (0.169 and 0.171, paginated threads): the stuck thread with
 * screenshots, reclaimed with the rest of its home, answers `codex exec resume` against the mock (which
 * checks every image URL as the API does); reclaimed and restored, it is its original byte for byte.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { codexExec } from '../support/codexRun';
import { runCli } from '../support/cliRun';
import { cloneThread, makeFixtureSet, type FixtureSet } from '../support/fixtures';
import { CODEX_NEWEST_VERSION, CODEX_PAGINATED_VERSION } from '../support/tools';

for (const version of [CODEX_PAGINATED_VERSION, CODEX_NEWEST_VERSION]) {
  describe(`reclaim proven by the real Codex ${version} CLI`, function () {
    this.timeout(300_000);
    let fx: FixtureSet;
    before(async () => {
      fx = await makeFixtureSet(version);
    });

    /** The stuck thread in a home of its own, last written a month ago (idle: reclaim's default takes it). */
    function idleClone(): { codexHome: string; rolloutPath: string } {
      const clone = cloneThread(fx, fx.stuck);
      const old = new Date(Date.now() - 30 * 86_400_000);
      fs.utimesSync(clone.rolloutPath, old, old);
      return clone;
    }

    function reclaim(codexHome: string): void {
      const env = { ...process.env, XDG_CACHE_HOME: path.join(codexHome, '..', 'cache') };
      const r = runCli(['reclaim', '--codex-home', codexHome, '--yes', '--json'], env);
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(
        r.json.plan.threads.map((t: { id: string }) => t.id),
        [fx.stuck.threadId],
      );
      assert.equal(r.json.report.totals.repaired, 1, JSON.stringify(r.json.report));
    }

    it('the reclaimed thread answers codex exec resume, with no image payload in what Codex sends', async () => {
      const clone = idleClone();
      reclaim(clone.codexHome);
      assert.ok(!fs.readFileSync(clone.rolloutPath, 'latin1').includes('data:image/'));
      assert.ok(fs.readdirSync(path.join(clone.codexHome, 'rescue', 'images')).some((n) => n.endsWith('.png')));
      fx.mock.script([{ type: 'message', text: 'Yes, I am here after the reclaim.' }]);
      const seq0 = fx.mock.requests.length;
      fx.mock.setByteLimit(fx.stuck.byteLimit);
      let run;
      try {
        run = await codexExec(clone.codexHome, version, 'are you there?', {
          ...fx.stuck.resume,
          resumeId: fx.stuck.threadId,
          cwd: fx.stuck.cwd,
        });
      } finally {
        fx.mock.setByteLimit(null);
      }
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /Yes, I am here after the reclaim\./);
      assert.doesNotMatch(run.stderr, /shrank before projection/);
      const posts = fx.mock.requests.slice(seq0).filter((q) => q.kind === 'responses');
      assert.ok(posts.length > 0);
      for (const q of posts) assert.equal(q.body.indexOf('data:image/'), -1, 'no image payload is sent');
    });

    it('reclaimed, then restored: the original byte for byte', () => {
      const clone = idleClone();
      const original = fs.readFileSync(clone.rolloutPath);
      reclaim(clone.codexHome);
      assert.ok(fs.statSync(clone.rolloutPath).size < original.length / 10);
      const r = runCli(['restore', fx.stuck.threadId, '--codex-home', clone.codexHome, '--yes']);
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(fs.readFileSync(clone.rolloutPath), original);
    });
  });
}
