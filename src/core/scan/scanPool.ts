// Measures many rollouts on every core: a pool of worker threads (one per CPU by default), each
// running measureFile on one file at a time, biggest files first so no core ends up alone with a
// large file at the end. Results come back by structured clone (no JSON). A worker that dies (crash,
// out of memory, terminated) is replaced and the file it held is measured again, up to `maxAttempts`.
import * as os from 'node:os';
import { Worker } from 'node:worker_threads';
import { CancelledError } from '../util/errors';
import type { IndexEntry } from './catalog';

export interface MeasureJob {
  path: string;
  size: number;
  mtimeMs: number;
  prev?: IndexEntry;
}

export type MeasureOutcome =
  | { ok: true; entry: IndexEntry; how: 'reused' | 'resumed' | 'full'; bytesRead: number }
  | { ok: false; message: string; cancelled?: boolean };

/** What the pool posts to a worker, and what comes back (scanWorker.ts answers these). */
export interface PoolRequest {
  seq: number;
  job: MeasureJob;
  fullImageHash?: boolean;
}
export type PoolReply = { seq: number } & MeasureOutcome;

export interface PoolOptions {
  /** The worker entry (the bundle's dist/scanWorker.js). */
  script: string;
  /** Default: the number of CPUs. */
  workers?: number;
  fullImageHash?: boolean;
  /** A file is given up (reported as an error) after its worker died this many times. */
  maxAttempts?: number;
  isCancelled?: () => boolean;
  /** Each file's outcome as soon as it is known (in completion order). */
  onResult?: (job: MeasureJob, outcome: MeasureOutcome) => void;
  /** Higher goes first (default: the file size — biggest first keeps every core busy to the end). */
  priority?: (job: MeasureJob) => number;
  /** Test hook: called when a job is handed to a worker. */
  onDispatch?: (job: MeasureJob, worker: Worker, attempt: number) => void;
}

export function defaultWorkerCount(): number {
  return Math.max(1, (os as { availableParallelism?: () => number }).availableParallelism?.() ?? os.cpus().length);
}

interface Slot {
  worker: Worker;
  busy?: { seq: number; job: MeasureJob; attempt: number };
}

/** Measure every job in worker threads; resolves with each job's outcome (same order as `jobs`). */
export function measureInPool(jobs: MeasureJob[], opts: PoolOptions): Promise<MeasureOutcome[]> {
  const prio = opts.priority ?? ((j: MeasureJob) => j.size);
  const order = jobs.map((_, i) => i).sort((a, b) => prio(jobs[b]) - prio(jobs[a]));
  const queue: { i: number; attempt: number }[] = order.map((i) => ({ i, attempt: 1 }));
  const outcomes: MeasureOutcome[] = new Array(jobs.length);
  const maxAttempts = opts.maxAttempts ?? 2;
  const count = Math.max(1, Math.min(opts.workers ?? defaultWorkerCount(), jobs.length));
  let left = jobs.length;
  let seq = 0;
  const bySeq = new Map<number, number>(); // seq → job index
  const slots: Slot[] = [];
  if (!jobs.length) return Promise.resolve([]);

  return new Promise<MeasureOutcome[]>((resolve, reject) => {
    let finished = false;
    const finish = (err?: Error): void => {
      if (finished) return;
      finished = true;
      for (const s of slots) void s.worker.terminate();
      if (err) reject(err);
      else resolve(outcomes);
    };
    const settle = (i: number, outcome: MeasureOutcome): void => {
      if (outcomes[i]) return;
      outcomes[i] = outcome;
      left--;
      opts.onResult?.(jobs[i], outcome);
    };
    const next = (slot: Slot): void => {
      if (finished) return;
      if (opts.isCancelled?.()) return finish(new CancelledError());
      const q = queue.shift();
      slot.busy = undefined;
      if (!q) {
        if (left === 0) finish();
        return;
      }
      const s = ++seq;
      bySeq.set(s, q.i);
      slot.busy = { seq: s, job: jobs[q.i], attempt: q.attempt };
      slot.worker.postMessage({ seq: s, job: jobs[q.i], fullImageHash: opts.fullImageHash } satisfies PoolRequest);
      opts.onDispatch?.(jobs[q.i], slot.worker, q.attempt);
    };
    const spawn = (): Slot => {
      const slot: Slot = { worker: new Worker(opts.script, { name: 'codex-rescue-scan' }) };
      slot.worker.on('message', (m: PoolReply) => {
        const i = bySeq.get(m.seq);
        bySeq.delete(m.seq);
        if (i !== undefined) {
          const { seq: _seq, ...outcome } = m;
          void _seq;
          settle(i, outcome as MeasureOutcome);
        }
        next(slot);
      });
      slot.worker.on('error', () => undefined); // 'exit' follows and does the bookkeeping
      slot.worker.on('exit', () => {
        if (finished) return;
        const k = slots.indexOf(slot);
        if (k >= 0) slots.splice(k, 1);
        const held = slot.busy;
        if (held) {
          bySeq.delete(held.seq);
          const i = jobs.indexOf(held.job);
          if (held.attempt >= maxAttempts)
            settle(i, { ok: false, message: `the scan worker stopped ${held.attempt} times while reading this file` });
          else queue.unshift({ i, attempt: held.attempt + 1 });
        }
        if (left === 0) return finish();
        const fresh = spawn();
        slots.push(fresh);
        next(fresh);
      });
      return slot;
    };
    for (let k = 0; k < count; k++) slots.push(spawn());
    for (const s of [...slots]) next(s);
  });
}
