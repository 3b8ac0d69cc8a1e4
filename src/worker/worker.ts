// The one worker thread: every scan and pass over a rollout runs here, never in the extension host.
// Requests come with an id and (optionally) a SharedArrayBuffer cancel flag that the synchronous core
// passes poll; progress and the result go back tagged with the same id. Messages: src/protocol/messages.ts.
import { parentPort } from 'node:worker_threads';
import { errorCode, errorMessage } from '../core/util/errors';
import * as bridge from './coreBridge';
import { archivedThumbnail } from '../core/preview/imageList';
import * as jobs from './scanJobs';
import type { ErrorView, FromWorker, ParamsOf, ResultOf, ToWorker, WorkerMethod } from '../protocol/messages';
import * as reclaimJobs from './reclaimJobs';

const port = parentPort;

interface Ctx {
  id: number;
  isCancelled: () => boolean;
  progress: (done: number, total: number, phase?: string) => void;
}

type Handler<M extends WorkerMethod> = (p: ParamsOf<M>, ctx: Ctx) => ResultOf<M> | Promise<ResultOf<M>>;

/** An error as it crosses to the extension: our errors keep their code, anything else is 'internal'. */
function errorView(err: unknown): ErrorView {
  return { code: errorCode(err), message: errorMessage(err) };
}

const handlers: { [M in WorkerMethod]: Handler<M> } = {
  ping: (p) => ({ pong: p.echo ?? 'pong', pid: process.pid, node: process.version }),
  scan: (p, ctx) => jobs.scan(p, { ...ctx, id: ctx.id, post }),
  watch: (p) => jobs.watch(p, post),
  unwatch: () => jobs.unwatch(),
  strip: (p, ctx) => bridge.strip(p, { onProgress: ctx.progress, isCancelled: ctx.isCancelled }),
  restore: (p, ctx) => bridge.restore(p, { onProgress: ctx.progress, isCancelled: ctx.isCancelled }),
  listBackups: (p) => bridge.listBackups(p.codexHome, p.thread),
  handoff: (p, ctx) => bridge.handoff(p, { onProgress: ctx.progress, isCancelled: ctx.isCancelled }),
  preview: (p, ctx) => bridge.preview(p, { onProgress: ctx.progress, isCancelled: ctx.isCancelled }),
  images: (p, ctx) => bridge.images(p, { onProgress: ctx.progress, isCancelled: ctx.isCancelled }),
  thumbnail: (p) => bridge.thumbnail(p),
  archivedThumbnail: (p) => archivedThumbnail(p.codexHome, p.file),
  search: (p, ctx) => bridge.search(p, { isCancelled: ctx.isCancelled }),
  conversation: (p) => bridge.conversation(p),
  planReclaim: (p, ctx) => reclaimJobs.planReclaim(p, ctx),
  reclaim: (p, ctx) => reclaimJobs.reclaim(p, ctx),
};

function post(m: FromWorker): void {
  port?.postMessage(m);
}

async function handle(msg: ToWorker): Promise<void> {
  // Cancelling sets the request's shared flag, which the synchronous core passes poll (no message needed).
  const flag = msg.cancel ? new Int32Array(msg.cancel) : undefined;
  let lastProgress = 0;
  const ctx: Ctx = {
    id: msg.id,
    isCancelled: () => (flag ? Atomics.load(flag, 0) !== 0 : false),
    progress: (done, total, phase) => {
      const now = Date.now();
      if (now - lastProgress < 100 && done < total) return;
      lastProgress = now;
      post({ type: 'progress', id: msg.id, done, total, phase });
    },
  };
  try {
    const handler = handlers[msg.method] as Handler<WorkerMethod>;
    if (!handler) throw new Error(`unknown worker method ${String(msg.method)}`);
    const value = await handler(msg.params as never, ctx);
    post({ type: 'result', id: msg.id, ok: true, value });
  } catch (err) {
    post({ type: 'result', id: msg.id, ok: false, error: errorView(err) });
  }
}

// handle() answers every failure as a result message, so it never rejects.
port?.on('message', (m: ToWorker) => void handle(m));
