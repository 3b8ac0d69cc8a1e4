import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'smol-toml';
import { RescueError } from '../util/errors';

// Access to Codex's SQLite databases through Node's built-in `node:sqlite` (the binding VS Code's
// extension host has from 1.101). Where it is missing we say so once and work from files alone.

export interface SqliteRow {
  [column: string]: unknown;
}

export interface SqliteStatement {
  all(...params: unknown[]): SqliteRow[];
  get(...params: unknown[]): SqliteRow | undefined;
  run(...params: unknown[]): { changes: number | bigint };
}

export interface SqliteDb {
  prepare(sql: string): SqliteStatement;
  exec(sql: string): void;
  close(): void;
  /** A SQL function written in JS (node:sqlite 22.13+). */
  function(name: string, opts: { deterministic?: boolean }, fn: (...args: unknown[]) => unknown): void;
}

type DatabaseCtor = new (path: string, opts?: Record<string, unknown>) => SqliteDb;

let ctor: DatabaseCtor | null | undefined;
let unavailableReason: string | undefined;

/** The DatabaseSync constructor, or null when this Node has no node:sqlite. */
export function sqliteBinding(): DatabaseCtor | null {
  if (ctor !== undefined) return ctor;
  try {
    // Silence the one-time "SQLite is an experimental feature" warning; it is noise to users.
    const emit = process.emitWarning;
    process.emitWarning = ((w: string | Error, ...rest: unknown[]) => {
      const text = typeof w === 'string' ? w : w.message;
      if (/SQLite is an experimental feature/.test(text)) return;
      (emit as (...a: unknown[]) => void).call(process, w, ...rest);
    }) as typeof process.emitWarning;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      ctor = (require('node:sqlite') as { DatabaseSync: DatabaseCtor }).DatabaseSync;
    } finally {
      process.emitWarning = emit;
    }
  } catch (err) {
    ctor = null;
    unavailableReason = `node:sqlite is not available in Node ${process.versions.node} (${(err as Error).message.split('\n')[0]}); thread names and fork/projection data come from files only`;
  }
  return ctor;
}

export function sqliteUnavailableReason(): string | undefined {
  sqliteBinding();
  return unavailableReason;
}

export interface OpenOptions {
  readOnly: boolean;
  busyTimeoutMs?: number;
}

/**
 * Open a Codex database. Read-only connections never change the journal mode and never
 * checkpoint, so the WAL Codex left behind stays as it is (and its rows are still read).
 */
export function openDb(path: string, opts: OpenOptions): SqliteDb {
  const Db = sqliteBinding();
  if (!Db) throw new RescueError('unsupported', unavailableReason ?? 'node:sqlite is not available');
  const db = new Db(path, { readOnly: opts.readOnly, open: true });
  db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 2000))}`);
  return db;
}

/**
 * The folder holding Codex's databases: $CODEX_SQLITE_HOME, else `sqlite_home` in config.toml,
 * else CODEX_HOME itself.
 */
export function sqliteHome(codexHome: string, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.CODEX_SQLITE_HOME?.trim();
  if (fromEnv) return fromEnv;
  try {
    const home = parse(fs.readFileSync(path.join(codexHome, 'config.toml'), 'utf8')).sqlite_home;
    if (typeof home === 'string' && home)
      return home.startsWith('~') ? path.join(os.homedir(), home.slice(1)) : path.resolve(codexHome, home);
  } catch {
    // no config.toml, or one Codex could not read either: the default applies
  }
  return codexHome;
}
