// Codex's projection of paginated rollouts (thread_history_1.sqlite) stores byte offsets into the
// rollout file. After the file is rewritten, that thread's rows must go (Codex re-projects from
// offset 0); we keep a copy of them so a restore can put them back.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openDb, sqliteBinding, sqliteHome, sqliteUnavailableReason, SqliteDb } from './sqlite';
import { RescueError } from '../util/errors';

export const PROJECTION_TABLES = [
  'thread_history_projection_state',
  'thread_turns',
  'thread_items',
  'thread_realtime_items',
];

export interface ProjectionDump {
  dbPath: string;
  threadId: string;
  tables: Record<string, { columns: string[]; rows: unknown[][] }>;
}

export class DatabaseBusyError extends Error {
  constructor(dbPath: string) {
    super(
      `Codex's database ${dbPath} is locked: Codex (or its app-server behind Desktop / the IDE extension) is running. Close it and try again.`,
    );
    this.name = 'DatabaseBusyError';
  }
}

export function projectionDbPath(codexHome: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(sqliteHome(codexHome, env), 'thread_history_1.sqlite');
}

function isBusy(err: unknown): boolean {
  const e = err as { code?: string; errcode?: number; message?: string };
  return e?.errcode === 5 || e?.errcode === 6 || /database is locked|SQLITE_BUSY|SQLITE_LOCKED/i.test(e?.message ?? '');
}

function tablesIn(db: SqliteDb): Set<string> {
  return new Set(
    db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
      .all()
      .map((r) => String(r.name)),
  );
}

/** Encode SQLite values for JSON (blobs as base64, bigints as strings). */
function toJson(v: unknown): unknown {
  if (v instanceof Uint8Array) return { $blob: Buffer.from(v).toString('base64') };
  if (typeof v === 'bigint') return { $bigint: v.toString() };
  return v;
}
function fromJson(v: unknown): unknown {
  if (v && typeof v === 'object' && '$blob' in v) return Buffer.from(String((v as { $blob: string }).$blob), 'base64');
  if (v && typeof v === 'object' && '$bigint' in v) return BigInt(String((v as { $bigint: string }).$bigint));
  return v;
}

/** Rows deleted inside an open write transaction: commit once the file is swapped, or roll back. */
export interface ProjectionTxn {
  dump: ProjectionDump;
  /** Insert saved rows (a restore) in the same transaction. */
  insert(saved: ProjectionDump): void;
  commit(): void;
  rollback(): void;
}

/**
 * Copy, then delete, a thread's projection rows inside a write transaction that the caller ends.
 * Taking the write lock before the file swap means a running Codex is noticed before anything
 * changes. Returns undefined when there is no projection database (legacy threads, older Codex).
 */
export function beginDropProjection(
  codexHome: string,
  threadId: string,
  env: NodeJS.ProcessEnv = process.env,
): ProjectionTxn | undefined {
  const dbPath = projectionDbPath(codexHome, env);
  if (!fs.existsSync(dbPath)) return undefined;
  if (!sqliteBinding())
    throw new RescueError(
      'unsupported',
      `${sqliteUnavailableReason()}. This thread's projection in ${dbPath} must be cleared with the repair; run it from VS Code ≥ 1.101 or Node ≥ 22.13.`,
    );
  let db: SqliteDb | undefined;
  try {
    db = openDb(dbPath, { readOnly: false, busyTimeoutMs: 3000 });
    const present = tablesIn(db);
    const dump: ProjectionDump = { dbPath, threadId, tables: {} };
    db.exec('BEGIN IMMEDIATE');
    for (const table of PROJECTION_TABLES) {
      if (!present.has(table)) continue;
      const rows = db.prepare(`SELECT * FROM ${table} WHERE thread_id = ?`).all(threadId);
      const columns = rows.length ? Object.keys(rows[0]) : [];
      dump.tables[table] = { columns, rows: rows.map((r) => columns.map((c) => toJson(r[c]))) };
      db.prepare(`DELETE FROM ${table} WHERE thread_id = ?`).run(threadId);
    }
    const open = db;
    let ended = false;
    const end = (sql: string) => {
      if (ended) return;
      ended = true;
      try {
        open.exec(sql);
      } catch (err) {
        if (isBusy(err)) throw new DatabaseBusyError(dbPath);
        throw err;
      } finally {
        open.close();
      }
    };
    const insert = (saved: ProjectionDump) => insertRows(open, present, saved);
    return { dump, insert, commit: () => end('COMMIT'), rollback: () => end('ROLLBACK') };
  } catch (err) {
    try {
      db?.exec('ROLLBACK');
    } catch {
      // no transaction was open
    }
    db?.close();
    if (isBusy(err)) throw new DatabaseBusyError(dbPath);
    throw err;
  }
}

function insertRows(db: SqliteDb, present: Set<string>, saved: ProjectionDump): void {
  for (const table of PROJECTION_TABLES) {
    const t = saved.tables[table];
    if (!present.has(table) || !t || !t.rows.length) continue;
    const insert = db.prepare(
      `INSERT INTO ${table} (${t.columns.join(', ')}) VALUES (${t.columns.map(() => '?').join(', ')})`,
    );
    for (const row of t.rows) insert.run(...row.map(fromJson));
  }
}
