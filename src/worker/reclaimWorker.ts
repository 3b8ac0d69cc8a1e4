// A reclaim pool worker (core/reclaim/run.ts): repairs one thread in place at a time and answers with
// its outcome. The pool's cancel flag is shared memory, read between pieces of the pass. Told there is
// no more work, it shuts its kept lock holder down (waiting until that shell is reaped) and ends.
import { parentPort, workerData } from 'node:worker_threads';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { ReclaimWorkerData, ReclaimWorkerMessage, ReclaimWorkerRequest, reclaimJob } from '../core/reclaim/run';
import { shutdownLockServer } from '../core/codexHome/lockServer';

const { cancelFlag } = workerData as ReclaimWorkerData;

// A .zst thread leaves tens of MB of dead buffers (Node's zstd output, the decompressed pieces) that V8
// would free only at a full collection, which this worker's small heap reaches late: one is started
// (concurrent marking, so the next thread goes on) after each. Measured on the bench's home: a peak of
// 249–277 MB against 269–293 MB, no slower; after every thread it cost 1.2 s of CPU.
// `gc` comes from a context made with --expose-gc. V8's flags belong to the process, so the flag stays
// on (workers start at once; one turning it off could leave another without `gc`), and a worker
// without it simply does not collect.
const collect = exposedGc();

function exposedGc(): ((o: { type: 'major'; execution: 'async' }) => void) | undefined {
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc: unknown = vm.runInNewContext('typeof gc === "function" ? gc : undefined');
    return typeof gc === 'function' ? (gc as (o: { type: 'major'; execution: 'async' }) => void) : undefined;
  } catch {
    return undefined;
  }
}

parentPort?.on('message', (req: ReclaimWorkerRequest) => {
  if ('shutdown' in req) {
    void shutdownLockServer().then(() => parentPort?.close());
    return;
  }
  const outcome = reclaimJob(req, () => Atomics.load(cancelFlag, 0) === 1, { dropLater: true });
  parentPort?.postMessage({ seq: req.seq, ...outcome } satisfies ReclaimWorkerMessage);
  if (req.heavy) collect?.({ type: 'major', execution: 'async' });
});
