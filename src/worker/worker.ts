// The one worker thread: every scan and pass over a rollout runs here, never in the extension host.
// Requests come with an id and (optionally) a SharedArrayBuffer cancel flag that the synchronous core
// passes poll; progress and the result go back tagged with the same id. Messages: src/protocol/messages.ts.
import { parentPort } from 'node:worker_threads';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readRollout } from '../core/rollout/reader';
import { errorCode, errorMessage } from '../core/util/errors';
import { isImageString, walk, classify } from '../core/rollout/format';
import { imageFacts } from '../core/rollout/images';
import { writeProjection } from '../core/preview/projection';
import * as bridge from './coreBridge';
import * as jobs from './scanJobs';
import * as reclaimJobs from './reclaimJobs';
import type { ErrorView, FromWorker, ImageRef, ParamsOf, ResultOf, ToWorker, WorkerMethod } from '../protocol/messages';

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

/** Images of a rollout in file order, with byte ranges for lazy thumbnails. */
export function listImages(file: string, limit: number, ctx: Partial<Ctx> = {}): { images: ImageRef[]; total: number } {
  const images: ImageRef[] = [];
  let total = 0;
  let first = true;
  readRollout(
    file,
    (l) => {
      if (!l.value) return;
      const c = classify(l.value, first);
      first = false;
      const where = [c.lineType, c.itemType].filter(Boolean).join('/');
      walk(l.value, (v) => {
        const stored = typeof v === 'string' ? storedImage(v) : undefined;
        if (stored) {
          const k = total++;
          if (images.length < limit) images.push({ index: k, line: l.index + 1, start: 0, end: 0, where, ...stored });
          return;
        }
        if (!isImageString(v)) return;
        const k = total++;
        if (images.length >= limit) return;
        const f = imageFacts(v);
        const comma = v.prefix.indexOf(',');
        images.push({
          index: k,
          line: l.index + 1,
          start: v.start + (comma >= 0 ? comma + 1 : 0),
          end: v.end,
          mediaType: f.mediaType,
          storedBytes: f.storedBytes,
          width: f.width,
          height: f.height,
          where,
        });
      });
    },
    {
      hashDataUrls: false,
      isCancelled: ctx.isCancelled,
      onProgress: ctx.progress ? (d, n) => ctx.progress?.(d, n, 'images') : undefined,
    },
  );
  return { images, total };
}

/**
 * A repair's placeholder naming the image's file in the store ("… saved as …/rescue/images/<sha256>.png]"):
 * that file, when it is there. Only files inside a rescue/images folder and named by a hash are read.
 */
const STORED =
  /^\[image omitted by codex-session-rescue: (image\/[a-z0-9.+-]+)[^\]]*?saved as ([^\]]*[\\/]rescue[\\/]images[\\/][0-9a-f]{64}\.[a-z0-9]{1,5})\]/;

function storedImage(text: string): Pick<ImageRef, 'mediaType' | 'storedBytes' | 'file'> | undefined {
  if (!text.startsWith('[image omitted by codex-session-rescue:')) return undefined;
  const m = STORED.exec(text);
  if (!m) return undefined;
  try {
    return { mediaType: m[1], storedBytes: fs.statSync(m[2]).size, file: m[2] };
  } catch {
    return undefined; // not in the store (pruned, or archived elsewhere): nothing to show
  }
}

/** An image from the store (its decoded bytes): a data URL for the webview. */
export function storeThumbnail(file: string, maxBytes = 8 * 1024 * 1024): { dataUrl?: string; reason?: string } {
  if (!/[\\/]rescue[\\/]images[\\/][0-9a-f]{64}\.[a-z0-9]{1,5}$/.test(file)) return { reason: 'not a store image' };
  const size = fs.statSync(file).size;
  if (size > maxBytes) return { reason: `image too large to preview (${size} bytes)` };
  return imageDataUrl(fs.readFileSync(file));
}

/** One image's base64 payload straight from its byte range: a data URL for the webview. */
export function thumbnail(
  file: string,
  start: number,
  end: number,
  maxBytes = 8 * 1024 * 1024,
): { dataUrl?: string; reason?: string } {
  const len = end - start;
  if (len <= 0) return { reason: 'empty image' };
  if (len > maxBytes) return { reason: `image too large to preview (${len} bytes)` };
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(len);
    fs.readSync(fd, buf, 0, len, start);
    // JSON may escape '/' as '\/' inside the string; base64 has no other escapes.
    const b64 = buf.toString('latin1').replace(/\\\//g, '/');
    if (!/^[A-Za-z0-9+/=\s]*$/.test(b64.slice(0, 4096))) return { reason: 'not base64' };
    return imageDataUrl(Buffer.from(b64, 'base64'));
  } finally {
    fs.closeSync(fd);
  }
}

/** Decoded image bytes as a data URL, when they are an image format a webview shows. */
function imageDataUrl(bytes: Buffer): { dataUrl?: string; reason?: string } {
  const type =
    bytes[0] === 0x89 && bytes[1] === 0x50
      ? 'image/png'
      : bytes[0] === 0xff && bytes[1] === 0xd8
        ? 'image/jpeg'
        : bytes.toString('latin1', 0, 4) === 'GIF8'
          ? 'image/gif'
          : bytes.toString('latin1', 8, 12) === 'WEBP'
            ? 'image/webp'
            : undefined;
  if (!type) return { reason: 'unknown image format' };
  return { dataUrl: `data:${type};base64,${bytes.toString('base64')}` };
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
  project: (p, ctx) => {
    fs.mkdirSync(path.dirname(p.out), { recursive: true });
    const s = writeProjection(p.path, p.out, {
      title: p.title,
      isCancelled: ctx.isCancelled,
      onProgress: (d, n) => ctx.progress(d, n, 'projection'),
    });
    return { lines: s.lines, truncatedLines: s.truncatedLines, bytes: s.bytes, out: p.out };
  },
  images: (p, ctx) => listImages(p.path, p.limit ?? 500, ctx),
  thumbnail: (p) => (p.file ? storeThumbnail(p.file, p.maxBytes) : thumbnail(p.path, p.start, p.end, p.maxBytes)),
  planReclaim: (p, ctx) => reclaimJobs.planReclaim(p, ctx),
  reclaim: (p, ctx) => reclaimJobs.reclaim(p, ctx),
};

function post(m: FromWorker): void {
  port?.postMessage(m);
}

async function handle(msg: ToWorker): Promise<void> {
  if (msg.type !== 'request') return; // 'cancel' arrives through the shared flag; the message is a fallback for idle time
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
