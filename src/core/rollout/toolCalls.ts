// What the agent's tool calls did, across Codex versions: which shell command ran and how it
// ended, which files an apply_patch touched. Pure functions over already-small values.
//
// Shapes seen in real rollouts:
//   0.3x–0.5x  function_call `shell`          arguments {"command":["bash","-lc","…"],"workdir"}
//              output '{"output":"…","metadata":{"exit_code":0,"duration_seconds":0.1}}'
//   0.6x–0.7x  function_call `shell_command`  arguments {"command":"…","workdir"}
//              output 'Exit code: 0\nWall time: 0 seconds\nOutput:\n…'
//   0.16x      function_call `exec_command`   arguments {"cmd":"…","workdir"}
//              output 'Chunk ID: …\nWall time: …\nProcess exited with code 0\nOriginal token count: 1\nOutput:\n…'
//              (or 'Process running with session ID N' while it still runs; `write_stdin` continues it)
//   any        local_shell_call  action {"type":"exec","command":[…]}
//   apply_patch: custom_tool_call `apply_patch` with the patch in `input`, function_call
//              `apply_patch` with {"input":"…"}, or a shell command `apply_patch <<'EOF' … EOF` /
//              ["apply_patch", "*** Begin Patch…"].

export const SHELL_TOOLS = new Set([
  'shell',
  'shell_command',
  'exec_command',
  'container.exec',
  'local_shell',
  'run_command',
  'bash',
  'unified_exec',
]);

/** A shell command as a person would type it, from a tool call's parsed arguments. */
export function commandFromArgs(args: unknown): { command: string; workdir?: string } | undefined {
  if (!args || typeof args !== 'object') return undefined;
  const a = args as Record<string, unknown>;
  const workdir = typeof a.workdir === 'string' ? a.workdir : typeof a.cwd === 'string' ? a.cwd : undefined;
  const raw = a.cmd ?? a.command;
  if (typeof raw === 'string') return { command: raw, workdir };
  if (Array.isArray(raw) && raw.every((x) => typeof x === 'string'))
    return { command: argvToCommand(raw as string[]), workdir };
  return undefined;
}

/** ["bash","-lc","npm test"] → "npm test"; other argv joined with shell quoting. */
export function argvToCommand(argv: string[]): string {
  if (argv.length === 3 && /(^|\/)(ba|z|da)?sh$/.test(argv[0]) && /^-l?c$|^-cl$/.test(argv[1])) return argv[2];
  if (
    argv.length >= 3 &&
    /(^|\/)(pwsh|powershell)(\.exe)?$/i.test(argv[0]) &&
    /^-(c|command)$/i.test(argv[argv.length - 2])
  )
    return argv[argv.length - 1];
  return argv.map(shellQuote).join(' ');
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface ToolResult {
  /** Exit code when the output says one. */
  exitCode?: number;
  /** Still running (exec_command handed back a session id). */
  running?: boolean;
  /** The output body without the CLI's preamble (Exit code / Wall time / Chunk ID …). */
  body: string;
}

/** Exit status and output body from a tool output text (JSON or the CLI's text formats). */
export function parseToolOutput(text: string): ToolResult {
  const t = text.trimStart();
  if (t.startsWith('{')) {
    try {
      const j = JSON.parse(t) as { output?: unknown; metadata?: { exit_code?: unknown } };
      if (j && typeof j === 'object' && ('output' in j || 'metadata' in j)) {
        const code = j.metadata?.exit_code;
        const body = typeof j.output === 'string' ? j.output : '';
        return {
          exitCode: typeof code === 'number' ? code : undefined,
          body: stripPreamble(body).body,
          ...(typeof code === 'number' ? {} : exitFromText(body)),
        };
      }
    } catch {
      // Not JSON after all (or cut off): read it as text.
    }
  }
  const r = stripPreamble(text);
  return { ...exitFromText(r.head), body: r.body };
}

function exitFromText(head: string): { exitCode?: number; running?: boolean } {
  const m = /(?:^|\n)\s*(?:Exit code|Process exited with code|exit code|exit status)[:\s]+(-?\d+)/i.exec(head);
  if (m) return { exitCode: Number(m[1]) };
  if (/Process running with session ID/i.test(head)) return { running: true };
  return {};
}

/** Split the CLI's preamble ("Exit code: 0\nWall time: …\nOutput:\n") from the command's own output. */
function stripPreamble(text: string): { head: string; body: string } {
  const m = /^((?:[^\n]{0,200}\n){0,8}?)Output:\n/.exec(text);
  if (m) return { head: m[1], body: text.slice(m[0].length) };
  return { head: text.slice(0, 400), body: text };
}

/** A short tail of command output: the last `lines` lines, at most `chars` characters. */
export function outputTail(body: string, lines = 8, chars = 600): string {
  let t = body.replace(/\s+$/, '');
  if (t.length > chars * 2) t = t.slice(-chars * 2);
  const parts = t.split('\n');
  let out = parts.slice(-lines).join('\n');
  if (out.length > chars) out = '…' + out.slice(-chars);
  else if (parts.length > lines || t.length < body.trimEnd().length) out = '…\n' + out;
  return out;
}

export interface PatchFile {
  path: string;
  kind: 'add' | 'update' | 'delete';
  /** New path when the patch moved the file. */
  movedTo?: string;
  added: number;
  removed: number;
}

/** Incremental parser of apply_patch text: feed lines (or line heads), then take `files`. */
export class PatchParser {
  readonly files: PatchFile[] = [];
  private cur: PatchFile | undefined;

  line(l: string): void {
    const h = /^\*\*\* (Add|Update|Delete) File: (.+?)\s*$/.exec(l);
    if (h) {
      this.cur = { path: h[2], kind: h[1].toLowerCase() as PatchFile['kind'], added: 0, removed: 0 };
      this.files.push(this.cur);
      return;
    }
    const mv = /^\*\*\* Move to: (.+?)\s*$/.exec(l);
    if (mv && this.cur) {
      this.cur.movedTo = mv[1];
      return;
    }
    if (l.startsWith('*** ')) {
      if (/^\*\*\* End Patch/.test(l)) this.cur = undefined;
      return;
    }
    if (!this.cur) return;
    if (l.startsWith('+')) this.cur.added++;
    else if (l.startsWith('-')) this.cur.removed++;
  }
}

/** Files an apply_patch text touches, with added/removed line counts. */
export function parsePatch(text: string): PatchFile[] {
  const p = new PatchParser();
  for (const l of text.split('\n')) p.line(l.replace(/\r$/, ''));
  return p.files;
}

/** The patch text inside a shell command that runs apply_patch (heredoc or argv), if any. */
export function patchInCommand(command: string | string[]): string | undefined {
  if (Array.isArray(command)) {
    if (command.length >= 2 && /(^|\/)apply_patch$/.test(command[0])) return command[1];
    if (command.length === 3) return patchInCommand(command[2]);
    return undefined;
  }
  if (!/\bapply_patch\b/.test(command)) return undefined;
  const i = command.indexOf('*** Begin Patch');
  if (i === -1) return undefined;
  const j = command.indexOf('*** End Patch', i);
  return command.slice(i, j === -1 ? undefined : j + '*** End Patch'.length);
}

/** Did an apply_patch output report failure? */
export function patchFailed(output: string): boolean {
  const r = parseToolOutput(output);
  if (r.exitCode !== undefined) return r.exitCode !== 0;
  return /^\s*(error|apply_patch verification failed|Failed to|Invalid patch)/i.test(r.body);
}
