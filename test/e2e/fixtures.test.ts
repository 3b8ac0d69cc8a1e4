/**
 * Proves the real-Codex fixtures (test/support/fixtures.ts) are what they claim to be.
 * Needs the pinned CLIs: `node scripts/ensure-tools.mjs`.
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { codexExec, listRollouts, readRolloutLines } from '../support/codexRun';
import {
  AUTO_COMPACT_LIMIT,
  BIG_OUTPUT_COMMAND,
  FAILING_COMMAND,
  SATURATED_INPUT_TOKENS,
  cloneThread,
  makeFixtureSet,
  type FixtureSet,
  type FixtureThread,
} from '../support/fixtures';
import { CODEX_LEGACY_VERSION, CODEX_PAGINATED_VERSION } from '../support/tools';

const UUID_IN_NAME = /-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl$/;
const DATA_URL = /data:image\/png;base64,([A-Za-z0-9+/=]+)/g;
const CONTEXT_WINDOW = /context window/i;

function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function lines(t: FixtureThread): any[] {
  return readRolloutLines(t.rolloutPath);
}

/** Every item of the model history: response_items and their payloads. */
function responseItems(ls: any[]): any[] {
  return ls.filter((l) => l.type === 'response_item').map((l) => l.payload);
}

function dataUrls(text: string): string[] {
  return [...text.matchAll(DATA_URL)].map((m) => m[1]);
}

/** Every `input_image` inside a JSON value (messages, tool outputs, replacement_history …). */
function inputImages(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) for (const x of v) inputImages(x, out);
  else if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (o.type === 'input_image' && typeof o.image_url === 'string') out.push(o.image_url);
    for (const x of Object.values(o)) inputImages(x, out);
  }
  return out;
}

/** Text of a function_call_output / custom_tool_call_output. */
function outputText(p: any): string {
  return typeof p.output === 'string' ? p.output : JSON.stringify(p.output);
}

for (const version of [CODEX_LEGACY_VERSION, CODEX_PAGINATED_VERSION]) {
  const paginated = version === CODEX_PAGINATED_VERSION;

  describe(`real Codex CLI fixtures (${version})`, function () {
    this.timeout(240_000);
    let fx: FixtureSet;

    before(async function () {
      fx = await makeFixtureSet(version);
    });

    it('keeps every thread in one CODEX_HOME, one rollout each', () => {
      const files = listRollouts(fx.codexHome);
      assert.equal(files.length, 5, files.join('\n'));
      assert.deepEqual(new Set(files), new Set(fx.all.map((t) => t.rolloutPath)));
      assert.equal(new Set(fx.all.map((t) => t.threadId)).size, 5);
      for (const t of fx.all) {
        assert.equal(t.codexHome, fx.codexHome);
        assert.equal(t.version, version);
        assert.ok(t.rolloutPath.startsWith(path.join(fx.codexHome, 'sessions') + path.sep), t.rolloutPath);
      }
    });

    it('starts each rollout with a session_meta whose id matches the file name', () => {
      for (const t of fx.all) {
        const first = JSON.parse(fs.readFileSync(t.rolloutPath, 'utf8').split('\n', 1)[0]);
        assert.equal(first.type, 'session_meta', t.kind);
        assert.equal(first.payload.id, t.threadId, t.kind);
        assert.equal(UUID_IN_NAME.exec(t.rolloutPath)?.[1], t.threadId, t.kind);
        assert.equal(first.payload.cli_version, version, t.kind);
        assert.equal(first.payload.cwd, t.cwd, t.kind);
        for (const l of lines(t)) assert.equal(l._bad, undefined, `${t.kind}: unparsable line`);
      }
    });

    if (paginated) {
      it('writes paginated rollouts: history_mode "paginated" and contiguous ordinals from 0', () => {
        for (const t of fx.all) {
          const ls = lines(t);
          assert.equal(ls[0].payload.history_mode, 'paginated', t.kind);
          ls.forEach((l, i) => assert.equal(l.ordinal, i, `${t.kind} line ${i}`));
          assert.ok(
            ls.some((l) => l.type === 'world_state'),
            `${t.kind}: world_state`,
          );
          assert.ok(
            ls.some((l) => l.type === 'token_usage_record'),
            `${t.kind}: token_usage_record`,
          );
          assert.ok(
            ls.some(
              (l) =>
                l.type === 'event_msg' && l.payload.type === 'item_completed' && l.payload.item?.type === 'UserMessage',
            ),
            `${t.kind}: item_completed UserMessage`,
          );
        }
        assert.ok(fs.existsSync(path.join(fx.codexHome, 'state_5.sqlite')));
        assert.ok(fs.existsSync(path.join(fx.codexHome, 'thread_history_1.sqlite')));
      });
    } else {
      it('writes legacy rollouts: {timestamp,type,payload} lines, no history_mode, no ordinals', () => {
        for (const t of fx.all) {
          const ls = lines(t);
          assert.equal(ls[0].payload.history_mode, undefined, t.kind);
          for (const l of ls) {
            assert.deepEqual(
              Object.keys(l).sort(),
              ['payload', 'timestamp', 'type'],
              `${t.kind}: ${JSON.stringify(l).slice(0, 120)}`,
            );
            assert.ok(
              ['session_meta', 'response_item', 'event_msg', 'turn_context', 'compacted'].includes(l.type),
              l.type,
            );
          }
          assert.ok(
            ls.some((l) => l.type === 'event_msg' && l.payload.type === 'user_message'),
            `${t.kind}: user_message`,
          );
        }
      });
    }

    it('small: one prompt, one answer', () => {
      const items = responseItems(lines(fx.small));
      const assistant = items.filter((p) => p.type === 'message' && p.role === 'assistant');
      assert.equal(assistant.length, 1);
      assert.match(JSON.stringify(assistant[0].content), /The fixture answer is 42/);
      const userTexts = items
        .filter((p) => p.type === 'message' && p.role === 'user')
        .map((p) => JSON.stringify(p.content));
      assert.ok(userTexts.some((t) => t.includes('Say hi and tell me the answer.')));
      assert.ok(fs.statSync(fx.small.rolloutPath).size < 100_000);
    });

    it('screenshots: six distinct noise PNGs embedded as data URLs', () => {
      const text = fs.readFileSync(fx.screenshots.rolloutPath, 'utf8');
      const urls = dataUrls(text);
      const distinct = new Set(urls);
      assert.ok(distinct.size >= 6, `distinct images: ${distinct.size}`);
      for (const b64 of distinct) {
        const png = Buffer.from(b64, 'base64');
        assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
        assert.ok(png.length > 600_000, `noise PNG stays big: ${png.length}`);
      }
      const items = responseItems(lines(fx.screenshots));
      // attached by the user (-i) …
      const userImages = items
        .filter((p) => p.type === 'message' && p.role === 'user')
        .flatMap((p) => inputImages(p.content));
      assert.ok(userImages.length >= 2, `user images: ${userImages.length}`);
      // … and fetched through the view_image tool
      assert.ok(items.some((p) => p.type === 'function_call' && p.name === 'view_image'));
      assert.ok(fs.statSync(fx.screenshots.rolloutPath).size > 5_000_000);
      // the mock really received them
      assert.ok(
        fx.screenshots.requests.some((r) => r.kind === 'responses' && dataUrls(r.body.toString('latin1')).length >= 6),
      );
    });

    it('tools: shell calls (ok, failing, big output), apply_patch and update_plan', () => {
      const items = responseItems(lines(fx.tools));
      const calls = items.filter((p) => p.type === 'function_call' || p.type === 'custom_tool_call');
      const outputs = new Map<string, any>(
        items
          .filter((p) => p.type === 'function_call_output' || p.type === 'custom_tool_call_output')
          .map((p) => [p.call_id, p]),
      );
      // every call has its output
      for (const c of calls) assert.ok(outputs.has(c.call_id), `no output for ${c.name} ${c.call_id}`);

      const shellName = calls.find((c) => ['exec_command', 'shell_command', 'shell'].includes(c.name))?.name;
      assert.ok(shellName, `shell tool among ${calls.map((c) => c.name).join(', ')}`);
      const advertised = fx.tools.requests.find((r) => r.kind === 'responses')!.json.tools.map((t: any) => t.name);
      assert.ok(advertised.includes(shellName), `${shellName} advertised in ${advertised.join(', ')}`);
      const shell = calls.filter((c) => c.name === shellName);
      assert.equal(shell.length, 3);
      for (const c of shell) assert.equal(typeof c.arguments, 'string', 'arguments is a JSON string');

      const out = (needle: string) => outputText(outputs.get(shell.find((c) => c.arguments.includes(needle))!.call_id));
      assert.match(out('tools-fixture-ok'), /tools-fixture-ok/);
      assert.match(out('tools-fixture-ok'), /(Exit code|exited with code):? 0/);
      assert.match(out(FAILING_COMMAND), /(Exit code|exited with code):? 2/);
      assert.match(out(FAILING_COMMAND), /No such file or directory/);
      const big = out(BIG_OUTPUT_COMMAND);
      assert.ok(big.length >= 200_000, `big output kept: ${big.length} chars`);
      assert.ok(big.includes('\n59999\n60000'), 'big output is whole');

      const patches = calls.filter((c) => c.name === 'apply_patch');
      assert.equal(patches.length, 2);
      assert.match(patches[0].input ?? patches[0].arguments, /\*\*\* Add File: notes\.txt/);
      assert.match(patches[1].input ?? patches[1].arguments, /\*\*\* Update File: notes\.txt/);
      for (const p of patches) assert.match(outputText(outputs.get(p.call_id)), /Success/);
      assert.equal(fs.readFileSync(path.join(fx.tools.cwd, 'notes.txt'), 'utf8'), 'first line\nsecond line, edited\n');

      const plan = calls.find((c) => c.name === 'update_plan');
      assert.ok(plan, 'update_plan call');
      const args = JSON.parse(plan.arguments);
      assert.deepEqual(
        args.plan.map((s: any) => s.status),
        ['completed', 'in_progress', 'pending'],
      );
      assert.equal(outputText(outputs.get(plan.call_id)), 'Plan updated');
    });

    it('compacted: a compacted line after a local compaction turn', () => {
      const ls = lines(fx.compacted);
      const compacted = ls.filter((l) => l.type === 'compacted');
      assert.equal(compacted.length, 1);
      assert.match(compacted[0].payload.message, /MOCK SUMMARY #\d+/);
      const compactions = fx.compacted.requests.filter((r) => r.kind === 'local_compaction');
      assert.equal(compactions.length, 1);
      // the usage that triggered it is on record
      const counts = ls.filter((l) => l.type === 'event_msg' && l.payload.type === 'token_count' && l.payload.info);
      assert.ok(counts.some((l) => l.payload.info.last_token_usage.input_tokens === SATURATED_INPUT_TOKENS));
      assert.ok(SATURATED_INPUT_TOKENS > AUTO_COMPACT_LIMIT);
      if (paginated) {
        assert.ok(
          ls.some(
            (l) =>
              l.type === 'event_msg' &&
              l.payload.type === 'item_completed' &&
              l.payload.item?.type === 'ContextCompaction',
          ),
        );
      } else {
        assert.ok(ls.some((l) => l.type === 'event_msg' && l.payload.type === 'context_compacted'));
      }
      // the next request started from the summary
      const after = fx.compacted.requests.filter((r) => r.kind === 'responses').at(-1)!;
      assert.match(after.body.toString('utf8'), /MOCK SUMMARY #\d+/);
    });

    it('stuck: remote compaction copied the screenshots, then the history outgrew the byte limit', () => {
      const ls = lines(fx.stuck);
      const meta = ls[0].payload;
      assert.equal(meta.model_provider, 'openai');
      // one remote compaction got through before: images copied into replacement_history
      const remote = fx.stuck.requests.filter((r) => r.kind === 'compaction' || r.kind === 'compact_v1');
      assert.ok(
        remote.some((r) => r.status === 200),
        'a remote compaction succeeded',
      );
      assert.equal(remote[0].kind, paginated ? 'compaction' : 'compact_v1');
      const compacted = ls.filter((l) => l.type === 'compacted');
      assert.ok(compacted.length >= 1);
      const copied = inputImages(compacted[0].payload.replacement_history);
      assert.ok(copied.length >= 2, `images in replacement_history: ${copied.length}`);
      assert.ok(copied.every((u) => u.startsWith('data:image/png;base64,')));
      // saturated token_count
      const counts = ls.filter((l) => l.type === 'event_msg' && l.payload.type === 'token_count' && l.payload.info);
      assert.ok(counts.some((l) => l.payload.info.last_token_usage.input_tokens >= AUTO_COMPACT_LIMIT));
      // the recorded failing resume
      const failed = fx.stuck.failedResume;
      assert.notEqual(failed.code, 0);
      assert.match(failed.stderr + failed.stdout, CONTEXT_WINDOW);
      if (paginated) {
        assert.match(
          failed.stderr,
          /Error running remote compact task: Codex ran out of room in the model's context window/,
        );
        const errs = ls.filter((l) => l.type === 'event_msg' && l.payload.type === 'task_complete' && l.payload.error);
        assert.ok(errs.some((l) => l.payload.error.codex_error_info === 'context_window_exceeded'));
      }
      const rejected = fx.stuck.requests.filter((r) => r.status === 400);
      assert.ok(rejected.length >= 1 && rejected.every((r) => r.bytes > fx.stuck.byteLimit));
    });

    it('stuck: resume fails while the mock enforces the byte limit and works once it is lifted', async () => {
      // work on a copy so the shared fixture stays stuck
      const before = sha256(fx.stuck.rolloutPath);
      const clone = cloneThread(fx, fx.stuck);
      assert.equal(sha256(clone.rolloutPath), before);
      const opts = { ...fx.stuck.resume, resumeId: fx.stuck.threadId, cwd: fx.stuck.cwd };
      const seq0 = fx.mock.requests.length;
      fx.mock.setByteLimit(fx.stuck.byteLimit);
      let failed;
      try {
        failed = await codexExec(clone.codexHome, version, 'are you there?', opts);
      } finally {
        fx.mock.setByteLimit(null);
      }
      assert.notEqual(failed.code, 0, failed.stdout);
      assert.match(failed.stderr + failed.stdout, CONTEXT_WINDOW);
      const during = fx.mock.requests.slice(seq0);
      assert.ok(during.some((r) => r.status === 400));
      const rejected = during.find((r) => r.status === 400)!;
      assert.ok(rejected.bytes > fx.stuck.byteLimit);

      fx.mock.script([{ type: 'message', text: 'Yes, I am here.' }]);
      const ok = await codexExec(clone.codexHome, version, 'are you there?', opts);
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, /Yes, I am here\./);
      // the resumes went to the copy; the original fixture is untouched
      assert.notEqual(sha256(clone.rolloutPath), before);
      assert.equal(sha256(fx.stuck.rolloutPath), before);
    });
  });
}
