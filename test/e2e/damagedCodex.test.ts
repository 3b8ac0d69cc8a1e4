/**
 * Damaged threads made by the real Codex CLI (0.169 and 0.171), repaired, and resumed by it:
 *  (a) a thread whose agent called a stdio MCP server of ours returning screenshots (each result
 *      kept twice: the model's input_image and the raw-base64 McpToolCall copy), stuck;
 *  (b) a thread half-repaired by hand afterwards (placeholder text, empty and cut-off image URLs),
 *      which every request then fails on ("Invalid 'input[i].content[j].image_url'").
 * The mock rejects what the real API rejects (requestValidation.ts), so a repair that left a broken
 * URL, an orphan tool output or an oversized body would fail here.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { REMOTE_PROVIDER_OVERRIDE, codexExec, findRollout, makeCodexHome, type ExecResult } from '../support/codexRun';
import { startMockResponses, type Behaviour, type MockResponses, type RecordedRequest } from '../support/mockResponses';
import { MCP_SERVER_NAME, MCP_TOOL, mcpServerToml } from '../support/mcpScreenshotServer';
import { writeNoisePng } from '../support/png';
import { AUTO_COMPACT_LIMIT, SATURATED_INPUT_TOKENS, STUCK_BYTE_LIMIT } from '../support/fixtures';
import { CODEX_NEWEST_VERSION, CODEX_PAGINATED_VERSION, REPO_ROOT } from '../support/tools';

const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');
const NAMESPACE = `mcp__${MCP_SERVER_NAME}`;

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

/** Call the screenshot tool the way the CLI offers it: a namespace (0.17x) or a flat `mcp__…__tool` name. */
function screenshotCall(extra: { then?: string; usage?: { input_tokens: number } } = {}): Behaviour {
  return (req: RecordedRequest) => {
    const tools: any[] = Array.isArray(req.json?.tools) ? req.json.tools : [];
    const ns = tools.find((t) => t?.type === 'namespace' && t?.name === NAMESPACE);
    if (ns) return { type: 'function_call', name: MCP_TOOL, namespace: NAMESPACE, arguments: {}, ...extra };
    const flat = tools.find((t) => t?.name === `${NAMESPACE}__${MCP_TOOL}`);
    if (!flat) throw new Error(`the CLI offers no ${NAMESPACE} tool: ${tools.map((t) => t?.name).join(', ')}`);
    return { type: 'function_call', name: flat.name, arguments: {}, ...extra };
  };
}

function must(r: ExecResult, what: string): ExecResult {
  assert.ok(r.code === 0 && r.sessionId, `${what} failed (code ${r.code}):\n${r.stderr.slice(-3000)}`);
  return r;
}

/** Every input_image URL in the rollout's response items and compaction snapshots. */
function imageUrls(file: string): string[] {
  const urls: string[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.includes('"input_image"')) continue;
    const todo: unknown[] = [JSON.parse(line)];
    while (todo.length) {
      const x = todo.pop() as any;
      if (x === null || typeof x !== 'object') continue;
      if (x.type === 'input_image') urls.push(x.image_url);
      todo.push(...Object.values(x));
    }
  }
  return urls;
}

for (const version of [CODEX_PAGINATED_VERSION, CODEX_NEWEST_VERSION]) {
  describe(`damaged threads made and resumed by the real Codex ${version} CLI`, function () {
    this.timeout(600_000);
    let mock: MockResponses;
    let home: string;
    const root = () => path.dirname(home);
    before(async () => {
      mock = await startMockResponses({ defaultText: 'Hello from the mock.' });
      mock.unref();
      home = makeCodexHome({
        mockUrl: mock.url,
        mode: 'local',
        // a model without tool search: MCP tools are offered directly (gpt-5.5 defers them behind tool_search)
        model: 'gpt-5',
        extraToml: `model_auto_compact_token_limit = ${AUTO_COMPACT_LIMIT}\n${mcpServerToml(600, 400)}`,
        prefix: `csr-dmg-${version}-`,
      });
    });
    after(() => mock.close());
    const exec = (prompt: string, resumeId?: string, images?: string[]) =>
      codexExec(home, version, prompt, { resumeId, images, config: [REMOTE_PROVIDER_OVERRIDE], timeoutMs: 120_000 });

    /** Repair in place with the CLI, then resume under the byte limit: it must answer, and the mock accept every request. */
    function repairAndResume(id: string): Promise<{ report: any; resumed: ExecResult; turns: RecordedRequest[] }> {
      const lineCount = (f: string) => fs.readFileSync(f, 'utf8').split('\n').length;
      const before = lineCount(findRollout(home, id)!);
      const r = cli(['strip', id, '--yes', '--json', '--codex-home', home]);
      assert.equal(r.status, 0, r.stderr);
      const report = JSON.parse(r.stdout);
      assert.equal(report.jsonErrors, 0);
      const file = findRollout(home, id)!;
      assert.equal(lineCount(file), before, 'line count unchanged');
      for (const url of imageUrls(file)) assert.fail(`an input_image is left: ${String(url).slice(0, 60)}`);
      assert.equal(cli(['inspect', id, '--codex-home', home]).status, 0);
      assert.equal(cli(['handoff', id, '--out', path.join(root(), `${id}.md`), '--codex-home', home]).status, 0);
      const seq = mock.requests.length;
      mock.setByteLimit(STUCK_BYTE_LIMIT);
      return exec('are you there?', id).then((resumed) => {
        mock.setByteLimit(null);
        const turns = mock.requests.slice(seq).filter((q) => q.kind !== 'websocket' && q.kind !== 'other');
        return { report, resumed, turns };
      });
    }

    it('(a) MCP screenshots: stuck, repaired (both copies of each image), answers codex exec resume', async () => {
      mock.script([screenshotCall(), screenshotCall(), screenshotCall({ then: 'Three screenshots taken.' })]);
      const t1 = must(await exec('Take three screenshots of the page.'), 'turn 1 (MCP calls)');
      const id = t1.sessionId!;
      const file = findRollout(home, id)!;
      const text = fs.readFileSync(file, 'utf8');
      assert.ok(text.includes('"McpToolCall"'), 'the rollout keeps the McpToolCall copy');
      assert.match(text, /\\"type\\":\\"image\\",\\"data\\":\\"iVBOR/, 'raw base64 in a JSON document in a string');
      // a turn that reports a full context: the next one must compact first
      mock.script([{ type: 'message', text: 'Noted.', usage: { input_tokens: SATURATED_INPUT_TOKENS } }]);
      must(await exec('Note it.', id), 'turn 2');
      mock.setByteLimit(STUCK_BYTE_LIMIT);
      const failed = await exec('are you there?', id);
      mock.setByteLimit(null);
      assert.notEqual(failed.code, 0, 'stuck before the repair');
      assert.match(failed.stderr + failed.stdout, /context window/i);
      const pre = JSON.parse(cli(['inspect', id, '--json', '--codex-home', home]).stdout);
      // Codex keeps a ~65 KB re-encoded copy of each screenshot there
      assert.ok(pre.metrics.damage.embedded.bytes > 3 * 60_000, JSON.stringify(pre.metrics.damage));

      const { report, resumed, turns } = await repairAndResume(id);
      assert.ok(report.imagesReplaced >= 3, JSON.stringify(report));
      assert.ok(report.embeddedImagesRemoved >= 3, `MCP copies cut: ${report.embeddedImagesRemoved}`);
      assert.equal(resumed.code, 0, resumed.stderr.slice(-3000));
      assert.ok(
        turns.length > 0 && turns.every((q) => q.status === 200),
        turns.map((q) => q.rejected ?? q.status).join(),
      );
      assert.ok(turns.every((q) => !q.body.includes('data:image/')));
      const after = fs.readFileSync(file, 'latin1');
      assert.equal((after.match(/[A-Za-z0-9+/]{4096,}/g) ?? []).length, 0, 'no base64 run left');
    });

    it('(b) half-repaired by hand: every request rejected for its image URLs, repaired, answers codex exec resume', async () => {
      const imgs = [1, 2].map((i) => writeNoisePng(path.join(root(), `hand-${i}.png`), 200, 150, 900 + i));
      mock.script([{ type: 'message', text: 'Two screenshots.', usage: { input_tokens: SATURATED_INPUT_TOKENS } }]);
      const id = must(await exec('Two screenshots of the layout.', undefined, imgs), 'turn 1').sessionId!;
      must(await exec('Check it.', id), 'turn 2 (remote compaction keeps the images)');
      // The hand repair: every input_image URL becomes a placeholder, an empty string or a cut-off data URL.
      const file = findRollout(home, id)!;
      const bad = ['[image omitted]', '', 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAA'];
      let k = 0;
      const lines = fs.readFileSync(file, 'utf8').split('\n');
      const edited = lines.map((line) => {
        if (!line.includes('"input_image"')) return line;
        const v = JSON.parse(line);
        const todo: any[] = [v];
        while (todo.length) {
          const x = todo.pop();
          if (x === null || typeof x !== 'object') continue;
          if (x.type === 'input_image') x.image_url = bad[k++ % bad.length];
          todo.push(...Object.values(x));
        }
        return JSON.stringify(v);
      });
      fs.writeFileSync(file, edited.join('\n'));
      assert.ok(k >= 3, `${k} image references half-repaired`);
      const seq = mock.requests.length;
      const failed = await exec('are you there?', id);
      assert.notEqual(failed.code, 0, 'stuck before the repair');
      assert.ok(
        mock.requests.slice(seq).some((q) => /image_url/.test(q.rejected ?? '')),
        'the mock rejected an image URL',
      );
      const pre = JSON.parse(cli(['inspect', id, '--json', '--codex-home', home]).stdout);
      assert.equal(pre.risk.level, 'stuck');
      assert.ok(pre.risk.reasons.some((x: { code: string }) => x.code === 'broken-images'));

      const { report, resumed, turns } = await repairAndResume(id);
      assert.ok(report.brokenImagesFixed >= 3, JSON.stringify(report));
      assert.equal(resumed.code, 0, resumed.stderr.slice(-3000));
      assert.ok(
        turns.length > 0 && turns.every((q) => q.status === 200),
        turns.map((q) => q.rejected ?? q.status).join(),
      );
    });
  });
}
