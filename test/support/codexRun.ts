/**
 * Run the real Codex CLI against the mock Responses API with a throw-away CODEX_HOME.
 * Never touches the real ~/.codex: CODEX_HOME and HOME both point into a temp folder, and the
 * environment is scrubbed of real OpenAI/Codex settings.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { codexBin } from './tools';

export type CompactionMode =
  /** Custom provider `mock` → Codex compacts locally (summarisation turn). */
  | 'local'
  /** Built-in OpenAI provider via `openai_base_url` + OPENAI_API_KEY → remote compaction. */
  | 'remote';

export interface CodexHomeOptions {
  /** Mock base URL including `/v1` (MockResponses.url). */
  mockUrl: string;
  mode: CompactionMode;
  model?: string;
  /** Extra TOML appended to config.toml. */
  extraToml?: string;
  /** Prefix of the temp folder name. */
  prefix?: string;
}

const created = new Set<string>();
/** Process groups of CLIs still running (killed at exit). */
const running = new Set<number>();
let cleanupHooked = false;

function cleanup(): void {
  for (const pgid of running) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  running.clear();
  if (process.env.KEEP_FIXTURES === '1') {
    if (created.size) process.stderr.write(`KEEP_FIXTURES=1: kept ${[...created].join(', ')}\n`);
    return;
  }
  for (const d of created) {
    try {
      fs.rmSync(d, { recursive: true, force: true });
    } catch (e) {
      process.stderr.write(`could not remove ${d}: ${String(e)}\n`);
    }
  }
  created.clear();
}

function hookCleanup(): void {
  if (cleanupHooked) return;
  cleanupHooked = true;
  process.on('exit', cleanup);
  // Signals skip 'exit': clean up, then die of the same signal.
  for (const sig of ['SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      cleanup();
      process.removeListener(sig, onSignal);
      process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}

/** Temp folders made here are removed at process exit unless KEEP_FIXTURES=1. */
function registerTemp(dir: string): void {
  created.add(dir);
  hookCleanup();
}

/** Make a temp folder that is removed at exit (unless KEEP_FIXTURES=1). */
export function makeTempDir(prefix = 'csr-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  registerTemp(dir);
  return dir;
}

/** `-c` override that switches a `local` home to the built-in OpenAI provider (→ remote compaction). */
export const REMOTE_PROVIDER_OVERRIDE = 'model_provider="openai"';

/**
 * The config.toml text for a mock-backed CODEX_HOME (testing-notes §1). Both ways to reach the
 * mock are always configured: the custom provider `mock` (local compaction) and `openai_base_url`
 * for the built-in `openai` provider (remote compaction); `mode` picks the default provider, and
 * `-c model_provider="openai"` (REMOTE_PROVIDER_OVERRIDE) switches a local home per run.
 */
export function configToml(o: Omit<CodexHomeOptions, 'prefix'>): string {
  const lines = [`model = "${o.model ?? 'gpt-5'}"`];
  if (o.mode === 'local') lines.push(`model_provider = "mock"`);
  lines.push(`openai_base_url = "${o.mockUrl}"`);
  // Tools really run (the sandboxes need bubblewrap/landlock, absent in containers) and never ask.
  lines.push(`approval_policy = "never"`, `sandbox_mode = "danger-full-access"`, `check_for_update_on_startup = false`);
  if (o.extraToml) lines.push(o.extraToml.trim());
  lines.push(
    '',
    '[model_providers.mock]',
    'name = "mock"',
    `base_url = "${o.mockUrl}"`,
    'wire_api = "responses"',
    'env_key = "MOCK_KEY"',
    // fail fast instead of retrying for minutes
    'request_max_retries = 0',
    'stream_max_retries = 0',
  );
  return lines.join('\n') + '\n';
}

/**
 * Create a fresh CODEX_HOME (`<tmp>/<prefix>XXXX/codex-home`, with a fake HOME beside it) and
 * write its config.toml. Returns the CODEX_HOME path.
 */
export function makeCodexHome(o: CodexHomeOptions): string {
  const root = makeTempDir(o.prefix ?? 'csr-codex-');
  const home = path.join(root, 'codex-home');
  fs.mkdirSync(home, { recursive: true });
  fs.mkdirSync(path.join(root, 'user-home'), { recursive: true });
  writeCodexConfig(home, o);
  return home;
}

/** (Re)write `<home>/config.toml`. */
export function writeCodexConfig(home: string, o: Omit<CodexHomeOptions, 'prefix'>): void {
  fs.writeFileSync(path.join(home, 'config.toml'), configToml(o));
}

export interface ExecOptions {
  /** Image files attached with `-i` (after the prompt). */
  images?: string[];
  /** Working directory of the agent (default: a temp folder next to CODEX_HOME). */
  cwd?: string;
  /** Resume this thread (`codex exec resume <id> <prompt>`). */
  resumeId?: string;
  /** Kill the CLI after this long (default 60 s). */
  timeoutMs?: number;
  /** `-c key=value` overrides. */
  config?: string[];
  /** Extra CLI flags placed before the prompt. */
  args?: string[];
  /** Extra environment. */
  env?: Record<string, string>;
}

export interface ExecResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** From the `session id:` line; for CLIs that don't print it, from the newest new rollout. */
  sessionId: string | undefined;
  timedOut: boolean;
  ms: number;
  argv: string[];
}

const SCRUB = /^(OPENAI_|CODEX_|AZURE_OPENAI|ANTHROPIC_|OPENROUTER_|RUST_LOG$|XDG_)/;

/** Environment for a Codex run: scrubbed, with CODEX_HOME/HOME in the temp tree and fake keys. */
export function codexEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!SCRUB.test(k) && !k.startsWith('npm_')) env[k] = v;
  const userHome = path.join(path.dirname(home), 'user-home');
  // Codex drops helper symlinks (apply_patch, codex-linux-sandbox) into TMPDIR: keep them in our tree.
  const tmp = path.join(path.dirname(home), 'tmp');
  fs.mkdirSync(userHome, { recursive: true });
  fs.mkdirSync(tmp, { recursive: true });
  Object.assign(env, {
    CODEX_HOME: home,
    HOME: userHome,
    TMPDIR: tmp,
    MOCK_KEY: 'x',
    OPENAI_API_KEY: 'sk-test',
    NO_COLOR: '1',
    TERM: 'dumb',
  });
  // Older CLIs ignore `openai_base_url` in config.toml and only honour the env var.
  const m = /^openai_base_url\s*=\s*"([^"]+)"/m.exec(readConfig(home));
  if (m) env.OPENAI_BASE_URL = m[1];
  Object.assign(env, extra);
  return env;
}

function readConfig(home: string): string {
  try {
    return fs.readFileSync(path.join(home, 'config.toml'), 'utf8');
  } catch {
    return '';
  }
}

const SESSION_ID_RE = /session id:\s*([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/i;
const UUID_IN_NAME_RE = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl(?:\.zst)?$/i;

/** Run `codex exec` (or `codex exec resume`) once, stdin from /dev/null. */
export async function codexExec(
  home: string,
  version: string,
  prompt: string,
  o: ExecOptions = {},
): Promise<ExecResult> {
  const launcher = codexBin(version);
  const cwd = o.cwd ?? defaultCwd(home);
  const argv = ['exec', '--skip-git-repo-check'];
  for (const c of o.config ?? []) argv.push('-c', c);
  argv.push(...(o.args ?? []));
  if (o.resumeId) argv.push('resume', o.resumeId);
  argv.push(prompt);
  // After the prompt; one `-i` per file (`exec resume` takes a single value per `-i`).
  for (const img of o.images ?? []) argv.push('-i', img);

  const before = o.resumeId ? new Set<string>() : new Set(listRollouts(home));
  const t0 = Date.now();
  // The npm launcher (bin/codex.js) is what users run; start it with our own Node.
  const child = spawn(process.execPath, [launcher, ...argv], {
    cwd,
    env: codexEnv(home, o.env),
    stdio: ['ignore', 'pipe', 'pipe'], // 'ignore' = /dev/null
    detached: true, // own process group, so a timeout kills the native binary too
  });
  if (child.pid) running.add(child.pid);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }, o.timeoutMs ?? 60_000);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c, s) => resolve([c, s]));
  });
  clearTimeout(timer);
  if (child.pid) running.delete(child.pid);

  let sessionId = o.resumeId ?? SESSION_ID_RE.exec(stderr + '\n' + stdout)?.[1];
  if (!sessionId) {
    const fresh = listRollouts(home).filter((p) => !before.has(p));
    if (fresh.length === 1) sessionId = UUID_IN_NAME_RE.exec(fresh[0])?.[1];
  }
  return { code, signal, stdout, stderr, sessionId, timedOut, ms: Date.now() - t0, argv };
}

/** Default agent cwd for a home: `<root>/work`. */
export function defaultCwd(home: string): string {
  const dir = path.join(path.dirname(home), 'work');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Every rollout file under `sessions/` and `archived_sessions/`. */
export function listRollouts(home: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/^rollout-.*\.jsonl(\.zst)?$/.test(e.name)) out.push(p);
    }
  };
  walk(path.join(home, 'sessions'));
  walk(path.join(home, 'archived_sessions'));
  return out.sort();
}

/** The rollout file of thread `id` in `home`, or undefined. */
export function findRollout(home: string, id: string): string | undefined {
  const hits = listRollouts(home).filter((p) => p.includes(id) && UUID_IN_NAME_RE.test(p));
  return hits.find((p) => p.endsWith('.jsonl')) ?? hits[0];
}

/** Parse a (plain) rollout into JSON lines; unparsable lines become `{ _bad: text }`. */
export function readRolloutLines(file: string): any[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      try {
        return JSON.parse(l);
      } catch {
        return { _bad: l };
      }
    });
}

const helpCache = new Map<string, string>();

/** `codex <args> --help` text of a pinned version (cached). */
export function codexHelp(version: string, args: string[]): string {
  const key = `${version} ${args.join(' ')}`;
  let text = helpCache.get(key);
  if (text === undefined) {
    const root = makeTempDir('csr-help-');
    const r = spawnSync(process.execPath, [codexBin(version), ...args, '--help'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: root, CODEX_HOME: root, TMPDIR: root },
      timeout: 30_000,
    });
    fs.rmSync(root, { recursive: true, force: true });
    text = `${r.stdout ?? ''}${r.stderr ?? ''}`;
    helpCache.set(key, text);
  }
  return text;
}

/** Whether `codex exec resume` takes `-i/--image` (0.169 does; 0.77 doesn't). */
export function resumeSupportsImages(version: string): boolean {
  return /--image\b/.test(codexHelp(version, ['exec', 'resume']));
}
