// The reclaim's worker pool (run.ts hands it the plan's work): one thread per worker at a time, heavy
// (.zst) work on one worker at a time, the cancel flag in shared memory, a worker that dies replaced.
import { Worker } from 'node:worker_threads';
import type { ReclaimJob, ReclaimWorkerData, ReclaimWorkerMessage, ReclaimWorkerRequest, ThreadOutcome } from './run';

/** What the pool needs of a piece of work. */
export interface PoolWork {
  id: string;
  /** A .zst thread: run on one worker at a time (see run.ts's Work). */
  heavy: boolean;
}

/** A reclaim worker's young generation (as the scan pool's): what a thread's pass allocates dies with it. */
const WORKER_YOUNG_MB = 4;
/**
 * A reclaim worker's old generation, at most. A pass streams, and what a worker keeps (caches of fork
 * heads, store files, image ids, bounded in count) takes a few MB; but V8 sizes its collections by this
 * limit, and with the default (a share of the machine's memory: GBs) it let each worker's heap grow by
 * tens of MB between them. A 3,000-thread home's reclaim peaked at 239–269 MB, and at 188–196 MB with a
 * limit of 48 to 256 MB alike (a test home, a line of 300,000 items included, went through within 4 MB).
 * A worker that needed more would stop, and its thread be reported as failed, as it was (the pool
 * starts another worker).
 */
const WORKER_OLD_MB = 256;

/** The pool: one thread per worker at a time (threads are big); a worker that dies fails its thread and is replaced. */
export function runInPool<Work extends PoolWork>(
  script: string,
  count: number,
  next: (heavyOk: boolean) => Work | 'wait' | undefined,
  jobOf: (w: Work, seq: number) => ReclaimJob,
  finish: (w: Work, o: ThreadOutcome) => void,
  stop: () => boolean,
): Promise<void> {
  // Workers read the cancel flag between pieces of their pass, without a message round trip.
  const cancelFlag = new Int32Array(new SharedArrayBuffer(4));
  const cancelled = (): boolean => {
    if (stop()) Atomics.store(cancelFlag, 0, 1);
    return Atomics.load(cancelFlag, 0) === 1;
  };
  let seq = 0;
  let running = 0;
  /** A worker has a heavy (.zst) thread; workers left with only heavy work wait here until they may take it. */
  let heavyBusy = false;
  /** The worker that takes heavy threads: one zstd helper (and its buffers) in the pool, not one per worker. */
  let heavyWorker: Worker | undefined;
  const waiting: (() => void)[] = [];
  return new Promise<void>((resolve) => {
    const poll = setInterval(cancelled, 100);
    const done = (): void => {
      clearInterval(poll);
      resolve();
    };
    const heavyDone = (): void => {
      heavyBusy = false;
      for (const feed of waiting.splice(0)) feed();
    };
    const start = (): void => {
      const w = new Worker(script, {
        name: 'codex-rescue-reclaim',
        workerData: { cancelFlag } satisfies ReclaimWorkerData,
        resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_MB, maxOldGenerationSizeMb: WORKER_OLD_MB },
      });
      running++;
      let current: { w: Work; seq: number } | undefined;
      /** No more work: the worker ends by itself (its lock holder shut down); terminated if it does not. */
      const retire = (): void => {
        w.postMessage({ shutdown: true } satisfies ReclaimWorkerRequest);
        setTimeout(() => void w.terminate(), 10_000).unref();
      };
      const feed = (): void => {
        const work = cancelled() ? undefined : next(!heavyBusy && (heavyWorker ?? w) === w);
        if (work === 'wait') {
          current = undefined;
          waiting.push(feed);
          return;
        }
        if (!work) {
          current = undefined;
          retire();
          return;
        }
        if (work.heavy) {
          heavyBusy = true;
          heavyWorker = w;
        }
        current = { w: work, seq: ++seq };
        w.postMessage(jobOf(work, current.seq));
      };
      const ended = (w: Work, outcome: ThreadOutcome): void => {
        current = undefined;
        finish(w, outcome);
        if (w.heavy) heavyDone();
      };
      w.on('message', (m: ReclaimWorkerMessage) => {
        if (!current || m.seq !== current.seq) return;
        const { seq: _seq, ...outcome } = m;
        ended(current.w, outcome);
        feed();
      });
      w.on('error', () => undefined); // 'exit' follows
      w.on('exit', () => {
        running--;
        const i = waiting.indexOf(feed);
        if (i >= 0) waiting.splice(i, 1); // it was waiting for heavy work: none of it is its any more
        // Heavy work is another worker's to take now: those waiting for it are woken (by ended() when
        // this worker had a heavy thread).
        const wakeWaiting = heavyWorker === w && !current?.w.heavy;
        if (heavyWorker === w) heavyWorker = undefined;
        const crashed = current !== undefined;
        if (current)
          ended(current.w, {
            ok: false,
            code: 'internal',
            message: `The reclaim worker stopped while working on thread ${current.w.id}; it is as it was, or done with its restore data if the worker stopped after the swap.`,
          });
        if (wakeWaiting) heavyDone();
        if (crashed && !cancelled()) start(); // after heavyDone: a heavy thread it takes keeps heavyBusy set
        if (running === 0) done();
      });
      feed();
    };
    for (let k = 0; k < count; k++) start();
  });
}
