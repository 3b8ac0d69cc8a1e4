// A search index worker (core/search/indexPool.ts): reads the new lines of each rollout of a batch
// and answers with what to index, once per batch.
import { parentPort } from 'node:worker_threads';
import { readOrError } from '../core/search/indexer';
import type { IndexReply, IndexRequest } from '../core/search/indexPool';

parentPort?.on('message', (m: IndexRequest) => {
  parentPort?.postMessage({ seq: m.seq, reads: m.jobs.map(readOrError) } satisfies IndexReply);
});
