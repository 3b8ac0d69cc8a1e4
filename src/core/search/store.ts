// The search index's SQLite file: which rollouts it holds and up to where (files), what was said
// in them (docs), and — where this Node's SQLite has FTS5 — a trigram index over that text
// (docs_fts, external content: the text is stored once). Without FTS5 the same tables are searched
// by a scan (LIKE, which SQLite runs in C): slower on a huge home, same answers.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SqliteDb, SqliteRow, SqliteStatement, sqliteBinding, sqliteUnavailableReason } from '../codexHome/sqlite';
import { searchIndexPath } from '../codexHome/paths';
import { RescueError } from '../util/errors';
import { QueryTerm, ftsMatch, isAscii, likePattern } from './query';
import type { SearchEntry, SearchRole } from './extract';

export type Engine = 'fts5' | 'plain';

/** Bump when the tables or what goes into them change: an index of another version is rebuilt. */
const VERSION = 2;

/** What the index remembers of one rollout file. */
export interface FileState {
  id: number;
  path: string;
  thread: string;
  archived: boolean;
  size: number;
  mtimeMs: number;
  ino: number;
  /** Lines before this byte (of the decompressed stream for .zst) are indexed. */
  offset: number;
  line: number;
  /** sha1 of the bytes just before `offset`: proves the file only grew. */
  anchor: string;
  cwd?: string;
  started?: string;
  firstUser?: string;
  /** The name Codex gave the thread, if it did (then indexed too). */
  name?: string;
}

export type FileMark = Pick<FileState, 'id' | 'path' | 'size' | 'mtimeMs' | 'ino' | 'offset' | 'name'>;

export interface DocRow {
  id: number;
  file: number;
  line: number;
  offset: number;
  role: SearchRole;
  at?: number;
  text: string;
  /** FTS5's bm25 (lower is better); 0 for the plain engine. */
  rank: number;
}

export interface Filters {
  /** Threads whose workspace is this folder or inside it. */
  workspace?: string;
  /** Threads active (file modified) at or after this time (ms). */
  sinceMs?: number;
}

let engineFound: Engine | undefined;

/** fts5 when this Node's SQLite has FTS5 with the trigram tokenizer (Node 24; not Node 22.15), else plain. */
export function availableEngine(): Engine {
  if (engineFound) return engineFound;
  const Db = requireSqlite();
  const db = new Db(':memory:');
  try {
    db.exec("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='trigram')");
    engineFound = 'fts5';
  } catch {
    engineFound = 'plain';
  } finally {
    db.close();
  }
  return engineFound;
}

function requireSqlite(): NonNullable<ReturnType<typeof sqliteBinding>> {
  const Db = sqliteBinding();
  if (!Db)
    throw new RescueError(
      'unsupported',
      `search needs node:sqlite, which this Node lacks (${sqliteUnavailableReason() ?? process.versions.node}); run it with Node 22.13 or newer`,
    );
  return Db;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS files(
  id INTEGER PRIMARY KEY, path TEXT UNIQUE NOT NULL, thread TEXT NOT NULL, archived INTEGER NOT NULL,
  size INTEGER NOT NULL, mtime_ms REAL NOT NULL, ino INTEGER NOT NULL, offset INTEGER NOT NULL,
  line INTEGER NOT NULL, anchor TEXT NOT NULL, cwd TEXT, started TEXT, first_user TEXT, name TEXT);
CREATE TABLE IF NOT EXISTS docs(
  id INTEGER PRIMARY KEY, file INTEGER NOT NULL, line INTEGER NOT NULL, offset INTEGER NOT NULL, role TEXT NOT NULL,
  at INTEGER, text TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS docs_file ON docs(file);
`;

export class SearchStore {
  private constructor(
    private readonly db: SqliteDb,
    readonly engine: Engine,
    readonly file: string,
  ) {}

  /** Open (or create) the index of `codexHome`; an index of another version is started afresh. */
  static open(codexHome: string, env: NodeJS.ProcessEnv = process.env, engine = availableEngine()): SearchStore {
    return SearchStore.openFile(searchIndexPath(codexHome, engine, env), engine);
  }

  static openFile(file: string, engine: Engine = availableEngine()): SearchStore {
    const Db = requireSqlite();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    for (let attempt = 0; ; attempt++) {
      const db = new Db(file);
      try {
        db.exec('PRAGMA busy_timeout = 5000');
        db.exec('PRAGMA journal_mode = WAL'); // readers (a search) never wait for the writer (indexing)
        db.exec('PRAGMA synchronous = NORMAL'); // a cache: a lost last transaction is indexed again
        const made = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'meta'").get();
        if (Number(made?.n) > 0) {
          const version = db.prepare("SELECT value FROM meta WHERE key = 'version'").get();
          if (Number(version?.value) !== VERSION) throw new StaleIndex();
        }
        db.exec(SCHEMA);
        if (engine === 'fts5')
          db.exec(
            "CREATE VIRTUAL TABLE IF NOT EXISTS docs_fts USING fts5(text, content='docs', content_rowid='id', tokenize='trigram')",
          );
        db.prepare("INSERT OR REPLACE INTO meta(key, value) VALUES ('version', ?)").run(String(VERSION));
        return new SearchStore(db, engine, file);
      } catch (err) {
        db.close();
        // Another version's index, or a damaged file: it is only a cache, so it is made again.
        if (attempt > 0 || !(err instanceof StaleIndex || /malformed|not a database/i.test(String(err)))) throw err;
        for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
      }
    }
  }

  close(): void {
    this.db.close();
  }

  private readonly statements = new Map<string, SqliteStatement>();

  /** A prepared statement, prepared once per connection (a first index runs a few per file). */
  private stmt(sql: string): SqliteStatement {
    let st = this.statements.get(sql);
    if (!st) this.statements.set(sql, (st = this.db.prepare(sql)));
    return st;
  }

  /** What tells whether each file changed (a search reads these for every file: the fewest columns). */
  files(): Map<string, FileMark> {
    const out = new Map<string, FileMark>();
    for (const r of this.stmt('SELECT id, path, size, mtime_ms, ino, offset, name FROM files').all())
      out.set(String(r.path), {
        id: Number(r.id),
        path: String(r.path),
        size: Number(r.size),
        mtimeMs: Number(r.mtime_ms),
        ino: Number(r.ino),
        offset: Number(r.offset),
        name: typeof r.name === 'string' ? r.name : undefined,
      });
    return out;
  }

  stateOf(path: string): FileState | undefined {
    const r = this.stmt('SELECT * FROM files WHERE path = ?').get(path);
    return r ? fileState(r) : undefined;
  }

  meta(key: string): string | undefined {
    const r = this.stmt('SELECT value FROM meta WHERE key = ?').get(key);
    return r ? String(r.value) : undefined;
  }

  setMeta(key: string, value: string): void {
    this.stmt('INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)').run(key, value);
  }

  filesById(ids: number[]): Map<number, FileState> {
    const out = new Map<number, FileState>();
    if (!ids.length) return out;
    const rows = this.stmt(`SELECT * FROM files WHERE id IN (${ids.map(() => '?').join(',')})`).all(...ids);
    for (const r of rows) out.set(Number(r.id), fileState(r));
    return out;
  }

  /**
   * Record what was read of a file in one transaction: its new state and entries (after the old ones, or
   * instead of them when `fresh`). Returns false, writing nothing, when another process changed the
   * file's state since `expected` was read (it indexed the same lines first).
   */
  commitFile(
    expected: FileMark | undefined,
    state: Omit<FileState, 'id'>,
    entries: SearchEntry[],
    fresh: boolean,
  ): boolean {
    const cur = this.stmt('SELECT * FROM files WHERE path = ?').get(state.path);
    const now = cur ? fileState(cur) : undefined;
    if (now?.offset !== expected?.offset || now?.ino !== expected?.ino || now?.size !== expected?.size) return false;
    let id = now?.id;
    if (id !== undefined && fresh) this.deleteDocs(id, 'role IS NOT NULL');
    const values = [
      state.thread,
      state.archived ? 1 : 0,
      state.size,
      state.mtimeMs,
      state.ino,
      state.offset,
      state.line,
      state.anchor,
      state.cwd ?? null,
      state.started ?? null,
      state.firstUser ?? null,
      state.name ?? null,
    ];
    if (id === undefined) {
      const r = this.db
        .prepare(
          'INSERT INTO files(path, thread, archived, size, mtime_ms, ino, offset, line, anchor, cwd, started, first_user, name) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id',
        )
        .get(state.path, ...values);
      id = Number(r?.id);
    } else {
      this.db
        .prepare(
          'UPDATE files SET thread=?, archived=?, size=?, mtime_ms=?, ino=?, offset=?, line=?, anchor=?, cwd=?, started=?, first_user=?, name=? WHERE id=?',
        )
        .run(...values, id);
    }
    if (!fresh && now?.name !== state.name) this.deleteDocs(id, "role = 'name'");
    const withName =
      state.name && (fresh || now?.name !== state.name)
        ? [{ line: 0, offset: 0, role: 'name' as const, text: state.name }, ...entries]
        : entries;
    this.insertDocs(id, withName);
    return true;
  }

  /** Forget files that are gone (deleted, or moved to archived_sessions: indexed again under the new path). */
  dropFiles(ids: number[]): void {
    for (const id of ids) {
      this.deleteDocs(id, 'role IS NOT NULL');
      this.stmt('DELETE FROM files WHERE id = ?').run(id);
    }
  }

  /** Run `fn` in one write transaction (BEGIN IMMEDIATE: the lock is taken before anything is read). */
  transaction<T>(fn: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const r = fn();
      this.db.exec('COMMIT');
      return r;
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
  }

  private insertDocs(file: number, entries: SearchEntry[]): void {
    if (!entries.length) return;
    const ins = this.stmt('INSERT INTO docs(file, line, offset, role, at, text) VALUES (?,?,?,?,?,?) RETURNING id');
    const fts = this.engine === 'fts5' ? this.stmt('INSERT INTO docs_fts(rowid, text) VALUES (?, ?)') : undefined;
    for (const e of entries) {
      const r = ins.get(file, e.line, e.offset, e.role, e.at ?? null, e.text);
      fts?.run(r?.id, e.text);
    }
  }

  /** `where`: a fixed condition of ours on the file's docs (never user text). */
  private deleteDocs(file: number, where: string): void {
    if (this.engine === 'fts5') {
      // External content: FTS5 forgets a row only when told its text.
      const del = this.stmt("INSERT INTO docs_fts(docs_fts, rowid, text) VALUES ('delete', ?, ?)");
      for (const r of this.stmt(`SELECT id, text FROM docs WHERE file = ? AND ${where}`).all(file))
        del.run(r.id, r.text);
    }
    this.stmt(`DELETE FROM docs WHERE file = ? AND ${where}`).run(file);
  }

  /**
   * Messages holding every term (checked exactly by `verify`, which SQLite calls only on rows the index
   * or LIKE let through), best first for FTS5 (bm25), newest first for the plain engine.
   */
  candidates(terms: QueryTerm[], verify: (text: string) => boolean, filters: Filters, limit: number): DocRow[] {
    const where: string[] = [];
    const params: (string | number)[] = [];
    const match = this.engine === 'fts5' ? ftsMatch(terms) : undefined;
    if (match) {
      where.push('docs_fts MATCH ?');
      params.push(match);
    }
    // ASCII terms narrow by LIKE (case-insensitive for ASCII, in C); the rest by verify alone.
    for (const t of terms)
      if (isAscii(t.text)) {
        where.push("d.text LIKE ? ESCAPE '\\'");
        params.push(likePattern(t.text));
      }
    this.db.function('search_verify', { deterministic: true }, (text: unknown) => (verify(String(text)) ? 1 : 0));
    where.push('search_verify(d.text)');
    const scope: string[] = [];
    if (filters.workspace !== undefined) {
      const dir = filters.workspace.replace(/[\\/]+$/, '');
      scope.push("(cwd = ? OR cwd LIKE ? ESCAPE '\\')");
      params.push(dir, `${likePattern(dir + path.sep).slice(1)}`);
    }
    if (filters.sinceMs !== undefined) {
      scope.push('mtime_ms >= ?');
      params.push(filters.sinceMs);
    }
    if (scope.length) where.push(`d.file IN (SELECT id FROM files WHERE ${scope.join(' AND ')})`);
    const sql = match
      ? `SELECT d.id, d.file, d.line, d.offset, d.role, d.at, d.text, bm25(docs_fts) AS rank FROM docs_fts JOIN docs d ON d.id = docs_fts.rowid WHERE ${where.join(' AND ')} ORDER BY rank LIMIT ?`
      : `SELECT d.id, d.file, d.line, d.offset, d.role, d.at, d.text, 0 AS rank FROM docs d WHERE ${where.join(' AND ')} ORDER BY d.at DESC LIMIT ?`;
    return this.db
      .prepare(sql)
      .all(...params, limit)
      .map((r) => ({
        id: Number(r.id),
        file: Number(r.file),
        line: Number(r.line),
        offset: Number(r.offset),
        role: String(r.role) as SearchRole,
        at: r.at === null ? undefined : Number(r.at),
        text: String(r.text),
        rank: Number(r.rank),
      }));
  }

  /**
   * Become the one process adding to the index (another is while its claim is fresh and its process
   * alive); false when another is. Searches never wait for it: they read what is committed.
   */
  claimBuilder(now = Date.now()): boolean {
    return this.transaction(() => {
      const cur = this.stmt("SELECT value FROM meta WHERE key = 'builder'").get();
      const [pid, at] = String(cur?.value ?? '')
        .split(':')
        .map(Number);
      if (pid && pid !== process.pid && now - at < BUILDER_STALE_MS && alive(pid)) return false;
      this.stmt("INSERT OR REPLACE INTO meta(key, value) VALUES ('builder', ?)").run(`${process.pid}:${now}`);
      return true;
    });
  }

  releaseBuilder(): void {
    this.transaction(() =>
      this.stmt("DELETE FROM meta WHERE key = 'builder' AND value LIKE ?").run(`${process.pid}:%`),
    );
  }

  /** Bytes the index takes on disk (its file and write-ahead log). */
  diskBytes(): number {
    let n = 0;
    for (const f of [this.file, `${this.file}-wal`])
      try {
        n += fs.statSync(f).size;
      } catch {
        // not there (yet)
      }
    return n;
  }
}

class StaleIndex extends Error {}

/** A builder that has not committed for this long is taken for dead (its claim is renewed per file). */
const BUILDER_STALE_MS = 60_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function fileState(r: SqliteRow): FileState {
  const s = (k: string) => (typeof r[k] === 'string' ? (r[k] as string) : undefined);
  return {
    id: Number(r.id),
    path: String(r.path),
    thread: String(r.thread),
    archived: Boolean(r.archived),
    size: Number(r.size),
    mtimeMs: Number(r.mtime_ms),
    ino: Number(r.ino),
    offset: Number(r.offset),
    line: Number(r.line),
    anchor: String(r.anchor),
    cwd: s('cwd'),
    started: s('started'),
    firstUser: s('first_user'),
    name: s('name'),
  };
}
