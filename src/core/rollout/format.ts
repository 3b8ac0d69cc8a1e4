// What Codex rollout lines mean, across the three generations of the format
// (see docs: header format before Sept 2025, legacy {timestamp,type,payload}, paginated).
import { BigStr, JsonObject, JsonValue, get, isObject, str } from './jsonSkeleton';
import { isRepairPlaceholder } from './placeholders';

export type Generation = 'header' | 'legacy' | 'paginated' | 'unknown';

export interface Classified {
  /** session_meta | response_item | event_msg | turn_context | compacted | header | world_state | … */
  lineType: string;
  /** The item or event inside the line (payload, or the line itself for bare header-format items). */
  payload: JsonValue | undefined;
  /** payload.type: message, function_call, token_count, user_message … */
  itemType: string | undefined;
  timestamp: string | undefined;
}

/** Classify one parsed line. `first` is true for the first non-blank line of the file. */
export function classify(value: JsonValue | undefined, first: boolean): Classified {
  if (!isObject(value)) return { lineType: 'unknown', payload: undefined, itemType: undefined, timestamp: undefined };
  const type = str(value, 'type');
  const timestamp = str(value, 'timestamp');
  if (type !== undefined && value.payload !== undefined) {
    const payload = value.payload;
    return { lineType: type, payload, itemType: str(payload, 'type'), timestamp };
  }
  if (first && type === undefined && typeof value.id === 'string' && timestamp !== undefined) {
    return { lineType: 'header', payload: value, itemType: undefined, timestamp };
  }
  if (str(value, 'record_type') !== undefined) {
    return { lineType: 'state', payload: value, itemType: str(value, 'record_type'), timestamp };
  }
  if (type !== undefined) {
    // Header-format files hold bare response items, one per line.
    return { lineType: 'response_item', payload: value, itemType: type, timestamp };
  }
  return { lineType: 'unknown', payload: value, itemType: undefined, timestamp };
}

export interface SessionMeta {
  id?: string;
  timestamp?: string;
  cwd?: string;
  originator?: string;
  cliVersion?: string;
  source?: string;
  modelProvider?: string;
  gitBranch?: string;
  historyMode?: string;
  /** Fork parent: thread id and the end offset in the parent's file. */
  historyBase?: { threadId?: string; endByteOffset?: number; endOrdinalExclusive?: number };
}

export function readSessionMeta(c: Classified): SessionMeta | undefined {
  const p = c.payload;
  if (c.lineType === 'session_meta' && isObject(p)) {
    const meta = isObject(p.meta) ? p.meta : p; // some versions nest the meta
    const source = meta.source;
    const hb = meta.history_base;
    return {
      id: str(meta, 'id'),
      timestamp: str(meta, 'timestamp'),
      cwd: str(meta, 'cwd'),
      originator: str(meta, 'originator'),
      cliVersion: str(meta, 'cli_version'),
      source: typeof source === 'string' ? source : isObject(source) ? Object.keys(source)[0] : undefined,
      modelProvider: str(meta, 'model_provider'),
      gitBranch: str(meta, 'git', 'branch') ?? str(p, 'git', 'branch'),
      historyMode: str(meta, 'history_mode'),
      historyBase: isObject(hb)
        ? {
            threadId: str(hb, 'thread_id'),
            endByteOffset: numOf(hb.end_byte_offset),
            endOrdinalExclusive: numOf(hb.end_ordinal_exclusive),
          }
        : undefined,
    };
  }
  if (c.lineType === 'header' && isObject(p)) {
    return { id: str(p, 'id'), timestamp: str(p, 'timestamp'), gitBranch: str(p, 'git', 'branch') };
  }
  return undefined;
}

function numOf(v: JsonValue | undefined): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

export function generationOf(firstLine: Classified, meta: SessionMeta | undefined, hasOrdinal: boolean): Generation {
  if (firstLine.lineType === 'header') return 'header';
  if (firstLine.lineType === 'session_meta')
    return meta?.historyMode === 'paginated' || hasOrdinal ? 'paginated' : 'legacy';
  return 'unknown';
}

/** Text Codex injects as user-role messages that the person did not type. */
const INJECTED =
  /^\s*(<environment_context>|<user_instructions>|<permissions instructions>|<collaboration_mode>|<turn_aborted>|# AGENTS\.md instructions|<INSTRUCTIONS>|<user_shell_command>|<skills>|<apps_instructions>)/;

export function isInjectedText(text: string): boolean {
  return INJECTED.test(text);
}

/**
 * What the person typed, if this line is a user message: prefers the UI event copies
 * (event_msg user_message / item_completed UserMessage), else a response_item user message
 * without Codex's injected context.
 */
export function userText(c: Classified): { text: string; source: 'event' | 'item' } | undefined {
  const p = c.payload;
  if (c.lineType === 'event_msg' && c.itemType === 'user_message') {
    const m = str(p, 'message');
    return m !== undefined ? { text: m, source: 'event' } : undefined;
  }
  if (c.lineType === 'event_msg' && c.itemType === 'item_completed') {
    const item = get(p, 'item');
    if (str(item, 'type') === 'UserMessage') {
      const parts = get(item, 'content');
      const text = Array.isArray(parts)
        ? parts
            .map((x) => str(x, 'text') ?? '')
            .filter((t) => t && !isRepairPlaceholder(t))
            .join('\n')
        : '';
      return { text, source: 'event' };
    }
  }
  if (c.lineType === 'response_item' && c.itemType === 'message' && str(p, 'role') === 'user') {
    // What the user wrote: not the placeholders a repair put where their images were.
    const text = messageText(p, isRepairPlaceholder);
    if (text !== undefined && !isInjectedText(text)) return { text: stripImageTags(text), source: 'item' };
  }
  return undefined;
}

function stripImageTags(text: string): string {
  return text.replace(/<\/?image[^>]*>/g, '').trim();
}

/** Joined text parts of a response_item message (input_text / output_text), but those `skip` says. */
export function messageText(item: JsonValue | undefined, skip?: (text: string) => boolean): string | undefined {
  const content = get(item, 'content');
  if (!Array.isArray(content)) return undefined;
  const texts: string[] = [];
  for (const part of content) {
    const t = str(part, 'text');
    if (t !== undefined && !skip?.(t)) texts.push(t);
  }
  return texts.length ? texts.join('\n') : undefined;
}

/** The assistant's visible text, if this line is an assistant message. */
export function agentText(c: Classified): string | undefined {
  if (c.lineType === 'event_msg' && c.itemType === 'agent_message') return str(c.payload, 'message');
  if (c.lineType === 'event_msg' && c.itemType === 'item_completed') {
    const item = get(c.payload, 'item');
    if (str(item, 'type') === 'AgentMessage') {
      const parts = get(item, 'content');
      if (Array.isArray(parts)) return parts.map((x) => str(x, 'text') ?? '').join('');
      return str(item, 'text');
    }
  }
  if (c.lineType === 'response_item' && c.itemType === 'message' && str(c.payload, 'role') === 'assistant') {
    return messageText(c.payload);
  }
  return undefined;
}

export interface TokenSample {
  at?: string;
  /** Tokens in the context for the last request (last_token_usage.total_tokens). */
  used: number;
  inputTokens?: number;
  window?: number;
  /** Cumulative tokens over the thread. */
  total?: number;
}

export function tokenSample(c: Classified): TokenSample | undefined {
  if (c.lineType !== 'event_msg' || c.itemType !== 'token_count') return undefined;
  const info = get(c.payload, 'info');
  if (!isObject(info)) return undefined;
  const used = get(info, 'last_token_usage', 'total_tokens');
  if (typeof used !== 'number') return undefined;
  const input = get(info, 'last_token_usage', 'input_tokens');
  const window = get(info, 'model_context_window');
  const total = get(info, 'total_token_usage', 'total_tokens');
  return {
    at: c.timestamp,
    used,
    inputTokens: typeof input === 'number' ? input : undefined,
    window: typeof window === 'number' ? window : undefined,
    total: typeof total === 'number' ? total : undefined,
  };
}

const CONTEXT_ERROR = /context window|context_length_exceeded|ran out of room|maximum context length|input exceeds/i;

/** An error the thread recorded about the context window, if this line is one. */
export function contextError(c: Classified): string | undefined {
  if (c.lineType !== 'event_msg') return undefined;
  if (c.itemType === 'error' || c.itemType === 'stream_error' || c.itemType === 'warning') {
    const m = str(c.payload, 'message') ?? '';
    return CONTEXT_ERROR.test(m) ? m : undefined;
  }
  // Paginated threads record a failed turn on task_complete (e.g. a remote compaction that no longer fits).
  if (c.itemType === 'task_complete' || c.itemType === 'turn_aborted') {
    const err = get(c.payload, 'error');
    const m = str(err, 'message') ?? '';
    if (str(err, 'codex_error_info') === 'context_window_exceeded' || CONTEXT_ERROR.test(m))
      return m || 'context window exceeded';
  }
  return undefined;
}

/** Item types whose payload is tool output. */
export const TOOL_OUTPUT_TYPES = new Set([
  'function_call_output',
  'custom_tool_call_output',
  'local_shell_call_output',
  'mcp_tool_call_output',
  'tool_search_output',
]);
/** Item types that call a tool. */
export const TOOL_CALL_TYPES = new Set([
  'function_call',
  'custom_tool_call',
  'local_shell_call',
  'mcp_tool_call',
  'tool_search_call',
]);

export function isImageString(v: JsonValue | undefined): v is BigStr {
  return v instanceof BigStr && (v.dataUrlType?.startsWith('image/') ?? false);
}

/** Return false to leave out the value's children. */
export type Visit = (
  v: JsonValue,
  parent: JsonObject | JsonValue[] | undefined,
  key: string | number | undefined,
) => void | boolean;

type Parent = JsonObject | JsonValue[] | undefined;

/** Visit every value of a skeleton, depth first (parents before children, in document order).
 *  Iterative: a skeleton is bounded by the scanner's MAX_DEPTH, but walkers must not rely on it. */
export function walk(v: JsonValue | undefined, visit: Visit, parent?: Parent, key?: string | number): void {
  if (v === undefined) return;
  // The to-do stack as three arrays: no tuple per value.
  const values: JsonValue[] = [v];
  const parents: Parent[] = [parent];
  const keys: (string | number | undefined)[] = [key];
  while (values.length) {
    const x = values.pop() as JsonValue;
    if (visit(x, parents.pop(), keys.pop()) === false || x === null || typeof x !== 'object' || x instanceof BigStr)
      continue;
    if (Array.isArray(x)) {
      for (let i = x.length - 1; i >= 0; i--) {
        values.push(x[i]);
        parents.push(x);
        keys.push(i);
      }
    } else {
      const ks = Object.keys(x);
      for (let i = ks.length - 1; i >= 0; i--) {
        values.push(x[ks[i]]);
        parents.push(x);
        keys.push(ks[i]);
      }
    }
  }
}
