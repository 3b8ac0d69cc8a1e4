// Markdown pieces for the handoff: text from the transcript is quoted or fenced so it can't break the document.
import { formatCount } from '../scan/risk';

/** A fenced block whose fence can't be closed by the content. */
export function fence(text: string, lang = ''): string {
  let n = 3;
  for (const m of text.matchAll(/`{3,}/g)) n = Math.max(n, m[0].length + 1);
  const f = '`'.repeat(n);
  return `${f}${lang}\n${text.replace(/\s+$/, '')}\n${f}`;
}

/** Text as a Markdown blockquote (keeps the person's words verbatim, can't break the structure). */
export function quote(text: string): string {
  return text
    .replace(/\s+$/, '')
    .split('\n')
    .map((l) => (l ? `> ${l}` : '>'))
    .join('\n');
}

/** One line gist of a text: whitespace collapsed, cut at `n` characters. */
export function gist(text: string, n: number): string {
  const one = text
    .replace(/<\/?image[^>]*>/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return one.length > n ? one.slice(0, Math.max(1, n - 1)).trimEnd() + '…' : one;
}

export function cut(text: string, n: number, truncated = false): string {
  if (text.length <= n && !truncated) return text;
  return `${text.slice(0, n).trimEnd()}\n\n_(… shortened; ${text.length > n ? `${formatCount(text.length)}+` : 'more'} characters in the rollout)_`;
}

export function plural(n: number, word: string): string {
  return `${formatCount(n)} ${word}${n === 1 ? '' : /(s|sh|ch|x)$/.test(word) ? 'es' : 's'}`;
}

export function when(ts: string | undefined): string {
  if (!ts) return '?';
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return ts;
  return d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}
