// What a search query means: words (every one must occur), "quoted phrases", `prefix*`; all
// case-insensitive substrings of a message's text. The user's words never reach SQL as syntax: they
// are bound as parameters (LIKE patterns escaped) or quoted as FTS5 strings (`"` doubled).
import { UsageError } from '../util/errors';

export interface QueryTerm {
  /** Lower-cased text to find. */
  text: string;
  /** `word*`: the text must start a word. */
  prefix: boolean;
  /** Came from "quotes" (may hold spaces). */
  phrase: boolean;
}

/** The longest query we take apart (longer ones are a usage error, not a slow search). */
const MAX_QUERY_CHARS = 1_000;
const MAX_TERMS = 16;

export function parseQuery(query: string): QueryTerm[] {
  if (query.length > MAX_QUERY_CHARS)
    throw new UsageError(`the search is too long (at most ${MAX_QUERY_CHARS} characters)`);
  const terms: QueryTerm[] = [];
  const re = /"([^"]*)"?|(\S+)/g;
  for (let m = re.exec(query); m; m = re.exec(query)) {
    if (m[1] !== undefined) {
      const text = m[1].replace(/\s+/g, ' ').trim().toLowerCase();
      if (text) terms.push({ text, prefix: false, phrase: true });
      continue;
    }
    let word = m[2];
    const prefix = word.length > 1 && word.endsWith('*');
    word = word.replace(/^\*+|\*+$/g, '').toLowerCase();
    if (word) terms.push({ text: word, prefix, phrase: false });
  }
  if (!terms.length) throw new UsageError('the search has no words to look for');
  if (terms.length > MAX_TERMS) throw new UsageError(`the search has too many words (at most ${MAX_TERMS})`);
  return terms;
}

/** Terms FTS5's trigram index can look up (3 characters or more; shorter ones match nothing there). */
export function indexableTerms(terms: QueryTerm[]): QueryTerm[] {
  return terms.filter((t) => [...t.text].length >= 3);
}

/** An FTS5 MATCH expression: each term one quoted string (a substring for the trigram tokenizer), all required. */
export function ftsMatch(terms: QueryTerm[]): string | undefined {
  const usable = indexableTerms(terms);
  if (!usable.length) return undefined;
  return usable.map((t) => `"${t.text.replace(/"/g, '""')}"`).join(' AND ');
}

/** A LIKE pattern finding `text` anywhere (with ESCAPE '\'); SQLite's LIKE folds ASCII case only. */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export function isAscii(s: string): boolean {
  return /^[\x00-\x7f]*$/.test(s);
}

const WORD_CHAR = /[\p{L}\p{N}_]/u;

/** Where `term` occurs in `lower` (the text lower-cased), honouring `prefix*` (a word start). */
export function termRanges(lower: string, term: QueryTerm, max = 50): [number, number][] {
  const out: [number, number][] = [];
  for (let i = lower.indexOf(term.text); i !== -1 && out.length < max; i = lower.indexOf(term.text, i + 1)) {
    if (term.prefix && i > 0 && WORD_CHAR.test(lower[i - 1])) continue;
    out.push([i, i + term.text.length]);
  }
  return out;
}

/** Lower-cased text for matching: same length as the text (so offsets are the text's). */
export function foldCase(text: string): string {
  const lower = text.toLowerCase();
  if (lower.length === text.length) return lower;
  // A few characters change length when lower-cased (İ): fold them one by one, keeping their width.
  let out = '';
  for (const ch of text) {
    const l = ch.toLowerCase();
    out += l.length === ch.length ? l : ch;
  }
  return out;
}
