// Measures one thread while its rollout streams by: what the file is made of, what the next
// request will carry, and the signs of a thread that is stuck. The state is plain data so an
// incremental rescan can resume from where the last one stopped.
import { RolloutLine } from '../rollout/reader';
import { get, isObject, str } from '../rollout/jsonSkeleton';
import {
  Classified,
  Generation,
  SessionMeta,
  TOOL_CALL_TYPES,
  TOOL_OUTPUT_TYPES,
  TokenSample,
  agentText,
  classify,
  contextError,
  generationOf,
  readSessionMeta,
  tokenSample,
  userText,
} from '../rollout/format';
import { textScope } from '../rollout/embeddedBase64';
import { DamageMetrics, emptyDamage, mayHoldEmbedded, noteDamage, noteOrdinal } from './damage';
import { walkLine } from './lineWalk';
import { LineFinds } from './lineFinds';

export type Category =
  | 'imagesLive'
  | 'imagesDead'
  | 'imagesUi'
  | 'toolOutput'
  | 'compaction'
  | 'reasoning'
  | 'messages'
  | 'events'
  | 'other';

export interface LineProblemRecord {
  line: number; // 1-based
  kind: string;
  message: string;
}

export interface ToolOutputRecord {
  line: number;
  callId?: string;
  name?: string;
  bytes: number;
}

export interface ThreadMetrics {
  generation: Generation;
  meta?: SessionMeta;
  model?: string;
  firstUserMessage?: string;
  lastUserMessage?: string;
  lastUserMessageAt?: string;
  lastAgentMessageAt?: string;
  firstTimestamp?: string;
  lastTimestamp?: string;
  lines: number;
  blankLines: number;
  problems: LineProblemRecord[];
  problemCount: number;
  lineTypes: Record<string, number>;
  unknownLines: number;
  maxLineBytes: number;
  maxLineNumber: number;
  bytes: Record<Category, number>;
  images: {
    total: number;
    totalBytes: number;
    live: number;
    liveTokens: number;
    ui: number;
    generated: number;
    /** fingerprint -> [count, stored bytes of one copy, media type] */
    byHash: Record<string, [number, number, string]>;
  };
  /** Their bytes are bytes.toolOutput. */
  toolOutputs: { count: number; largest: ToolOutputRecord[] };
  compactions: { count: number; bytes: number; times: string[]; lastSummary?: string; lastLine?: number };
  tokens: { last?: TokenSample; series: TokenSample[]; window?: number; saturatedAt?: string };
  contextErrors: { count: number; lastAt?: string; lastMessage?: string };
  turnsAborted: number;
  /** Broken image references, image URL errors, images hidden in text. */
  damage: DamageMetrics;
  /** Collector state an incremental rescan resumes with (plain data). */
  state: {
    /** The file has UI copies of user messages (event_msg user_message / item_completed). */
    userEvents: boolean;
    /** call_id → tool name for the most recent calls, to name their outputs. */
    callNames: Record<string, string>;
  };
}

const MAX_PROBLEMS = 50;
const MAX_SERIES = 400;
const MAX_LARGEST = 5;
const MAX_CALL_NAMES = 2000;
/** Keys an object lists first, in numeric order (array indexes). */
const INDEX_KEY = /^(?:0|[1-9]\d*)$/;

export function emptyMetrics(): ThreadMetrics {
  return {
    generation: 'unknown',
    lines: 0,
    blankLines: 0,
    problems: [],
    problemCount: 0,
    lineTypes: {},
    unknownLines: 0,
    maxLineBytes: 0,
    maxLineNumber: 0,
    bytes: {
      imagesLive: 0,
      imagesDead: 0,
      imagesUi: 0,
      toolOutput: 0,
      compaction: 0,
      reasoning: 0,
      messages: 0,
      events: 0,
      other: 0,
    },
    images: {
      total: 0,
      totalBytes: 0,
      live: 0,
      liveTokens: 0,
      ui: 0,
      generated: 0,
      byHash: {},
    },
    toolOutputs: { count: 0, largest: [] },
    compactions: { count: 0, bytes: 0, times: [] },
    tokens: { series: [] },
    contextErrors: { count: 0 },
    turnsAborted: 0,
    damage: emptyDamage(),
    state: { userEvents: false, callNames: {} },
  };
}

/** Accumulates ThreadMetrics line by line. Call `line()` for each RolloutLine, then `result()`. */
export class MetricsCollector {
  readonly m: ThreadMetrics;
  private seenFirst: boolean;
  private hasOrdinal = false;
  /** state.callNames' keys, oldest first from `head`; `listed`: some key is an array index (see noteCallName). */
  private callOrder: { keys: string[]; head: number; listed: boolean } | undefined;
  private readonly found: LineFinds;

  /** `fd`: the rollout file, when its offsets are the file's (not .zst), to measure images hidden in text. */
  constructor(
    resumeFrom?: ThreadMetrics,
    private readonly fd?: number,
  ) {
    this.m = resumeFrom ?? emptyMetrics();
    this.seenFirst = resumeFrom !== undefined && resumeFrom.lines > 0;
    this.found = new LineFinds(this.m, fd);
  }

  line(l: RolloutLine): void {
    const m = this.m;
    m.lines = l.index + 1;
    const bytes = l.end - l.start + l.eolBytes;
    if (l.blank) {
      m.blankLines++;
      m.bytes.other += bytes;
      return;
    }
    if (l.end - l.start > m.maxLineBytes) {
      m.maxLineBytes = l.end - l.start;
      m.maxLineNumber = l.index + 1;
    }
    if (l.problem) {
      m.problemCount++;
      if (m.problems.length < MAX_PROBLEMS)
        m.problems.push({ line: l.index + 1, kind: l.problem.kind, message: l.problem.message });
      if (!l.value) {
        m.bytes.other += bytes;
        return;
      }
    }
    const first = !this.seenFirst;
    this.seenFirst = true;
    const c = classify(l.value, first);
    if (first) {
      m.meta = readSessionMeta(c);
      if (isObject(l.value) && typeof l.value.ordinal === 'number') this.hasOrdinal = true;
      m.generation = generationOf(c, m.meta, this.hasOrdinal);
      if (m.generation === 'unknown' && m.problems.length < MAX_PROBLEMS) {
        m.problemCount++;
        m.problems.push({
          line: l.index + 1,
          kind: 'missing-session-meta',
          message: 'the first line is not a session_meta: Codex will not list or resume this file',
        });
      }
    } else if (c.lineType === 'session_meta' && !m.meta) {
      m.meta = readSessionMeta(c);
    }
    m.lineTypes[c.lineType] = (m.lineTypes[c.lineType] ?? 0) + 1;
    if (c.lineType === 'unknown') m.unknownLines++;
    if (c.timestamp) {
      m.firstTimestamp ??= c.timestamp;
      m.lastTimestamp = c.timestamp;
    }
    if (c.lineType === 'compacted') m.compactions.bytes += bytes;
    const imageBytes = this.walkPayload(c, l);
    this.attribute(c, bytes - imageBytes, l.index + 1);
    this.facts(c, l.index + 1);
    noteDamage((m.damage ??= emptyDamage()), c, l.index + 1, c.timestamp ?? m.lastTimestamp, this.found);
    if (m.generation === 'paginated')
      noteOrdinal(
        m.damage,
        isObject(l.value) && typeof l.value.ordinal === 'number' ? l.value.ordinal : undefined,
        l.index + 1,
      );
  }

  result(): ThreadMetrics {
    return this.m;
  }

  /**
   * Count the images in a line (returns their stored bytes) and, in the same walk, what `found`
   * holds for the damage count.
   */
  private walkPayload(c: Classified, l: RolloutLine): number {
    const m = this.m;
    const isCompacted = c.lineType === 'compacted';
    const isUi = c.lineType === 'event_msg' || c.lineType === 'world_state';
    if (isCompacted) {
      // A newer snapshot: everything the model saw before is now dead weight.
      m.bytes.imagesDead += m.bytes.imagesLive;
      m.bytes.imagesLive = 0;
      m.images.live = 0;
      m.images.liveTokens = 0;
    }
    const found = this.found;
    found.start(isUi, l);
    found.brokenRefs = walkLine(c.payload, mayHoldEmbedded(this.fd, l.longestString) ? textScope(c) : undefined, found);
    const { count, sum, tokens } = found;
    if (count === 0) return 0;
    m.images.total += count;
    m.images.totalBytes += sum;
    if (isUi) {
      m.images.ui += count;
      m.bytes.imagesUi += sum;
    } else if (isCompacted || c.lineType === 'response_item') {
      m.images.live += count;
      m.images.liveTokens += tokens;
      m.bytes.imagesLive += sum;
    } else {
      m.bytes.imagesDead += sum;
    }
    return sum;
  }

  private attribute(c: Classified, bytes: number, lineNo: number): void {
    const m = this.m;
    switch (c.lineType) {
      case 'compacted':
        m.bytes.compaction += bytes;
        return;
      case 'event_msg':
      case 'turn_context':
      case 'session_meta':
      case 'header':
      case 'world_state':
      case 'token_usage_record':
      case 'state':
        m.bytes.events += bytes;
        return;
      case 'response_item':
        break;
      default:
        m.bytes.other += bytes;
        return;
    }
    const t = c.itemType ?? '';
    if (TOOL_OUTPUT_TYPES.has(t)) {
      m.bytes.toolOutput += bytes;
      const callId = str(c.payload, 'call_id');
      m.toolOutputs.count++;
      this.noteLargest({ line: lineNo, callId, name: callId ? m.state.callNames[callId] : undefined, bytes });
    } else if (t === 'reasoning' || t === 'compaction') {
      m.bytes[t === 'reasoning' ? 'reasoning' : 'compaction'] += bytes;
    } else if (t === 'message') {
      m.bytes.messages += bytes;
    } else {
      if (TOOL_CALL_TYPES.has(t)) {
        const callId = str(c.payload, 'call_id');
        const name = str(c.payload, 'name') ?? t;
        if (callId) this.noteCallName(callId, name);
      }
      m.bytes.other += bytes;
    }
  }

  /** Remember a call's name; the oldest go past MAX_CALL_NAMES (outputs follow their calls closely). */
  private noteCallName(callId: string, name: string): void {
    const names = this.m.state.callNames;
    const isNew = !Object.hasOwn(names, callId);
    names[callId] = name;
    // The keys as Object.keys lists them, kept alongside instead of listed per call: in insertion
    // order, unless some key is an array index (listed first): then they are listed each time.
    let order = this.callOrder;
    if (!order) {
      const keys = Object.keys(names);
      order = this.callOrder = { keys, head: 0, listed: keys.some((k) => INDEX_KEY.test(k)) };
    } else if (isNew && Object.hasOwn(names, callId)) {
      order.keys.push(callId);
      if (INDEX_KEY.test(callId)) order.listed = true;
    }
    if (order.listed) {
      const keys = Object.keys(names);
      if (keys.length > MAX_CALL_NAMES) delete names[keys[0]];
      return;
    }
    if (order.keys.length - order.head > MAX_CALL_NAMES) delete names[order.keys[order.head++]];
    if (order.head >= MAX_CALL_NAMES) {
      order.keys = order.keys.slice(order.head);
      order.head = 0;
    }
  }

  private noteLargest(r: ToolOutputRecord): void {
    const list = this.m.toolOutputs.largest;
    if (list.length >= MAX_LARGEST && r.bytes <= list[list.length - 1].bytes) return;
    list.push(r);
    list.sort((a, b) => b.bytes - a.bytes);
    if (list.length > MAX_LARGEST) list.length = MAX_LARGEST;
  }

  private facts(c: Classified, lineNo: number): void {
    const m = this.m;
    switch (c.lineType) {
      case 'turn_context': {
        const model = str(c.payload, 'model');
        if (model) m.model = model;
        return;
      }
      case 'compacted': {
        m.compactions.count++;
        m.compactions.lastLine = lineNo;
        if (c.timestamp) {
          m.compactions.times.push(c.timestamp);
          if (m.compactions.times.length > 20) m.compactions.times.shift();
        }
        const summary = str(c.payload, 'message');
        if (summary) m.compactions.lastSummary = summary.length > 4000 ? summary.slice(0, 4000) + '…' : summary;
        return;
      }
      case 'event_msg':
        if (c.itemType === 'task_started') {
          const w = get(c.payload, 'model_context_window');
          if (typeof w === 'number') m.tokens.window = w;
        } else if (c.itemType === 'turn_aborted') m.turnsAborted++;
        break;
      case 'response_item':
        break;
      default:
        return; // messages, token counts and errors are only in events and response items
    }
    const u = userText(c);
    if (u?.source === 'event') m.state.userEvents = true;
    // Files with UI events hold each user message twice; the event copy is what was typed.
    if (u && (u.source === 'event' || !m.state.userEvents)) {
      const text = u.text.trim();
      if (text) {
        if (m.firstUserMessage === undefined)
          m.firstUserMessage = text.length > 2000 ? text.slice(0, 2000) + '…' : text;
        m.lastUserMessage = text.length > 2000 ? text.slice(0, 2000) + '…' : text;
        m.lastUserMessageAt = c.timestamp ?? m.lastTimestamp;
      }
    }
    if (agentText(c) !== undefined) m.lastAgentMessageAt = c.timestamp ?? m.lastTimestamp;
    const t = tokenSample(c);
    if (t) {
      if (t.window === undefined && m.tokens.window !== undefined) t.window = m.tokens.window;
      if (t.window !== undefined) m.tokens.window = t.window;
      m.tokens.last = t;
      if (
        t.window &&
        t.used >= t.window &&
        (t.inputTokens === 0 || t.inputTokens === undefined || t.inputTokens >= t.window)
      ) {
        m.tokens.saturatedAt = t.at ?? m.lastTimestamp ?? '';
      }
      const series = m.tokens.series;
      series.push(t);
      if (series.length > MAX_SERIES) {
        // Keep the shape: drop every other point of the older half.
        m.tokens.series = series.filter((_, i) => i >= series.length / 2 || i % 2 === 0);
      }
    }
    const err = contextError(c);
    if (err) {
      m.contextErrors.count++;
      m.contextErrors.lastAt = c.timestamp ?? m.lastTimestamp;
      m.contextErrors.lastMessage = err.length > 300 ? err.slice(0, 300) + '…' : err;
    }
  }
}
