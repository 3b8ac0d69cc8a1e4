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
  options?: Omit<StripOptions, 'newThreadId' | 'store' | 'originalIn'> & { archiveImages?: boolean };
  /** In place: a .zst thread stays .zst (written with Node's zstd, 22.15+); otherwise it becomes a plain .jsonl. */
  keepCompressed?: boolean;
  env?: NodeJS.ProcessEnv;
  /**
   * Accept a rollout path outside the Codex home for a dry run, a copy or a fork (the CLI, for a file
   * the user names). An in-place repair only ever rewrites one of the home's own rollouts.
   */
  outside?: boolean;
}

export type Phase = 'checking' | 'stripping' | 'verifying' | 'saving restore data' | 'swapping' | 'restoring';

export interface RepairHooks {
  onProgress?: (done: number, total: number, phase: Phase) => void;
  isCancelled?: () => boolean;
  /** Milliseconds to watch the file for growth before touching it (default 1500; tests use less). */
  growthWindowMs?: number;
  /** How long to wait while Codex holds its maintenance lock before refusing (default 5 s). */
  lockWaitMs?: number;
  /** The caller holds Codex's maintenance lock already, in this process (a reclaim run, for its whole run). */
  maintenanceLockHeld?: boolean;
  /**
   * In place: the original's last copy, once its restore data stands, is handed to this instead of
   * removed during the swap (a reclaim removes it off the worker's path; until then it is a redundant
   * full backup, which the next reclaim removes after checking the restore data again).
   */
  dropLater?: (file: string) => void;
}

export interface StripReport
  extends
    Omit<StripStats, 'lines' | 'shapeDigest' | 'threadIdInMeta' | 'editedLines' | 'editedRanges' | 'knownImages'>,
    VerifyCounts {
  mode: StripMode;
  threadId: string;
  sourcePath: string;
  outputPath: string;
  /** In place: the backup folder (restore data) or the original's copy (when no restore data could stand in). */
  backupPath?: string;
  /** In place: what the restore data takes (patch + manifest; the images are in the store). */
  restoreData?: { bytes: number; imageRefs: number; images: number; rawBytes: number };
  /** In place: why a full copy of the original was kept instead of restore data. */
  fullCopyKept?: string;
  newThreadId?: string;
  archiveDir?: string;
  projectionRowsCleared?: number;
  resumeCommand: string;
  elapsedMs: number;
}
