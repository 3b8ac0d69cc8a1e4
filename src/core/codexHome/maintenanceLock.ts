// Codex's own rollout maintenance (0.171: idle-thread compression, paginated-rollout migration,
// history repair) runs under an exclusive flock on CODEX_HOME/.tmp/rollout-maintenance.lock, taken
// with LOCK_NB: when someone else holds it, Codex skips that round. Every write that replaces a
// rollout (repair, restore, reclaim) holds it too, so Codex never compresses or migrates a file
// while we swap it, and we never swap one under Codex.
import { maintenanceLockPath } from './paths';
import { HeldLock, holdLock } from './lockHolder';
import { RescueError } from '../util/errors';

export interface MaintenanceLockOptions {
  /** How long to wait while Codex holds it (default 5 s: its maintenance rounds are short). */
  waitMs?: number;
}

const DEFAULT_WAIT_MS = 5000;

/** This process's holds, by lock file: a run that holds the lock (reclaim) may repair threads under it. */
const held = new Map<string, { lock: HeldLock; count: number }>();

/**
 * Take Codex's maintenance lock, waiting briefly; throws a RescueError in plain words when it can't.
 * Re-entrant within this process: a second acquire while it is held shares the hold, and the lock is
 * let go when every holder has released it.
 */
export function acquireCodexMaintenanceLock(codexHome: string, o: MaintenanceLockOptions = {}): HeldLock {
  const lockPath = maintenanceLockPath(codexHome);
  const ours = held.get(lockPath);
  if (ours) {
    ours.count++;
    return shared(lockPath, ours);
  }
  const waitMs = o.waitMs ?? DEFAULT_WAIT_MS;
  const r = holdLock({ lockPath, waitMs });
  if (typeof r !== 'string') {
    const entry = { lock: r, count: 1 };
    held.set(lockPath, entry);
    return shared(lockPath, entry);
  }
  if (r === 'busy')
    throw new RescueError(
      'codex-maintenance',
      `Codex is doing its own maintenance of this Codex home's threads right now (compressing idle threads or migrating them; it holds ${lockPath}), and it did not finish within ${Math.round(waitMs / 1000)} s. Nothing was changed. Wait until Codex has finished starting up, then try again; if this keeps happening, close Codex and try again.`,
    );
  if (r === 'error')
    throw new RescueError(
      'write-failed',
      `Could not open Codex's maintenance lock ${lockPath} (check that the Codex home is writable). Nothing was changed.`,
    );
  throw new RescueError(
    'unsupported',
    `Could not take Codex's maintenance lock ${lockPath}: this system has no way to hold a file lock from here (on Linux and macOS it needs flock(1) from util-linux, or perl; on Windows, PowerShell). Nothing was changed.`,
  );
}

function shared(lockPath: string, entry: { lock: HeldLock; count: number }): HeldLock {
  let released = false;
  return {
    lockPath,
    held: () => !released && entry.lock.held(),
    release() {
      if (released) return;
      released = true;
      if (--entry.count > 0) return;
      held.delete(lockPath);
      entry.lock.release();
    },
  };
}

/**
 * Run `fn` while holding Codex's maintenance lock; the lock is let go when `fn` returns, throws, or
 * (for a promise) settles. Throws RescueError 'codex-maintenance' without running `fn` when Codex
 * keeps the lock past the wait.
 */
export function withCodexMaintenanceLock<T>(codexHome: string, fn: () => T, o: MaintenanceLockOptions = {}): T {
  const lock = acquireCodexMaintenanceLock(codexHome, o);
  let result: T;
  try {
    result = fn();
  } catch (err) {
    lock.release();
    throw err;
  }
  if (result instanceof Promise) return result.finally(() => lock.release()) as T;
  lock.release();
  return result;
}
