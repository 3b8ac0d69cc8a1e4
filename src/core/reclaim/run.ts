// A reclaim plan carried out on every core: each thread is repaired in place (stripThread: temp file →
// verify → restore data → atomic swap) by one of a pool of workers (pool.ts, reclaimWorker.ts), biggest first.
// Cancelling stops new threads and asks running ones to stop before their swap; a thread whose file
// changed since the plan is left alone. Killed at any moment, each thread is its original or its
// repaired form with its restore data; the next run removes the temp files and carries on.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { archivedSessionsDir, rescueDir, sessionsDir } from '../codexHome/paths';
import { removeStaleTemps } from '../util/atomicWrite';
import { errorCode, errorMessage } from '../util/errors';
import { stripThread } from '../repair/stripThread';
import { defaultWorkerCount } from '../scan/scanPool';
import { ReclaimPlan, unchangedSincePlan } from './plan';
import { storeStats } from '../store/imageStore';
import { convertBackupToRestoreData } from '../repair/convertBackup';
import { removeUnswappedBackups } from '../repair/backups';
import { acquireCodexMaintenanceLock } from '../codexHome/maintenanceLock';
import { runInPool } from './pool';

/** One piece of work for a worker: a thread to repair in place, or a full backup to convert. */
export interface ReclaimJob {
  seq: number;
  codexHome: string;
  /** The thread's rollout. */
  path?: string;
  /** A full backup of an earlier repair, turned into restore data. */
  backup?: { threadId: string; dir: string };
  keepImages: number;
  maxToolOutputBytes: number;
  growthWindowMs?: number;
  env?: NodeJS.ProcessEnv;
  /** The run holds Codex's maintenance lock (in this process): the swap takes only the thread's writer lock. */
  maintenanceLockHeld?: boolean;
}

/** What each worker starts with: the pool's cancel flag (shared memory, set when the run stops). */
export interface ReclaimWorkerData {
  cancelFlag: Int32Array;
}

/** What the pool posts to a worker: a job, or that there is no more (it ends by itself, its children reaped). */
export type ReclaimWorkerRequest = ReclaimJob | { shutdown: true };

/** What a worker posts when its thread is done. */
export type ReclaimWorkerMessage = { seq: number } & ThreadOutcome;

export type ThreadOutcome =
  | {
      ok: true;
      sizeAfter: number;
      restoreBytes: number;
      imagesReplaced: number;
      backupPath?: string;
      /** Copies of originals that restore data now stands in for: the run removes them (not the worker). */
      drop?: string[];
    }
  | { ok: false; code: string; message: string };

export type ReclaimThreadResult = {
  kind: 'thread' | 'backup';
  /** The thread's id (a backup's: the thread it belongs to). */
  id: string;
  /** The rollout, or the backup folder. */
  path: string;
  sizeBefore: number;
  /** Bytes the thread gave back: its rollout shrank by this much more than its restore data takes. */
  freedBytes: number;
} & ThreadOutcome;

export interface ReclaimProgress {
  threadsDone: number;
  threadsTotal: number;
  /** Freed so far (threads done, store growth not yet subtracted) of what the plan estimated. */
  bytesFreed: number;
  bytesPlanned: number;
}

export interface ReclaimRunOptions {
  /** The worker entry (dist/reclaimWorker.js); without it every thread is repaired in this thread. */
  script?: string;
  /** Default: one per CPU. */
  workers?: number;
  isCancelled?: () => boolean;
  onProgress?: (p: ReclaimProgress) => void;
  onThread?: (r: ReclaimThreadResult) => void;
  /** Milliseconds a recently written file is watched for growth (default 1500; tests use less). */
  growthWindowMs?: number;
  env?: NodeJS.ProcessEnv;
}

export interface ReclaimReport {
  planId: string;
  cancelled: boolean;
  /** Why the run stopped before the end (a write failed: the disk is full, …). */
  stoppedBy?: string;
  threads: ReclaimThreadResult[];
  /** Planned threads not started (the run was cancelled). */
  notStarted: number;
  totals: {
    repaired: number;
    failed: number;
    bytesBefore: number;
    /** Rollouts' shrinkage minus restore data minus what the store grew by. */
    bytesFreed: number;
    storeBytesBefore: number;
    storeBytesAfter: number;
  };
  elapsedMs: number;
}

/**
 * What a killed run left: our temp files beside any thread, in the image store and in restore data, and
 * the backup folders of swaps it never made (the caller holds Codex's maintenance lock).
 */
export function cleanLeftovers(codexHome: string): void {
  removeUnswappedBackups(codexHome);
  const sweep = (dir: string, depth: number): void => {
    removeStaleTemps(dir);
    if (depth === 0) return;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) if (e.isDirectory()) sweep(path.join(dir, e.name), depth - 1);
  };
  sweep(sessionsDir(codexHome), 4); // sessions/YYYY/MM/DD
  sweep(archivedSessionsDir(codexHome), 0);
  sweep(rescueDir(codexHome), 4); // rescue/images, rescue/backups/<id>/<stamp>
}

/**
 * Repair one thread in place (or convert one backup) for a reclaim; never throws (the outcome says what
 * happened). `dropLater` (a pool worker): the original's last copy is not removed here but listed in the
 * outcome, for the run's thread to remove while this one goes on.
 */
export function reclaimJob(
  job: ReclaimJob,
  isCancelled?: () => boolean,
  o: { dropLater?: boolean } = {},
): ThreadOutcome {
  const drop: string[] = [];
  try {
    if (job.backup) {
      const c = convertBackupToRestoreData(job.codexHome, job.backup.threadId, job.backup.dir, { isCancelled });
      return { ok: true, sizeAfter: 0, restoreBytes: c.restoreDataBytes, imagesReplaced: 0 };
    }
    const r = stripThread(
      {
        codexHome: job.codexHome,
        thread: job.path!,
        mode: 'in-place',
        options: { keepImages: job.keepImages, maxToolOutputBytes: job.maxToolOutputBytes, archiveImages: true },
        env: job.env,
        keepCompressed: true,
      },
      {
        isCancelled,
        growthWindowMs: job.growthWindowMs,
        maintenanceLockHeld: job.maintenanceLockHeld,
        // its removal waits on the disk (~7 ms for a 28 MB thread's blocks): not this worker's time
        dropLater: o.dropLater ? (file) => drop.push(file) : undefined,
      },
    );
    return {
      ok: true,
      sizeAfter: fs.statSync(r.outputPath).size, // a .zst stays .zst: its size on disk
      // restore data, or the full copy when no restore data could be made
      restoreBytes: r.restoreData?.bytes ?? r.bytesBefore,
      imagesReplaced: r.imagesReplaced,
      backupPath: r.backupPath,
      drop,
    };
  } catch (err) {
    return { ok: false, code: errorCode(err), message: errorMessage(err) };
  }
}

/** A thread or a backup, as the run hands it out. */
interface Work {
  kind: 'thread' | 'backup';
  id: string;
  path: string;
  sizeBytes: number;
  /** What the work reads (a .zst's decompressed size): the queue's order, biggest first. */
  plainBytes: number;
  /**
   * A .zst thread: its frames are decompressed and compressed again whole, with zstd's window as big as
   * a frame (up to 32 MiB) — ~60 MB at once. The pool gives such a thread to one worker at a time.
   */
  heavy: boolean;
  /** Still as the plan saw it. */
  current(): boolean;
}

function worksOf(plan: ReclaimPlan): Work[] {
  const backups: Work[] = plan.backups.map((b) => ({
    kind: 'backup',
    id: b.threadId,
    path: b.dir,
    sizeBytes: b.bytes,
    plainBytes: b.bytes,
    heavy: false,
    current: () => fs.existsSync(b.dir),
  }));
  const threads: Work[] = plan.threads.map((c) => ({
    kind: 'thread',
    id: c.id,
    path: c.path,
    sizeBytes: c.sizeBytes,
    plainBytes: c.plainBytes,
    heavy: c.compressed,
    current: () => unchangedSincePlan(c),
  }));
  return [...backups, ...threads].sort((a, b) => b.plainBytes - a.plainBytes);
}

/** Carry out a plan: every planned thread repaired in place, every full backup converted, on every core. */
export async function runReclaim(plan: ReclaimPlan, opts: ReclaimRunOptions = {}): Promise<ReclaimReport> {
  // Codex's maintenance lock, once for the whole run (not once per thread): Codex skips its own
  // compression and migration rounds meanwhile, and each swap takes only its thread's writer lock.
  // Throws, in plain words and with nothing changed, when Codex keeps it.
  const lock = acquireCodexMaintenanceLock(plan.codexHome);
  try {
    return await runLocked(plan, opts, () => lock.held());
  } finally {
    lock.release();
  }
}

async function runLocked(
  plan: ReclaimPlan,
  opts: ReclaimRunOptions,
  maintenanceLockHeld: () => boolean,
): Promise<ReclaimReport> {
  const started = Date.now();
  cleanLeftovers(plan.codexHome);
  const storeBytesBefore = storeStats(plan.codexHome).bytes;
  const results: ReclaimThreadResult[] = [];
  const queue = worksOf(plan);
  const progress: ReclaimProgress = {
    threadsDone: 0,
    threadsTotal: queue.length,
    bytesFreed: 0,
    bytesPlanned: plan.totals.estimatedFreedBytes,
  };
  // A write that failed (a full disk, above all) stops the run: the next threads would fail alike, and
  // the ones under way stop before their swap.
  let stoppedBy: string | undefined;
  // So does losing Codex's maintenance lock (the process that kept it for the run ended: killed, say),
  // since Codex's compressor could then rewrite a thread under a swap: looked at every 100 ms at most
  // (a one-worker run asks between every piece of its pass).
  let lockLookedAt = 0;
  const stop = (): boolean => {
    const now = Date.now();
    if (stoppedBy === undefined && now - lockLookedAt >= 100) {
      lockLookedAt = now;
      if (!maintenanceLockHeld())
        stoppedBy =
          "Codex's maintenance lock, held for this run, was lost (the process that kept it ended), so the run stopped before its next swap; every thread is either as it was or repaired with its restore data. Run reclaim again.";
    }
    return Boolean(opts.isCancelled?.()) || stoppedBy !== undefined;
  };
  /** Copies being removed (by the thread pool of this thread; a copy left by a kill is removed by the next run). */
  const removals: Promise<void>[] = [];
  const finish = (w: Work, outcome: ThreadOutcome): void => {
    const { drop, ...o } = outcome.ok ? outcome : { ...outcome, drop: undefined };
    for (const file of drop ?? []) removals.push(fs.promises.rm(file, { force: true }).catch(() => undefined));
    if (!o.ok && o.code === 'write-failed') stoppedBy ??= o.message;
    const freedBytes = o.ok ? w.sizeBytes - o.sizeAfter - o.restoreBytes : 0;
    const r: ReclaimThreadResult = { kind: w.kind, id: w.id, path: w.path, sizeBefore: w.sizeBytes, freedBytes, ...o };
    results.push(r);
    progress.threadsDone++;
    progress.bytesFreed += r.freedBytes;
    opts.onThread?.(r);
    opts.onProgress?.({ ...progress });
  };
  const jobOf = (w: Work, seq: number): ReclaimJob => ({
    seq,
    codexHome: plan.codexHome,
    ...(w.kind === 'thread' ? { path: w.path } : { backup: { threadId: w.id, dir: w.path } }),
    keepImages: plan.options.keepImages,
    maxToolOutputBytes: plan.options.maxToolOutputBytes,
    growthWindowMs: opts.growthWindowMs,
    env: opts.env,
    maintenanceLockHeld: true,
  });
  /**
   * The next piece of work still as the plan saw it (the others are reported as changed): a heavy one
   * first when `heavyOk` (heavy work runs one at a time: started late, it would end the run on one
   * core), none otherwise; 'wait' when only heavy work is left and it is not ok.
   */
  const next = (heavyOk = true): Work | 'wait' | undefined => {
    for (;;) {
      const heavy = queue.findIndex((w) => w.heavy);
      const i = heavyOk ? Math.max(0, heavy) : queue.findIndex((w) => !w.heavy);
      if (i < 0) return queue.length ? 'wait' : undefined;
      const [w] = queue.splice(i, 1);
      if (!w) return undefined;
      if (w.current()) return w;
      finish(w, {
        ok: false,
        code: 'changed-during-run',
        message: `${w.kind === 'thread' ? 'Thread' : 'The backup of thread'} ${w.id} changed since the plan was made; it was left alone.`,
      });
    }
  };
  opts.onProgress?.({ ...progress });
  const workers = Math.min(opts.workers ?? defaultWorkerCount(), queue.length);
  if (!opts.script || workers <= 1) {
    for (let w = stop() ? undefined : next(); w && w !== 'wait'; w = stop() ? undefined : next())
      finish(w, reclaimJob(jobOf(w, 0), stop));
  } else {
    await runInPool(opts.script, workers, next, jobOf, finish, stop);
  }
  await Promise.all(removals);
  const cancelled = Boolean(opts.isCancelled?.());
  const storeBytesAfter = storeStats(plan.codexHome).bytes;
  const ok = results.filter((r) => r.ok);
  return {
    planId: plan.id,
    cancelled,
    stoppedBy,
    threads: results,
    notStarted: queue.length,
    totals: {
      repaired: ok.length,
      failed: results.length - ok.length,
      bytesBefore: ok.reduce((s, r) => s + r.sizeBefore, 0),
      bytesFreed: ok.reduce((s, r) => s + r.freedBytes, 0) - (storeBytesAfter - storeBytesBefore),
      storeBytesBefore,
      storeBytesAfter,
    },
    elapsedMs: Date.now() - started,
  };
}
