// A scan pool worker (core/scan/scanPool.ts): measures one rollout per request with the core's
// measureFile and answers with the index entry (structured clone; no JSON).
import { parentPort } from 'node:worker_threads';
import { measureFile } from '../core/scan/catalog';
import type { PoolReply, PoolRequest } from '../core/scan/scanPool';

parentPort?.on('message', (m: PoolRequest) => {
  let reply: PoolReply;
  try {
    const r = measureFile(m.job.path, m.job, m.job.prev, { fullImageHash: m.fullImageHash });
    reply = { seq: m.seq, ok: true, entry: r.entry, how: r.how, bytesRead: r.bytesRead };
  } catch (err) {
    reply = { seq: m.seq, ok: false, message: (err as Error).message };
  }
  parentPort?.postMessage(reply);
});
