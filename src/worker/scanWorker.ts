// A scan pool worker (core/scan/scanPool.ts): measures each rollout of a batch with the core's
// measureFile and answers once per batch, each index entry as one string (encodeEntry: far cheaper
// to post than the structured clone of the metrics object).
import { parentPort } from 'node:worker_threads';
import { encodeEntry, measureFile } from '../core/scan/catalog';
import type { PoolReply, PoolRequest } from '../core/scan/scanPool';

parentPort?.on('message', (m: PoolRequest) => {
  const results: PoolReply['results'] = m.jobs.map((job) => {
    try {
      const r = measureFile(job.path, job, job.prev, { fullImageHash: m.fullImageHash });
      return { ok: true, entry: encodeEntry(r.entry), how: r.how, bytesRead: r.bytesRead };
    } catch (err) {
      return { ok: false, message: (err as Error).message };
    }
  });
  parentPort?.postMessage({ seq: m.seq, results } satisfies PoolReply);
});
