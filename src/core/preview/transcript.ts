// The conversation of a thread as plain text, one page at a time: what the person asked, what the
// assistant answered, the tools it ran (outputs shortened), compactions and context errors. Images
// appear as their placeholders (`[image: image/png 600×400 720 KB]`). One streaming pass from a
// cursor (line index + byte offset) until the page is full: bounded memory on any size of rollout.
// In a .jsonl.zst, byte offsets don't address the file: the cursor counts lines, and strings over
// 64 KB (which stay in the file) are only sized.
import * as fs from 'node:fs';
import { BigStr, JsonValue, get, isObject, str } from '../rollout/jsonSkeleton';
import {
  Classified,
  TOOL_CALL_TYPES,
  TOOL_OUTPUT_TYPES,
  classify,
  contextError,
  isInjectedText,
} from '../rollout/format';
import { readRollout } from '../rollout/reader';
import { BigTextReader } from '../rollout/bigText';
import { bigStrLabel } from './projection';
import { formatBytes } from '../util/display';
import { UsageError } from '../util/errors';

export interface TranscriptOptions {
  /** Where to start: a cursor returned by an earlier page (default: the beginning). */
  cursor?: string;
  /** Characters in the page (default 20,000). */
  maxChars?: number;
  /** Characters kept of each tool output and tool call's arguments: head and tail (default 1,200). */
  toolChars?: number;
}

export interface TranscriptPage {
  text: string;
  /** Pass it back to read the next page; absent when the end of the file was reached. */
  nextCursor?: string;
  /** Rollout lines covered by this page (1-based, inclusive). */
  fromLine: number;
  toLine: number;
  entries: number;
  done: boolean;
  fileBytes: number;
}

export const DEFAULT_PAGE_CHARS = 20_000;
const BIG_TEXT_BYTES = 64 * 1024;

/** Stops the read once the page is full; never leaves readTranscript. */
class PageFull extends Error {}

function parseCursor(cursor: string | undefined, size: number): { line: number; offset: number } {
  if (!cursor) return { line: 0, offset: 0 };
  const m = /^L(\d+)@(\d+)$/.exec(cursor);
  if (!m || Number(m[2]) > size)
    throw new UsageError(
      `cursor '${cursor}' does not come from read_thread on this thread (or the file was replaced); read again without a cursor`,
    );
  return { line: Number(m[1]), offset: Number(m[2]) };
}

/** A line of `offset` must start just after a newline (plain files). */
function atLineStart(file: string, offset: number): boolean {
  if (offset === 0) return true;
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(1);
    fs.readSync(fd, b, 0, 1, offset - 1);
    return b[0] === 0x0a;
  } finally {
    fs.closeSync(fd);
  }
}

/** Read one page of the conversation in `file`. */
export function readTranscript(file: string, opts: TranscriptOptions = {}): TranscriptPage {
  const maxChars = Math.max(500, opts.maxChars ?? DEFAULT_PAGE_CHARS);
  const toolChars = Math.max(200, opts.toolChars ?? 1_200);
  const size = fs.statSync(file).size;
  const compressed = file.endsWith('.zst');
  const start = parseCursor(opts.cursor, compressed ? Number.MAX_SAFE_INTEGER : size);
  if (!compressed && !atLineStart(file, start.offset))
    throw new UsageError(
      `cursor '${opts.cursor}' does not point at the start of a line of this rollout (was it rewritten?); read again without a cursor`,
    );
  const big = new BigTextReader(file, compressed);
  const render = new EntryRenderer(big, toolChars);
  const parts: string[] = [];
  let chars = 0;
  let entries = 0;
  let fromLine = 0;
  let toLine = 0;
  let next: { line: number; offset: number } | undefined;
  let firstLine = true;
  try {
    readRollout(
      file,
      (l) => {
        const first = firstLine;
        firstLine = false;
        if (compressed && l.index < start.line) return; // .zst: offsets don't address the file; skip lines
        if (!l.value) return;
        let text = render.line(classify(l.value, first && l.index === 0));
        if (text === undefined) return;
        text = `[line ${l.index + 1}] ${text}`;
        if (entries > 0 && chars + text.length + 1 > maxChars) {
          next = { line: l.index, offset: l.start };
          throw new PageFull();
        }
        if (text.length > maxChars)
          text = text.slice(0, maxChars - 30) + ` … [${text.length - maxChars + 30} chars more]`;
        if (!fromLine) fromLine = l.index + 1;
        toLine = l.index + 1;
        parts.push(text);
        chars += text.length + 1;
        entries++;
      },
      compressed ? { hashDataUrls: false } : { hashDataUrls: false, startOffset: start.offset, startLine: start.line },
    );
  } catch (err) {
    if (!(err instanceof PageFull)) throw err;
  } finally {
    big.close();
  }
  return {
    text: parts.join('\n'),
    nextCursor: next ? `L${next.line}@${compressed ? 0 : next.offset}` : undefined,
    fromLine,
    toLine,
    entries,
    done: !next,
    fileBytes: size,
  };
}

/** Turns one classified line into one transcript entry (or nothing: UI events, metadata). */
class EntryRenderer {
  constructor(
    private readonly big: BigTextReader,
    private readonly toolChars: number,
  ) {}

  line(c: Classified): string | undefined {
    const p = c.payload;
    if (c.lineType === 'event_msg') {
      const err = contextError(c);
      if (err) return `ERROR: ${err}`;
      if (c.itemType === 'turn_aborted') return `TURN ABORTED${str(p, 'reason') ? `: ${str(p, 'reason')}` : ''}`;
      return undefined;
    }
    if (c.lineType === 'compacted') {
      const kept = get(p, 'replacement_history');
      const summary = this.text(get(p, 'message'), 2_000);
      return `COMPACTION: the history was compacted${Array.isArray(kept) ? ` (${kept.length} items kept)` : ''}${summary ? `; summary: ${summary}` : ''}`;
    }
    if (c.lineType !== 'response_item' || !isObject(p)) return undefined;
    const type = c.itemType ?? '';
    if (type === 'message') {
      const role = str(p, 'role') ?? '?';
      const body = this.content(get(p, 'content'), Infinity);
      if (role === 'user' && isInjectedText(body)) return undefined;
      if (role === 'developer' || role === 'system') return undefined;
      return `${role === 'assistant' ? 'ASSISTANT' : role.toUpperCase()}: ${body}`;
    }
    if (TOOL_CALL_TYPES.has(type)) {
      const name = [str(p, 'namespace'), str(p, 'name')].filter(Boolean).join('.') || type;
      const args = get(p, 'arguments') ?? get(p, 'input') ?? get(p, 'action');
      const shown = typeof args === 'string' || args instanceof BigStr ? this.text(args, 600) : JSON.stringify(args);
      return `TOOL CALL ${name}${str(p, 'call_id') ? ` (${str(p, 'call_id')})` : ''}: ${this.shorten(shown ?? '', 600)}`;
    }
    if (TOOL_OUTPUT_TYPES.has(type)) {
      const out = get(p, 'output');
      const body = Array.isArray(out) ? this.content(out, this.toolChars) : (this.text(out, this.toolChars) ?? '');
      return `TOOL OUTPUT${str(p, 'call_id') ? ` (${str(p, 'call_id')})` : ''}: ${this.shorten(body, this.toolChars)}`;
    }
    if (type === 'image_generation_call') return `IMAGE GENERATED: ${this.image(get(p, 'result'))}`;
    if (type === 'web_search_call') return `WEB SEARCH: ${this.shorten(JSON.stringify(get(p, 'action') ?? ''), 300)}`;
    return undefined;
  }

  /** Text and image parts of a message or tool output, joined. */
  private content(parts: JsonValue | undefined, max: number): string {
    if (!Array.isArray(parts)) return this.text(parts, max) ?? '';
    const out: string[] = [];
    for (const part of parts) {
      const t = str(part, 'type');
      if (t === 'input_image' || t === 'image') out.push(this.image(get(part, 'image_url') ?? get(part, 'data')));
      else {
        const text = this.text(get(part, 'text'), max);
        if (text !== undefined) out.push(text);
      }
    }
    return out.join('').replace(/<\/?image[^>]*>/g, '');
  }

  private image(url: JsonValue | undefined): string {
    if (url instanceof BigStr) return `[image: ${bigStrLabel(url).slice(1, -1)}]`;
    if (typeof url === 'string') return `[image: ${this.shorten(url, 120)}]`;
    return '[image]';
  }

  /** A string value as text; big ones through their head and tail only. */
  private text(v: JsonValue | undefined, max: number): string | undefined {
    if (typeof v === 'string') return v;
    if (!(v instanceof BigStr)) return undefined;
    if (v.dataUrlType) return this.image(v);
    const keep = Math.min(Number.isFinite(max) ? max : BIG_TEXT_BYTES, BIG_TEXT_BYTES);
    const head = this.big.head(v, Math.ceil(keep * 0.6));
    const tail = this.big.tail(v, Math.ceil(keep * 0.4));
    if (head === undefined || tail === undefined) return `[${formatBytes(v.byteLength)} of text, not shown]`;
    return `${head} … [${formatBytes(v.byteLength - keep)} omitted] … ${tail}`;
  }

  private shorten(s: string, max: number): string {
    if (s.length <= max) return s;
    const head = Math.floor(max * 0.6);
    const tail = Math.floor(max * 0.3);
    return `${s.slice(0, head)} … [${s.length - head - tail} chars omitted] … ${s.slice(s.length - tail)}`;
  }
}
