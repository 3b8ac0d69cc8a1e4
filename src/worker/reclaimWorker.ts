// A reclaim pool worker (core/reclaim/run.ts): repairs one thread in place at a time and answers with
// its outcome. The pool's cancel flag is shared memory, read between pieces of the pass. Told there is
// no more work, it shuts its kept lock holder down (waiting until that shell is reaped) and ends.
// (A full collection after each .zst thread is no longer started: its big buffers are freed at once
// (util/freeBuffer.ts), and with the collection or without it, the bench's home peaked at 180–183 MB.)
import { parentPort, workerData } from 'node:worker_threads';
import { ReclaimWorkerData, ReclaimWorkerMessage, ReclaimWorkerRequest, reclaimJob } from '../core/reclaim/run';
import { shutdownLockServer } from '../core/codexHome/lockServer';

const { cancelFlag } = workerData as ReclaimWorkerData;

parentPort?.on('message', (req: ReclaimWorkerRequest) => {
  if ('shutdown' in req) {
    void shutdownLockServer().then(() => parentPort?.close());
    return;
  }
  const outcome = reclaimJob(req, () => Atomics.load(cancelFlag, 0) === 1, { dropLater: true });
  parentPort?.postMessage({ seq: req.seq, ...outcome } satisfies ReclaimWorkerMessage);
});
