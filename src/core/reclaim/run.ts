// A reclaim plan carried out on every core: each thread is repaired in place (stripThread: temp file →
// verify → restore data → atomic swap) by one of a pool of workers (reclaimWorker.ts), biggest first.
// Cancelling stops new threads and asks running ones to stop before their swap; a thread whose file
// changed since the plan is left alone. Killed at any moment, each thread is its original or its
// repaired form with its restore data; the next run removes the temp files and carries on.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { archivedSessionsDir, imageArchiveDir, rescueDir, sessionsDir } from '../codexHome/paths';
import { removeStaleTemps } from '../util/atomicWrite';
import { errorCode, errorMessage } from '../util/errors';
import { stripThread } from '../repair/stripThread';
import { defaultWorkerCount } from '../scan/scanPool';
import { ReclaimCandidate, ReclaimPlan, unchangedSincePlan } from './plan';
import { folderBytes } from './diskUse';

/** One thread for a worker. */
export interface ReclaimJob {
  seq: number;
  codexHome: string;
  path: string;
  keepImages: number;
  maxToolOutputBytes: number;
  growthWindowMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** What a worker posts when its thread is done. */
export type ReclaimWorkerMessage = { seq: number } & ThreadOutcome;

export type ThreadOutcome =
  | { ok: true; sizeAfter: number; restoreBytes: number; imagesReplaced: number; backupPath?: string }
  | { ok: false; code: string; message: string };

export type ReclaimThreadResult = {
  id: string;
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

/** What a killed run left: our temp files beside any thread, in the image store and in restore data. */
export function cleanLeftovers(codexHome: string): void {
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

/** Repair one thread in place for a reclaim; never throws (the outcome says what happened). */
export function reclaimThread(job: ReclaimJob, isCancelled?: () => boolean): ThreadOutcome {
  try {
    const r = stripThread(
      {
        codexHome: job.codexHome,
        thread: job.path,
        mode: 'in-place',
        options: { keepImages: job.keepImages, maxToolOutputBytes: job.maxToolOutputBytes, archiveImages: true },
        env: job.env,
        keepCompressed: true,
      },
      { isCancelled, growthWindowMs: job.growthWindowMs },
    );
    return {
      ok: true,
      sizeAfter: fs.statSync(r.outputPath).size, // a .zst stays .zst: its size on disk
      restoreBytes: r.backupPath ? folderBytes(path.dirname(r.backupPath)) : 0,
      imagesReplaced: r.imagesReplaced,
      backupPath: r.backupPath,
    };
  } catch (err) {
    return { ok: false, code: errorCode(err), message: errorMessage(err) };
  }
}

function resultOf(c: ReclaimCandidate, o: ThreadOutcome): ReclaimThreadResult {
  const freedBytes = o.ok ? c.sizeBytes - o.sizeAfter - o.restoreBytes : 0;
  return { id: c.id, path: c.path, sizeBefore: c.sizeBytes, freedBytes, ...o };
}

/** Carry out a plan: every planned thread repaired in place, on every core. */
export async function runReclaim(plan: ReclaimPlan, opts: ReclaimRunOptions = {}): Promise<ReclaimReport> {
  const started = Date.now();
  cleanLeftovers(plan.codexHome);
  const storeBytesBefore = folderBytes(imageArchiveDir(plan.codexHome));
  const results: ReclaimThreadResult[] = [];
  const progress: ReclaimProgress = {
    threadsDone: 0,
    threadsTotal: plan.threads.length,
    bytesFreed: 0,
    bytesPlanned: plan.totals.estimatedFreedBytes,
  };
  const finishThread = (c: ReclaimCandidate, o: ThreadOutcome): void => {
    const r = resultOf(c, o);
    results.push(r);
    progress.threadsDone++;
    progress.bytesFreed += r.freedBytes;
    opts.onThread?.(r);
    opts.onProgress?.({ ...progress });
  };
  const jobOf = (c: ReclaimCandidate, seq: number): ReclaimJob => ({
    seq,
    codexHome: plan.codexHome,
    path: c.path,
    keepImages: plan.options.keepImages,
    maxToolOutputBytes: plan.options.maxToolOutputBytes,
    growthWindowMs: opts.growthWindowMs,
    env: opts.env,
  });
  const queue = [...plan.threads].sort((a, b) => b.sizeBytes - a.sizeBytes);
  /** The next planned thread still as the plan saw it; the others are reported as changed. */
  const next = (): ReclaimCandidate | undefined => {
    for (let c = queue.shift(); c; c = queue.shift()) {
      if (unchangedSincePlan(c)) return c;
      finishThread(c, {
        ok: false,
        code: 'changed-during-run',
        message: `Thread ${c.id} changed since the plan was made (Codex wrote it); it was left alone.`,
      });
    }
    return undefined;
  };
  opts.onProgress?.({ ...progress });
  const workers = Math.min(opts.workers ?? defaultWorkerCount(), queue.length);
  if (!opts.script || workers <= 1) {
    for (let c = next(); c && !opts.isCancelled?.(); c = next())
      finishThread(c, reclaimThread(jobOf(c, 0), opts.isCancelled));
  } else {
    await runInPool(opts.script, workers, next, jobOf, finishThread, opts);
  }
  const cancelled = Boolean(opts.isCancelled?.());
  const storeBytesAfter = folderBytes(imageArchiveDir(plan.codexHome));
  const ok = results.filter((r) => r.ok);
  return {
    planId: plan.id,
    cancelled,
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

/** The pool: one thread per worker at a time (threads are big); a worker that dies fails its thread and is replaced. */
function runInPool(
  script: string,
  count: number,
  next: () => ReclaimCandidate | undefined,
  jobOf: (c: ReclaimCandidate, seq: number) => ReclaimJob,
  finishThread: (c: ReclaimCandidate, o: ThreadOutcome) => void,
  opts: ReclaimRunOptions,
): Promise<void> {
  // Workers read the cancel flag between pieces of their pass, without a message round trip.
  const cancelFlag = new Int32Array(new SharedArrayBuffer(4));
  const cancelled = (): boolean => {
    if (opts.isCancelled?.()) Atomics.store(cancelFlag, 0, 1);
    return Atomics.load(cancelFlag, 0) === 1;
  };
  let seq = 0;
  let running = 0;
  return new Promise<void>((resolve) => {
    const poll = setInterval(cancelled, 100);
    const done = (): void => {
      clearInterval(poll);
      resolve();
    };
    const start = (): void => {
      const w = new Worker(script, { name: 'codex-rescue-reclaim', workerData: { cancelFlag } });
      running++;
      let current: { c: ReclaimCandidate; seq: number } | undefined;
      const feed = (): void => {
        const c = cancelled() ? undefined : next();
        if (!c) {
          current = undefined;
          void w.terminate();
          return;
        }
        current = { c, seq: ++seq };
        w.postMessage(jobOf(c, current.seq));
      };
      w.on('message', (m: ReclaimWorkerMessage) => {
        if (!current || m.seq !== current.seq) return;
        const { seq: _seq, ...outcome } = m;
        finishThread(current.c, outcome);
        feed();
      });
      w.on('error', () => undefined); // 'exit' follows
      w.on('exit', () => {
        running--;
        if (current) {
          finishThread(current.c, {
            ok: false,
            code: 'internal',
            message: `The reclaim worker stopped while repairing thread ${current.c.id}; the thread is as it was (or repaired with its restore data, if it stopped after the swap).`,
          });
          current = undefined;
          if (!cancelled()) start();
        }
        if (running === 0) done();
      });
      feed();
    };
    for (let k = 0; k < count; k++) start();
  });
}
