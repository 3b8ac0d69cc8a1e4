// Keeps the search index up to date with the rollouts: a file that is unchanged costs nothing, a file
// that only grew (Codex appends) is read from where the index stopped, a file that was replaced (new
// inode, shrank, or its bytes before that point differ) or a .zst that changed is read again from the
// start, a file that is gone is forgotten. Each file's new lines and state go in one transaction, so a
// search running meanwhile (another process) sees whole files, and a run that is killed loses nothing.
import * as fs from 'node:fs';
import { RolloutFile, listRollouts } from '../codexHome/rolloutFiles';
import { NameSources, readNameSources } from '../codexHome/threadNames';
import { readRollout } from '../rollout/reader';
import { classify, readSessionMeta } from '../rollout/format';
import { BigTextReader } from '../rollout/bigText';
import { fileAnchor } from '../scan/catalog';
import { CancelledError, errorMessage } from '../util/errors';
import { EntryExtractor, SearchEntry, UNINDEXED_KEYS, cap } from './extract';
import { FileState, SearchStore } from './store';

export interface IndexProgress {
  /** Files and bytes still to read (what the index does not hold yet). */
  files: number;
  bytes: number;
}

export interface UpdateOptions {
  env?: NodeJS.ProcessEnv;
  /** Stop (having committed what was read) once this much time has passed; the rest is left pending. */
  budgetMs?: number;
  onProgress?: (doneBytes: number, totalBytes: number) => void;
  isCancelled?: () => boolean;
}

export interface UpdateResult {
  /** Another process is adding to the index: nothing was read here. */
  busy: boolean;
  filesRead: number;
  bytesRead: number;
  /** What is still not indexed (after a budget ran out, or files that could not be read). */
  pending: IndexProgress;
  errors: { path: string; message: string }[];
}

/** What reading `f` needs, given what the index holds of it. */
interface Todo {
  f: RolloutFile;
  prev?: FileState;
  /** Read from this offset (the file only grew) or from the start. */
  from: number;
}

/** The work the index needs to catch up with the home (also what a search reports as pending). */
export function plan(files: RolloutFile[], known: Map<string, FileState>): { todo: Todo[]; gone: number[] } {
  const todo: Todo[] = [];
  for (const f of files) {
    const prev = known.get(f.path);
    if (prev && prev.size === f.size && prev.mtimeMs === f.mtimeMs && prev.ino === (f.ino ?? 0)) continue;
    const grew = prev && !f.compressed && prev.ino === (f.ino ?? 0) && f.size >= prev.offset && prev.offset > 0;
    todo.push({ f, prev, from: grew ? prev.offset : 0 });
  }
  const listed = new Set(files.map((f) => f.path));
  const gone = [...known.values()].filter((s) => !listed.has(s.path)).map((s) => s.id);
  return { todo, gone };
}

export function pendingOf(todo: Todo[]): IndexProgress {
  return { files: todo.length, bytes: todo.reduce((n, t) => n + t.f.size - t.from, 0) };
}

/** Bring the index of `codexHome` up to date (or as far as `budgetMs` allows). */
export function updateIndex(store: SearchStore, codexHome: string, opts: UpdateOptions = {}): UpdateResult {
  const started = Date.now();
  const files = listRollouts(codexHome);
  const known = store.files();
  const { todo, gone } = plan(files, known);
  if (!store.claimBuilder()) return { busy: true, filesRead: 0, bytesRead: 0, pending: pendingOf(todo), errors: [] };
  try {
    return catchUp(store, codexHome, files, known, todo, gone, started, opts);
  } finally {
    store.releaseBuilder();
  }
}

function catchUp(
  store: SearchStore,
  codexHome: string,
  files: RolloutFile[],
  known: Map<string, FileState>,
  todo: Todo[],
  gone: number[],
  started: number,
  opts: UpdateOptions,
): UpdateResult {
  const names = readNameSources(codexHome, opts.env);
  const renamed = files.filter((f) => {
    const s = known.get(f.path);
    return s && !todo.some((t) => t.f === f) && s.name !== nameOf(f, names);
  });
  if (gone.length || renamed.length)
    store.transaction(() => {
      store.dropFiles(gone);
      for (const f of renamed) {
        const s = known.get(f.path)!;
        store.commitFile(s, { ...s, name: nameOf(f, names) }, [], false);
      }
    });
  // Newest first: the threads people look for are mostly recent, and a budget leaves the old ones pending.
  todo.sort((a, b) => b.f.mtimeMs - a.f.mtimeMs);
  const total = pendingOf(todo).bytes;
  const result: UpdateResult = { busy: false, filesRead: 0, bytesRead: 0, pending: { files: 0, bytes: 0 }, errors: [] };
  let k = 0;
  let claimed = Date.now();
  for (; k < todo.length; k++) {
    if (opts.isCancelled?.()) throw new CancelledError();
    if (opts.budgetMs !== undefined && Date.now() - started > opts.budgetMs) break;
    const t = todo[k];
    if (Date.now() - claimed > 10_000) {
      store.claimBuilder(); // still at it: the claim stays fresh
      claimed = Date.now();
    }
    try {
      const read = readFile(t, names);
      store.transaction(() => store.commitFile(t.prev, read.state, read.entries, read.fresh));
      result.filesRead++;
      result.bytesRead += t.f.size - t.from;
    } catch (err) {
      if (err instanceof CancelledError) throw err;
      result.errors.push({ path: t.f.path, message: errorMessage(err) });
    }
    opts.onProgress?.(result.bytesRead, total);
  }
  result.pending = pendingOf(todo.slice(k));
  return result;
}

/**
 * The name the thread was given (session_index.jsonl, else its database row), if any: indexed as a
 * message. Not the row's title: Codex makes it from the first message, which is indexed already.
 */
function nameOf(f: RolloutFile, names: NameSources): string | undefined {
  return names.index.get(f.id) || names.state.get(f.id)?.name || undefined;
}

/** Read a file's new lines: its entries and its next state. */
function readFile(
  t: Todo,
  names: NameSources,
): { state: Omit<FileState, 'id'>; entries: SearchEntry[]; fresh: boolean } {
  const { f, prev } = t;
  let fd: number | undefined;
  const big = f.compressed ? undefined : new BigTextReader(f.path, false);
  try {
    fd = fs.openSync(f.path, 'r');
    const st = fs.fstatSync(fd);
    let from = t.from;
    if (from > 0 && fileAnchor(fd, from) !== prev?.anchor) from = 0; // rewritten in place: start over
    const extract = new EntryExtractor(big);
    const entries: SearchEntry[] = [];
    let meta = from > 0 ? { cwd: prev?.cwd, started: prev?.started } : { cwd: undefined, started: undefined };
    let firstUser = from > 0 ? prev?.firstUser : undefined;
    let first = from === 0;
    const summary = readRollout(
      f.path,
      (l) => {
        if (!l.value) return;
        if (first) {
          const m = readSessionMeta(classify(l.value, true));
          if (m) meta = { cwd: m.cwd, started: m.timestamp };
        }
        extract.line(l.index, l.start, l.value, first, entries);
        first = false;
      },
      {
        fd,
        startOffset: from,
        startLine: from > 0 ? prev?.line : 0,
        hashDataUrls: false,
        rangeOnlyKeys: UNINDEXED_KEYS,
        parseShortLines: !f.compressed,
        keepBefore: 4096,
      },
    );
    // A last line without its newline is still being written: indexed once it is whole.
    const whole = entries.filter((e) => e.line < summary.resumeLine);
    firstUser ??= whole.find((e) => e.role === 'user')?.text;
    firstUser = firstUser === undefined ? undefined : cap(firstUser, 200);
    return {
      fresh: from === 0,
      entries: whole,
      state: {
        path: f.path,
        thread: f.id,
        archived: f.archived,
        size: st.size,
        mtimeMs: st.mtimeMs,
        ino: st.ino,
        offset: summary.resumeOffset,
        line: summary.resumeLine,
        anchor: summary.compressed ? '' : (fileAnchor(fd, summary.resumeOffset, summary.before) ?? ''),
        cwd: meta.cwd,
        started: meta.started,
        firstUser,
        name: nameOf(f, names),
      },
    };
  } finally {
    big?.close();
    if (fd !== undefined) fs.closeSync(fd);
  }
}
