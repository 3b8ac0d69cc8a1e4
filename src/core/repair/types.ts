// What a strip / repair run is asked to do and what it reports.
import type { StripOptions, StripStats } from './stripPass';
import type { VerifyCounts } from './counts';

export type StripMode = 'dry-run' | 'in-place' | 'fork' | 'copy';

export interface StripRequest {
  codexHome: string;
  /** Thread id, id prefix or rollout path. */
  thread: string;
  mode: StripMode;
  /** Where to write the repaired copy (mode 'copy', or to keep a dry run's output). */
  out?: string;
  options?: Omit<StripOptions, 'newThreadId' | 'archiveDir' | 'originalIn'> & { archiveImages?: boolean };
  env?: NodeJS.ProcessEnv;
  /**
   * Accept a rollout path outside the Codex home for a dry run, a copy or a fork (the CLI, for a file
   * the user names). An in-place repair only ever rewrites one of the home's own rollouts.
   */
  outside?: boolean;
}

export type Phase = 'checking' | 'stripping' | 'verifying' | 'swapping' | 'restoring';

export interface RepairHooks {
  onProgress?: (done: number, total: number, phase: Phase) => void;
  isCancelled?: () => boolean;
  /** Milliseconds to watch the file for growth before touching it (default 1500; tests use less). */
  growthWindowMs?: number;
  /** How long to wait while Codex holds its maintenance lock before refusing (default 5 s). */
  lockWaitMs?: number;
}

export interface StripReport
  extends Omit<StripStats, 'lines' | 'shapeDigest' | 'threadIdInMeta' | 'editedLines'>, VerifyCounts {
  mode: StripMode;
  threadId: string;
  sourcePath: string;
  outputPath: string;
  backupPath?: string;
  newThreadId?: string;
  archiveDir?: string;
  projectionRowsCleared?: number;
  resumeCommand: string;
  elapsedMs: number;
}
