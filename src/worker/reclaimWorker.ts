// A reclaim pool worker (core/reclaim/run.ts): repairs one thread in place at a time and answers with
// its outcome. The pool's cancel flag is shared memory, read between pieces of the pass.
import { parentPort, workerData } from 'node:worker_threads';
import { ReclaimJob, ReclaimWorkerData, ReclaimWorkerMessage, reclaimJob } from '../core/reclaim/run';

const { cancelFlag } = workerData as ReclaimWorkerData;

parentPort?.on('message', (job: ReclaimJob) => {
  const outcome = reclaimJob(job, () => Atomics.load(cancelFlag, 0) === 1);
  parentPort?.postMessage({ seq: job.seq, ...outcome } satisfies ReclaimWorkerMessage);
});
