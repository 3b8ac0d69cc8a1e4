/**
 * One Codex thread rescues another: a helper thread of the real Codex CLI, whose config.toml names our
 * MCP server, is driven by the mock model to list → inspect → write_handoff → preview_repair →
 * repair_thread a stuck thread; the mock sees every tool result, and afterwards the stuck thread answers.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { codexExec, type ExecResult } from '../support/codexRun';
import { cloneThread, makeFixtureSet, type FixtureSet } from '../support/fixtures';
import type { Behaviour, RecordedRequest } from '../support/mockResponses';
import { CODEX_NEWEST_VERSION, CODEX_PAGINATED_VERSION, REPO_ROOT, node22Bin } from '../support/tools';
import { RESCUE_SERVER_NAME, addMcpServerToConfig } from '../../src/core/codexHome/codexConfig';

const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');
/** How Codex 0.169/0.171 name our server's tools: a namespace tool (the hyphen becomes `_`). */
const NAMESPACE = 'mcp__codex_rescue';
/**
 * The helper's model. With gpt-5.5's metadata Codex defers MCP tools behind `tool_search`; with a model
 * it has no metadata for it offers them directly as a namespace, which the mock can call.
 */
const HELPER_MODEL = 'gpt-5.1-codex';

/** The namespace tool Codex offers for our server in a request, if any. */
function offered(req: RecordedRequest): { name: string; tools: { name: string }[] } | undefined {
  const tools: any[] = Array.isArray(req.json?.tools) ? req.json.tools : [];
  return tools.find((t) => t?.type === 'namespace' && t.name === NAMESPACE);
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

    /** Every tool call the script makes goes through here: a function_call into our namespace. */
    const problems: string[] = [];
    function call(tool: string, args: (req: RecordedRequest) => object): Behaviour {
      return (req) => {
        try {
          const ns = offered(req);
          if (!ns) throw new Error(`${NAMESPACE} not offered`);
          if (!ns.tools.some((t) => t.name === tool)) throw new Error(`${tool} not offered`);
          return { type: 'function_call', name: tool, namespace: NAMESPACE, arguments: args(req) };
        } catch (err) {
          problems.push(`${tool}: ${(err as Error).message}`);
          return { type: 'message', text: `MOCK PROBLEM: ${(err as Error).message}` };
        }
      };
    }

    async function helper(home: string, prompt: string, script: Behaviour[]) {
      problems.length = 0;
      const seq0 = fx.mock.requests.length;
      fx.mock.script(script);
      const run = await codexExec(home, version, prompt, {
        config: [`model="${HELPER_MODEL}"`],
        timeoutMs: 180_000,
      });
      const turns = fx.mock.requests.slice(seq0).filter((q) => q.kind === 'responses');
      return { run, turns };
    }

    const must = (run: ExecResult) => assert.equal(run.code, 0, `helper failed:\n${run.stderr}\n${run.stdout}`);

    it('list → inspect → write_handoff → preview_repair → repair_thread; then the stuck thread answers', async () => {
      const clone = homeWithServer(true);
      const id = fx.stuck.threadId;
      const original = fs.readFileSync(clone.rolloutPath);
      const { run, turns } = await helper(
        clone.codexHome,
        `Thread ${id} is stuck. Rescue it with the codex-rescue tools.`,
        [
          call('list_threads', () => ({ level: 'stuck' })),
          call('inspect_thread', () => ({ thread: id })),
          call('write_handoff', () => ({ thread: id, budgetTokens: 4000 })),
          call('preview_repair', () => ({ thread: id })),
          // the previewId comes from the preview's result, as a model would read it
          call('repair_thread', (req) => ({ thread: id, previewId: structured(lastToolOutput(req))?.previewId })),
          { type: 'message', text: 'The stuck thread is repaired; a handoff is written too.' },
        ],
      );
      must(run);
      assert.deepEqual(problems, []);
      assert.match(run.stdout, /The stuck thread is repaired/);
      assert.equal(turns.length, 6, turns.map((t) => lastToolOutput(t).slice(0, 200)).join('\n---\n'));

      // the mock (the model) saw every tool result
      const [, list, inspect, handoff, preview, repair] = turns.map((t) => structured(lastToolOutput(t)));
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
      assert.deepEqual(fs.readFileSync(repair.backupPath), original, 'the backup is the original');

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
      const { run, turns } = await helper(clone.codexHome, 'What can you do about stuck threads?', [
        call('preview_repair', () => ({ thread: fx.stuck.threadId })),
        { type: 'message', text: 'I can preview, not repair.' },
      ]);
      must(run);
      assert.deepEqual(problems, []);
      const names = offered(turns[0])!
        .tools.map((t) => t.name)
        .sort();
      assert.deepEqual(names, ['inspect_thread', 'list_threads', 'preview_repair', 'read_thread', 'write_handoff']);
      assert.match(structured(lastToolOutput(turns[1])).previewId, /^pv-/);
      assert.deepEqual(fs.readFileSync(clone.rolloutPath), before);
    });

    it('the helper cannot repair its own thread: Codex holds it', async () => {
      const clone = homeWithServer(true);
      let self = '';
      const { run, turns } = await helper(clone.codexHome, 'Repair yourself.', [
        call('read_thread', (req) => {
          self = req.json.prompt_cache_key; // the helper's own thread id
          return { thread: self, maxChars: 2000 };
        }),
        call('preview_repair', () => ({ thread: self })),
        call('repair_thread', (req) => ({
          thread: self,
          previewId: structured(lastToolOutput(req))?.previewId ?? 'none',
        })),
        { type: 'message', text: 'I cannot repair the thread I am running in.' },
      ]);
      must(run);
      assert.deepEqual(problems, []);
      assert.match(self, /^[0-9a-f-]{36}$/);
      assert.match(lastToolOutput(turns[1]), /Repair yourself\./, 'read_thread shows its own request');
      const refusal = lastToolOutput(turns[3]);
      assert.match(refusal, new RegExp(`Not touching thread ${self}: Codex is writing this thread right now`));
      assert.ok(!fs.existsSync(path.join(clone.codexHome, 'rescue', 'backups', self)), 'no backup: nothing happened');
    });
  });
}
