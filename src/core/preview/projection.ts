// The readable projection of a rollout for VS Code's diff editor: one line per rollout line (after a
// one-line header), JSON with every big string abbreviated (`<image/png 960 KB #3fa2…>`, `<1.2 MB text>`),
// small strings shortened, each line cut at a few KB and the whole document capped — so a multi-GB
// thread projects to a few MB. The original and a repaired copy projected the same way differ exactly
// where values were replaced. Pure Node; runs in the worker (it streams the file synchronously).
import * as fs from 'node:fs';
import { BigStr, JsonValue } from '../rollout/jsonSkeleton';
import { imageFacts } from '../rollout/images';
import { formatBytes } from '../util/display';
import { readRollout } from '../rollout/reader';

export interface ProjectionOptions {
  /** Characters kept of each projected line (default 4000). */
  maxLineChars?: number;
  /** Characters kept of each small string value (default 300). */
  maxStringChars?: number;
  /** Characters in the whole document before the remaining lines are only counted (default 12 MB). */
  maxTotalChars?: number;
  title?: string;
  onProgress?: (done: number, total: number) => void;
  isCancelled?: () => boolean;
}

export interface ProjectionStats {
  lines: number;
  truncatedLines: number;
  /** Lines past the total cap, shown only as a count. */
  omittedLines: number;
  bytes: number;
  chars: number;
}

class Budget extends Error {}

/** Abbreviation of a string left in the file. */
export function bigStrLabel(s: BigStr): string {
  const type = s.dataUrlType;
  const hash = s.hash ? ` #${s.hash.slice(0, 12)}` : '';
  if (type?.startsWith('image/') || s.prefix.startsWith('iVBOR') || s.prefix.startsWith('/9j/')) {
    const f = imageFacts(s);
    const dims = f.width && f.height ? ` ${f.width}×${f.height}` : '';
    return `<${f.mediaType}${dims} ${formatBytes(f.storedBytes)}${hash}>`;
  }
  if (type) return `<${type} data ${formatBytes(s.byteLength)}${hash}>`;
  return `<${formatBytes(s.byteLength)} text${hash}>`;
}

function shortString(s: string, max: number): string {
  if (s.length <= max) return JSON.stringify(s);
  const head = s.slice(0, Math.floor(max * 0.7));
  const tail = s.slice(s.length - Math.floor(max * 0.2));
  return `${JSON.stringify(head)}…<+${s.length - head.length - tail.length} chars>…${JSON.stringify(tail)}`;
}

/** Nesting shown in a preview; deeper containers render as […] / {…}. */
const MAX_RENDER_DEPTH = 64;

/** Render one skeleton value; throws Budget once `limit` characters are exceeded. */
export function renderValue(v: JsonValue, maxString = 300, limit = 4000): string {
  const parts: string[] = [];
  let len = 0;
  const put = (s: string): void => {
    parts.push(s);
    len += s.length;
    if (len > limit) throw new Budget();
  };
  const go = (x: JsonValue, depth = 0): void => {
    if (x instanceof BigStr) return put(bigStrLabel(x));
    if (depth >= MAX_RENDER_DEPTH && x !== null && typeof x === 'object') return put(Array.isArray(x) ? '[…]' : '{…}');
    if (x === null || typeof x !== 'object')
      return put(typeof x === 'string' ? shortString(x, maxString) : JSON.stringify(x));
    if (Array.isArray(x)) {
      put('[');
      x.forEach((e, i) => {
        if (i) put(',');
        go(e, depth + 1);
      });
      return put(']');
    }
    put('{');
    let first = true;
    for (const k of Object.keys(x)) {
      if (!first) put(',');
      first = false;
      put(JSON.stringify(k) + ':');
      go(x[k], depth + 1);
    }
    put('}');
  };
  try {
    go(v);
    return parts.join('');
  } catch (e) {
    if (!(e instanceof Budget)) throw e;
    return parts.join('').slice(0, limit) + ' …';
  }
}

export function projectionHeader(
  title: string,
  opts: Required<Pick<ProjectionOptions, 'maxLineChars' | 'maxStringChars'>>,
): string {
  // one header line whatever the title holds (thread names come from transcripts)
  return `// ${title.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ')} — readable projection, line N+1 here = rollout line N; strings over 64 KB abbreviated as <type size #fingerprint>, strings cut at ${opts.maxStringChars} chars, lines at ${opts.maxLineChars} chars. Read-only.`;
}

/** Project `rolloutPath` into `outPath` (UTF-8). */
export function writeProjection(rolloutPath: string, outPath: string, opts: ProjectionOptions = {}): ProjectionStats {
  const maxLineChars = opts.maxLineChars ?? 4000;
  const maxStringChars = opts.maxStringChars ?? 300;
  const maxTotal = opts.maxTotalChars ?? 12 * 1024 * 1024;
  const fd = fs.openSync(outPath, 'w');
  const stats: ProjectionStats = { lines: 0, truncatedLines: 0, omittedLines: 0, bytes: 0, chars: 0 };
  let pending: string[] = [];
  let pendingLen = 0;
  const flush = (): void => {
    if (!pending.length) return;
    fs.writeSync(fd, pending.join(''));
    pending = [];
    pendingLen = 0;
  };
  const emit = (s: string): void => {
    pending.push(s, '\n');
    pendingLen += s.length + 1;
    stats.chars += s.length + 1;
    if (pendingLen > 1 << 20) flush();
  };
  try {
    emit(projectionHeader(opts.title ?? rolloutPath, { maxLineChars, maxStringChars }));
    const summary = readRollout(
      rolloutPath,
      (l) => {
        stats.lines++;
        if (stats.chars > maxTotal) {
          stats.omittedLines++;
          return;
        }
        let text: string;
        if (l.blank) text = '';
        else if (l.problem || l.value === undefined)
          text = `<unreadable line, ${formatBytes(l.end - l.start)}: ${l.problem?.kind ?? 'no value'}>`;
        else text = renderValue(l.value, maxStringChars, maxLineChars);
        if (text.length > maxLineChars) {
          text = text.slice(0, maxLineChars) + ' …';
        }
        if (text.endsWith(' …')) stats.truncatedLines++;
        emit(text);
      },
      { hashDataUrls: 'fingerprint', onProgress: opts.onProgress, isCancelled: opts.isCancelled },
    );
    stats.bytes = summary.bytes;
    if (stats.omittedLines)
      emit(`// … ${stats.omittedLines} more lines not shown: the projection is capped at ${formatBytes(maxTotal)}.`);
    flush();
  } finally {
    fs.closeSync(fd);
  }
  return stats;
}
