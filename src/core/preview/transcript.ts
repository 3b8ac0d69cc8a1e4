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
import type { EntryImage, EntryKind, TranscriptEntry } from './entries';
import { IMAGE_PLACEHOLDER_PREFIX } from '../rollout/placeholders';

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

/** The cursor of the line at index `line` (0-based) starting at byte `offset` (0 in a .zst). */
export function transcriptCursor(line: number, offset: number): string {
  return `L${line}@${offset}`;
}

export type { EntryImage, EntryKind, TranscriptEntry } from './entries';

export interface EntryPage extends Omit<TranscriptPage, 'text' | 'entries'> {
  entries: TranscriptEntry[];
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

/** Read one page of the conversation in `file` as text (read_thread). */
export function readTranscript(file: string, opts: TranscriptOptions = {}): TranscriptPage {
  const maxChars = Math.max(500, opts.maxChars ?? DEFAULT_PAGE_CHARS);
  const { entries, ...page } = readEntries(file, opts);
  const text = entries.map((e) => {
    const t = `[line ${e.line}] ${e.text}`;
    return t.length > maxChars ? t.slice(0, maxChars - 30) + ` … [${t.length - maxChars + 30} chars more]` : t;
  });
  return { ...page, text: text.join('\n'), entries: entries.length };
}

/** Read one page of the conversation in `file`: its entries, up to maxChars of text (at least one entry). */
export function readEntries(file: string, opts: TranscriptOptions = {}): EntryPage {
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
  const entries: TranscriptEntry[] = [];
  let chars = 0;
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
        const c = classify(l.value, first && l.index === 0);
        const r = render.line(c);
        if (r === undefined) return;
        const len = `[line ${l.index + 1}] `.length + r.text.length;
        if (entries.length > 0 && chars + len + 1 > maxChars) {
          next = { line: l.index, offset: l.start };
          throw new PageFull();
        }
        entries.push({
          ...r,
          line: l.index + 1,
          at: c.timestamp,
          cursor: transcriptCursor(l.index, compressed ? 0 : l.start),
        });
        chars += Math.min(len, maxChars) + 1;
      },
      compressed ? { hashDataUrls: false } : { hashDataUrls: false, startOffset: start.offset, startLine: start.line },
    );
  } catch (err) {
    if (!(err instanceof PageFull)) throw err;
  } finally {
    big.close();
  }
  return {
    entries,
    nextCursor: next ? transcriptCursor(next.line, compressed ? 0 : next.offset) : undefined,
    fromLine: entries[0]?.line ?? 0,
    toLine: entries[entries.length - 1]?.line ?? 0,
    done: !next,
    fileBytes: size,
  };
}

type Rendered = Pick<TranscriptEntry, 'kind' | 'text' | 'images' | 'shortened'>;

/** Turns one classified line into one transcript entry (or nothing: UI events, metadata). */
class EntryRenderer {
  private images: EntryImage[] = [];
  private shortened = false;

  constructor(
    private readonly big: BigTextReader,
    private readonly toolChars: number,
  ) {}

  line(c: Classified): Rendered | undefined {
    this.images = [];
    this.shortened = false;
    const r = this.render(c);
    return r && { kind: r[0], text: r[1], images: this.images, shortened: this.shortened };
  }

  private render(c: Classified): [EntryKind, string] | undefined {
    const p = c.payload;
    if (c.lineType === 'event_msg') {
      const err = contextError(c);
      if (err) return ['error', `ERROR: ${err}`];
      if (c.itemType === 'turn_aborted')
        return ['aborted', `TURN ABORTED${str(p, 'reason') ? `: ${str(p, 'reason')}` : ''}`];
      return undefined;
    }
    if (c.lineType === 'compacted') {
      const kept = get(p, 'replacement_history');
      const summary = this.text(get(p, 'message'), 2_000);
      return [
        'compaction',
        `COMPACTION: the history was compacted${Array.isArray(kept) ? ` (${kept.length} items kept)` : ''}${summary ? `; summary: ${summary}` : ''}`,
      ];
    }
    if (c.lineType !== 'response_item' || !isObject(p)) return undefined;
    const type = c.itemType ?? '';
    if (type === 'message') {
      const role = str(p, 'role') ?? '?';
      const body = this.content(get(p, 'content'), Infinity);
      if (role === 'user' && isInjectedText(body)) return undefined;
      if (role === 'developer' || role === 'system') return undefined;
      return [
        role === 'assistant' ? 'assistant' : 'user',
        `${role === 'assistant' ? 'ASSISTANT' : role.toUpperCase()}: ${body}`,
      ];
    }
    if (TOOL_CALL_TYPES.has(type)) {
      const name = [str(p, 'namespace'), str(p, 'name')].filter(Boolean).join('.') || type;
      const args = get(p, 'arguments') ?? get(p, 'input') ?? get(p, 'action');
      const shown = typeof args === 'string' || args instanceof BigStr ? this.text(args, 600) : JSON.stringify(args);
      return [
        'tool-call',
        `TOOL CALL ${name}${str(p, 'call_id') ? ` (${str(p, 'call_id')})` : ''}: ${this.shorten(shown ?? '', this.toolChars / 2)}`,
      ];
    }
    if (TOOL_OUTPUT_TYPES.has(type)) {
      const out = get(p, 'output');
      const body = Array.isArray(out) ? this.content(out, this.toolChars) : (this.text(out, this.toolChars) ?? '');
      return [
        'tool-output',
        `TOOL OUTPUT${str(p, 'call_id') ? ` (${str(p, 'call_id')})` : ''}: ${this.shorten(body, this.toolChars)}`,
      ];
    }
    if (type === 'image_generation_call') return ['image', `IMAGE GENERATED: ${this.image(get(p, 'result'))}`];
    if (type === 'web_search_call')
      return ['web-search', `WEB SEARCH: ${this.shorten(JSON.stringify(get(p, 'action') ?? ''), 300)}`];
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
        if (text?.startsWith(IMAGE_PLACEHOLDER_PREFIX)) this.archived(text);
      }
    }
    return out.join('').replace(/<\/?image[^>]*>/g, '');
  }

  /** A repair's placeholder for an image it archived: the image, from the file it was saved as. */
  private archived(text: string): void {
    const m = /^\[image omitted by codex-session-rescue: ([^,\]]*)[^\]]*; saved as ([^\]]+)\]$/.exec(text);
    if (m) this.images.push({ label: `[image: ${m[1]}, archived]`, archived: m[2] });
  }

  private image(url: JsonValue | undefined): string {
    let label = '[image]';
    if (url instanceof BigStr) {
      label = `[image: ${bigStrLabel(url).slice(1, -1)}]`;
      const comma = url.prefix.indexOf(',');
      // A data: URL's payload starts after its comma; raw base64 (an MCP image) at once.
      const at = url.prefix.startsWith('data:') ? (comma >= 0 ? comma + 1 : -1) : 0;
      // In a .zst, offsets address the decompressed stream, not the file: no thumbnail.
      this.images.push(at >= 0 && !this.big.compressed ? { label, start: url.start + at, end: url.end } : { label });
      return label;
    }
    if (typeof url === 'string') label = `[image: ${this.shorten(url, 120)}]`;
    this.images.push({ label });
    return label;
  }

  /** A string value as text; big ones through their head and tail only. */
  private text(v: JsonValue | undefined, max: number): string | undefined {
    if (typeof v === 'string') return v;
    if (!(v instanceof BigStr)) return undefined;
    if (v.dataUrlType) return this.image(v);
    const keep = Math.min(Number.isFinite(max) ? max : BIG_TEXT_BYTES, BIG_TEXT_BYTES);
    const head = this.big.head(v, Math.ceil(keep * 0.6));
    const tail = this.big.tail(v, Math.ceil(keep * 0.4));
    this.shortened = true;
    if (head === undefined || tail === undefined) return `[${formatBytes(v.byteLength)} of text, not shown]`;
    return `${head} … [${formatBytes(v.byteLength - keep)} omitted] … ${tail}`;
  }

  private shorten(s: string, max: number): string {
    if (s.length <= max) return s;
    this.shortened = true;
    const head = Math.floor(max * 0.6);
    const tail = Math.floor(max * 0.3);
    return `${s.slice(0, head)} … [${s.length - head - tail} chars omitted] … ${s.slice(s.length - tail)}`;
  }
}
