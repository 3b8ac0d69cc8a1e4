// Keeps the search index up to date with the rollouts: a file that is unchanged costs nothing, a file
// that only grew (Codex appends) is read from where the index stopped, a file that was replaced (new
// inode, shrank, or its bytes before that point differ) or a .zst that changed is read again from the
// start, a file that is gone is forgotten. Each file's new lines and state go in one transaction, so a
// search running meanwhile (another process) sees whole files, and a run that is killed loses nothing.
import * as fs from 'node:fs';
import { RolloutFile, listRollouts } from '../codexHome/rolloutFiles';
import * as path from 'node:path';
import { NameSources, readNameSources } from '../codexHome/threadNames';
import { STATE_DB, sessionIndexPath } from '../codexHome/paths';
import { sqliteHome } from '../codexHome/sqlite';
import { readRollout } from '../rollout/reader';
import { classify, readSessionMeta } from '../rollout/format';
import { BigTextReader } from '../rollout/bigText';
import { fileAnchor } from '../scan/catalog';
import { CancelledError, errorMessage } from '../util/errors';
import { EntryExtractor, SearchEntry, UNINDEXED_KEYS, cap } from './extract';
import { FileMark, FileState, SearchStore } from './store';

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
export interface Todo {
  f: RolloutFile;
  prev?: FileState;
  /** Read from this offset (the file only grew) or from the start. */
  from: number;
}

/** The work the index needs to catch up with the home (also what a search reports as pending). */
export function plan(
  files: RolloutFile[],
  known: Map<string, FileMark>,
  full: (path: string) => FileState | undefined,
): { todo: Todo[]; gone: number[] } {
  const todo: Todo[] = [];
  for (const f of files) {
    const mark = known.get(f.path);
    if (mark && mark.size === f.size && mark.mtimeMs === f.mtimeMs && mark.ino === (f.ino ?? 0)) continue;
    const grew = mark && !f.compressed && mark.ino === (f.ino ?? 0) && f.size >= mark.offset && mark.offset > 0;
    todo.push({ f, prev: mark && full(f.path), from: grew ? mark.offset : 0 });
  }
  const listed = new Set(files.map((f) => f.path));
  const gone = [...known.values()].filter((s) => !listed.has(s.path)).map((s) => s.id);
  return { todo, gone };
}

export function pendingOf(todo: Todo[]): IndexProgress {
  return { files: todo.length, bytes: todo.reduce((n, t) => n + t.f.size - t.from, 0) };
}

/** An update under way: what is left to read, and what was done. */
export interface Catchup {
  todo: Todo[];
  /** Bytes of every todo (for progress). */
  total: number;
  result: UpdateResult;
  /** Record what was read of `t` (or why it could not be read) in one transaction. */
  commit(t: Todo, read: FileRead | { error: string }): void;
  /** The result, with what was not read (from the todo at `next` on) as pending. */
  end(next: number): UpdateResult;
}

/**
 * Start bringing the index of `codexHome` up to date: forget gone files, rename renamed threads, and
 * list what to read (newest first: the threads people look for are mostly recent, and a budget
 * leaves the old ones pending). A finished result instead when there is nothing to read or another
 * process is at it. The caller reads (here, or in workers: readRolloutEntries) and commits.
 */
export function beginUpdate(store: SearchStore, codexHome: string, env?: NodeJS.ProcessEnv): Catchup | UpdateResult {
  const files = listRollouts(codexHome);
  const known = store.files();
  const { todo, gone } = plan(files, known, (p) => store.stateOf(p));
  const stamp = namesStamp(codexHome, env);
  const namesChanged = store.meta('names') !== stamp;
  const done = (busy: boolean, pending = { files: 0, bytes: 0 }): UpdateResult => ({
    busy,
    filesRead: 0,
    bytesRead: 0,
    pending,
    errors: [],
  });
  if (!todo.length && !gone.length && !namesChanged) return done(false);
  if (!store.claimBuilder()) return done(true, pendingOf(todo));
  let names: NameSources | undefined;
  const namesNow = (): NameSources => (names ??= readNameSources(codexHome, env));
  try {
    const renamed = namesChanged
      ? files.filter((f) => {
          const s = known.get(f.path);
          return s && !todo.some((t) => t.f === f) && s.name !== nameOf(f, namesNow());
        })
      : [];
    store.transaction(() => {
      store.dropFiles(gone);
      for (const f of renamed) {
        const s = store.stateOf(f.path)!;
        store.commitFile(s, { ...s, name: nameOf(f, namesNow()) }, [], false);
      }
      store.setMeta('names', stamp);
    });
  } catch (err) {
    store.releaseBuilder();
    throw err;
  }
  todo.sort((a, b) => b.f.mtimeMs - a.f.mtimeMs);
  const result: UpdateResult = { busy: false, filesRead: 0, bytesRead: 0, pending: { files: 0, bytes: 0 }, errors: [] };
  let claimed = Date.now();
  let held: { t: Todo; read: FileRead; state: Omit<FileState, 'id'> }[] = [];
  let heldChars = 0;
  let flushed = Date.now();
  const flush = (): void => {
    const batch = held;
    held = [];
    heldChars = 0;
    flushed = Date.now();
    if (batch.length)
      store.transaction(() => {
        for (const h of batch) store.commitFile(h.t.prev, h.state, h.read.entries, h.read.fresh);
      });
  };
  return {
    todo,
    total: pendingOf(todo).bytes,
    result,
    commit(t, read) {
      if (Date.now() - claimed > 10_000) {
        store.claimBuilder(); // still at it: the claim stays fresh
        claimed = Date.now();
      }
      if ('error' in read) {
        result.errors.push({ path: t.f.path, message: read.error });
        return;
      }
      held.push({ t, read, state: { ...read.state, name: nameOf(t.f, namesNow()) } });
      heldChars += read.entries.reduce((n, e) => n + e.text.length, 0);
      result.filesRead++;
      result.bytesRead += t.f.size - t.from;
      if (held.length >= FLUSH_FILES || heldChars >= FLUSH_CHARS || Date.now() - flushed >= FLUSH_MS) flush();
    },
    end(next) {
      try {
        flush();
      } finally {
        store.releaseBuilder();
      }
      result.pending = pendingOf(todo.slice(next));
      return result;
    },
  };
}

/**
 * Files written together in one transaction: FTS5 turns each transaction's rows into a segment, so
 * a transaction per small file cost a third of a first index's time. A search running meanwhile sees
 * what is flushed (at most FLUSH_MS old).
 */
const FLUSH_FILES = 500;
const FLUSH_CHARS = 8_000_000;
const FLUSH_MS = 1_000;

/** Bring the index of `codexHome` up to date in this thread (or as far as `budgetMs` allows). */
export function updateIndex(store: SearchStore, codexHome: string, opts: UpdateOptions = {}): UpdateResult {
  const started = Date.now();
  const up = beginUpdate(store, codexHome, opts.env);
  return 'todo' in up ? catchUpHere(up, opts, started) : up;
}

/** Read and commit the todo of `up` in this thread, until done or `budgetMs` after `started`. */
export function catchUpHere(up: Catchup, opts: UpdateOptions, started = Date.now()): UpdateResult {
  let k = 0;
  try {
    for (; k < up.todo.length; k++) {
      if (opts.isCancelled?.()) throw new CancelledError();
      if (opts.budgetMs !== undefined && Date.now() - started > opts.budgetMs) break;
      up.commit(up.todo[k], readOrError(up.todo[k]));
      opts.onProgress?.(up.result.bytesRead, up.total);
    }
  } finally {
    up.end(k);
  }
  return up.result;
}

/** readRolloutEntries, or why the file could not be read. */
export function readOrError(t: Todo): FileRead | { error: string } {
  try {
    return readRolloutEntries(t);
  } catch (err) {
    return { error: errorMessage(err) };
  }
}

/** Sizes and times of the files thread names come from: the same stamp, the same names. */
function namesStamp(codexHome: string, env: NodeJS.ProcessEnv | undefined): string {
  const db = path.join(sqliteHome(codexHome, env), STATE_DB);
  return [sessionIndexPath(codexHome), db, `${db}-wal`]
    .map((f) => {
      try {
        const st = fs.statSync(f);
        return `${st.size}:${st.mtimeMs}`;
      } catch {
        return '-';
      }
    })
    .join('/');
}

/**
 * The name the thread was given (session_index.jsonl, else its database row), if any: indexed as a
 * message. Not the row's title: Codex makes it from the first message, which is indexed already.
 */
function nameOf(f: RolloutFile, names: NameSources): string | undefined {
  return names.index.get(f.id) || names.state.get(f.id)?.name || undefined;
}

/** What reading a file's new lines gave: its entries and its next state (named by the caller). */
export interface FileRead {
  state: Omit<FileState, 'id' | 'name'>;
  entries: SearchEntry[];
  /** Read from the start: the file's old entries go. */
  fresh: boolean;
}

/** Read a file's new lines (in any thread: a search worker runs it too). */
export function readRolloutEntries(t: Todo): FileRead {
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
      },
    };
  } finally {
    big?.close();
    if (fd !== undefined) fs.closeSync(fd);
  }
}
