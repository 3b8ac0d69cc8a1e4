// What of a rollout line the search index holds: what the person typed, what the assistant answered,
// plain reasoning summaries, the shell commands it ran and the files its patches touched. Read from the
// response items (every generation has them) and never from the UI event copies or a compaction's
// replacement history, so each message is indexed once. Every text is capped: a pasted log or a giant
// command is indexed by its head, and a string the reader left in the file (BigStr) is read by its head only.
import { BigStr, JsonValue, get, isObject, str } from '../rollout/jsonSkeleton';
import { Classified, agentText, classify, isInjectedText, userText } from '../rollout/format';
import { BigTextReader } from '../rollout/bigText';
import { SHELL_TOOLS, commandFromArgs, parsePatch, patchInCommand } from '../rollout/toolCalls';

import type { SearchRole } from './roles';

export type { SearchRole } from './roles';

export interface SearchEntry {
  /** 0-based rollout line (0 for a thread's name). */
  line: number;
  /** Byte offset where the line starts (in the decompressed stream for .zst): a conversation opens there. */
  offset: number;
  role: SearchRole;
  /** Milliseconds since the epoch, when the line has a timestamp. */
  at?: number;
  text: string;
}

/** Characters indexed of one message, command or summary. */
export const MAX_ENTRY_CHARS = 8_000;
const MAX_COMMAND_CHARS = 2_000;

/**
 * Keys whose strings the index never reads (tool output, encrypted content, instructions, the copies in a
 * compaction): the reader leaves them in the file undecoded.
 */
export const UNINDEXED_KEYS: ReadonlySet<string> = new Set([
  'output',
  'aggregated_output',
  'formatted_output',
  'stdout',
  'stderr',
  'encrypted_content',
  'base_instructions',
  'user_instructions',
  'developer_instructions',
  'replacement_history',
  'result',
]);

/** The text as indexed: whitespace runs as one space (so a "quoted phrase" finds it across lines), capped. */
export function cap(text: string, max = MAX_ENTRY_CHARS): string {
  const t = (text.length > max * 2 ? text.slice(0, max * 2) : text).replace(/\s+/g, ' ').trim();
  return t.length > max ? t.slice(0, max) : t;
}

/** Turns lines into entries; `big` reads strings left in the file (undefined for .zst: those are skipped). */
export class EntryExtractor {
  constructor(private readonly big: BigTextReader | undefined) {}

  /** Entries of one line (`first`: the file's first non-blank line). */
  line(index: number, offset: number, value: JsonValue | undefined, first: boolean, out: SearchEntry[]): void {
    const c = classify(value, first);
    if (c.lineType !== 'response_item' || !isObject(c.payload)) return;
    const at = c.timestamp ? Date.parse(c.timestamp) || undefined : undefined;
    const push = (role: SearchRole, text: string | undefined, max = MAX_ENTRY_CHARS): void => {
      const t = text === undefined ? '' : cap(text, max);
      if (t) out.push({ line: index, offset, role, at, text: t });
    };
    const p = c.payload;
    switch (c.itemType) {
      case 'message':
        return this.message(c, push);
      case 'reasoning': {
        const summary = get(p, 'summary');
        if (Array.isArray(summary)) push('reasoning', summary.map((s) => this.text(get(s, 'text')) ?? '').join('\n'));
        return;
      }
      case 'function_call':
      case 'custom_tool_call':
      case 'local_shell_call':
        return this.toolCall(c, push);
    }
  }

  private message(c: Classified, push: (role: SearchRole, text: string | undefined) => void): void {
    const role = str(c.payload, 'role');
    if (role === 'user') {
      // Short messages arrive as strings; a giant one (a pasted log) is read by its head.
      const content = get(c.payload, 'content');
      if (Array.isArray(content) && content.some((x) => get(x, 'text') instanceof BigStr)) {
        const text = content.map((x) => this.text(get(x, 'text')) ?? '').join('\n');
        if (!isInjectedText(text)) push('user', text.replace(/<\/?image[^>]*>/g, ''));
        return;
      }
      push('user', userText(c)?.text);
    } else if (role === 'assistant') {
      const content = get(c.payload, 'content');
      push(
        'assistant',
        Array.isArray(content) ? content.map((x) => this.text(get(x, 'text')) ?? '').join('\n') : agentText(c),
      );
    }
  }

  private toolCall(c: Classified, push: (role: SearchRole, text: string | undefined, max?: number) => void): void {
    const p = c.payload;
    const name = str(p, 'name') ?? '';
    const patchFiles = (patch: string): void =>
      push(
        'patch',
        parsePatch(patch)
          .map((f) => (f.movedTo ? `${f.path} → ${f.movedTo}` : f.path))
          .join('\n'),
      );
    if (c.itemType === 'custom_tool_call') {
      const input = this.text(get(p, 'input'));
      if (name === 'apply_patch' && input) patchFiles(input);
      return;
    }
    let args: unknown;
    if (c.itemType === 'local_shell_call') args = get(p, 'action');
    else {
      const raw = this.text(get(p, 'arguments'));
      if (raw === undefined) return;
      try {
        args = JSON.parse(raw);
      } catch {
        return; // cut off by the cap, or not JSON: nothing to read a command from
      }
    }
    if (name === 'apply_patch' && typeof (args as { input?: unknown })?.input === 'string')
      return patchFiles((args as { input: string }).input);
    if (c.itemType !== 'local_shell_call' && !SHELL_TOOLS.has(name)) return;
    const cmd = commandFromArgs(args);
    if (!cmd) return;
    const patch = patchInCommand(cmd.command);
    if (patch) patchFiles(patch);
    else push('command', cmd.command, MAX_COMMAND_CHARS);
  }

  /** A string value; a BigStr through its head (undefined when it cannot be read, e.g. in a .zst). */
  private text(v: JsonValue | undefined): string | undefined {
    if (typeof v === 'string') return v;
    if (v instanceof BigStr && !v.dataUrlType) return this.big?.head(v, MAX_ENTRY_CHARS * 2);
    return undefined;
  }
}
