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

interface Held {
  i: number;
  attempt: number;
}

interface Slot {
  worker: Worker;
  /** Jobs sent and not answered, oldest (the one being read) first. */
  held: Map<number, Held>;
}

/** Jobs in flight per worker: the next one is already there when a file is done (no idle round trip). */
const DEPTH = 2;

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
    const fill = (slot: Slot): void => {
      if (finished) return;
      if (opts.isCancelled?.()) return finish(new CancelledError());
      while (slot.held.size < DEPTH) {
        const q = queue.shift();
        if (!q) break;
        const s = ++seq;
        slot.held.set(s, q);
        slot.worker.postMessage({ seq: s, job: jobs[q.i], fullImageHash: opts.fullImageHash } satisfies PoolRequest);
        opts.onDispatch?.(jobs[q.i], slot.worker, q.attempt);
      }
      if (left === 0) finish();
    };
    const spawn = (): Slot => {
      const slot: Slot = { worker: new Worker(opts.script, { name: 'codex-rescue-scan' }), held: new Map() };
      slot.worker.on('message', (m: PoolReply) => {
        const held = slot.held.get(m.seq);
        slot.held.delete(m.seq);
        if (held) {
          const { seq: _seq, ...outcome } = m;
          void _seq;
          settle(held.i, outcome as MeasureOutcome);
        }
        fill(slot);
      });
      slot.worker.on('error', () => undefined); // 'exit' follows and does the bookkeeping
      slot.worker.on('exit', () => {
        if (finished) return;
        const k = slots.indexOf(slot);
        if (k >= 0) slots.splice(k, 1);
        // The oldest job was being read when the worker died: one more attempt used. The others
        // had not started: back to the front of the queue as they were.
        const held = [...slot.held.values()];
        slot.held.clear();
        held
          .slice(1)
          .reverse()
          .forEach((h) => queue.unshift(h));
        const h = held[0];
        if (h && h.attempt >= maxAttempts)
          settle(h.i, { ok: false, message: `the scan worker stopped ${h.attempt} times while reading this file` });
        else if (h) queue.unshift({ i: h.i, attempt: h.attempt + 1 });
        if (left === 0) return finish();
        const fresh = spawn();
        slots.push(fresh);
        fill(fresh);
      });
      return slot;
    };
    for (let k = 0; k < count; k++) slots.push(spawn());
    for (const s of [...slots]) fill(s);
  });
}
