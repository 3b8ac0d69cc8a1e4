// One error type for everything the core refuses or fails at. Each carries a code, so the CLI, the
// worker, the extension and the MCP server decide what to do by code, never by matching message text.
// The message is plain words for the user: what happened and what they can do.

export type ErrorCode =
  | 'cancelled' // the user cancelled; nothing was changed
  | 'usage' // the command line or request was malformed
  | 'not-found' // no such thread / backup / file
  | 'outside-home' // a path that is not one of the Codex home's rollouts (confinement)
  | 'unreadable' // a file could not be read (permissions, a folder, …)
  | 'bad-input' // the rollout is damaged in a way the operation cannot work around
  | 'held-by-codex' // Codex (or its app-server) is writing the thread
  | 'growing' // the rollout is still being appended to
  | 'has-forks' // a Codex fork points into the file
  | 'db-busy' // Codex's database is locked by a running Codex
  | 'changed-since-repair' // restore would drop turns Codex added after the repair
  | 'changed-during-run' // the original changed while we read it
  | 'verify-failed' // the repaired copy failed verification (a bug: the original is untouched)
  | 'write-failed' // disk full, permissions, … while writing
  | 'exists' // the target exists and we never overwrite
  | 'unsupported' // the runtime lacks something (node:sqlite)
  | 'internal';

export class RescueError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RescueError';
  }
}

export class CancelledError extends RescueError {
  constructor(message = 'Cancelled. Nothing was changed.') {
    super('cancelled', message);
    this.name = 'CancelledError';
  }
}

export class UsageError extends RescueError {
  constructor(message: string) {
    super('usage', message);
    this.name = 'UsageError';
  }
}

/** The code of any thrown value: ours carry one; anything else is internal. */
export function errorCode(err: unknown): ErrorCode {
  return err instanceof RescueError ? err.code : 'internal';
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
