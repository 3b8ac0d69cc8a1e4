// A search of every thread's text: brings the index up to date first (unless another process is
// doing so: then it answers from what is indexed and says how much is left), finds the messages
// holding every term, and returns the best message of each thread, best threads first.
import * as path from 'node:path';
import { QueryTerm, parseQuery } from './query';
import { Engine, SearchStore } from './store';
import { IndexProgress, UpdateOptions, UpdateResult, beginUpdate, catchUpHere, updateIndex } from './indexer';
import { catchUpInPool } from './indexPool';
import { holdsAll, makeSnippet, markSnippet, messageScore, threadScore } from './rank';
import type { SearchRole } from './extract';
import { NameSources, threadName } from '../codexHome/threadNames';
import { transcriptCursor } from '../preview/transcript';

/** For a thread Codex gave no name: named by its first message, as everywhere else. */
const NO_NAMES: NameSources = { index: new Map(), state: new Map() };

export interface SearchOptions extends UpdateOptions {
  /** Threads returned (default 20). */
  limit?: number;
  /** Only threads whose workspace is this folder or inside it. */
  workspace?: string;
  /** Only threads active in the last N days. */
  sinceDays?: number;
  /** false: search what is indexed without reading new lines first. */
  update?: boolean;
  /** Default: FTS5 where this Node's SQLite has it (tests try both). */
  engine?: Engine;
}

export interface SearchHit {
  threadId: string;
  name: string;
  path: string;
  archived: boolean;
  workspace?: string;
  /** When the thread started (its session_meta), ISO. */
  startedAt?: string;
  /** The rollout's last change, ISO. */
  updatedAt: string;
  /** The matching message: its rollout line (1-based; 0 for the thread's name), who said it, when. */
  line: number;
  role: SearchRole;
  at?: string;
  /** Where to open the conversation at this message: a cursor for readTranscript (read_thread). */
  cursor: string;
  /** The text around the match, matches between `**`. */
  snippet: string;
  /** The same text unmarked, with [start, end) of each match. */
  snippetText: string;
  marks: [number, number][];
  /** Messages of this thread that match. */
  matches: number;
  score: number;
}

export interface SearchResult {
  query: string;
  terms: QueryTerm[];
  hits: SearchHit[];
  /** Not indexed yet: these files' bytes are not searched. */
  pending: IndexProgress;
  /** Another process is building the index. */
  busy: boolean;
  engine: string;
  errors: { path: string; message: string }[];
}

/** Matching messages looked at per search: enough for every thread of the first pages. */
const CANDIDATES = 2_000;

/** Search in this thread, indexing first (as far as `budgetMs` allows). */
export function searchThreads(codexHome: string, query: string, opts: SearchOptions = {}): SearchResult {
  const terms = parseQuery(query);
  const store = SearchStore.open(codexHome, opts.env, opts.engine);
  try {
    const upd = opts.update === false ? NOT_UPDATED : updateIndex(store, codexHome, opts);
    return answer(store, query, terms, upd, opts);
  } finally {
    store.close();
  }
}

/**
 * Search, indexing first with worker threads (`script`: dist/indexWorker.js) when there is much to
 * read — the first search of a home — and in this thread otherwise.
 */
export async function searchThreadsParallel(
  codexHome: string,
  query: string,
  opts: SearchOptions & { script: string; workers?: number; minPoolBytes?: number },
): Promise<SearchResult> {
  const terms = parseQuery(query);
  const store = SearchStore.open(codexHome, opts.env, opts.engine);
  try {
    const up = beginUpdate(store, codexHome, opts.env);
    let upd: UpdateResult;
    if (!('todo' in up)) upd = up;
    else if (up.total < (opts.minPoolBytes ?? MIN_POOL_BYTES) || up.todo.length < 2 || opts.workers === 1)
      upd = catchUpHere(up, opts);
    else {
      try {
        await catchUpInPool(up, opts);
      } finally {
        upd = up.end(up.todo.length);
      }
    }
    return answer(store, query, terms, upd, opts);
  } finally {
    store.close();
  }
}

/** Below this many bytes to read, workers cost more to start than they save. */
const MIN_POOL_BYTES = 32 * 1024 * 1024;

const NOT_UPDATED: UpdateResult = {
  busy: false,
  filesRead: 0,
  bytesRead: 0,
  pending: { files: 0, bytes: 0 },
  errors: [],
};

function answer(
  store: SearchStore,
  query: string,
  terms: QueryTerm[],
  upd: UpdateResult,
  opts: SearchOptions,
): SearchResult {
  const hits = findHits(store, terms, opts);
  return { query, terms, hits, pending: upd.pending, busy: upd.busy, engine: store.engine, errors: upd.errors };
}

export function findHits(store: SearchStore, terms: QueryTerm[], opts: SearchOptions): SearchHit[] {
  const limit = Math.max(1, Math.min(opts.limit ?? 20, 500));
  const rows = store.candidates(
    terms,
    (text) => holdsAll(text, terms),
    {
      workspace: opts.workspace === undefined ? undefined : path.resolve(opts.workspace),
      sinceMs: opts.sinceDays === undefined ? undefined : Date.now() - opts.sinceDays * 86_400_000,
    },
    CANDIDATES,
  );
  const byFile = new Map<number, { best: (typeof rows)[number]; score: number; matches: number }>();
  for (const r of rows) {
    const score = messageScore(r.text, r.role, terms);
    const cur = byFile.get(r.file);
    if (!cur) byFile.set(r.file, { best: r, score, matches: 1 });
    else {
      cur.matches++;
      if (score > cur.score) Object.assign(cur, { best: r, score });
    }
  }
  const files = store.filesById([...byFile.keys()]);
  const ranked = [...byFile.entries()]
    .map(([id, g]) => ({ g, f: files.get(id)!, score: threadScore(g.score, g.matches) }))
    .filter((x) => x.f)
    .sort((a, b) => b.score - a.score || b.f.mtimeMs - a.f.mtimeMs)
    .slice(0, limit);
  return ranked.map(({ g, f, score }) => {
    const snip = makeSnippet(g.best.text, terms);
    return {
      threadId: f.thread,
      name: f.name ?? threadName(f.thread, NO_NAMES, f.firstUser),
      path: f.path,
      archived: f.archived,
      workspace: f.cwd,
      startedAt: f.started,
      updatedAt: new Date(f.mtimeMs).toISOString(),
      line: g.best.role === 'name' ? 0 : g.best.line + 1,
      role: g.best.role,
      at: g.best.at === undefined ? undefined : new Date(g.best.at).toISOString(),
      cursor: transcriptCursor(g.best.line, f.path.endsWith('.zst') ? 0 : g.best.offset),
      snippet: markSnippet(snip),
      snippetText: snip.text,
      marks: snip.marks,
      matches: g.matches,
      score: Math.round(score * 1000) / 1000,
    };
  });
}
