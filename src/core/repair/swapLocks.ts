// The locks every swap of a rollout holds: Codex's maintenance lock (so its compressor and migrator
// don't run under us), then the thread's writer lock (so no Codex opens the thread meanwhile) —
// the order Codex takes them in. Both are let go when the swap is done, whatever happened. A reclaim
// holds the maintenance lock for its whole run (its workers are threads of the process that holds it).
import { withCodexMaintenanceLock } from '../codexHome/maintenanceLock';
import { holdThreadWriterLock } from '../codexHome/writerLock';
import { RescueError } from '../util/errors';

/**
 * Run `fn` under both locks. `fn` is given a check that the writer lock is still ours (its holder
 * process still runs), to make just before the rename: a holder killed meanwhile took the lock with it.
 */
export function withSwapLocks<T>(
  codexHome: string,
  threadId: string,
  fn: (assertWriterLockHeld: () => void) => T,
  o: { waitMs?: number; maintenanceLockHeld?: boolean } = {},
): T {
  const underWriterLock = (): T => {
    const writer = holdThreadWriterLock(codexHome, threadId, o);
    try {
      return fn(() => {
        if (!writer.held())
          throw new RescueError(
            'held-by-codex',
            `The process that kept thread ${threadId}'s writer lock for us ended during the swap, so Codex could have opened the thread meanwhile. Nothing was changed; try again.`,
          );
      });
    } finally {
      writer.release();
    }
  };
  return o.maintenanceLockHeld ? underWriterLock() : withCodexMaintenanceLock(codexHome, underWriterLock, o);
}
