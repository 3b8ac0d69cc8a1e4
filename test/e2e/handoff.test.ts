// Handoffs of threads made by the real Codex CLI (legacy 0.77 and paginated 0.169 rollouts),
// and a handoff fed back to the real CLI as the first prompt of a new thread.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  FixtureSet,
  FAILING_COMMAND,
  OK_COMMAND,
  BIG_OUTPUT_COMMAND,
  makeFixtureSet,
  cloneThread,
} from '../support/fixtures';
import { codexExec } from '../support/codexRun';
import { CODEX_LEGACY_VERSION, CODEX_PAGINATED_VERSION, REPO_ROOT } from '../support/tools';
import { buildHandoff } from '../../src/core/handoff/build';
import { writeHandoff } from '../../src/core/handoff/write';
import { handoffDir } from '../../src/core/codexHome/paths';

const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');

for (const version of [CODEX_LEGACY_VERSION, CODEX_PAGINATED_VERSION]) {
  describe(`handoff of real Codex ${version} threads`, function () {
    this.timeout(600_000);
    let set: FixtureSet;
    before(async () => {
      set = await makeFixtureSet(version);
    });

    it('tools thread: the request, files patched, commands with exit codes, the plan', () => {
      const r = buildHandoff(set.codexHome, set.tools.threadId);
      const md = r.markdown;
      assert.ok(md.includes('> Run a few commands, write notes.txt and keep a plan.'), "the user's actual request");
      assert.match(md, /\| `notes\.txt` \| add\/update ×2 \| \+3 −1 \| 1 \|/, 'the file both patches touched');
      assert.ok(md.includes(`\`${OK_COMMAND}\` → exit 0`), md);
      assert.match(
        md,
        new RegExp(`\`${FAILING_COMMAND.replace(/[/.]/g, '\\$&')}\` → exit [12]\\b`),
        'the failing command with its exit code',
      );
      assert.ok(md.includes('No such file or directory'), 'failure output tail');
      assert.ok(md.includes(`\`${BIG_OUTPUT_COMMAND}\` → exit 0`));
      assert.ok(md.includes('60000'), 'tail of the big output');
      assert.match(md, /- \[x\] Run shell commands — completed/);
      assert.match(md, /- \[~\] Write notes\.txt with apply_patch — in_progress/);
      assert.match(md, /- \[ \] Report back — pending/);
      assert.ok(md.includes('> Ran the commands, wrote notes.txt and updated the plan.'));
      assert.ok(md.includes(`codex resume ${set.tools.threadId}`));
    });

    it('compacted thread: the compaction summary and both requests', () => {
      const md = buildHandoff(set.codexHome, set.compacted.threadId).markdown;
      assert.match(md, /Newest compaction summary/);
      assert.match(md, /MOCK SUMMARY/);
      assert.ok(md.includes('> Remember: the codeword is BLUE-HERON.'));
      assert.ok(md.includes('Run echo, please.'));
    });

    it('screenshots thread: every request and where the images were', () => {
      const r = buildHandoff(set.codexHome, set.screenshots.threadId);
      assert.ok(r.markdown.includes('> Here are two screenshots of the bug.'));
      assert.equal(r.data.turnCount, 3);
      assert.ok(r.data.images.attached + r.data.images.toolImages >= 6, JSON.stringify(r.data.images));
      assert.match(r.markdown, /## Images/);
    });

    it('stuck thread: a complete handoff, saying the last request was not answered', () => {
      const r = buildHandoff(set.codexHome, set.stuck.threadId);
      const md = r.markdown;
      for (const h of ['## How to continue', '## Goal', '## Last exchanges', '## Where it stopped'])
        assert.ok(md.includes(h), h);
      assert.ok(md.includes('> Screenshots of the broken layout.'));
      assert.match(md, /Last user request \(turn \d+, [^)]*\): are you there\?/);
      assert.ok(md.includes('**The agent did not answer this request.**'));
      assert.ok(['high', 'critical', 'stuck'].includes(r.thread.risk.level), r.thread.risk.level);
      assert.ok(r.tokensEstimate <= 12_000);
    });

    it('CLI: writes the file and prints JSON; clear errors', () => {
      const { codexHome } = cloneThread(set, set.tools);
      const out = path.join(path.dirname(codexHome), 'ws', 'HANDOFF.md');
      const res = spawnSync(
        process.execPath,
        [CLI, 'handoff', set.tools.threadId, '--codex-home', codexHome, '--out', out, '--budget', '4000', '--json'],
        { encoding: 'utf8' },
      );
      assert.equal(res.status, 0, res.stderr);
      const j = JSON.parse(res.stdout);
      assert.equal(j.threadId, set.tools.threadId);
      assert.equal(path.dirname(j.path), handoffDir(codexHome, set.tools.threadId));
      assert.equal(j.outPath, out);
      assert.ok(j.tokensEstimate <= 4000);
      assert.equal(fs.statSync(j.path).size, j.bytes);
      assert.ok(Array.isArray(j.sections) && j.sections.some((s: { id: string }) => s.id === 'goal'));
      const missing = spawnSync(process.execPath, [CLI, 'handoff', 'ffffffff-0000', '--codex-home', codexHome], {
        encoding: 'utf8',
      });
      assert.equal(missing.status, 1);
      assert.match(missing.stderr, /no thread 'ffffffff-0000'/);
      const usage = spawnSync(process.execPath, [CLI, 'handoff', '--codex-home', codexHome], { encoding: 'utf8' });
      assert.equal(usage.status, 2);
      const badBudget = spawnSync(
        process.execPath,
        [CLI, 'handoff', set.tools.threadId, '--budget', 'lots', '--codex-home', codexHome],
        { encoding: 'utf8' },
      );
      assert.equal(badBudget.status, 2);
    });

    it('a new thread seeded with the handoff: the real CLI sends it to the model', async () => {
      const { codexHome } = cloneThread(set, set.tools);
      const w = writeHandoff(codexHome, set.tools.threadId);
      const text = fs.readFileSync(w.path, 'utf8');
      const before = set.mock.requests.length;
      set.mock.script([{ type: 'message', text: 'Picked up the handoff.' }]);
      const r = await codexExec(codexHome, version, text, { cwd: set.tools.cwd });
      assert.equal(r.code, 0, r.stderr);
      const sent = set.mock.requests.slice(before).filter((q) => q.kind === 'responses');
      assert.ok(sent.length >= 1);
      const body = sent[0].body.toString('utf8');
      // The handoff's distinctive lines arrive verbatim (JSON-escaped) in the model input.
      for (const needle of [
        '# Codex handoff: ',
        '## Where it stopped',
        'Run a few commands, write notes.txt and keep a plan.',
        `codex resume ${set.tools.threadId}`,
      ]) {
        assert.ok(body.includes(JSON.stringify(needle).slice(1, -1)), `mock did not receive ${needle}`);
      }
    });
  });
}
