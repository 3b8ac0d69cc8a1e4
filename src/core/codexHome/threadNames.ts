// Thread names as Codex shows them: the last session_index.jsonl entry for an id, else the
// `threads` row of state_5.sqlite (name, then title).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readRollout } from '../rollout/reader';
import { str } from '../rollout/jsonSkeleton';
import { openDb, sqliteBinding, sqliteHome, sqliteUnavailableReason } from './sqlite';

export interface StateRow {
  id: string;
  name?: string;
  title?: string;
  rolloutPath?: string;
  cwd?: string;
  model?: string;
  gitBranch?: string;
  archived?: boolean;
  tokensUsed?: number;
  updatedAtMs?: number;
}

export interface NameSources {
  index: Map<string, string>;
  state: Map<string, StateRow>;
  /** Why the state database could not be used, if it could not (said once). */
  stateNote?: string;
}

export function readSessionIndex(codexHome: string): Map<string, string> {
  const file = path.join(codexHome, 'session_index.jsonl');
  const names = new Map<string, string>();
  if (!fs.existsSync(file)) return names;
  try {
    readRollout(
      file,
      (l) => {
        const id = str(l.value, 'id');
        const name = str(l.value, 'thread_name');
        if (id && name !== undefined) names.set(id.toLowerCase(), name);
      },
      { hashDataUrls: false, parseShortLines: true },
    );
  } catch {
    // An unreadable index only costs us names; the threads are still listed.
  }
  return names;
}

function stateDbPath(codexHome: string, env: NodeJS.ProcessEnv): string {
  return path.join(sqliteHome(codexHome, env), 'state_5.sqlite');
}

export function readStateDb(
  codexHome: string,
  env: NodeJS.ProcessEnv = process.env,
): { rows: Map<string, StateRow>; note?: string } {
  const rows = new Map<string, StateRow>();
  const file = stateDbPath(codexHome, env);
  if (!fs.existsSync(file)) return { rows };
  if (!sqliteBinding()) return { rows, note: sqliteUnavailableReason() };
  let db;
  try {
    db = openDb(file, { readOnly: true, busyTimeoutMs: 2000 });
    const cols = new Set(
      db
        .prepare('PRAGMA table_info(threads)')
        .all()
        .map((r) => String(r.name)),
    );
    if (!cols.has('id')) return { rows, note: `${file} has no threads table` };
    const pick = [
      'id',
      'name',
      'title',
      'rollout_path',
      'cwd',
      'model',
      'git_branch',
      'archived',
      'tokens_used',
      'updated_at_ms',
      'updated_at',
    ].filter((c) => cols.has(c));
    for (const r of db.prepare(`SELECT ${pick.join(', ')} FROM threads`).all()) {
      const id = String(r.id).toLowerCase();
      const s = (k: string) => (typeof r[k] === 'string' && r[k] !== '' ? (r[k] as string) : undefined);
      const n = (k: string) => (typeof r[k] === 'number' || typeof r[k] === 'bigint' ? Number(r[k]) : undefined);
      rows.set(id, {
        id,
        name: s('name'),
        title: s('title'),
        rolloutPath: s('rollout_path'),
        cwd: s('cwd'),
        model: s('model'),
        gitBranch: s('git_branch'),
        archived: r.archived === undefined ? undefined : Boolean(Number(r.archived)),
        tokensUsed: n('tokens_used'),
        updatedAtMs:
          n('updated_at_ms') ?? (n('updated_at') !== undefined ? (n('updated_at') as number) * 1000 : undefined),
      });
    }
    return { rows };
  } catch (err) {
    return { rows, note: `could not read ${file}: ${(err as Error).message}` };
  } finally {
    db?.close();
  }
}

export function readNameSources(codexHome: string, env: NodeJS.ProcessEnv = process.env): NameSources {
  const { rows, note } = readStateDb(codexHome, env);
  return { index: readSessionIndex(codexHome), state: rows, stateNote: note };
}

export function threadName(id: string, sources: NameSources, firstUserMessage?: string): string {
  const fromIndex = sources.index.get(id);
  if (fromIndex) return fromIndex;
  const row = sources.state.get(id);
  if (row?.name) return row.name;
  if (row?.title) return row.title;
  if (firstUserMessage) {
    const line = firstUserMessage.split('\n').find((x) => x.trim()) ?? firstUserMessage;
    return line.length > 80 ? line.slice(0, 79) + '…' : line;
  }
  return '(untitled thread)';
}
