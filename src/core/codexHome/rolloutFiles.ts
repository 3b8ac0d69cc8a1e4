// Where Codex keeps its threads, and how to find every rollout file in it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export function resolveCodexHome(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = explicit?.trim() || env.CODEX_HOME?.trim() || path.join(os.homedir(), '.codex');
  return path.resolve(chosen.startsWith('~') ? path.join(os.homedir(), chosen.slice(1)) : chosen);
}

export interface RolloutFile {
  path: string;
  /** Thread id from the file name. */
  id: string;
  /** Rollout id of a reverted thread (`…-<threadId>_<rolloutId>.jsonl`). */
  rolloutId?: string;
  archived: boolean;
  compressed: boolean;
  size: number;
  mtimeMs: number;
}

const NAME =
  /^rollout-(\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d)-([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})(?:_([0-9a-fA-F-]{36}))?\.jsonl(\.zst)?$/;

export function parseRolloutName(
  name: string,
): { id: string; rolloutId?: string; compressed: boolean; stamp: string } | undefined {
  const m = NAME.exec(name);
  if (!m) return undefined;
  return { stamp: m[1], id: m[2].toLowerCase(), rolloutId: m[3]?.toLowerCase(), compressed: m[4] !== undefined };
}

/** Every rollout under sessions/ (any depth) and archived_sessions/. A plain .jsonl beats its .zst twin. */
export function listRollouts(codexHome: string): RolloutFile[] {
  const out = new Map<string, RolloutFile>();
  const visit = (dir: string, archived: boolean, depth: number) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // missing or unreadable folder: nothing listed from it
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (depth < 4) visit(p, archived, depth + 1);
        continue;
      }
      const parsed = parseRolloutName(e.name);
      if (!parsed || !e.isFile()) continue;
      let st: fs.Stats;
      try {
        st = fs.statSync(p);
      } catch {
        continue;
      }
      const key = p.replace(/\.zst$/, '');
      const prev = out.get(key);
      if (prev && !prev.compressed) continue;
      out.set(key, {
        path: p,
        id: parsed.id,
        rolloutId: parsed.rolloutId,
        archived,
        compressed: parsed.compressed,
        size: st.size,
        mtimeMs: st.mtimeMs,
      });
    }
  };
  visit(path.join(codexHome, 'sessions'), false, 0);
  visit(path.join(codexHome, 'archived_sessions'), true, 0);
  return [...out.values()];
}

export function writerLockPath(codexHome: string, threadId: string): string {
  return path.join(codexHome, 'thread-writer-locks', `${threadId}.lock`);
}
