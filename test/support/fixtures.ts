/**
 * Real Codex threads for the tests, made by the real CLI talking to the mock Responses API.
 *
 * `makeFixtureSet(version)` builds, in ONE fresh CODEX_HOME per version (so catalog tests see them
 * all side by side), these threads:
 *  - small:       one short prompt + answer.
 *  - screenshots: 6 noise PNG screenshots over 3 turns (`-i` on the first prompt; `-i` on resume
 *                 where the CLI supports it, else the agent's `view_image` tool; `view_image` last).
 *  - tools:       one turn where the agent runs shell commands (ok, failing, ~350 KB output),
 *                 `apply_patch` (add + update a file in its cwd) and `update_plan`.
 *  - compacted:   a turn whose usage exceeds `model_auto_compact_token_limit` mid-turn → local
 *                 compaction (summary turn) → a `compacted` line.
 *  - stuck:       remote compaction (built-in `openai` provider) with large screenshots: one
 *                 compaction gets through (images copied into `replacement_history`), the history
 *                 keeps growing, then with the mock's byte limit set every resume fails with the
 *                 context-window error.
 * Memoized per version for the whole process; temp folders go at exit unless KEEP_FIXTURES=1.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  REMOTE_PROVIDER_OVERRIDE,
  codexExec,
  findRollout,
  makeCodexHome,
  makeTempDir,
  resumeSupportsImages,
  writeCodexConfig,
  type ExecOptions,
  type ExecResult,
} from './codexRun';
import {
  startMockResponses,
  toolDef,
  toolNames,
  type Behaviour,
  type MockResponses,
  type RecordedRequest,
} from './mockResponses';
import { writeNoisePng } from './png';
import { CODEX_PAGINATED_VERSION } from './tools';

export type FixtureKind = 'small' | 'screenshots' | 'tools' | 'compacted' | 'stuck';

export interface FixtureThread {
  kind: FixtureKind;
  version: string;
  codexHome: string;
  threadId: string;
  rolloutPath: string;
  /** The agent's working directory for this thread. */
  cwd: string;
  /** What was done to make it, in words (for test messages and the curious). */
  notes: string[];
  /** Every CLI run that built it, in order. */
  runs: ExecResult[];
  /** Mock requests received while building it. */
  requests: RecordedRequest[];
  /** Options to pass to `codexExec` when resuming this thread (plus `resumeId`). */
  resume: ExecOptions;
}

export interface StuckThread extends FixtureThread {
  /** Mock byte limit that makes every resume fail (`mock.setByteLimit(byteLimit)`). */
  byteLimit: number;
  /** The failing `codex exec resume <id> "are you there?"` recorded while building. */
  failedResume: ExecResult;
}

export interface FixtureSet {
  version: string;
  model: string;
  /** The one CODEX_HOME holding every thread below. */
  codexHome: string;
  /** The mock the CLI talks to (alive for the whole process; byte limit lifted). */
  mock: MockResponses;
  /** `model_auto_compact_token_limit` written to config.toml. */
  autoCompactLimit: number;
  small: FixtureThread;
  screenshots: FixtureThread;
  tools: FixtureThread;
  compacted: FixtureThread;
  stuck: StuckThread;
  all: FixtureThread[];
}

/** Model per CLI: one the CLI has metadata for, so it advertises `apply_patch` like for real users. */
export function modelFor(version: string): string {
  return version === CODEX_PAGINATED_VERSION ? 'gpt-5.5' : 'gpt-5.1-codex';
}

/** Usage the mock reports to push a thread over the auto-compact limit (≈ a full context window). */
export const SATURATED_INPUT_TOKENS = 250_000;
export const AUTO_COMPACT_LIMIT = 200_000;
/** Mock byte limit for the stuck thread: any request carrying a screenshot exceeds it. */
export const STUCK_BYTE_LIMIT = 1_000_000;
/** Command with a ~350 KB output. */
export const BIG_OUTPUT_COMMAND = 'seq 1 60000';
export const FAILING_COMMAND = 'ls /definitely/not/here';
export const OK_COMMAND = 'echo tools-fixture-ok && pwd';

const cache = new Map<string, Promise<FixtureSet>>();

/** Build (once per process and version) the real-CLI fixture threads of `version`. */
export function makeFixtureSet(version: string): Promise<FixtureSet> {
  let p = cache.get(version);
  if (!p) {
    p = build(version);
    cache.set(version, p);
    p.catch(() => cache.delete(version));
  }
  return p;
}

// ---------------------------------------------------------------------------------------------
// Behaviours that adapt to what the CLI advertises in `tools`.

function shellCall(command: string, extra: { then?: string } = {}): Behaviour {
  return (req) => {
    const names = toolNames(req);
    if (names.includes('exec_command')) {
      // unified exec: ask for the full output (default budget 10k tokens truncates it)
      return {
        type: 'function_call',
        name: 'exec_command',
        arguments: { cmd: command, max_output_tokens: 200_000, yield_time_ms: 10_000 },
        ...extra,
      };
    }
    if (names.includes('shell_command')) {
      return { type: 'function_call', name: 'shell_command', arguments: { command, timeout_ms: 20_000 }, ...extra };
    }
    if (names.includes('shell')) {
      return {
        type: 'function_call',
        name: 'shell',
        arguments: { command: ['bash', '-lc', command], timeout_ms: 20_000 },
        ...extra,
      };
    }
    throw new Error(`no shell tool advertised (tools: ${names.join(', ')})`);
  };
}

function applyPatchCall(patch: string): Behaviour {
  return (req) => {
    const def = toolDef(req, 'apply_patch');
    if (def?.type === 'custom') return { type: 'custom_tool_call', name: 'apply_patch', input: patch };
    if (def) return { type: 'function_call', name: 'apply_patch', arguments: { input: patch } };
    // No apply_patch tool: Codex intercepts `apply_patch` invoked through its shell tool.
    const b = shellCall(`apply_patch <<'PATCH'\n${patch}PATCH`);
    return typeof b === 'function' ? b(req) : b;
  };
}

function viewImageCall(file: string): Behaviour {
  return (req) => {
    if (!toolNames(req).includes('view_image'))
      throw new Error(`view_image not advertised (tools: ${toolNames(req).join(', ')})`);
    return { type: 'function_call', name: 'view_image', arguments: { path: file } };
  };
}

function updatePlanCall(): Behaviour {
  return (req) => {
    if (!toolNames(req).includes('update_plan'))
      throw new Error(`update_plan not advertised (tools: ${toolNames(req).join(', ')})`);
    return {
      type: 'function_call',
      name: 'update_plan',
      arguments: {
        explanation: 'Fixture plan',
        plan: [
          { step: 'Run shell commands', status: 'completed' },
          { step: 'Write notes.txt with apply_patch', status: 'in_progress' },
          { step: 'Report back', status: 'pending' },
        ],
      },
    };
  };
}

// ---------------------------------------------------------------------------------------------

async function build(version: string): Promise<FixtureSet> {
  const model = modelFor(version);
  const mock = await startMockResponses({ defaultText: 'Hello from the mock.' });
  // Let the CLIs exit and mocha finish even though the mock stays up for the whole run.
  mock.unref();
  const extraToml = [
    `model_auto_compact_token_limit = ${AUTO_COMPACT_LIMIT}`,
    // 0.16x hides update_plan unless enabled; older CLIs ignore the key
    'tools.update_plan.enabled = true',
    // keep big tool outputs whole in the rollout (default: truncated to ~10k tokens)
    'tool_output_token_limit = 200000',
  ].join('\n');
  const codexHome = makeCodexHome({ mockUrl: mock.url, mode: 'local', model, extraToml, prefix: `csr-fx-${version}-` });
  const root = path.dirname(codexHome);
  const imgDir = path.join(root, 'images');
  fs.mkdirSync(imgDir, { recursive: true });
  const png = (name: string, seed: number) => writeNoisePng(path.join(imgDir, name), 600, 400, seed);

  const exec = async (t: Partial<FixtureThread> & { runs: ExecResult[] }, prompt: string, o: ExecOptions = {}) => {
    const r = await codexExec(codexHome, version, prompt, {
      cwd: t.cwd,
      ...t.resume,
      ...o,
      config: [...(t.resume?.config ?? []), ...(o.config ?? [])],
    });
    t.runs!.push(r);
    return r;
  };
  const must = (r: ExecResult, what: string) => {
    if (r.code !== 0 || !r.sessionId) {
      throw new Error(
        `Codex ${version} ${what} failed (code ${r.code}${r.timedOut ? ', timed out' : ''}): ${r.argv.join(' ')}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`,
      );
    }
    return r;
  };
  const newThread = (kind: FixtureKind, resume: ExecOptions = {}) => {
    const cwd = path.join(root, `work-${kind}`);
    fs.mkdirSync(cwd, { recursive: true });
    return {
      kind,
      version,
      codexHome,
      cwd,
      notes: [] as string[],
      runs: [] as ExecResult[],
      resume,
      threadId: '',
      rolloutPath: '',
      requests: [] as RecordedRequest[],
    };
  };
  const finish = <T extends FixtureThread>(t: T, firstSeq: number): T => {
    t.threadId = t.runs[0].sessionId!;
    const file = findRollout(codexHome, t.threadId);
    if (!file) throw new Error(`Codex ${version}: no rollout for ${t.kind} thread ${t.threadId} under ${codexHome}`);
    t.rolloutPath = file;
    t.requests = mock.requests.filter((r) => r.seq >= firstSeq);
    return t;
  };
  const nextSeq = () => (mock.requests.length ? mock.requests[mock.requests.length - 1].seq + 1 : 0);

  // small -------------------------------------------------------------------------------------
  let seq0 = nextSeq();
  const small = newThread('small');
  mock.script([{ type: 'message', text: 'Hi! The fixture answer is 42.' }]);
  must(await exec(small, 'Say hi and tell me the answer.'), 'small');
  small.notes.push('one prompt, one answer');
  finish(small, seq0);

  // screenshots ------------------------------------------------------------------------------
  seq0 = nextSeq();
  const shots = newThread('screenshots');
  const imgs = [1, 2, 3, 4, 5, 6].map((i) => png(`shot-${i}.png`, 1000 + i));
  mock.script([{ type: 'message', text: 'I see two screenshots.' }]);
  const s1 = must(
    await exec(shots, 'Here are two screenshots of the bug.', { images: imgs.slice(0, 2) }),
    'screenshots turn 1',
  );
  shots.notes.push('turn 1: 2 PNGs attached with -i');
  const id = s1.sessionId!;
  if (resumeSupportsImages(version)) {
    mock.script([{ type: 'message', text: 'Two more, got it.' }]);
    must(await exec(shots, 'Two more screenshots.', { resumeId: id, images: imgs.slice(2, 4) }), 'screenshots turn 2');
    shots.notes.push('turn 2: 2 PNGs attached with -i on resume');
  } else {
    mock.script([viewImageCall(imgs[2]), viewImageCall(imgs[3]), { type: 'message', text: 'Looked at two more.' }]);
    must(await exec(shots, `Look at ${imgs[2]} and ${imgs[3]}.`, { resumeId: id }), 'screenshots turn 2');
    shots.notes.push('turn 2: 2 PNGs through the view_image tool (this CLI has no -i on resume)');
  }
  mock.script([viewImageCall(imgs[4]), viewImageCall(imgs[5]), { type: 'message', text: 'Seen all six.' }]);
  must(await exec(shots, `Also open ${imgs[4]} and ${imgs[5]}.`, { resumeId: id }), 'screenshots turn 3');
  shots.notes.push('turn 3: 2 PNGs through the view_image tool');
  finish(shots, seq0);

  // tools --------------------------------------------------------------------------------------
  seq0 = nextSeq();
  const tools = newThread('tools');
  mock.script([
    shellCall(OK_COMMAND),
    shellCall(FAILING_COMMAND),
    shellCall(BIG_OUTPUT_COMMAND),
    applyPatchCall('*** Begin Patch\n*** Add File: notes.txt\n+first line\n+second line\n*** End Patch\n'),
    applyPatchCall(
      '*** Begin Patch\n*** Update File: notes.txt\n@@\n first line\n-second line\n+second line, edited\n*** End Patch\n',
    ),
    updatePlanCall(),
    { type: 'message', text: 'Ran the commands, wrote notes.txt and updated the plan.' },
  ]);
  must(await exec(tools, 'Run a few commands, write notes.txt and keep a plan.'), 'tools');
  tools.notes.push(
    `shell: \`${OK_COMMAND}\` (ok), \`${FAILING_COMMAND}\` (exit ≠ 0), \`${BIG_OUTPUT_COMMAND}\` (~350 KB)`,
    'apply_patch: add notes.txt, then update it',
    'update_plan: 3 steps (completed / in_progress / pending)',
  );
  const notesFile = path.join(tools.cwd, 'notes.txt');
  if (!fs.existsSync(notesFile)) throw new Error(`Codex ${version}: apply_patch did not create ${notesFile}`);
  finish(tools, seq0);

  // compacted ----------------------------------------------------------------------------------
  seq0 = nextSeq();
  const compacted = newThread('compacted');
  mock.script([{ type: 'message', text: 'Noted.' }]);
  const c1 = must(await exec(compacted, 'Remember: the codeword is BLUE-HERON.'), 'compacted turn 1');
  // Mid-turn: the tool call's usage exceeds the auto-compact limit → compaction before the follow-up.
  mock.script([
    (req) => {
      const b = shellCall('echo compacting') as (r: RecordedRequest) => Behaviour;
      const call = b(req) as Extract<Behaviour, { type: 'function_call' }>;
      return { ...call, usage: { input_tokens: SATURATED_INPUT_TOKENS } };
    },
    { type: 'message', text: 'Done after compaction.' },
  ]);
  must(await exec(compacted, 'Run echo, please.', { resumeId: c1.sessionId }), 'compacted turn 2');
  compacted.notes.push(
    `turn 2: a tool call reports ${SATURATED_INPUT_TOKENS} input tokens > model_auto_compact_token_limit ${AUTO_COMPACT_LIMIT} → local compaction`,
  );
  finish(compacted, seq0);
  if (!compacted.requests.some((r) => r.kind === 'local_compaction')) {
    throw new Error(`Codex ${version}: compacted thread made no local compaction request`);
  }

  // stuck ------------------------------------------------------------------------------------------
  seq0 = nextSeq();
  const stuck = newThread('stuck', { config: [REMOTE_PROVIDER_OVERRIDE] }) as unknown as StuckThread;
  const big = [1, 2, 3, 4].map((i) => png(`stuck-${i}.png`, 2000 + i));
  mock.script([{ type: 'message', text: 'Two screenshots received.' }]);
  const t1 = must(await exec(stuck, 'Screenshots of the broken layout.', { images: big.slice(0, 2) }), 'stuck turn 1');
  const sid = t1.sessionId!;
  mock.script([
    (req) => {
      const call = (shellCall('echo checking') as (r: RecordedRequest) => Behaviour)(req) as Extract<
        Behaviour,
        { type: 'function_call' }
      >;
      return { ...call, usage: { input_tokens: SATURATED_INPUT_TOKENS } };
    },
    { type: 'message', text: 'Checked.' },
  ]);
  must(await exec(stuck, 'Check it.', { resumeId: sid }), 'stuck turn 2 (remote compaction)');
  if (resumeSupportsImages(version)) {
    mock.script([
      { type: 'message', text: 'More screenshots received.', usage: { input_tokens: SATURATED_INPUT_TOKENS } },
    ]);
    must(await exec(stuck, 'Two more screenshots.', { resumeId: sid, images: big.slice(2, 4) }), 'stuck turn 3');
  } else {
    mock.script([
      viewImageCall(big[2]),
      viewImageCall(big[3]),
      { type: 'message', text: 'More screenshots seen.', usage: { input_tokens: SATURATED_INPUT_TOKENS } },
    ]);
    must(await exec(stuck, `Look at ${big[2]} and ${big[3]}.`, { resumeId: sid }), 'stuck turn 3');
  }
  stuck.notes.push(
    'remote compaction: built-in openai provider via openai_base_url (-c model_provider="openai")',
    'turn 1: 2 PNGs; turn 2: tool call with saturated usage → remote compaction (images kept in replacement_history); turn 3: 2 more PNGs, saturated usage',
  );
  mock.setByteLimit(STUCK_BYTE_LIMIT);
  try {
    stuck.failedResume = await exec(stuck, 'are you there?', { resumeId: sid });
  } finally {
    mock.setByteLimit(null);
  }
  stuck.byteLimit = STUCK_BYTE_LIMIT;
  stuck.notes.push(
    `with the mock's byte limit at ${STUCK_BYTE_LIMIT} B, "are you there?" fails: ${firstErrorLine(stuck.failedResume)}`,
  );
  if (stuck.failedResume.code === 0 || !/context window/i.test(stuck.failedResume.stderr + stuck.failedResume.stdout)) {
    throw new Error(
      `Codex ${version}: stuck thread did not fail with the context-window error:\n${stuck.failedResume.stderr}`,
    );
  }
  finish(stuck, seq0);

  const set: FixtureSet = {
    version,
    model,
    codexHome,
    mock,
    autoCompactLimit: AUTO_COMPACT_LIMIT,
    small,
    screenshots: shots,
    tools,
    compacted,
    stuck,
    all: [small, shots, tools, compacted, stuck],
  };
  return set;
}

function firstErrorLine(r: ExecResult): string {
  const lines = (r.stderr + '\n' + r.stdout).split('\n').filter((l) => /context window/i.test(l));
  return (lines.find((l) => l.startsWith('ERROR:')) ?? lines[0] ?? '(no context-window line)').trim();
}

/**
 * Copy one fixture thread into a fresh CODEX_HOME (same config, same relative rollout path), so a
 * test can resume or repair it without changing the shared fixture. Returns the new paths.
 */
export function cloneThread(set: FixtureSet, t: FixtureThread): { codexHome: string; rolloutPath: string } {
  const root = makeTempDir(`csr-clone-${t.kind}-`);
  const codexHome = path.join(root, 'codex-home');
  fs.mkdirSync(codexHome, { recursive: true });
  fs.mkdirSync(path.join(root, 'user-home'), { recursive: true });
  writeCodexConfig(codexHome, {
    mockUrl: set.mock.url,
    mode: 'local',
    model: set.model,
    extraToml: fs
      .readFileSync(path.join(set.codexHome, 'config.toml'), 'utf8')
      .match(/^(model_auto_compact_token_limit|tools\.update_plan|tool_output_token_limit)\b.*$/gm)
      ?.join('\n'),
  });
  const rel = path.relative(set.codexHome, t.rolloutPath);
  const rolloutPath = path.join(codexHome, rel);
  fs.mkdirSync(path.dirname(rolloutPath), { recursive: true });
  fs.copyFileSync(t.rolloutPath, rolloutPath);
  return { codexHome, rolloutPath };
}
