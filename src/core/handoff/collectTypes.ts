// What the handoff collector gathers (HandoffData), its bounds, and what its parts share.
import type { RolloutLine } from '../rollout/reader';
import type { BigTextReader } from '../rollout/bigText';
import type { PatchFile } from '../rollout/toolCalls';

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
export class Ring<T> {
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

/** What the collector's parts (commands, patches, images) share with it. */
export interface CollectContext {
  readonly d: HandoffData;
  readonly big: BigTextReader;
  /** The turn being collected. */
  turn(): Turn;
  /** Something happened since the last request (a tool call, a patch, a plan). */
  activity(): void;
  addError(kind: string, message: string, l: RolloutLine, at: string | undefined): void;
  setPlan(plan: { items: PlanItem[]; explanation?: string }, at: string | undefined): void;
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
