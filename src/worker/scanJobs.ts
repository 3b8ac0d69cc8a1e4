// The worker's scan and watch jobs. A scan keeps one incremental index per Codex home and measures
// on every core (core/scan/parallelScan.ts). A progressive scan streams its threads to the extension
// in small 'partial' messages (every thread from cheap facts first, then badges as they are measured,
// most recently active first), so the host never deserializes thousands of threads in one go.
// The watcher (core SessionWatcher plus a stat poll of session_index.jsonl) runs here too: the
// extension host does no per-file work; it only hears that something changed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ScanIndex, ThreadSummary, emptyIndex, scanCatalog } from '../core/scan/catalog';
import { scanCatalogParallel } from '../core/scan/parallelScan';
import { threadJson } from '../core/scan/threadJson';
import { DEFAULT_THRESHOLDS, RiskThresholds } from '../core/scan/risk';
import { SessionWatcher } from '../core/codexHome/sessionWatcher';
import type { FromWorker, ParamsOf, ResultOf, ThreadView } from '../protocol/messages';

export interface JobCtx {
  id: number;
  isCancelled: () => boolean;
  progress: (done: number, total: number, phase?: string) => void;
  post: (m: FromWorker) => void;
}

let index: ScanIndex = emptyIndex();
let indexHome = '';
/** Paths of the threads the caller got in the last progressive scan (for `listKnown` rescans). */
let sentPaths = new Set<string>();
/** Unchanged threads written this recently are sent again: their risk still depends on the clock. */
const RECENT_MS = 10 * 60_000;
const BATCH = 250; // threads per message: a few ms to deserialize on the host
const FLUSH_MS = 150;

/** The scan index of `codexHome` (the one the last scan filled, or a fresh one for another home). */
export function currentIndex(codexHome: string): ScanIndex {
  if (indexHome !== codexHome) {
    index = emptyIndex();
    indexHome = codexHome;
    sentPaths = new Set();
  }
  return index;
}

function mergeThresholds(t: Partial<RiskThresholds> | undefined): RiskThresholds {
  return { ...DEFAULT_THRESHOLDS, ...t };
}

const view = (t: ThreadSummary): ThreadView => threadJson(t);

export async function scan(p: ParamsOf<'scan'>, ctx: JobCtx): Promise<ResultOf<'scan'>> {
  if (p.reset || indexHome !== p.codexHome) {
    index = emptyIndex();
    indexHome = p.codexHome;
    sentPaths = new Set();
  }
  const known = p.listKnown ? sentPaths : new Set<string>();
  const sinceMs = Date.now() - RECENT_MS;
  const needed = (t: ThreadSummary, pending: boolean): boolean => pending || !known.has(t.path) || t.mtimeMs > sinceMs;
  const t0 = Date.now();
  const thresholds = mergeThresholds(p.thresholds);
  const script = path.join(__dirname, 'scanWorker.js');
  const onProgress = (d: number, n: number): void => ctx.progress(d, n, 'scan');
  if (!fs.existsSync(script)) {
    // Not running from the bundle (unit tests under tsx): one thread.
    const r = scanCatalog(p.codexHome, { index, thresholds, isCancelled: ctx.isCancelled, onProgress });
    return { ...r, threads: r.threads.map(view), ms: Date.now() - t0 };
  }
  let batch: ThreadView[] = [];
  let measured = 0;
  let total = 0;
  let lastFlush = Date.now();
  const flush = (): void => {
    if (!batch.length) return;
    ctx.post({ type: 'partial', id: ctx.id, kind: 'measured', threads: batch, measured, total });
    batch = [];
    lastFlush = Date.now();
  };
  const r = await scanCatalogParallel(p.codexHome, {
    index,
    thresholds,
    script,
    order: 'recent',
    isCancelled: ctx.isCancelled,
    onProgress,
    onListed: p.progressive
      ? (threads, pending) => {
          total = threads.length;
          // Most recently active first, so the top of the view fills in first; unchanged threads the
          // caller already has are named (paths) but not sent.
          const sorted = threads.filter((t) => needed(t, pending.has(t.path))).sort((a, b) => b.mtimeMs - a.mtimeMs);
          for (let k = 0; k < sorted.length || k === 0; k += BATCH) {
            const part = sorted.slice(k, k + BATCH);
            ctx.post({
              type: 'partial',
              id: ctx.id,
              kind: 'listed',
              first: k === 0,
              threads: part.map(view),
              pending: part.filter((t) => pending.has(t.path)).map((t) => t.path),
              paths: k === 0 && p.listKnown ? threads.map((t) => t.path) : undefined,
              measured: total - pending.size,
              total,
            });
          }
        }
      : undefined,
    onThread: p.progressive
      ? (t, n, _total, reused) => {
          measured = n;
          if (reused && !needed(t, false)) return;
          batch.push(view(t));
          if (batch.length >= BATCH || Date.now() - lastFlush >= FLUSH_MS) flush();
        }
      : undefined,
  });
  flush();
  sentPaths = new Set(r.threads.map((t) => t.path));
  const ms = Date.now() - t0;
  if (p.progressive) return { ...r, threads: [], streamed: true, ms };
  return { ...r, threads: r.threads.map(view), ms };
}

let watcher: { stop(): void } | undefined;

export function watch(p: ParamsOf<'watch'>, post: (m: FromWorker) => void): ResultOf<'watch'> {
  unwatch();
  const debounceMs = p.debounceMs ?? 750;
  const w = new SessionWatcher(p.codexHome, { debounceMs, pollMs: p.pollMs ?? 15000 });
  const off = w.onEvents((batch) =>
    post({
      type: 'event',
      event: 'sessions-changed',
      changes: batch.length,
      sample: `${batch[0].kind} ${batch[0].path}`,
    }),
  );
  w.start();
  // Thread names live in session_index.jsonl, which SessionWatcher does not track: a cheap stat poll.
  const indexFile = path.join(p.codexHome, 'session_index.jsonl');
  let debounce: NodeJS.Timeout | undefined;
  const onIndex = (cur: fs.Stats, prev: fs.Stats): void => {
    if (cur.mtimeMs === prev.mtimeMs && cur.size === prev.size) return;
    if (debounce) clearTimeout(debounce);
    debounce = setTimeout(
      () => post({ type: 'event', event: 'sessions-changed', changes: 1, sample: `names ${indexFile}` }),
      debounceMs,
    );
  };
  fs.watchFile(indexFile, { persistent: false, interval: 2000 }, onIndex);
  watcher = {
    stop: () => {
      off();
      w.stop();
      fs.unwatchFile(indexFile, onIndex);
      if (debounce) clearTimeout(debounce);
    },
  };
  return { watching: true };
}

export function unwatch(): ResultOf<'unwatch'> {
  watcher?.stop();
  watcher = undefined;
  return { watching: false };
}
