/**
 * One Codex thread rescues another: a helper thread of the real Codex CLI, whose config.toml names our
 * MCP server, is driven by the mock model to list → inspect → write_handoff → preview_repair →
 * repair_thread a stuck thread; the mock sees every tool result, and afterwards the stuck thread answers.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { codexExec, type ExecResult } from '../support/codexRun';
import { cloneThread, makeFixtureSet, type FixtureSet } from '../support/fixtures';
import type { Behaviour, RecordedRequest } from '../support/mockResponses';
import { CODEX_NEWEST_VERSION, CODEX_PAGINATED_VERSION, REPO_ROOT, node22Bin } from '../support/tools';
import { RESCUE_SERVER_NAME, addMcpServerToConfig } from '../../src/core/codexHome/codexConfig';
import { ALWAYS_OFFERED } from '../support/mcpTools';

const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');
/** How Codex 0.169/0.171 name our server's tools: a namespace tool (the hyphen becomes `_`). */
const NAMESPACE = 'mcp__codex_rescue';
/** What the mock "model" searches for when Codex defers MCP tools behind `tool_search`. */
const SEARCH = 'stuck codex thread list inspect read handoff preview repair restore';

type Namespace = { name: string; tools: { name: string }[] };

/**
 * Our server's tools as the model sees them in a request: offered upfront as a namespace tool (models
 * Codex has no metadata for), or found earlier in this turn through `tool_search` (gpt-5.5: Codex
 * defers MCP tools and ranks them with BM25 over their names and descriptions).
 */
function offered(req: RecordedRequest): {
  ns?: Namespace;
  how: 'upfront' | 'tool_search' | 'none';
  canSearch: boolean;
} {
  const tools: any[] = Array.isArray(req.json?.tools) ? req.json.tools : [];
  const canSearch = tools.some((t) => t?.type === 'tool_search');
  const upfront = tools.find((t) => t?.type === 'namespace' && t.name === NAMESPACE);
  if (upfront) return { ns: upfront, how: 'upfront', canSearch };
  const input: any[] = Array.isArray(req.json?.input) ? req.json.input : [];
  const found = input
    .filter((i) => i?.type === 'tool_search_output')
    .flatMap((i) => (Array.isArray(i.tools) ? i.tools : []))
    .find((t: any) => t?.type === 'namespace' && t.name === NAMESPACE);
  return found ? { ns: found, how: 'tool_search', canSearch } : { how: 'none', canSearch };
}

/** The result of the last tool call, as the follow-up request carries it to the model. */
function lastToolOutput(req: RecordedRequest): string {
  const input: any[] = Array.isArray(req.json?.input) ? req.json.input : [];
  const out = input.filter((i) => i?.type === 'function_call_output').at(-1)?.output;
  if (typeof out === 'string') return out;
  if (Array.isArray(out)) return out.map((c: any) => c?.text ?? '').join('\n');
  return '';
}

/** The structured result inside a tool output (Codex sends `Wall time: …\nOutput:\n<json>`). */
function structured(output: string): any {
  const at = output.indexOf('{');
  try {
    return JSON.parse(output.slice(at));
  } catch {
    return undefined;
  }
}

/** One step of the mock model's plan: call `tool` with arguments made from the request, or say `text`. */
type Step = { tool: string; args: (req: RecordedRequest) => object } | { text: string };

for (const version of [CODEX_PAGINATED_VERSION, CODEX_NEWEST_VERSION]) {
  describe(`a helper Codex ${version} thread rescues a stuck one through the MCP server`, function () {
    this.timeout(600_000);
    let fx: FixtureSet;
    before(async () => {
      const b = spawnSync(process.execPath, ['esbuild.mjs', '--quiet'], { cwd: REPO_ROOT, encoding: 'utf8' });
      assert.equal(b.status, 0, b.stderr);
      fx = await makeFixtureSet(version);
    });

    /** A clone of the stuck thread in its own CODEX_HOME, with our server in its config.toml. */
    function homeWithServer(allowRepair: boolean) {
      const clone = cloneThread(fx, fx.stuck);
      addMcpServerToConfig(clone.codexHome, {
        name: RESCUE_SERVER_NAME,
        command: node22Bin(),
        args: [CLI, 'mcp', '--codex-home', clone.codexHome, ...(allowRepair ? ['--allow-repair'] : [])],
      });
      return clone;
    }

    /**
     * Drive one helper run through `plan`. Each model turn takes the next step; when our tools are not
     * visible yet but `tool_search` is, the turn searches for them first (as a model would).
     */
    const problems: string[] = [];
    async function helper(home: string, prompt: string, plan: Step[]) {
      problems.length = 0;
      const seq0 = fx.mock.requests.length;
      const steps = [...plan];
      const turn: Behaviour = (req) => {
        const seen = offered(req);
        let b: Behaviour;
        if (!seen.ns && seen.canSearch && steps.some((s) => 'tool' in s)) {
          b = {
            type: 'item',
            item: {
              type: 'tool_search_call',
              execution: 'client',
              status: 'completed',
              arguments: { query: SEARCH, limit: 20 },
            },
          };
        } else {
          const step = steps.shift()!;
          if ('text' in step) b = { type: 'message', text: step.text };
          else if (!seen.ns?.tools.some((t) => t.name === step.tool)) {
            problems.push(`${step.tool} not offered (${seen.how})`);
            b = { type: 'message', text: `MOCK PROBLEM: ${step.tool} not offered` };
            steps.length = 0;
          } else b = { type: 'function_call', name: step.tool, namespace: NAMESPACE, arguments: step.args(req) };
        }
        if (steps.length) fx.mock.script([turn]);
        return b;
      };
      fx.mock.script([turn]);
      const run = await codexExec(home, version, prompt, { timeoutMs: 180_000 });
      const turns = fx.mock.requests.slice(seq0).filter((q) => q.kind === 'responses');
      // the turns that answered a tool call of ours, in order
      const results = turns.filter((t) => {
        const input: any[] = Array.isArray(t.json?.input) ? t.json.input : [];
        return input.at(-1)?.type === 'function_call_output';
      });
      return { run, turns, results, how: offered(turns.at(-1)!).how };
    }

    const must = (run: ExecResult) => assert.equal(run.code, 0, `helper failed:\n${run.stderr}\n${run.stdout}`);

    it('list → inspect → write_handoff → preview_repair → repair_thread; then the stuck thread answers', async () => {
      const clone = homeWithServer(true);
      const id = fx.stuck.threadId;
      const original = fs.readFileSync(clone.rolloutPath);
      const { run, results, how } = await helper(
        clone.codexHome,
        `Thread ${id} is stuck. Rescue it with the codex-rescue tools.`,
        [
          { tool: 'list_threads', args: () => ({ level: 'stuck' }) },
          { tool: 'inspect_thread', args: () => ({ thread: id }) },
          { tool: 'write_handoff', args: () => ({ thread: id, budgetTokens: 4000 }) },
          { tool: 'preview_repair', args: () => ({ thread: id }) },
          // the previewId comes from the preview's result, as a model would read it
          {
            tool: 'repair_thread',
            args: (req) => ({ thread: id, previewId: structured(lastToolOutput(req))?.previewId }),
          },
          { text: 'The stuck thread is repaired; a handoff is written too.' },
        ],
      );
      must(run);
      assert.deepEqual(problems, []);
      assert.match(run.stdout, /The stuck thread is repaired/);
      // gpt-5.5 (the 0.169 fixtures' model): Codex defers MCP tools and the model finds ours with tool_search
      assert.equal(how, fx.model === 'gpt-5.5' ? 'tool_search' : 'upfront');
      assert.equal(results.length, 5, results.map((t) => lastToolOutput(t).slice(0, 200)).join('\n---\n'));

      // the mock (the model) saw every tool result
      const [list, inspect, handoff, preview, repair] = results.map((t) => structured(lastToolOutput(t)));
      assert.ok(
        list.threads.some((t: any) => t.id === id && t.level === 'stuck'),
        JSON.stringify(list),
      );
      assert.equal(inspect.thread.level, 'stuck');
      assert.match(inspect.text, /Risk: STUCK/);
      assert.ok(inspect.images.stored >= 4);
      assert.ok(fs.existsSync(handoff.path) && handoff.markdown.includes(id), 'handoff written and returned');
      assert.match(preview.previewId, /^pv-/);
      assert.match(preview.text, /Dry run — nothing was changed/);
      assert.equal(repair.threadId, id);
      assert.ok(repair.imagesReplaced >= 4, JSON.stringify(repair));
      const manifest = JSON.parse(fs.readFileSync(path.join(repair.backupPath, 'manifest.json'), 'utf8'));
      assert.equal(
        manifest.sha256,
        createHash('sha256').update(original).digest('hex'),
        'the backup is of the original',
      );
      assert.ok(manifest.restoreData, 'kept as restore data');

      // the stuck thread answers now, with the mock's byte limit still on
      fx.mock.script([{ type: 'message', text: 'Back after the MCP repair.' }]);
      const seq0 = fx.mock.requests.length;
      fx.mock.setByteLimit(fx.stuck.byteLimit);
      let after: ExecResult;
      try {
        after = await codexExec(clone.codexHome, version, 'are you there?', {
          ...fx.stuck.resume,
          resumeId: id,
          cwd: fx.stuck.cwd,
        });
      } finally {
        fx.mock.setByteLimit(null);
      }
      assert.equal(after.code, 0, after.stderr);
      assert.match(after.stdout, /Back after the MCP repair\./);
      for (const q of fx.mock.requests.slice(seq0)) assert.doesNotMatch(q.body.toString('utf8'), /data:image\//);
    });

    it('without --allow-repair, repair_thread and restore_thread are not offered', async () => {
      const clone = homeWithServer(false);
      const before = fs.readFileSync(clone.rolloutPath);
      const { run, results } = await helper(clone.codexHome, 'What can you do about stuck threads?', [
        { tool: 'preview_repair', args: () => ({ thread: fx.stuck.threadId }) },
        { text: 'I can preview, not repair.' },
      ]);
      must(run);
      assert.deepEqual(problems, []);
      // everything the model was shown of our server (upfront, or every tool the search for "… repair restore" found)
      const names = offered(results[0])
        .ns!.tools.map((t) => t.name)
        .sort();
      assert.deepEqual(names, ALWAYS_OFFERED);
      assert.match(structured(lastToolOutput(results[0])).previewId, /^pv-/);
      assert.deepEqual(fs.readFileSync(clone.rolloutPath), before);
    });

    it('the helper cannot repair its own thread: Codex holds it', async () => {
      const clone = homeWithServer(true);
      let self = '';
      const { run, results } = await helper(clone.codexHome, 'Repair yourself.', [
        {
          tool: 'read_thread',
          args: (req) => {
            self = req.json.prompt_cache_key; // the helper's own thread id
            return { thread: self, maxChars: 2000 };
          },
        },
        { tool: 'preview_repair', args: () => ({ thread: self }) },
        {
          tool: 'repair_thread',
          args: (req) => ({ thread: self, previewId: structured(lastToolOutput(req))?.previewId ?? 'none' }),
        },
        { text: 'I cannot repair the thread I am running in.' },
      ]);
      must(run);
      assert.deepEqual(problems, []);
      assert.match(self, /^[0-9a-f-]{36}$/);
      assert.match(lastToolOutput(results[0]), /Repair yourself\./, 'read_thread shows its own request');
      // Codex appends to its own thread around a tool call: the preview is made, or refused because the
      // file changed while it was read — either way the repair below is refused for what it is.
      const preview = lastToolOutput(results[1]);
      assert.ok(
        /^pv-/.test(structured(preview)?.previewId ?? '') ||
          new RegExp(`Thread ${self} changed while it was being previewed`).test(preview),
        preview,
      );
      assert.match(
        lastToolOutput(results[2]),
        new RegExp(`Not touching thread ${self}: Codex is writing this thread right now`),
      );
      assert.ok(!fs.existsSync(path.join(clone.codexHome, 'rescue', 'backups', self)), 'no backup: nothing happened');
    });
  });
}
