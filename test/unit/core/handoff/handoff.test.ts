import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  argvToCommand,
  commandFromArgs,
  outputTail,
  parsePatch,
  parseToolOutput,
  patchFailed,
  patchInCommand,
} from '../../../../src/core/rollout/toolCalls';
import { maskSecrets } from '../../../../src/core/handoff/secrets';
import { BigTextReader, safeHeadEnd, safeTailStart, decodeRaw } from '../../../../src/core/rollout/bigText';
import { BigStr } from '../../../../src/core/rollout/jsonSkeleton';
import { buildHandoff } from '../../../../src/core/handoff/build';
import { fence } from '../../../../src/core/handoff/markdown';
import { writeHandoff, listHandoffs } from '../../../../src/core/handoff/write';
import { handoffDir } from '../../../../src/core/codexHome/paths';
import { sessionPath, sessionMetaLine } from '../../../support/synthetic';

function tmpHome(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'csr-handoff-'));
  after(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

describe('toolCalls: patches', () => {
  it('parses Add/Update/Delete/Move headers and counts +/- lines per file', () => {
    const patch = [
      '*** Begin Patch',
      '*** Add File: src/new.ts',
      '+line 1',
      '+line 2',
      '+line 3',
      '*** Update File: src/old.ts',
      '*** Move to: src/renamed.ts',
      '@@ class A',
      ' context',
      '-removed 1',
      '-removed 2',
      '+added 1',
      '*** Delete File: docs/gone.md',
      '*** End Patch',
    ].join('\n');
    assert.deepEqual(parsePatch(patch), [
      { path: 'src/new.ts', kind: 'add', added: 3, removed: 0 },
      { path: 'src/old.ts', kind: 'update', movedTo: 'src/renamed.ts', added: 1, removed: 2 },
      { path: 'docs/gone.md', kind: 'delete', added: 0, removed: 0 },
    ]);
  });

  it('finds the patch inside a shell heredoc and in argv form', () => {
    const heredoc = "apply_patch <<'EOF'\n*** Begin Patch\n*** Add File: a.txt\n+hi\n*** End Patch\nEOF";
    assert.deepEqual(parsePatch(patchInCommand(heredoc)!), [{ path: 'a.txt', kind: 'add', added: 1, removed: 0 }]);
    assert.equal(
      patchInCommand(['apply_patch', '*** Begin Patch\n*** Delete File: b\n*** End Patch']),
      '*** Begin Patch\n*** Delete File: b\n*** End Patch',
    );
    assert.ok(
      patchInCommand(['bash', '-lc', "apply_patch <<'EOF'\n*** Begin Patch\n*** End Patch\nEOF"])?.startsWith(
        '*** Begin Patch',
      ),
    );
    assert.equal(patchInCommand('npm test'), undefined);
  });

  it('tells a failed patch from one that applied', () => {
    assert.equal(patchFailed('Success. Updated the following files:\nA notes.txt\n'), false);
    assert.equal(patchFailed('{"output":"Success.","metadata":{"exit_code":0}}'), false);
    assert.equal(patchFailed('{"output":"error: patch failed","metadata":{"exit_code":1}}'), true);
    assert.equal(patchFailed('apply_patch verification failed: Failed to find expected lines'), true);
  });
});

describe('toolCalls: commands and exit codes', () => {
  it('reads the command from every arguments shape', () => {
    assert.deepEqual(commandFromArgs({ command: ['bash', '-lc', 'npm test'], workdir: '/w' }), {
      command: 'npm test',
      workdir: '/w',
    });
    assert.deepEqual(commandFromArgs({ command: 'ls -la' }), { command: 'ls -la', workdir: undefined });
    assert.deepEqual(commandFromArgs({ cmd: 'echo hi', workdir: '/x' }), { command: 'echo hi', workdir: '/x' });
    assert.equal(argvToCommand(['git', 'commit', '-m', 'a b']), "git commit -m 'a b'");
    assert.equal(argvToCommand(['/bin/zsh', '-lc', 'make']), 'make');
    assert.equal(commandFromArgs({ other: 1 }), undefined);
  });

  it('extracts the exit code from JSON metadata and from each text format', () => {
    assert.deepEqual(parseToolOutput('{"output":"boom\\n","metadata":{"exit_code":2,"duration_seconds":0.1}}'), {
      exitCode: 2,
      body: 'boom\n',
    });
    const legacy = parseToolOutput('Exit code: 1\nWall time: 0 seconds\nOutput:\nls: cannot access\n');
    assert.equal(legacy.exitCode, 1);
    assert.equal(legacy.body, 'ls: cannot access\n');
    const unified = parseToolOutput(
      'Chunk ID: 9b0e3d\nWall time: 0.0000 seconds\nProcess exited with code 127\nOriginal token count: 1\nOutput:\nnot found\n',
    );
    assert.equal(unified.exitCode, 127);
    assert.equal(unified.body, 'not found\n');
    const running = parseToolOutput(
      'Chunk ID: 1\nWall time: 10.0 seconds\nProcess running with session ID 7\nOriginal token count: 3\nOutput:\nbuilding…\n',
    );
    assert.equal(running.exitCode, undefined);
    assert.equal(running.running, true);
    assert.equal(parseToolOutput('plain text without status').exitCode, undefined);
  });

  it('keeps a short tail of long output', () => {
    const body = Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n');
    const t = outputTail(body, 3, 600);
    assert.equal(t, '…\nline 97\nline 98\nline 99');
    assert.ok(outputTail('x'.repeat(5000), 8, 100).length <= 101);
  });
});

describe('secrets', () => {
  it('masks API keys, tokens and credentials, keeping what kind they were', () => {
    const text = [
      'OPENAI_API_KEY=sk-proj-abcdefghijklmnopqrstuvwxyz123456',
      'token ghp_abcdefghijklmnopqrstuvwxyz0123456789',
      'aws AKIAIOSFODNN7EXAMPLE here',
      'curl -H "Authorization: Bearer abc.def-ghi_jklmnopqrstu"',
      'password: hunter2hunter2',
      'postgres://admin:s3cretpass@db.local/app',
      'jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
    ].join('\n');
    const m = maskSecrets(text);
    for (const secret of [
      'abcdefghijklmnopqrstuvwxyz123456',
      'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
      'AKIAIOSFODNN7EXAMPLE',
      'abc.def-ghi_jklmnopqrstu',
      'hunter2hunter2',
      's3cretpass',
      'dozjgNryP4J3jVmNHl0w5N',
    ]) {
      assert.ok(!m.includes(secret), `${secret} should be masked in:\n${m}`);
    }
    assert.match(m, /sk-proj-\[masked\]/);
    assert.match(m, /ghp_\[masked\]/);
    assert.match(m, /Bearer \[masked\]/);
  });

  it('leaves ordinary prose and code alone', () => {
    const text =
      'The token count was 1234 and the password field is required.\nconst apiKey = process.env.OPENAI_API_KEY;\nsk-test\nrun `npm test`';
    assert.equal(maskSecrets(text), text);
  });
});

describe('bigText: bounded, escape-safe reads', () => {
  const content = 'héllo \\"world\\" \\n tab\\t 😀 \\u00e9 end'; // raw escaped JSON content
  it('cuts heads on whole escapes and characters', () => {
    const raw = Buffer.from(content);
    for (let n = 0; n <= raw.length; n++) {
      const cut = safeHeadEnd(raw.subarray(0, n));
      assert.ok(cut <= n);
      const decoded = decodeRaw(raw.subarray(0, cut));
      assert.ok(JSON.parse('"' + content + '"').startsWith(decoded), `prefix ${n}`);
    }
  });

  it('starts tails on a safe boundary', () => {
    const raw = Buffer.from(content);
    const full = JSON.parse('"' + content + '"') as string;
    for (let from = 1; from < raw.length; from++) {
      const slice = raw.subarray(from);
      const at = safeTailStart(slice);
      const decoded = decodeRaw(slice.subarray(at));
      assert.ok(full.endsWith(decoded), `tail from ${from}: ${JSON.stringify(decoded)}`);
    }
  });

  it('reads head, tail and decoded lines of a string in a file', () => {
    const dir = tmpHome();
    const file = path.join(dir, 'f.json');
    const value = 'first line\n' + 'x'.repeat(200_000) + '\n+added "quoted"\nlast line é';
    const json = JSON.stringify({ v: value });
    fs.writeFileSync(file, json);
    const start = json.indexOf(':"') + 2;
    const end = Buffer.byteLength(json) - 2;
    const s = new BigStr(start, end, json.slice(start, start + 96), undefined);
    const r = new BigTextReader(file, false);
    try {
      assert.equal(r.head(s, 10), 'first line');
      assert.ok(r.tail(s, 30)!.endsWith('\nlast line é'));
      const lines: string[] = [];
      assert.equal(
        r.lines(s, (l) => lines.push(l), 20),
        true,
      );
      assert.deepEqual(
        [lines[0], lines[2], lines[3], lines.length],
        ['first line', '+added "quoted"', 'last line é', 4],
      );
      assert.equal(lines[1].length, 20);
    } finally {
      r.close();
    }
    assert.equal(new BigTextReader(file, true).head(s, 10), undefined);
  });
});

// ---- a hand-written legacy rollout exercising every section ----

interface Line {
  [k: string]: unknown;
}

function writeRollout(home: string, id: string, lines: Line[]): string {
  const when = new Date('2026-03-01T10:00:00Z');
  const file = sessionPath(home, id, when);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(
    file,
    [sessionMetaLine(id, when, '/home/dev/shop'), ...lines.map((l) => JSON.stringify(l))].join('\n') + '\n',
  );
  return file;
}

let clock = Date.parse('2026-03-01T10:00:00Z');
const ts = () => new Date((clock += 60_000)).toISOString();
const user = (text: string): Line[] => [
  {
    timestamp: ts(),
    type: 'response_item',
    payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] },
  },
  { timestamp: ts(), type: 'event_msg', payload: { type: 'user_message', message: text, images: [] } },
];
const agent = (text: string): Line[] => [
  { timestamp: ts(), type: 'event_msg', payload: { type: 'agent_message', message: text } },
  {
    timestamp: ts(),
    type: 'response_item',
    payload: { type: 'message', role: 'assistant', content: [{ type: 'output_text', text }] },
  },
];
const shell = (id: string, command: string, out: string, code: number): Line[] => [
  {
    timestamp: ts(),
    type: 'response_item',
    payload: { type: 'function_call', name: 'shell_command', arguments: JSON.stringify({ command }), call_id: id },
  },
  {
    timestamp: ts(),
    type: 'response_item',
    payload: {
      type: 'function_call_output',
      call_id: id,
      output: `Exit code: ${code}\nWall time: 0 seconds\nOutput:\n${out}`,
    },
  },
];
const patch = (id: string, text: string): Line[] => [
  {
    timestamp: ts(),
    type: 'response_item',
    payload: { type: 'custom_tool_call', name: 'apply_patch', input: text, call_id: id },
  },
  {
    timestamp: ts(),
    type: 'response_item',
    payload: {
      type: 'custom_tool_call_output',
      call_id: id,
      output: '{"output":"Success. Updated the following files:\\n","metadata":{"exit_code":0}}',
    },
  },
];

function richThread(home: string, turns = 4): { id: string; file: string } {
  const id = randomUUID();
  const lines: Line[] = [
    ...user(
      'Build a checkout page for the shop. Use the existing cart API. My key is sk-proj-abcdefghijklmnopqrstuvwxyz0123.',
    ),
    {
      timestamp: ts(),
      type: 'response_item',
      payload: {
        type: 'function_call',
        name: 'update_plan',
        arguments: JSON.stringify({
          explanation: 'Checkout plan',
          plan: [
            { step: 'Add checkout route', status: 'completed' },
            { step: 'Write payment form', status: 'in_progress' },
            { step: 'Add tests', status: 'pending' },
          ],
        }),
        call_id: 'p1',
      },
    },
    {
      timestamp: ts(),
      type: 'response_item',
      payload: { type: 'function_call_output', call_id: 'p1', output: 'Plan updated' },
    },
    ...patch(
      'a1',
      '*** Begin Patch\n*** Add File: src/checkout.ts\n+export const a = 1;\n+export const b = 2;\n*** End Patch',
    ),
    ...shell('c1', 'npm test', 'FAIL src/checkout.test.ts\nExpected 2, got 3', 1),
    ...agent('Added the checkout route; the test fails on the total.'),
    {
      timestamp: ts(),
      type: 'compacted',
      payload: {
        message: 'SUMMARY: checkout route exists; payment form half done; decided to use Stripe Elements.',
        replacement_history: [],
      },
    },
  ];
  for (let i = 2; i <= turns; i++) {
    lines.push(...user(`Turn ${i}: fix the next thing (${'detail '.repeat(10)})`));
    lines.push(
      ...patch(
        `a${i}`,
        `*** Begin Patch\n*** Update File: src/checkout.ts\n@@\n-export const b = 2;\n+export const b = ${i};\n*** End Patch`,
      ),
    );
    lines.push(...shell(`c${i}`, `npm test -- --grep case${i}`, `ok ${i}`, 0));
    lines.push(...agent(`Turn ${i} done: ${'long explanation '.repeat(40)}`));
  }
  lines.push({
    timestamp: ts(),
    type: 'event_msg',
    payload: {
      type: 'error',
      message:
        "Codex ran out of room in the model's context window. Start a new thread or clear earlier history before retrying.",
    },
  });
  lines.push(...user('are you there?'));
  lines.push({ timestamp: ts(), type: 'event_msg', payload: { type: 'turn_aborted', reason: 'interrupted' } });
  return { id, file: writeRollout(home, id, lines) };
}

describe('handoff document', () => {
  it('has the stable structure with every section filled from the rollout', () => {
    const home = tmpHome();
    const { id } = richThread(home);
    const r = buildHandoff(home, id, { now: new Date('2026-03-02T00:00:00Z') });
    const md = r.markdown;
    let inFence = false;
    const headings = md.split('\n').filter((l) => {
      if (/^\s*```/.test(l)) inFence = !inFence;
      return !inFence && /^##? /.test(l);
    });
    assert.deepEqual(headings, [
      headings[0],
      '## How to continue',
      '## Goal',
      '## What the user asked over time',
      '## What was decided and learned',
      '## Current plan',
      '## Files changed',
      '## Commands run',
      '## Errors and warnings',
      '## Last exchanges',
      '## Where it stopped',
    ]);
    assert.match(headings[0], /^# Codex handoff: /);
    assert.ok(md.includes(`codex resume ${id}`));
    assert.ok(md.includes(`codex exec resume ${id} "`));
    assert.ok(md.includes('codex "$(cat '));
    assert.ok(md.includes('`/home/dev/shop`'));
    assert.ok(md.includes('> Build a checkout page for the shop. Use the existing cart API.'));
    assert.ok(!md.includes('abcdefghijklmnopqrstuvwxyz0123'), 'the API key is masked');
    assert.ok(md.includes('sk-proj-[masked]'));
    assert.ok(md.includes('SUMMARY: checkout route exists'));
    assert.match(md, /- \[x\] Add checkout route — completed/);
    assert.match(md, /- \[~\] Write payment form — in_progress/);
    assert.match(md, /- \[ \] Add tests — pending/);
    assert.match(md, /\| `src\/checkout\.ts` \| add\/update ×4 \| \+5 −3 \| 1–4 \|/);
    assert.match(md, /`npm test` → exit 1 \(turn 1/);
    assert.ok(md.includes('Expected 2, got 3'), 'failure output tail');
    assert.match(md, /`npm test -- --grep case4` → exit 0/);
    assert.match(md, /context window: Codex ran out of room/);
    assert.match(md, /turn aborted/);
    assert.match(md, /Last user request \(turn 5, [^)]*\): are you there\?/);
    assert.ok(md.includes('**The agent did not answer this request.**'));
    // user messages appear once (response_item + event copy are one request)
    assert.equal(r.data.turnCount, 5);
    assert.equal(r.sections.length, 11);
  });

  it('fills the budget by priority: history and images go before the goal and the recent state', () => {
    const home = tmpHome();
    const { id } = richThread(home, 120);
    const full = buildHandoff(home, id, { budgetTokens: 100_000 });
    assert.deepEqual(full.trimmed, []);
    const small = buildHandoff(home, id, { budgetTokens: 2_000 });
    assert.ok(small.markdown.length <= 2_000 * 4, `${small.markdown.length} chars`);
    assert.ok(small.trimmed.includes('history'));
    const level = (id2: string) => small.sections.find((s) => s.id === id2)!.level;
    assert.ok(level('history') >= level('files'), 'history trimmed no later than files');
    assert.ok(level('files') >= level('goal'));
    assert.equal(level('goal'), 0, 'the goal stays whole');
    assert.ok(small.markdown.includes('Build a checkout page for the shop'));
    assert.ok(small.markdown.includes('## Where it stopped'));
    assert.ok(small.markdown.includes(`codex resume ${id}`));
    // the default budget (12k tokens) holds a 120-turn thread
    const def = buildHandoff(home, id);
    assert.ok(def.tokensEstimate <= 12_000);
  });

  it('keeps a huge first request bounded but readable', () => {
    const home = tmpHome();
    const id = randomUUID();
    const goal = 'Please refactor everything. ' + 'requirement '.repeat(20_000);
    writeRollout(home, id, [...user(goal), ...agent('ok')]);
    const r = buildHandoff(home, id, { budgetTokens: 12_000 });
    assert.ok(r.markdown.includes('> Please refactor everything.'));
    assert.ok(r.markdown.length <= 48_000);
    assert.match(r.markdown, /shortened/);
  });

  it('writes atomically into CODEX_HOME/rescue/handoffs/<id>/ and never overwrites', () => {
    const home = tmpHome();
    const { id } = richThread(home);
    const now = new Date('2026-03-02T00:00:00Z');
    const a = writeHandoff(home, id, { now });
    const b = writeHandoff(home, id, { now });
    assert.notEqual(a.path, b.path);
    assert.equal(path.dirname(a.path), handoffDir(home, id));
    assert.equal(path.basename(a.path), '2026-03-02T00-00-00Z.md');
    assert.equal(path.basename(b.path), '2026-03-02T00-00-00Z-2.md');
    assert.deepEqual(listHandoffs(home, id).sort(), [a.path, b.path].sort());
    assert.deepEqual(
      fs.readdirSync(handoffDir(home, id)).filter((n) => n.endsWith('.tmp')),
      [],
    );
    assert.ok(fs.readFileSync(a.path, 'utf8').includes(`codex "$(cat ${a.path})"`));
    const out = path.join(home, 'ws', 'HANDOFF.md');
    const c = writeHandoff(home, id, { out });
    assert.equal(c.outPath, out);
    assert.equal(fs.statSync(out).size, c.bytes);
    // a second copy to the same --out would replace the user's file: refused before anything is written
    fs.writeFileSync(out, 'my notes');
    const before = listHandoffs(home, id).length;
    assert.throws(() => writeHandoff(home, id, { out }), /already exists; give a new file name or a folder/);
    assert.equal(fs.readFileSync(out, 'utf8'), 'my notes');
    assert.equal(listHandoffs(home, id).length, before);
  });

  it('fences content that itself contains fences', () => {
    assert.equal(fence('a\n```\nb'), '````\na\n```\nb\n````');
  });
});
