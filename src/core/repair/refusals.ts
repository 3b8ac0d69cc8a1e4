// When a repair must not touch a thread: Codex holds it, it is still growing, a fork points into it,
// it has no session_meta, or the output would overwrite something. Each refusal says why and what to do.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RolloutFile, RolloutName, parseRolloutName, rolloutFoldersAgain } from '../codexHome/rolloutFiles';
import { processesHolding, threadLockState } from '../codexHome/writerLock';
import { readHeadMeta } from '../rollout/headMeta';
import { SessionMeta } from '../rollout/format';
import { RescueError, errorMessage } from '../util/errors';

/**
 * Each rollout's fork parent, by path: it is in the file's first line (session_meta), which never
 * changes, and a rollout's name holds its thread's id. Only whole first lines are remembered: a file
 * Codex is still writing its first line to is read again next time.
 */
const parents = new Map<string, string | undefined>();
const HEAD_BYTES = 256 * 1024;
let headBuf: Buffer | undefined;

/**
 * The rollout a file's history_base points into, by its rollout id (lower case): a Codex fork's parent,
 * or — for a thread Codex reverted (`…-<thread>_<rollout>.jsonl`) — the thread's own older rollout;
 * undefined for the many threads that are neither. A head is read once and remembered, whoever asks:
 * a reclaim asks about the whole home before each thread.
 */
function forkParentOf(f: RolloutName): string | undefined {
  if (parents.has(f.path)) return parents.get(f.path);
  try {
    if (!f.compressed) {
      // cheap pre-check: most threads are not forks
      headBuf ??= Buffer.allocUnsafe(HEAD_BYTES);
      const fd = fs.openSync(f.path, 'r');
      let n: number;
      try {
        n = fs.readSync(fd, headBuf, 0, HEAD_BYTES, 0);
      } finally {
        fs.closeSync(fd);
      }
      const eol = headBuf.subarray(0, n).indexOf(0x0a);
      if (eol >= 0 && headBuf.subarray(0, eol).indexOf('history_base') === -1) return remember(f, undefined);
    }
    const meta = readHeadMeta(f.path);
    // no session_meta (yet, or ever): not remembered
    return meta ? remember(f, meta.historyBase?.threadId?.toLowerCase()) : undefined;
  } catch {
    return undefined; // unreadable: not ours to judge
  }
}

function remember(f: RolloutName, parent: string | undefined): string | undefined {
  if (parents.size >= 200_000) parents.clear();
  parents.set(f.path, parent);
  return parent;
}

/**
 * Each folder's forks by the rollout they point into, while the folder is unchanged (rolloutFoldersAgain)
 * and once every file's first line was read whole (a file being started is looked at again).
 */
const forksIn = new WeakMap<readonly RolloutName[], Map<string, RolloutName[]>>();

/**
 * Other rollouts whose history_base points into the file with this rollout id (rolloutIdOf): forks made
 * by Codex, and a reverted thread's later file. `lookAtAll`: every folder looked at, past days' too
 * (rolloutFoldersAgain trusts those for a minute).
 */
export function forksOf(codexHome: string, rolloutId: string, o: { lookAtAll?: boolean } = {}): RolloutName[] {
  const forks = new Map<string, RolloutName>(); // a .jsonl and its .zst twin are one
  for (const files of rolloutFoldersAgain(codexHome, o)) {
    let byParent = forksIn.get(files);
    if (!byParent) {
      byParent = forksByParent(files);
      if (files.every((f) => parents.has(f.path))) forksIn.set(files, byParent);
    }
    for (const f of byParent.get(rolloutId) ?? []) {
      const key = f.path.replace(/\.zst$/, '');
      if (!f.compressed || !forks.has(key)) forks.set(key, f);
    }
  }
  return [...forks.values()];
}

/**
 * The id other rollouts' history_base names a file by (Codex's rollout id): the part after the thread id
 * in a reverted thread's later file (`…-<thread>_<rollout>.jsonl`), else the thread id.
 */
export function rolloutIdOf(f: Pick<RolloutName, 'path' | 'id'> & { rolloutId?: string }): string {
  return (f.rolloutId ?? parseRolloutName(path.basename(f.path))?.rolloutId ?? f.id).toLowerCase();
}

/** Every rollout that others point into (by its rollout id: rolloutIdOf), with those others. */
export function forksByParent<T extends RolloutName>(files: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const f of files) {
    const parent = forkParentOf(f);
    // a revert's later file points into its own thread's older one: only a file naming itself is skipped
    if (parent && parent !== rolloutIdOf(f)) out.set(parent, [...(out.get(parent) ?? []), f]);
  }
  return out;
}

/**
 * Why a file others point into may not be rewritten in place, naming them: Codex forks (other threads),
 * and the later rollout a revert made of the same thread.
 */
export function forksRefusal(
  f: Pick<RolloutName, 'path' | 'id'>,
  referrers: Pick<RolloutName, 'path' | 'id'>[],
): string {
  const forks = referrers.filter((r) => r.id !== f.id);
  const reverts = referrers.filter((r) => r.id === f.id);
  const parts: string[] = [];
  if (forks.length) parts.push(`${forks.length} fork(s) (${forks.map((x) => x.id).join(', ')})`);
  if (reverts.length)
    parts.push(
      `its own later rollout${reverts.length > 1 ? 's' : ''} made by a revert (${reverts.map((x) => path.basename(x.path)).join(', ')})`,
    );
  const what = `Thread ${f.id} has ${parts.join(' and ')} whose history points into this file (${path.basename(f.path)}) by byte offset; rewriting it in place would break ${referrers.length > 1 ? 'them' : 'it'}.`;
  if (forks.length) return `${what} Repair it as a fork instead (--fork): the original and its forks stay as they are.`;
  return `${what} Repair the later rollout instead (the thread's id names it): Codex goes on in that one and only reads this one for its history.`;
}

export function refuseForks(codexHome: string, f: Pick<RolloutName, 'path' | 'id'> & { rolloutId?: string }): void {
  const rolloutId = rolloutIdOf(f);
  let forks = forksOf(codexHome, rolloutId);
  // a fork removed from a past day's folder in the last minute would still be counted: look again
  if (forks.length) forks = forksOf(codexHome, rolloutId, { lookAtAll: true });
  if (forks.length) throw new RescueError('has-forks', forksRefusal(f, forks));
}

/** A repair needs the first line's session_meta: without it Codex can neither list nor resume the thread. */
export function requireSessionMeta(f: RolloutFile): SessionMeta {
  const meta = readHeadMeta(f.path);
  if (!meta?.id) {
    throw new RescueError(
      'bad-input',
      `${f.path} does not start with a session_meta line, so Codex cannot list or resume it and a repair would not bring it back. Write a handoff from it instead (codex-session-rescue handoff ${f.id}).`,
    );
  }
  return meta;
}

/**
 * Refuse while Codex holds the thread (writer lock) or another process has the rollout open.
 * `ownWriterLock`: we hold the writer lock ourselves (so the probe would only find us).
 * `openFilesMaxAgeMs`: a look at the open files taken that recently will do (see processesHolding).
 */
export function refuseIfHeld(
  codexHome: string,
  f: Pick<RolloutFile, 'id' | 'path'>,
  verb = 'touching',
  ownWriterLock = false,
  openFilesMaxAgeMs?: number,
): void {
  const lock = ownWriterLock ? undefined : threadLockState(codexHome, f.id);
  if (lock?.held) throw new RescueError('held-by-codex', `Not ${verb} thread ${f.id}: ${lock.detail}`);
  // Older Codex versions hold a thread by keeping its rollout open.
  const holders = processesHolding(f.path, { maxAgeMs: openFilesMaxAgeMs });
  if (holders && holders.length) {
    const who = holders.map((h) => `${h.name || 'process'} (pid ${h.pid})`).join(', ');
    throw new RescueError(
      'held-by-codex',
      `Not ${verb} thread ${f.id}: ${who} has its rollout open, so Codex is still running it. Close that Codex session (CLI, IDE extension or Desktop) and try again.`,
    );
  }
}

/** Refuse while Codex holds the thread or the file is still growing; returns the file's state to compare later. */
export function assertQuiet(codexHome: string, f: RolloutFile, growthWindowMs = 1500): fs.Stats {
  // A look at the open files of the last second will do here: the swap looks again, at that moment.
  refuseIfHeld(codexHome, f, 'touching', false, 1000);
  const before = fs.statSync(f.path);
  if (Date.now() - before.mtimeMs < 10_000 && growthWindowMs > 0) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, growthWindowMs);
    const after = fs.statSync(f.path);
    if (after.size !== before.size || after.mtimeMs !== before.mtimeMs) {
      throw new RescueError(
        'growing',
        `Not touching thread ${f.id}: its rollout is still growing (${before.size} → ${after.size} bytes), so something is writing it. Close Codex (CLI, IDE extension or Desktop) and try again.`,
      );
    }
  }
  return before;
}

/**
 * Just before the swap (with the thread's writer lock held by us): the file is as it was when the
 * pass began, and no other process has it open.
 */
export function assertUnchangedSince(codexHome: string, f: RolloutFile, stat: fs.Stats): void {
  const now = fs.statSync(f.path);
  if (now.size !== stat.size || now.mtimeMs !== stat.mtimeMs) {
    throw new RescueError(
      'changed-during-run',
      `Thread ${f.id} changed while it was being repaired (something is writing it). Nothing was changed; close Codex and try again.`,
    );
  }
  try {
    refuseIfHeld(codexHome, f, 'touching', true);
  } catch (err) {
    throw new RescueError(
      'held-by-codex',
      `Codex opened thread ${f.id} while it was being repaired (${errorMessage(err)}). Nothing was changed; close Codex and try again.`,
    );
  }
}

/** An --out path must be new: never the rollout itself, never an existing file. */
export function checkOutPath(out: string, f: RolloutFile): void {
  const target = path.resolve(out);
  const real = (p: string) => {
    try {
      return fs.realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  if (real(target) === real(f.path))
    throw new RescueError(
      'usage',
      "--out must not be the thread's own rollout; leave --out away to repair in place (with a backup)",
    );
  if (fs.existsSync(target))
    throw new RescueError('exists', `${target} already exists; choose a new --out path (nothing was changed)`);
}
