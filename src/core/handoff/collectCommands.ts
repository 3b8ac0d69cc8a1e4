// The handoff collector's commands: shell calls (and unified exec sessions), their outputs, exit codes
// and tails; apply_patch calls go to the patch collector, plan and goal updates to the context.
import { BigStr, JsonValue, get, isObject, str } from '../rollout/jsonSkeleton';
import { Classified, TOOL_OUTPUT_TYPES } from '../rollout/format';
import { RolloutLine } from '../rollout/reader';
import { SHELL_TOOLS, commandFromArgs, outputTail, parseToolOutput, patchInCommand } from '../rollout/toolCalls';
import { CollectContext, CommandRecord, HandoffData, LIMITS, Ring, clipText, planFrom } from './collectTypes';
import { PatchCollector } from './collectPatches';

export class CommandCollector {
  private seq = 0;
  private pendingCmd = new Map<string, CommandRecord>();
  private sessions = new Map<string, CommandRecord>();
  private recentDone = new Map<string, CommandRecord>();
  private callNames = new Map<string, string>();
  private recent = new Ring<CommandRecord>(LIMITS.recentCommands);
  private failures = new Ring<CommandRecord>(LIMITS.failedCommands);
  private log = new Ring<CommandRecord>(LIMITS.commandLog);
  private readonly patches: PatchCollector;

  constructor(private readonly ctx: CollectContext) {
    this.patches = new PatchCollector(ctx);
  }

  /** The tool name of a call, for describing its output. */
  callName(callId: string): string | undefined {
    return this.callNames.get(callId);
  }

  /** Older Desktop/IDE files: the exit code arrives in an exec_command_end event. */
  execCommandEnd(p: JsonValue | undefined): void {
    const id = str(p, 'call_id');
    const rec = id ? (this.pendingCmd.get(id) ?? this.recentDone.get(id)) : undefined;
    const code = get(p, 'exit_code');
    if (rec && typeof code === 'number' && rec.exitCode === undefined) {
      const out = str(p, 'aggregated_output') ?? [str(p, 'stdout'), str(p, 'stderr')].filter(Boolean).join('\n');
      this.finishCommand(rec, { exitCode: code, body: out ?? '' });
      if (id) this.pendingCmd.delete(id);
    }
  }

  /** A response_item: tool calls and their outputs. */
  item(c: Classified, l: RolloutLine, at: string | undefined): void {
    const p = c.payload;
    const t = c.itemType;
    if (t === 'function_call' || t === 'custom_tool_call' || t === 'local_shell_call') {
      this.ctx.activity();
      this.ctx.turn().toolCalls++;
      const callId = str(p, 'call_id') ?? str(p, 'id') ?? `line${l.index}`;
      const name = str(p, 'name') ?? (t === 'local_shell_call' ? 'local_shell' : t);
      if (this.callNames.size > LIMITS.pending) this.callNames.clear();
      this.callNames.set(callId, name);
      if (t === 'local_shell_call') {
        const cmd = get(p, 'action', 'command');
        if (Array.isArray(cmd) && cmd.every((x) => typeof x === 'string'))
          this.command(
            callId,
            'local_shell',
            { command: cmd as string[], workdir: str(p, 'action', 'working_directory') },
            l,
            at,
          );
        return;
      }
      if (name === 'apply_patch' || name.endsWith('.apply_patch')) {
        this.patches.patchCall(
          callId,
          t === 'custom_tool_call' ? get(p, 'input') : get(p, 'arguments'),
          t === 'function_call',
          l,
          at,
        );
        return;
      }
      if (name === 'update_plan' || name === 'todo_write' || name === 'TodoWrite') {
        const args = this.jsonArgs(get(p, 'arguments'));
        const plan = planFrom(args);
        if (plan) this.ctx.setPlan(plan, at);
        return;
      }
      if (name === 'create_goal' || name === 'update_goal') {
        const args = this.jsonArgs(get(p, 'arguments'));
        const obj = isObject(args) ? str(args, 'objective') : undefined;
        if (obj) this.ctx.d.agentGoal = clipText(obj, 2000).text;
        return;
      }
      if (name === 'write_stdin') {
        const args = this.jsonArgs(get(p, 'arguments'));
        const sid = isObject(args) ? get(args, 'session_id') : undefined;
        const rec = sid !== undefined ? this.sessions.get(String(sid)) : undefined;
        if (rec) this.pendingCmd.set(callId, rec);
        return;
      }
      if (SHELL_TOOLS.has(name)) {
        const args = this.jsonArgs(get(p, 'arguments'));
        this.command(callId, name, args, l, at);
      }
      return;
    }
    if (t && TOOL_OUTPUT_TYPES.has(t)) {
      const callId = str(p, 'call_id');
      if (!callId) return;
      if (this.patches.output(callId, () => this.outputText(get(p, 'output'), 'head'))) return;
      const rec = this.pendingCmd.get(callId);
      if (rec) {
        this.pendingCmd.delete(callId);
        const r = this.commandResult(get(p, 'output'));
        if (r.running && !rec.done) {
          const sid =
            /session ID (\S+)/i.exec(r.body)?.[1] ?? /Process running with session ID (\S+)/i.exec(r.head ?? '')?.[1];
          if (sid) {
            if (this.sessions.size > LIMITS.pending) this.sessions.clear();
            this.sessions.set(sid, rec);
          }
          rec.running = true;
          rec.tail = outputTail(r.body, 8, LIMITS.tailChars);
          return;
        }
        this.finishCommand(rec, r);
      }
    }
  }

  private jsonArgs(v: JsonValue | undefined): unknown {
    let s: string | undefined;
    if (typeof v === 'string') s = v;
    else if (v instanceof BigStr) s = this.ctx.big.head(v, 64 * 1024);
    else if (isObject(v)) return v;
    if (s === undefined) return undefined;
    try {
      return JSON.parse(s);
    } catch {
      // A cut-off big argument string: pull the command out by pattern.
      const m = /"(?:cmd|command)"\s*:\s*"((?:[^"\\]|\\.)*)/.exec(s);
      if (m) {
        try {
          return { command: JSON.parse(`"${m[1]}"`) as string };
        } catch {
          return { command: m[1] };
        }
      }
      return undefined;
    }
  }

  /** Text of a tool output (string, BigStr, or content array) — bounded. */
  private outputText(v: JsonValue | undefined, which: 'head' | 'tail'): string | undefined {
    if (typeof v === 'string') return v;
    if (v instanceof BigStr) return which === 'head' ? this.ctx.big.head(v, 4096) : this.ctx.big.tail(v, 4096);
    if (Array.isArray(v)) {
      const parts: string[] = [];
      for (const x of v) {
        const t = get(x, 'text');
        if (typeof t === 'string') parts.push(t);
        else if (t instanceof BigStr) parts.push(this.ctx.big.tail(t, 4096) ?? '');
      }
      return parts.join('\n');
    }
    if (isObject(v)) return str(v, 'content') ?? JSON.stringify(v).slice(0, 4096);
    return undefined;
  }

  private commandResult(v: JsonValue | undefined): {
    exitCode?: number;
    running?: boolean;
    body: string;
    head?: string;
  } {
    if (v instanceof BigStr) {
      const head = this.ctx.big.head(v, 2048);
      const tail = this.ctx.big.tail(v, 4096);
      if (head === undefined || tail === undefined) return { body: '(large output not shown)' };
      if (head.trimStart().startsWith('{')) {
        // {"output":"…huge…","metadata":{"exit_code":N}}: the code is at the end.
        const m = /"exit_code"\s*:\s*(-?\d+)/.exec(tail);
        const cut = tail.lastIndexOf('","metadata"');
        return { exitCode: m ? Number(m[1]) : undefined, body: cut >= 0 ? tail.slice(0, cut) : tail, head };
      }
      const r = parseToolOutput(head);
      return { exitCode: r.exitCode, running: r.running, body: tail, head };
    }
    const text = this.outputText(v, 'tail');
    if (text === undefined) return { body: '' };
    return parseToolOutput(text);
  }

  private command(callId: string, tool: string, args: unknown, l: RolloutLine, at: string | undefined): void {
    const raw = args && typeof args === 'object' ? (args as Record<string, unknown>) : undefined;
    const rawCmd = raw ? (raw.cmd ?? raw.command) : undefined;
    const patchText =
      typeof rawCmd === 'string' || Array.isArray(rawCmd) ? patchInCommand(rawCmd as string | string[]) : undefined;
    if (patchText !== undefined) {
      this.patches.patchText(callId, patchText, l, at);
      return;
    }
    const c = commandFromArgs(args);
    if (!c) return;
    const rec: CommandRecord = {
      seq: ++this.seq,
      command: clipText(c.command, LIMITS.commandChars).text,
      workdir: c.workdir,
      tool,
      turn: this.ctx.turn().n,
      at,
      line: l.index + 1,
      done: false,
    };
    this.ctx.d.commands.total++;
    if (this.pendingCmd.size > LIMITS.pending) this.pendingCmd.delete(this.pendingCmd.keys().next().value as string);
    this.pendingCmd.set(callId, rec);
    this.log.push(rec);
    this.recent.push(rec);
  }

  private finishCommand(rec: CommandRecord, r: { exitCode?: number; running?: boolean; body: string }): void {
    const wasFailed = rec.done && rec.exitCode !== undefined && rec.exitCode !== 0;
    rec.done = !r.running;
    rec.running = r.running;
    if (r.exitCode !== undefined) rec.exitCode = r.exitCode;
    const tail = outputTail(r.body, 8, LIMITS.tailChars);
    // Keep the tail only for what may be shown: the last few (ring) and failures.
    rec.tail = tail;
    if (rec.exitCode !== undefined && rec.exitCode !== 0 && !wasFailed) {
      this.ctx.d.commands.failed++;
      this.failures.push(rec);
    }
    if (this.recentDone.size > 200) this.recentDone.clear();
    this.recentDone.set(String(rec.seq), rec);
  }

  /** Fill the command lists of the result. */
  fill(d: HandoffData): void {
    d.commands.recent = this.recent.values();
    d.commands.failures = this.failures.values();
    d.commands.log = this.log.values();
    d.commands.unfinished = [...new Set([...this.pendingCmd.values()])].filter((r) => !r.done).slice(-10);
  }
}
