// One streaming pass over a rollout that gathers what a handoff needs: the requests, the
// answers, the plan, the files patched, the commands run, errors, images and where it stopped.
// Bounded memory: every list is capped or a ring, every text is clipped, big strings are read
// only as a bounded head/tail through BigTextReader.
import { BigStr, JsonValue, get, isObject, str } from '../rollout/jsonSkeleton';
import { Classified, agentText, classify, contextError, userText } from '../rollout/format';
import { RolloutLine } from '../rollout/reader';
import { BigTextReader } from '../rollout/bigText';
import {
  CollectContext,
  ErrorRecord,
  HandoffData,
  LIMITS,
  PlanItem,
  Ring,
  Turn,
  clipText,
  planFrom,
} from './collectTypes';
import { CommandCollector } from './collectCommands';
import { ImageCollector } from './collectImages';

export type { CommandRecord, HandoffData, Turn } from './collectTypes';

function normalize(s: string): string {
  return s
    .replace(/<\/?image[^>]*>/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Codex's fixed preface of a local compaction summary (says nothing about the thread). */
const SUMMARY_PREAMBLE =
  /^Another language model started to solve this problem[\s\S]{0,600}?assist with your own analysis:\s*/;

export class HandoffCollector {
  private d: HandoffData;
  private seenFirst = false;
  private cur: Turn;
  private turnRing = new Ring<Turn>(LIMITS.turns);
  private first: Turn | undefined;
  private lastReqSource: 'event' | 'item' | undefined;
  private lastReqLine = -10;
  private activitySinceReq = false;
  private errors = new Ring<ErrorRecord>(LIMITS.errors);
  private readonly commands: CommandCollector;
  private readonly images: ImageCollector;

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
    const ctx: CollectContext = {
      d: this.d,
      big,
      turn: () => this.cur,
      activity: () => {
        this.activitySinceReq = true;
      },
      addError: (kind, message, l, at) => this.addError(kind, message, l, at),
      setPlan: (plan, at) => this.setPlan(plan, at),
    };
    this.commands = new CommandCollector(ctx);
    this.images = new ImageCollector(ctx, (id) => this.commands.callName(id));
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
    if (c.lineType === 'response_item') this.commands.item(c, l, at);
    if (c.lineType === 'compacted') this.compacted(c, l, at);
    this.images.line(c, l, at);
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
        this.addError(
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
      case 'exec_command_end':
        this.commands.execCommandEnd(p);
        return;
      case 'context_compacted':
        return;
      default:
        return;
    }
  }

  private addError(kind: string, message: string, l: RolloutLine, at: string | undefined): void {
    this.d.errorCounts[kind] = (this.d.errorCounts[kind] ?? 0) + 1;
    this.errors.push({ kind, message: clipText(message, 600).text, turn: this.cur.n, at, line: l.index + 1 });
  }

  // ---- response items: tool calls and outputs ----

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

  result(): HandoffData {
    this.closeTurn();
    const d = this.d;
    const ring = this.turnRing.values();
    d.turns = this.first ? [this.first, ...ring] : [...ring];
    d.droppedTurns = this.turnRing.dropped;
    this.commands.fill(d);
    d.errors = this.errors.values();
    this.images.fill(d);
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
