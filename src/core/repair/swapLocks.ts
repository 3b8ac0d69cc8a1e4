// The locks every swap of a rollout holds: Codex's maintenance lock (so its compressor and migrator
// don't run under us), then the thread's writer lock (so no Codex opens the thread meanwhile) —
// the order Codex takes them in. Both are let go when the swap is done, whatever happened. A reclaim
// holds the maintenance lock for its whole run (its workers are threads of the process that holds it).
import { withCodexMaintenanceLock } from '../codexHome/maintenanceLock';
import { holdThreadWriterLock } from '../codexHome/writerLock';

export function withSwapLocks<T>(
  codexHome: string,
  threadId: string,
  fn: () => T,
  o: { waitMs?: number; maintenanceLockHeld?: boolean } = {},
): T {
  const underWriterLock = (): T => {
    const writer = holdThreadWriterLock(codexHome, threadId, o);
    try {
      return fn();
    } finally {
      writer.release();
    }
  };
  return o.maintenanceLockHeld ? underWriterLock() : withCodexMaintenanceLock(codexHome, underWriterLock, o);
}
