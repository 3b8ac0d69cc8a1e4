// Measures many rollouts on every core: a pool of worker threads (one per CPU by default) running
// measureFile, biggest files first so no core ends up alone with a large file at the end. Small files
// travel in batches (one message each way per batch: a message costs about as much as reading a small
// rollout) and each result comes back as one string (encodeEntry). A worker that dies (crash, out of
// memory, terminated) is replaced and the files it held are measured again, each on its own, up to
// `maxAttempts` deaths per file.
import * as os from 'node:os';
import { Worker } from 'node:worker_threads';
import { CancelledError } from '../util/errors';
import { IndexEntry, decodeEntry } from './catalog';

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
  jobs: MeasureJob[];
  fullImageHash?: boolean;
}
/** The worker's answer, one per job: the entry encoded as one string (encodeEntry), decoded here. */
export interface PoolReply {
  seq: number;
  results: (
    { ok: true; entry: string; how: 'reused' | 'resumed' | 'full'; bytesRead: number } | { ok: false; message: string }
  )[];
}

export interface PoolOptions {
  /** The worker entry (the bundle's dist/scanWorker.js). */
  script: string;
  /** Default: the number of CPUs. */
  workers?: number;
  fullImageHash?: boolean;
  /** A file is given up (reported as an error) after its worker died this many times while it was alone. */
  maxAttempts?: number;
  isCancelled?: () => boolean;
  /** Each file's outcome as soon as it is known (in completion order). */
  onResult?: (job: MeasureJob, outcome: MeasureOutcome) => void;
  /** Higher goes first (default: the file size — biggest first keeps every core busy to the end). */
  priority?: (job: MeasureJob) => number;
  /** Test hook: called when a job is handed to a worker. */
  onDispatch?: (job: MeasureJob, worker: Worker, attempt: number) => void;
  /** Workers started ahead (startWorkers): taken first; those the jobs do not need are stopped. */
  started?: StartedWorkers;
}

export function defaultWorkerCount(): number {
  return Math.max(1, (os as { availableParallelism?: () => number }).availableParallelism?.() ?? os.cpus().length);
}

/**
 * A scan worker's young generation: what a worker allocates dies with its file, so a small one costs
 * no time. On the heavy home 2–6 MB took the same time as the default and 7 MB less peak memory in
 * all (8 and 16 saved nothing).
 */
const WORKER_YOUNG_MB = 4;

function newWorker(script: string): Worker {
  return new Worker(script, {
    name: 'codex-rescue-scan',
    resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_MB },
  });
}

/** Workers started before their jobs are known, so their start-up overlaps the caller's listing. */
export interface StartedWorkers {
  /** A started worker still alive, with no listener of ours left on it; undefined when none is left. */
  take(): Worker | undefined;
  /** Stop every worker not taken. */
  dispose(): void;
}

export function startWorkers(script: string, count: number): StartedWorkers {
  const idle = new Map<Worker, () => void>();
  for (let k = 0; k < count; k++) {
    const w = newWorker(script);
    // Until taken, a death only drops it ('error' with no listener would throw in this thread).
    const ignore = (): void => undefined;
    const drop = (): void => void idle.delete(w);
    w.on('error', ignore).on('exit', drop);
    idle.set(w, () => w.off('error', ignore).off('exit', drop));
  }
  return {
    take() {
      const [first] = idle;
      if (!first) return undefined;
      idle.delete(first[0]);
      first[1]();
      return first[0];
    },
    dispose() {
      // terminate() only resolves (with the exit code); nothing needs to wait for it.
      for (const w of idle.keys()) void w.terminate();
      idle.clear();
    },
  };
}

/** Jobs (indexes into the caller's list) sent together; `attempt` counts deaths while measured alone. */
interface Batch {
  is: number[];
  attempt: number;
}

interface Slot {
  worker: Worker;
  /** Batches sent and not answered, oldest (the one being read) first. */
  held: Map<number, Batch>;
}

/** Batches in flight per worker: the next one is already there when a batch is done. */
const DEPTH = 2;
// Measured on the 3,004-thread bench home (2 cores): 64 files / 8 MB per batch scanned it 3 % faster
// than 16 / 2 MB (fewer, larger messages); 128 or more gained nothing and held more in flight.
const BATCH_FILES = 64;
const BATCH_BYTES = 8 * 1024 * 1024;

/**
 * Consecutive jobs (in queue order) grouped up to BATCH_FILES files or BATCH_BYTES; big files alone.
 * Fewer files to a batch when there are few jobs, so that every worker gets some.
 */
function batches(order: number[], jobs: MeasureJob[], workers: number): Batch[] {
  const files = Math.max(1, Math.min(BATCH_FILES, Math.ceil(jobs.length / (workers * DEPTH))));
  const out: Batch[] = [];
  let cur: Batch | undefined;
  let bytes = 0;
  for (const i of order) {
    if (!cur || cur.is.length >= files || bytes + jobs[i].size > BATCH_BYTES) {
      cur = { is: [], attempt: 1 };
      bytes = 0;
      out.push(cur);
    }
    cur.is.push(i);
    bytes += jobs[i].size;
  }
  return out;
}

/** Measure every job in worker threads; resolves with each job's outcome (same order as `jobs`). */
export function measureInPool(jobs: MeasureJob[], opts: PoolOptions): Promise<MeasureOutcome[]> {
  const prio = opts.priority ?? ((j: MeasureJob) => j.size);
  const order = jobs.map((_, i) => i).sort((a, b) => prio(jobs[b]) - prio(jobs[a]));
  const queue = batches(order, jobs, opts.workers ?? defaultWorkerCount());
  const outcomes: MeasureOutcome[] = new Array(jobs.length);
  const maxAttempts = opts.maxAttempts ?? 2;
  const count = Math.max(1, Math.min(opts.workers ?? defaultWorkerCount(), queue.length));
  let left = jobs.length;
  let seq = 0;
  const slots: Slot[] = [];
  if (!jobs.length) {
    opts.started?.dispose();
    return Promise.resolve([]);
  }

  return new Promise<MeasureOutcome[]>((resolve, reject) => {
    let finished = false;
    const finish = (err?: Error): void => {
      if (finished) return;
      finished = true;
      for (const s of slots) void s.worker.terminate(); // resolves only, nothing waits for it
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
        const b = queue.shift();
        if (!b) break;
        const s = ++seq;
        slot.held.set(s, b);
        const msg: PoolRequest = { seq: s, jobs: b.is.map((i) => jobs[i]), fullImageHash: opts.fullImageHash };
        slot.worker.postMessage(msg);
        for (const i of b.is) opts.onDispatch?.(jobs[i], slot.worker, b.attempt);
      }
      if (left === 0) finish();
    };
    const spawn = (): Slot => {
      const slot: Slot = { worker: opts.started?.take() ?? newWorker(opts.script), held: new Map() };
      slot.worker.on('message', (m: PoolReply) => {
        const b = slot.held.get(m.seq);
        slot.held.delete(m.seq);
        b?.is.forEach((i, k) => {
          const r = m.results[k];
          settle(
            i,
            r.ok
              ? { ok: true, entry: decodeEntry(r.entry), how: r.how, bytesRead: r.bytesRead }
              : { ok: false, message: r.message },
          );
        });
        fill(slot);
      });
      slot.worker.on('error', () => undefined); // 'exit' follows and does the bookkeeping
      slot.worker.on('exit', () => {
        if (finished) return;
        const k = slots.indexOf(slot);
        if (k >= 0) slots.splice(k, 1);
        // The oldest batch was being read when the worker died: its files go again, each alone (a
        // death counts against a file only when it was alone). The others had not started.
        const held = [...slot.held.values()];
        slot.held.clear();
        held
          .slice(1)
          .reverse()
          .forEach((b) => queue.unshift(b));
        const dying = held[0];
        if (dying && dying.is.length === 1 && dying.attempt >= maxAttempts)
          settle(dying.is[0], {
            ok: false,
            message: `the scan worker stopped ${dying.attempt} times while reading this file`,
          });
        else if (dying)
          queue.unshift(...dying.is.map((i) => ({ is: [i], attempt: dying.is.length === 1 ? dying.attempt + 1 : 1 })));
        if (left === 0) return finish();
        const fresh = spawn();
        slots.push(fresh);
        fill(fresh);
      });
      return slot;
    };
    for (let k = 0; k < count; k++) slots.push(spawn());
    opts.started?.dispose();
    for (const s of [...slots]) fill(s);
  });
}
