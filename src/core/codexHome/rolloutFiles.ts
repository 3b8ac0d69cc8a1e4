// Where Codex keeps its threads, and how to find every rollout file in it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RescueError } from '../util/errors';
import { THREAD_ID_PATTERN, archivedSessionsDir, sessionsDir, threadIdIn } from './paths';

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
  /** The file's inode: a new one means the file was replaced (a rename over it), not appended to. */
  ino?: number;
}

const NAME = new RegExp(
  `^rollout-(\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\d)-(${THREAD_ID_PATTERN})(?:_(${THREAD_ID_PATTERN}))?\\.jsonl(\\.zst)?$`,
);

export function parseRolloutName(
  name: string,
): { id: string; rolloutId?: string; compressed: boolean; stamp: string } | undefined {
  const m = NAME.exec(name);
  if (!m) return undefined;
  return { stamp: m[1], id: m[2].toLowerCase(), rolloutId: m[3]?.toLowerCase(), compressed: m[4] !== undefined };
}

/**
 * Every rollout under sessions/ (any depth) and archived_sessions/. A plain .jsonl beats its .zst twin.
 * `onFile` sees each file as it is found (twins included), before the listing is done.
 */
export function listRollouts(codexHome: string, onFile?: (f: RolloutFile) => void): RolloutFile[] {
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
      const f: RolloutFile = {
        path: p,
        id: parsed.id,
        rolloutId: parsed.rolloutId,
        archived,
        compressed: parsed.compressed,
        size: st.size,
        mtimeMs: st.mtimeMs,
        ino: st.ino,
      };
      out.set(key, f);
      onFile?.(f);
    }
  };
  visit(sessionsDir(codexHome), false, 0);
  visit(archivedSessionsDir(codexHome), true, 0);
  return [...out.values()];
}

/** Find one thread by id, unique id prefix, or rollout path; undefined when there is none. */
export function findThread(codexHome: string, ref: string): RolloutFile | undefined {
  const files = listRollouts(codexHome);
  if (fs.existsSync(ref) && fs.statSync(ref).isDirectory())
    throw new RescueError(
      'usage',
      `${ref} is a folder; give one rollout file (sessions/…/rollout-….jsonl), a thread id or an id prefix`,
    );
  if (fs.existsSync(ref) && fs.statSync(ref).isFile()) {
    const abs = path.resolve(ref);
    const known = files.find((f) => path.resolve(f.path) === abs);
    if (known) return known;
    const st = fs.statSync(abs);
    return {
      path: abs,
      id: threadIdIn(path.basename(abs)) ?? path.basename(abs),
      archived: abs.includes(`${path.sep}archived_sessions${path.sep}`),
      compressed: abs.endsWith('.zst'),
      size: st.size,
      mtimeMs: st.mtimeMs,
    };
  }
  const needle = ref.toLowerCase();
  const exact = files.filter((f) => f.id === needle);
  if (exact.length) return exact.sort((a, b) => Number(a.archived) - Number(b.archived))[0];
  const prefixed = needle ? files.filter((f) => f.id.startsWith(needle)) : [];
  if (prefixed.length === 1) return prefixed[0];
  if (prefixed.length > 1) {
    const some = prefixed.slice(0, 5).map((f) => f.id);
    throw new RescueError(
      'usage',
      `'${ref}' matches ${prefixed.length} threads; give more of the id (${some.join(', ')}${prefixed.length > 5 ? ', …' : ''})`,
    );
  }
  return undefined;
}

/** The one way to find a thread or say why not: by id, unique id prefix, or rollout path. */
export function resolveThread(codexHome: string, ref: string): RolloutFile {
  const f = findThread(codexHome, ref);
  if (!f)
    throw new RescueError(
      'not-found',
      `no thread '${ref}' under ${codexHome} (give a thread id, an id prefix, or a rollout path)`,
    );
  return f;
}
