/**
 * Real Codex CLI threads (0.77 legacy, 0.169 paginated, 0.171) indexed and found by what was said and
 * done in them, through the built CLI (`dist/cli.js search`; run `node esbuild.mjs` first).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { OK_COMMAND, makeFixtureSet, type FixtureSet } from '../support/fixtures';
import { tempDir } from '../support/tempHome';
import { agentMessageLine } from '../support/synthetic';
import { CODEX_LEGACY_VERSION, CODEX_NEWEST_VERSION, CODEX_PAGINATED_VERSION, REPO_ROOT } from '../support/tools';

const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');

interface Hit {
  threadId: string;
  name: string;
  line: number;
  role: string;
  snippet: string;
}

for (const version of [CODEX_LEGACY_VERSION, CODEX_PAGINATED_VERSION, CODEX_NEWEST_VERSION]) {
  describe(`search: real Codex ${version} threads`, function () {
    this.timeout(600_000);
    let set: FixtureSet;
    let cache: string;

    const search = (...args: string[]): { hits: Hit[]; stderr: string } => {
      const r = spawnSync(process.execPath, [CLI, 'search', '--codex-home', set.codexHome, '--json', ...args], {
        encoding: 'utf8',
        env: { ...process.env, XDG_CACHE_HOME: cache },
      });
      assert.equal(r.status, 0, r.stderr);
      return { hits: JSON.parse(r.stdout) as Hit[], stderr: r.stderr };
    };

    before(async () => {
      set = await makeFixtureSet(version);
      cache = tempDir('csr-search-cache-');
    });

    it('finds each thread by what the person typed, what the assistant answered and the commands it ran', () => {
      const top = (q: string) => search(q).hits[0];
      assert.equal(top('"codeword is BLUE-HERON"')?.threadId, set.compacted.threadId);
      assert.equal(top('blue-heron')?.role, 'user');
      const answer = top('"fixture answer is 42"');
      assert.equal(answer?.threadId, set.small.threadId);
      assert.equal(answer.role, 'assistant');
      assert.match(answer.snippet, /The \*\*fixture answer is 42\*\*/);
      const cmd = top('tools-fixture-ok');
      assert.equal(cmd?.threadId, set.tools.threadId);
      assert.equal(cmd.role, 'command');
      assert.ok(OK_COMMAND.includes('tools-fixture-ok'));
      assert.equal(top('notes.txt')?.threadId, set.tools.threadId);
      // The line it names is the rollout line that holds the words.
      const lines = fs.readFileSync(set.small.rolloutPath, 'utf8').split('\n');
      assert.match(lines[answer.line - 1], /fixture answer is 42/);
      assert.equal(search('"screenshots of the bug"').hits[0]?.threadId, set.screenshots.threadId);
      assert.deepEqual(search('definitely-not-said-anywhere').hits, []);
    });

    it('finds a turn Codex appends by the next search', () => {
      const before = search('pelican-appended').hits;
      assert.deepEqual(before, []);
      fs.appendFileSync(set.small.rolloutPath, agentMessageLine('x')); // an event copy alone: not indexed
      fs.appendFileSync(
        set.small.rolloutPath,
        JSON.stringify({
          timestamp: new Date().toISOString(),
          type: 'response_item',
          payload: { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'pelican-appended' }] },
        }) + '\n',
      );
      const hits = search('pelican-appended').hits;
      assert.deepEqual(
        hits.map((h) => h.threadId),
        [set.small.threadId],
      );
    });
  });
}
