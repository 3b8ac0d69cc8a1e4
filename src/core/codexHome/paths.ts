// Every path Codex and this tool use inside (or beside) a Codex home, in one place. Codex's own
// layout is described in shared/docs/codex-format.md; ours lives under CODEX_HOME/rescue/.
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { RescueError } from '../util/errors';
import { cacheFolder } from '../util/cacheFolder';

/** A thread id: a UUID (v4 in older Codex versions, v7 in newer ones). */
export const THREAD_ID_PATTERN = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const THREAD_ID_ONLY = new RegExp(`^${THREAD_ID_PATTERN}$`);
const THREAD_ID_IN = new RegExp(THREAD_ID_PATTERN);

export function isThreadId(s: string): boolean {
  return THREAD_ID_ONLY.test(s);
}

/** The first thread id in a string (a file name), lower-cased. */
export function threadIdIn(s: string): string | undefined {
  return THREAD_ID_IN.exec(s)?.[0].toLowerCase();
}

/** $CODEX_HOME, else ~/.codex; `~` expanded. */
export function resolveCodexHome(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = explicit?.trim() || env.CODEX_HOME?.trim() || path.join(os.homedir(), '.codex');
  return path.resolve(chosen.startsWith('~') ? path.join(os.homedir(), chosen.slice(1)) : chosen);
}

// ------------------------------------------------------------------ Codex's own files

export const sessionsDir = (home: string) => path.join(home, 'sessions');
export const archivedSessionsDir = (home: string) => path.join(home, 'archived_sessions');
export const sessionIndexPath = (home: string) => path.join(home, 'session_index.jsonl');
export const configTomlPath = (home: string) => path.join(home, 'config.toml');
export const writerLocksDir = (home: string) => path.join(home, 'thread-writer-locks');
export const writerLockPath = (home: string, threadId: string) => path.join(writerLocksDir(home), `${threadId}.lock`);
/** Codex 0.171 takes this (exclusive flock) around taking or removing a thread's writer lock. */
export const writerCoordinationLockPath = (home: string) => path.join(writerLocksDir(home), '.coordination.lock');
/** Codex 0.171 runs its rollout maintenance (compression, migration) under an exclusive flock on this. */
export const maintenanceLockPath = (home: string) => path.join(home, '.tmp', 'rollout-maintenance.lock');
/** Both databases live in the sqlite home (see `sqliteHome`), which is usually CODEX_HOME. */
export const STATE_DB = 'state_5.sqlite';
export const THREAD_HISTORY_DB = 'thread_history_1.sqlite';

const pad = (n: number) => String(n).padStart(2, '0');

/** `rollout-<local time>-<id>.jsonl`, as Codex names a new thread's file. */
export function rolloutFileName(id: string, when: Date): string {
  const day = `${when.getFullYear()}-${pad(when.getMonth() + 1)}-${pad(when.getDate())}`;
  return `rollout-${day}T${pad(when.getHours())}-${pad(when.getMinutes())}-${pad(when.getSeconds())}-${id}.jsonl`;
}

/** sessions/YYYY/MM/DD/<file>: folder and file stamp are local time, as Codex writes them. */
export function sessionPath(home: string, id: string, when: Date): string {
  const day = [String(when.getFullYear()), pad(when.getMonth() + 1), pad(when.getDate())];
  return path.join(sessionsDir(home), ...day, rolloutFileName(id, when));
}

// ------------------------------------------------------------------ ours, under CODEX_HOME/rescue

/** Our per-thread folders are named by thread id only (a UUID): never by a name a caller made up. */
function safe(threadId: string): string {
  if (!isThreadId(threadId))
    throw new RescueError(
      'usage',
      `'${threadId}' is not a Codex thread id, so nothing is kept for it under the Codex home's rescue/ folder`,
    );
  return threadId.toLowerCase();
}

export const rescueDir = (home: string) => path.join(home, 'rescue');
export const backupsRoot = (home: string) => path.join(rescueDir(home), 'backups');
export const threadBackupsDir = (home: string, threadId: string) => path.join(backupsRoot(home), safe(threadId));
export const handoffDir = (home: string, threadId: string) => path.join(rescueDir(home), 'handoffs', safe(threadId));
/** Archived images, content-addressed: images/<sha256>.<ext>. */
export const imageArchiveDir = (home: string) => path.join(rescueDir(home), 'images');
/** The proactive-handoff crossing state, so a restart doesn't write the same handoff again. */
export const watchStatePath = (home: string) => path.join(rescueDir(home), 'watch-state.json');

/** Our cache folder for one Codex home's files: `<XDG cache>/codex-session-rescue/<name>-<home key>.<ext>`. */
function cachePath(home: string, name: string, ext: string, env: NodeJS.ProcessEnv): string {
  const key = createHash('sha1').update(home).digest('hex').slice(0, 12);
  return path.join(cacheFolder(env), `${name}-${key}.${ext}`);
}

/** The CLI's scan index between runs: a cache, so never inside CODEX_HOME. */
export function scanIndexPath(home: string, env: NodeJS.ProcessEnv = process.env): string {
  return cachePath(home, 'scan-index', 'json', env);
}

/**
 * The full-text search index, beside the scan index. One file per engine (`fts5`, or `plain` where
 * this Node's SQLite has no FTS5), so two runtimes sharing a home never rebuild each other's.
 */
export function searchIndexPath(home: string, engine: string, env: NodeJS.ProcessEnv = process.env): string {
  return cachePath(home, `search-index-${engine}`, 'sqlite', env);
}

/** UUID v7 (time-ordered), like the ids recent Codex versions give threads. */
export function newThreadId(now = Date.now()): string {
  const b = randomBytes(16);
  b.writeUIntBE(now, 0, 6);
  b[6] = (b[6] & 0x0f) | 0x70;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
