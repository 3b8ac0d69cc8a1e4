// How hits are ordered and shown: a message's score from where its words occur (a thread's name and
// what the person typed weigh most), a thread's from its best message and how many match; the
// snippet is the text around the first match with every match marked.
import { QueryTerm, foldCase, termRanges } from './query';
import type { SearchRole } from './extract';

const ROLE_WEIGHT: Record<SearchRole, number> = {
  name: 3,
  user: 2,
  assistant: 1.5,
  command: 1.5,
  patch: 1.2,
  reasoning: 0.8,
};

/** Does `text` (as indexed) hold every term? */
export function holdsAll(text: string, terms: QueryTerm[]): boolean {
  const lower = foldCase(text);
  return terms.every((t) => termRanges(lower, t, 1).length > 0);
}

/** A message's score: more occurrences count less and less, long messages are diluted. */
export function messageScore(text: string, role: SearchRole, terms: QueryTerm[]): number {
  const lower = foldCase(text);
  let s = 0;
  for (const t of terms) s += 1 + Math.log2(Math.max(1, termRanges(lower, t, 16).length));
  return (ROLE_WEIGHT[role] * s) / (1 + Math.log10(1 + text.length / 200));
}

/** A thread's score from its best message and the number of its messages that match. */
export function threadScore(best: number, matches: number): number {
  return best + 0.25 * Math.log2(matches);
}

export interface Snippet {
  text: string;
  /** [start, end) of each match in `text`. */
  marks: [number, number][];
}

/** Up to `width` characters around the first match, cut at spaces, with every match in it marked. */
export function makeSnippet(text: string, terms: QueryTerm[], width = 180): Snippet {
  const lower = foldCase(text);
  const all = terms.flatMap((t) => termRanges(lower, t)).sort((a, b) => a[0] - b[0]);
  const first = all[0]?.[0] ?? 0;
  let start = Math.max(0, first - Math.floor(width / 3));
  let end = Math.min(text.length, start + width);
  start = Math.max(0, end - width);
  if (start > 0) {
    const sp = text.indexOf(' ', start);
    if (sp !== -1 && sp < first) start = sp + 1;
  }
  if (end < text.length) {
    const sp = text.lastIndexOf(' ', end);
    if (sp > start && sp >= (all[0]?.[1] ?? 0)) end = sp;
  }
  const lead = start > 0 ? '…' : '';
  const body = text.slice(start, end);
  const marks: [number, number][] = [];
  for (const [a, b] of all) {
    if (a < start || b > end) continue;
    const m: [number, number] = [a - start + lead.length, b - start + lead.length];
    const last = marks[marks.length - 1];
    if (last && m[0] <= last[1]) last[1] = Math.max(last[1], m[1]);
    else marks.push(m);
  }
  return { text: lead + body + (end < text.length ? '…' : ''), marks };
}

/** The snippet with its matches between `open` and `close` (e.g. `**`, or terminal bold). */
export function markSnippet(s: Snippet, open = '**', close = open): string {
  let out = '';
  let at = 0;
  for (const [a, b] of s.marks) {
    out += s.text.slice(at, a) + open + s.text.slice(a, b) + close;
    at = b;
  }
  return out + s.text.slice(at);
}
