// The first index of a big home, on every core: worker threads read the rollouts (the costly part:
// every byte goes through the line scanner) and this thread writes what they found, file by file,
// as it arrives — SQLite has one writer, and the writes cost little next to the reading. A batch of
// small files goes to a worker in one message. A worker that dies leaves its files to this thread.
import { Worker } from 'node:worker_threads';
import { defaultWorkerCount } from '../scan/scanPool';
import { Catchup, FileRead, Todo, readOrError } from './indexer';

/** What indexWorker.ts is sent, and answers. */
export interface IndexRequest {
  seq: number;
  jobs: Todo[];
}
export interface IndexReply {
  seq: number;
  reads: (FileRead | { error: string })[];
}

const BATCH_FILES = 32;
const BATCH_BYTES = 8 * 1024 * 1024;

export interface PoolOptions {
  /** The worker entry (the bundle's dist/indexWorker.js). */
  script: string;
  workers?: number;
  onProgress?: (doneBytes: number, totalBytes: number) => void;
}

/** Read every todo of `up` in workers and commit each as it comes back. */
export async function catchUpInPool(up: Catchup, opts: PoolOptions): Promise<void> {
  const queue: Todo[][] = [];
  let cur: Todo[] = [];
  let bytes = 0;
  for (const t of up.todo) {
    if (cur.length >= BATCH_FILES || bytes >= BATCH_BYTES) {
      queue.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(t);
    bytes += t.f.size - t.from;
  }
  if (cur.length) queue.push(cur);
  const count = Math.max(1, Math.min(opts.workers ?? defaultWorkerCount(), queue.length));
  const left: Todo[] = []; // files of a worker that died: read here at the end
  const progress = (): void => opts.onProgress?.(up.result.bytesRead, up.total);
  await Promise.all(
    Array.from({ length: count }, async () => {
      const w = new Worker(opts.script, { name: 'codex-rescue-index' });
      w.on('error', () => undefined); // 'exit' follows: its files are read here
      try {
        for (let b = queue.shift(); b; b = queue.shift()) {
          const batch = b;
          const reply = await new Promise<IndexReply | undefined>((resolve) => {
            const onExit = (): void => resolve(undefined);
            w.once('exit', onExit);
            w.once('message', (m: IndexReply) => {
              w.off('exit', onExit);
              resolve(m);
            });
            w.postMessage({ seq: 0, jobs: batch } satisfies IndexRequest);
          });
          if (!reply) {
            left.push(...batch, ...queue.splice(0).flat());
            return;
          }
          batch.forEach((t, k) => up.commit(t, reply.reads[k]));
          progress();
        }
      } finally {
        await w.terminate();
      }
    }),
  );
  for (const t of left) {
    up.commit(t, readOrError(t));
    progress();
  }
}
