// One streaming pass over a rollout that gathers what a handoff needs: the requests, the
// answers, the plan, the files patched, the commands run, errors, images and where it stopped.
// Bounded memory: every list is capped or a ring, every text is clipped, big strings are read
// only as a bounded head/tail through BigTextReader.
import { BigStr, JsonValue, get, isObject, str } from '../rollout/jsonSkeleton';
import { Classified, TOOL_OUTPUT_TYPES, agentText, classify, contextError, userText } from '../rollout/format';
import { RolloutLine } from '../rollout/reader';
import { BigTextReader } from '../rollout/bigText';
import {
  PatchFile,
  PatchParser,
  SHELL_TOOLS,
  commandFromArgs,
  outputTail,
  parsePatch,
  parseToolOutput,
  patchFailed,
  patchInCommand,
} from '../rollout/toolCalls';

export const LIMITS = {
  goalChars: 40_000,
  requestChars: 4_000,
  answerChars: 16_000,
  oldAnswerChars: 1_500,
  recentTurns: 6,
  turns: 400,
  summaryChars: 24_000,
  commandChars: 1_500,
  recentCommands: 12,
  failedCommands: 20,
  commandLog: 300,
  tailChars: 600,
  files: 5_000,
  errors: 20,
  imagePlaces: 40,
  pending: 2_000,
} as const;

export interface Turn {
  /** 1-based turn number (the n-th user request). 0: activity before the first request. */
  n: number;
  request: string;
  requestTruncated: boolean;
  at?: string;
  line: number;
  answer?: string;
  answerAt?: string;
  answerTruncated?: boolean;
  complete?: boolean;
  aborted?: string;
  /** The turn ended with an error (task_complete.error). */
  failed?: string;
  toolCalls: number;
}

export interface CommandRecord {
  seq: number;
  command: string;
  workdir?: string;
  tool: string;
  turn: number;
  at?: string;
  line: number;
  exitCode?: number;
  running?: boolean;
  /** Short tail of the output (kept for failures and the last few). */
  tail?: string;
  done: boolean;
}

export interface FileChange {
  path: string;
  kinds: Set<PatchFile['kind']>;
  movedTo?: string;
  added: number;
  removed: number;
  patches: number;
  failed: number;
  firstTurn: number;
  lastTurn: number;
  lastAt?: string;
}

export interface PlanItem {
  step: string;
  status: string;
}

export interface Plan {
  items: PlanItem[];
  explanation?: string;
  turn: number;
  at?: string;
  updates: number;
}

export interface ErrorRecord {
  kind: string;
  message: string;
  turn: number;
  at?: string;
  line: number;
}

export interface ImagePlace {
  where: string;
  turn: number;
  line: number;
  at?: string;
  path?: string;
  bytes?: number;
  placeholder?: boolean;
}

export interface HandoffData {
  threadId?: string;
  firstTimestamp?: string;
  lastTimestamp?: string;
  lines: number;
  goal?: { text: string; truncated: boolean; bytes: number; at?: string };
  turnCount: number;
  /** The first turn plus the last LIMITS.turns turns. */
  turns: Turn[];
  droppedTurns: number;
  summary?: { text: string; truncated: boolean; at?: string; line: number };
  compactions: { count: number; remote: number; lastAt?: string };
  plan?: Plan;
  agentGoal?: string;
  files: Map<string, FileChange>;
  filesDropped: number;
  patchCount: number;
  patchFailures: number;
  commands: {
    total: number;
    failed: number;
    recent: CommandRecord[];
    failures: CommandRecord[];
    log: CommandRecord[];
    unfinished: CommandRecord[];
  };
  errors: ErrorRecord[];
  errorCounts: Record<string, number>;
  damagedLines: number;
  images: {
    attached: number;
    toolImages: number;
    generated: number;
    placeholders: number;
    places: ImagePlace[];
    archiveDirs: string[];
  };
  lastAgentAt?: string;
  lastAgentText?: string;
  compressed: boolean;
  /** The file records task_complete events (newer CLIs): a turn without one did not finish. */
  taskEvents: boolean;
}

/** A bounded ring that keeps the newest `cap` items. */
class Ring<T> {
  items: T[] = [];
  dropped = 0;
  constructor(private readonly cap: number) {}
  push(x: T): void {
    this.items.push(x);
    if (this.items.length > this.cap * 2) {
      this.dropped += this.items.length - this.cap;
      this.items = this.items.slice(-this.cap);
    }
  }
  values(): T[] {
    if (this.items.length > this.cap) {
      this.dropped += this.items.length - this.cap;
      this.items = this.items.slice(-this.cap);
    }
    return this.items;
  }
}

export function clipText(s: string, n: number): { text: string; truncated: boolean } {
  return s.length > n ? { text: s.slice(0, n), truncated: true } : { text: s, truncated: false };
}

function normalize(s: string): string {
  return s
    .replace(/<\/?image[^>]*>/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Codex's fixed preface of a local compaction summary (says nothing about the thread). */
const SUMMARY_PREAMBLE =
  /^Another language model started to solve this problem[\s\S]{0,600}?assist with your own analysis:\s*/;
const PLACEHOLDER = /\[image omitted[^\]]*\]/i;
const ARCHIVE_PATH = /(?:saved|archived|archive|copy)\s*(?:to|at|in|as)?\s*:?\s*((?:\/|~\/|[A-Za-z]:\\)[^\s\]"'),;]+)/i;
const IMAGE_TAG_PATH = /<image[^>]*\bpath="([^"]+)"/;

export class HandoffCollector {
  private d: HandoffData;
  private seenFirst = false;
  private cur: Turn;
  private turnRing = new Ring<Turn>(LIMITS.turns);
  private first: Turn | undefined;
  private lastReqSource: 'event' | 'item' | undefined;
  private lastReqLine = -10;
  private activitySinceReq = false;
  private seq = 0;
  private pendingCmd = new Map<string, CommandRecord>();
  private sessions = new Map<string, CommandRecord>();
  private recentDone = new Map<string, CommandRecord>();
  private pendingPatch = new Map<string, { files: PatchFile[]; turn: number }>();
  private callNames = new Map<string, string>();
  private recent = new Ring<CommandRecord>(LIMITS.recentCommands);
  private failures = new Ring<CommandRecord>(LIMITS.failedCommands);
  private log = new Ring<CommandRecord>(LIMITS.commandLog);
  private errors = new Ring<ErrorRecord>(LIMITS.errors);
  private firstPlaces: ImagePlace[] = [];
  private lastPlaces = new Ring<ImagePlace>(LIMITS.imagePlaces - 10);
  private archiveDirs = new Set<string>();

  constructor(private readonly big: BigTextReader) {
    this.cur = this.newTurn(0, '', false, undefined, 0);
    this.d = {
      lines: 0,
      turnCount: 0,
      turns: [],
      droppedTurns: 0,
      compactions: { count: 0, remote: 0 },
      files: new Map(),
      filesDropped: 0,
      patchCount: 0,
      patchFailures: 0,
      commands: { total: 0, failed: 0, recent: [], failures: [], log: [], unfinished: [] },
      errors: [],
      errorCounts: {},
      damagedLines: 0,
      images: { attached: 0, toolImages: 0, generated: 0, placeholders: 0, places: [], archiveDirs: [] },
      compressed: big.compressed,
      taskEvents: false,
    };
  }

  private newTurn(n: number, request: string, truncated: boolean, at: string | undefined, line: number): Turn {
    return { n, request, requestTruncated: truncated, at, line, toolCalls: 0 };
  }

  /** Text of a string value that may be big: small ones as they are, big ones as a bounded head. */
  private text(v: JsonValue | undefined, max: number): { text: string; truncated: boolean; bytes: number } | undefined {
    if (typeof v === 'string') return { ...clipText(v, max), bytes: Buffer.byteLength(v) };
    if (v instanceof BigStr) {
      if (v.dataUrlType !== undefined) return undefined;
      const h = this.big.head(v, max * 2);
      if (h === undefined)
        return {
          text: `(large text of ${v.byteLength} bytes not shown: compressed rollout)`,
          truncated: true,
          bytes: v.byteLength,
        };
      return { text: h.slice(0, max), truncated: true, bytes: v.byteLength };
    }
    return undefined;
  }

  line(l: RolloutLine): void {
    this.d.lines = l.index + 1;
    if (l.problem) this.d.damagedLines++;
    if (l.blank || l.value === undefined) return;
    const first = !this.seenFirst;
    this.seenFirst = true;
    const c = classify(l.value, first);
    if (c.timestamp) {
      this.d.firstTimestamp ??= c.timestamp;
      this.d.lastTimestamp = c.timestamp;
    }
    if (first && (c.lineType === 'session_meta' || c.lineType === 'header')) {
      this.d.threadId = str(c.payload, 'id') ?? str(c.payload, 'meta', 'id');
    }
    const at = c.timestamp ?? this.d.lastTimestamp;
    this.user(c, l, at);
    this.agent(c, l, at);
    this.events(c, l, at);
    if (c.lineType === 'response_item') this.item(c, l, at);
    if (c.lineType === 'compacted') this.compacted(c, l, at);
    this.imagesIn(c, l, at);
  }

  // ---- requests and answers ----

  private user(c: Classified, l: RolloutLine, at: string | undefined): void {
    let u = userText(c);
    let truncated = false;
    let bytes = 0;
    if (
      !u &&
      c.lineType === 'event_msg' &&
      c.itemType === 'user_message' &&
      get(c.payload, 'message') instanceof BigStr
    ) {
      const t = this.text(get(c.payload, 'message'), LIMITS.goalChars);
      if (t) {
        u = { text: t.text, source: 'event' };
        truncated = true;
        bytes = t.bytes;
      }
    }
    if (!u) return;
    const text = u.text.trim();
    if (!text) return;
    // The same message as a response_item and as a UI event: one request.
    if (
      this.lastReqSource &&
      this.lastReqSource !== u.source &&
      l.index - this.lastReqLine <= 4 &&
      !this.activitySinceReq
    ) {
      const a = normalize(this.cur.request);
      const b = normalize(text);
      if (a === b || a.includes(b) || b.includes(a)) {
        if (u.source === 'event') {
          this.cur.request = clipText(text, LIMITS.requestChars).text;
          if (this.cur.n === 1 && this.d.goal)
            this.d.goal = {
              ...clipText(text, LIMITS.goalChars),
              bytes: bytes || Buffer.byteLength(text),
              at: this.d.goal.at,
            };
        }
        this.lastReqSource = undefined;
        return;
      }
    }
    this.lastReqSource = u.source;
    this.lastReqLine = l.index;
    this.activitySinceReq = false;
    this.closeTurn();
    this.d.turnCount++;
    const clipped = clipText(text, LIMITS.requestChars);
    this.cur = this.newTurn(this.d.turnCount, clipped.text, clipped.truncated || truncated, at, l.index + 1);
    if (this.d.turnCount === 1) {
      const g = clipText(text, LIMITS.goalChars);
      this.d.goal = { text: g.text, truncated: g.truncated || truncated, bytes: bytes || Buffer.byteLength(text), at };
    }
  }

  private closeTurn(): void {
    const t = this.cur;
    if (t.n === 0 && !t.answer) return;
    if (t.n === 1) this.first = t;
    else this.turnRing.push(t);
    // Turns that fall out of the recent window keep only a short answer.
    const ring = this.turnRing.items;
    const old = ring.length - LIMITS.recentTurns - 1;
    if (old >= 0) shrinkAnswer(ring[old]);
    if (this.first && this.first !== t && this.d.turnCount > LIMITS.recentTurns + 1) shrinkAnswer(this.first);
  }

  private agent(c: Classified, l: RolloutLine, at: string | undefined): void {
    let text = agentText(c);
    let truncated = false;
    if (text === undefined) {
      const big = bigAgentText(c);
      if (big) {
        const t = this.text(big, LIMITS.answerChars);
        if (t) {
          text = t.text;
          truncated = true;
        }
      }
    }
    if (c.lineType === 'event_msg' && c.itemType === 'task_complete') {
      this.cur.complete = true;
      this.d.taskEvents = true;
      const err = get(c.payload, 'error');
      const msg = isObject(err) ? str(err, 'message') : typeof err === 'string' ? err : undefined;
      if (msg) {
        this.cur.failed = clipText(msg, 600).text;
        this.addErrorAt(
          /context window|context_length_exceeded|ran out of room/i.test(msg) ? 'context window' : 'turn failed',
          msg,
          l,
          at,
        );
      }
      const last = str(c.payload, 'last_agent_message');
      if (last && !this.cur.answer) this.setAnswer(last, false, at);
      return;
    }
    if (text === undefined || !text.trim()) return;
    this.activitySinceReq = true;
    this.setAnswer(text, truncated, at);
  }

  private setAnswer(text: string, truncated: boolean, at: string | undefined): void {
    const clipped = clipText(text.trim(), LIMITS.answerChars);
    this.cur.answer = clipped.text;
    this.cur.answerTruncated = clipped.truncated || truncated;
    this.cur.answerAt = at;
    this.d.lastAgentAt = at;
    this.d.lastAgentText = clipText(clipped.text, 2000).text;
  }

  // ---- events: errors, aborted turns, plan updates, old exec_command_end ----

  private events(c: Classified, l: RolloutLine, at: string | undefined): void {
    if (c.lineType !== 'event_msg') return;
    const p = c.payload;
    switch (c.itemType) {
      case 'turn_aborted': {
        const reason = str(p, 'reason') ?? 'aborted';
        this.cur.aborted = reason;
        this.addError('turn aborted', `turn ${this.cur.n} was aborted (${reason})`, l, at);
        return;
      }
      case 'error':
      case 'stream_error':
      case 'warning': {
        const m = this.text(get(p, 'message'), 600)?.text ?? '(no message)';
        const ctx = contextError(c);
        this.addError(ctx ? 'context window' : c.itemType, m, l, at);
        return;
      }
      case 'plan_update': {
        const plan = planFrom(p);
        if (plan) this.setPlan(plan, at);
        return;
      }
      case 'exec_command_end': {
        const id = str(p, 'call_id');
        const rec = id ? (this.pendingCmd.get(id) ?? this.recentDone.get(id)) : undefined;
        const code = get(p, 'exit_code');
        if (rec && typeof code === 'number' && rec.exitCode === undefined) {
          const out = str(p, 'aggregated_output') ?? [str(p, 'stdout'), str(p, 'stderr')].filter(Boolean).join('\n');
          this.finishCommand(rec, { exitCode: code, body: out ?? '' });
          if (id) this.pendingCmd.delete(id);
        }
        return;
      }
      case 'context_compacted':
        return;
      default:
        return;
    }
  }

  private addErrorAt(kind: string, message: string, l: RolloutLine, at: string | undefined): void {
    this.addError(kind, message, l, at);
  }

  private addError(kind: string, message: string, l: RolloutLine, at: string | undefined): void {
    this.d.errorCounts[kind] = (this.d.errorCounts[kind] ?? 0) + 1;
    this.errors.push({ kind, message: clipText(message, 600).text, turn: this.cur.n, at, line: l.index + 1 });
  }

  // ---- response items: tool calls and outputs ----

  private item(c: Classified, l: RolloutLine, at: string | undefined): void {
    const p = c.payload;
    const t = c.itemType;
    if (t === 'function_call' || t === 'custom_tool_call' || t === 'local_shell_call') {
      this.activitySinceReq = true;
      this.cur.toolCalls++;
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
        this.patchCall(
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
        if (plan) this.setPlan(plan, at);
        return;
      }
      if (name === 'create_goal' || name === 'update_goal') {
        const args = this.jsonArgs(get(p, 'arguments'));
        const obj = isObject(args) ? str(args, 'objective') : undefined;
        if (obj) this.d.agentGoal = clipText(obj, 2000).text;
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
      const patch = this.pendingPatch.get(callId);
      if (patch) {
        this.pendingPatch.delete(callId);
        const out = this.outputText(get(p, 'output'), 'head');
        if (out !== undefined && patchFailed(out)) this.patchFailedAfter(patch.files);
        return;
      }
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
    else if (v instanceof BigStr) s = this.big.head(v, 64 * 1024);
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
    if (v instanceof BigStr) return which === 'head' ? this.big.head(v, 4096) : this.big.tail(v, 4096);
    if (Array.isArray(v)) {
      const parts: string[] = [];
      for (const x of v) {
        const t = get(x, 'text');
        if (typeof t === 'string') parts.push(t);
        else if (t instanceof BigStr) parts.push(this.big.tail(t, 4096) ?? '');
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
      const head = this.big.head(v, 2048);
      const tail = this.big.tail(v, 4096);
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
      this.patchText(callId, patchText, l, at);
      return;
    }
    const c = commandFromArgs(args);
    if (!c) return;
    const rec: CommandRecord = {
      seq: ++this.seq,
      command: clipText(c.command, LIMITS.commandChars).text,
      workdir: c.workdir,
      tool,
      turn: this.cur.n,
      at,
      line: l.index + 1,
      done: false,
    };
    this.d.commands.total++;
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
      this.d.commands.failed++;
      this.failures.push(rec);
    }
    if (this.recentDone.size > 200) this.recentDone.clear();
    this.recentDone.set(String(rec.seq), rec);
  }

  private patchCall(
    callId: string,
    v: JsonValue | undefined,
    isFunction: boolean,
    l: RolloutLine,
    at: string | undefined,
  ): void {
    if (typeof v === 'string') {
      let text = v;
      if (isFunction) {
        try {
          const a = JSON.parse(v) as { input?: unknown; patch?: unknown };
          text = typeof a.input === 'string' ? a.input : typeof a.patch === 'string' ? a.patch : v;
        } catch {
          // not JSON: treat as the patch itself
        }
      }
      this.patchText(callId, text, l, at);
      return;
    }
    if (v instanceof BigStr) {
      if (isFunction) {
        // A JSON string inside a JSON string: count only what its head shows.
        const head = this.big.head(v, 256 * 1024) ?? '';
        const m = /"(?:input|patch)"\s*:\s*"((?:[^"\\]|\\.)*)/.exec(head);
        let text = '';
        try {
          text = m ? (JSON.parse(`"${m[1]}"`) as string) : '';
        } catch {
          text = m ? m[1].replace(/\\n/g, '\n') : '';
        }
        this.patchText(callId, text, l, at);
        return;
      }
      const parser = new PatchParser();
      if (!this.big.lines(v, (h) => parser.line(h.replace(/\r$/, '')))) {
        this.addError('patch', `a large patch on line ${l.index + 1} could not be read (compressed rollout)`, l, at);
      }
      this.recordPatch(callId, parser.files, at);
    }
  }

  private patchText(callId: string, text: string, _l: RolloutLine, at: string | undefined): void {
    this.recordPatch(callId, parsePatch(text), at);
  }

  private recordPatch(callId: string, files: PatchFile[], at: string | undefined): void {
    this.activitySinceReq = true;
    this.d.patchCount++;
    const turn = this.cur.n;
    for (const f of files) {
      const key = f.movedTo ?? f.path;
      let e = this.d.files.get(key) ?? (f.movedTo ? this.d.files.get(f.path) : undefined);
      if (!e) {
        if (this.d.files.size >= LIMITS.files) {
          this.d.filesDropped++;
          continue;
        }
        e = {
          path: key,
          kinds: new Set(),
          added: 0,
          removed: 0,
          patches: 0,
          failed: 0,
          firstTurn: turn,
          lastTurn: turn,
        };
      }
      if (f.movedTo && this.d.files.has(f.path)) this.d.files.delete(f.path);
      this.d.files.set(key, e);
      e.kinds.add(f.kind);
      if (f.movedTo) e.movedTo = `${f.path} → ${f.movedTo}`;
      e.added += f.added;
      e.removed += f.removed;
      e.patches++;
      e.lastTurn = turn;
      e.lastAt = at;
    }
    if (this.pendingPatch.size > LIMITS.pending) this.pendingPatch.clear();
    this.pendingPatch.set(callId, { files, turn });
  }

  private patchFailedAfter(files: PatchFile[]): void {
    this.d.patchFailures++;
    for (const f of files) {
      const e = this.d.files.get(f.movedTo ?? f.path);
      if (!e) continue;
      e.failed++;
      e.added -= f.added;
      e.removed -= f.removed;
    }
  }

  private setPlan(plan: { items: PlanItem[]; explanation?: string }, at: string | undefined): void {
    this.activitySinceReq = true;
    const updates = (this.d.plan?.updates ?? 0) + 1;
    this.d.plan = { ...plan, turn: this.cur.n, at, updates };
  }

  // ---- compactions ----

  private compacted(c: Classified, l: RolloutLine, at: string | undefined): void {
    this.d.compactions.count++;
    this.d.compactions.lastAt = at;
    const m = get(c.payload, 'message');
    const t = this.text(m, LIMITS.summaryChars);
    if (t && t.text.trim())
      this.d.summary = {
        text: t.text.replace(SUMMARY_PREAMBLE, '').trim(),
        truncated: t.truncated,
        at,
        line: l.index + 1,
      };
    else this.d.compactions.remote++;
  }

  // ---- images ----

  private imagesIn(c: Classified, l: RolloutLine, at: string | undefined): void {
    if (c.lineType === 'compacted') return; // copies of earlier images, counted by the risk model
    const p = c.payload;
    const isUserMsg = c.lineType === 'response_item' && c.itemType === 'message' && str(p, 'role') === 'user';
    const isToolOut = c.lineType === 'response_item' && c.itemType !== undefined && TOOL_OUTPUT_TYPES.has(c.itemType);
    if (c.lineType === 'response_item' && c.itemType === 'image_generation_call') {
      this.d.images.generated++;
      this.place({ where: 'generated image', turn: this.cur.n, line: l.index + 1, at });
      return;
    }
    // UI event copies (event_msg user_message images) repeat the response_item's pixels: not counted.
    if (!isUserMsg && !isToolOut) return;
    const content = isUserMsg ? get(p, 'content') : get(p, 'output');
    if (!Array.isArray(content)) {
      if (typeof content === 'string' && PLACEHOLDER.test(content))
        this.placeholder(content, isUserMsg ? 'user message' : 'tool output', l, at);
      return;
    }
    let pendingPath: string | undefined;
    const name = isToolOut ? (this.callNames.get(str(p, 'call_id') ?? '') ?? 'tool') : undefined;
    for (const part of content) {
      const type = str(part, 'type');
      const text = get(part, 'text');
      if (typeof text === 'string') {
        const m = IMAGE_TAG_PATH.exec(text);
        if (m) pendingPath = m[1];
        if (PLACEHOLDER.test(text))
          this.placeholder(text, isUserMsg ? 'user message' : `output of ${name}`, l, at, pendingPath);
        continue;
      }
      if (type === 'input_image') {
        const url = get(part, 'image_url');
        if (isUserMsg) this.d.images.attached++;
        else this.d.images.toolImages++;
        this.place({
          where: isUserMsg ? 'attached to a user message' : `returned by ${name}`,
          turn: this.cur.n,
          line: l.index + 1,
          at,
          path: pendingPath,
          bytes: url instanceof BigStr ? url.byteLength : typeof url === 'string' ? url.length : undefined,
        });
        pendingPath = undefined;
      }
    }
  }

  private placeholder(text: string, where: string, l: RolloutLine, at: string | undefined, path?: string): void {
    this.d.images.placeholders++;
    const a = ARCHIVE_PATH.exec(text);
    if (a) {
      const dir = a[1].replace(/[/\\][^/\\]*$/, '');
      if (this.archiveDirs.size < 20) this.archiveDirs.add(dir);
    }
    this.place({
      where: `${where} (placeholder${a ? `, archived copy: ${a[1]}` : ''})`,
      turn: this.cur.n,
      line: l.index + 1,
      at,
      path,
      placeholder: true,
    });
  }

  private place(p: ImagePlace): void {
    if (this.firstPlaces.length < 10) this.firstPlaces.push(p);
    else this.lastPlaces.push(p);
  }

  result(): HandoffData {
    this.closeTurn();
    const d = this.d;
    const ring = this.turnRing.values();
    d.turns = this.first ? [this.first, ...ring] : [...ring];
    d.droppedTurns = this.turnRing.dropped;
    d.commands.recent = this.recent.values();
    d.commands.failures = this.failures.values();
    d.commands.log = this.log.values();
    d.commands.unfinished = [...new Set([...this.pendingCmd.values()])].filter((r) => !r.done).slice(-10);
    d.errors = this.errors.values();
    d.images.places = [...this.firstPlaces, ...this.lastPlaces.values()];
    d.images.archiveDirs = [...this.archiveDirs];
    return d;
  }
}

function shrinkAnswer(t: Turn): void {
  if (t.answer && t.answer.length > LIMITS.oldAnswerChars) {
    t.answer = t.answer.slice(0, LIMITS.oldAnswerChars);
    t.answerTruncated = true;
  }
}

function bigAgentText(c: Classified): BigStr | undefined {
  if (c.lineType === 'event_msg' && c.itemType === 'agent_message') {
    const m = get(c.payload, 'message');
    return m instanceof BigStr ? m : undefined;
  }
  if (c.lineType === 'response_item' && c.itemType === 'message' && str(c.payload, 'role') === 'assistant') {
    const content = get(c.payload, 'content');
    if (Array.isArray(content))
      for (const part of content) if (get(part, 'text') instanceof BigStr) return get(part, 'text') as BigStr;
  }
  return undefined;
}

/** A plan from update_plan-style arguments: {explanation?, plan:[{step,status}]} (or todos/items). */
export function planFrom(args: unknown): { items: PlanItem[]; explanation?: string } | undefined {
  if (!args || typeof args !== 'object') return undefined;
  const a = args as Record<string, unknown>;
  const list = (a.plan ?? a.todos ?? a.items ?? a.steps) as unknown;
  if (!Array.isArray(list)) return undefined;
  const items: PlanItem[] = [];
  for (const x of list.slice(0, 100)) {
    if (typeof x === 'string') {
      items.push({ step: x, status: 'pending' });
      continue;
    }
    if (!x || typeof x !== 'object') continue;
    const o = x as Record<string, unknown>;
    const step = o.step ?? o.content ?? o.title ?? o.text ?? o.description;
    if (typeof step !== 'string') continue;
    items.push({ step: clipText(step, 500).text, status: typeof o.status === 'string' ? o.status : 'pending' });
  }
  const explanation =
    typeof a.explanation === 'string' && a.explanation.trim() ? clipText(a.explanation, 2000).text : undefined;
  return { items, explanation };
}
