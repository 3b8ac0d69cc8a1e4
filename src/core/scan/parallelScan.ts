// scanCatalog on every core: unchanged files are taken from the index here, the rest are measured by
// the scan pool (scanPool.ts), each thread reported as soon as it is measured. Small jobs stay in
// this thread: starting workers costs more than reading a few MB.
import type { Worker } from 'node:worker_threads';
import { CancelledError, errorCode } from '../util/errors';
import { RolloutFile } from '../codexHome/rolloutFiles';
import {
  ScanIndex,
  ScanOptions,
  ScanResult,
  ThreadSources,
  ThreadSummary,
  emptyIndex,
  endScan,
  listForScan,
  measureFile,
  recordMeasurement,
  scanNames,
  summarize,
} from './catalog';
import { emptyMetrics } from './metrics';
import { MeasureJob, StartedWorkers, defaultWorkerCount, measureInPool, startWorkers } from './scanPool';

export interface ParallelScanOptions extends ScanOptions {
  /** The pool's worker entry (dist/scanWorker.js). */
  script: string;
  /** Default: one per CPU. */
  workers?: number;
  /** Below this many bytes to read, measure in this thread (default 32 MiB). */
  minPoolBytes?: number;
  /** Which unmeasured files go first: 'largest' (fastest overall, default) or 'recent' (newest mtime). */
  order?: 'largest' | 'recent';
  /**
   * Before anything is read: every thread from cheap facts (file name, size, dates, names; the
   * index's metrics where the file is unchanged). `pending` holds the paths still to be measured.
   */
  onListed?: (threads: ThreadSummary[], pending: ReadonlySet<string>) => void;
  /** Every thread as soon as its measurement is known (unchanged ones first, `reused`). */
  onThread?: (t: ThreadSummary, measured: number, total: number, reused: boolean) => void;
  /** Test hook, passed to the pool. */
  onDispatch?: (job: MeasureJob, worker: Worker, attempt: number) => void;
}

const MIN_POOL_BYTES = 32 * 1024 * 1024;

export async function scanCatalogParallel(codexHome: string, opts: ParallelScanOptions): Promise<ScanResult> {
  const index = opts.index ?? emptyIndex();
  const minPoolBytes = opts.minPoolBytes ?? MIN_POOL_BYTES;
  // The workers start as soon as the listing shows that the pool will be used (with no index: within
  // the first few files), so their start-up overlaps the rest of the listing and the names. A rescan
  // while Codex appends to one thread starts none.
  let started: StartedWorkers | undefined;
  let unread = 0;
  let changed = 0;
  try {
    const { files, result } = listForScan(codexHome, (f) => {
      if (started || opts.workers === 0) return;
      const prev = index.entries[f.path];
      if (prev && prev.size === f.size && prev.mtimeMs === f.mtimeMs) return;
      changed++;
      unread += bytesToRead(f, prev);
      if (changed >= 2 && unread >= minPoolBytes)
        started = startWorkers(opts.script, opts.workers ?? defaultWorkerCount());
    });
    return await measureAll(codexHome, opts, index, files, result, started);
  } finally {
    started?.dispose(); // those the pool did not take (none when it ran)
  }
}

async function measureAll(
  codexHome: string,
  opts: ParallelScanOptions,
  index: ScanIndex,
  files: RolloutFile[],
  result: ScanResult,
  started: StartedWorkers | undefined,
): Promise<ScanResult> {
  let names: ThreadSources | undefined;
  const namesNow = (): ThreadSources => (names ??= scanNames(codexHome, opts, result));
  const total = files.length;
  let measured = 0;
  const record = (f: RolloutFile, outcome: Parameters<typeof recordMeasurement>[4]): void => {
    const t = recordMeasurement(result, index, f, namesNow(), outcome, opts.thresholds);
    measured++;
    if (t) opts.onThread?.(t, measured, total, 'entry' in outcome && outcome.how === 'reused');
  };
  const todo: RolloutFile[] = [];
  for (const f of files) {
    const prev = index.entries[f.path];
    if (!(prev && prev.size === f.size && prev.mtimeMs === f.mtimeMs)) todo.push(f);
  }
  if (opts.onListed) {
    const empty = emptyMetrics();
    const listed = files.map((f) => summarize(f, index.entries[f.path]?.metrics ?? empty, namesNow(), opts.thresholds));
    opts.onListed(listed, new Set(todo.map((f) => f.path)));
  }
  const pending = new Set(todo);
  for (const f of files) if (!pending.has(f)) record(f, { entry: index.entries[f.path], how: 'reused', bytesRead: 0 });
  const toRead = new Map(todo.map((f) => [f, bytesToRead(f, index.entries[f.path])]));
  const bytes = todo.reduce((s, f) => s + toRead.get(f)!, 0);
  let done = 0;
  const progress = (f: RolloutFile): void => {
    done += toRead.get(f) ?? 0;
    opts.onProgress?.(done, bytes, f.path);
  };
  if (bytes < (opts.minPoolBytes ?? MIN_POOL_BYTES) || todo.length < 2 || opts.workers === 0) {
    started?.dispose();
    namesNow(); // read even with no thread: the result notes an unreadable database
    for (const f of byOrder(todo, opts.order)) {
      if (opts.isCancelled?.()) throw new CancelledError();
      let outcome: Parameters<typeof recordMeasurement>[4];
      try {
        outcome = measureFile(f.path, f, index.entries[f.path], opts.fullImageHash ? { fullImageHash: true } : {});
      } catch (err) {
        if (errorCode(err) === 'cancelled') throw err;
        outcome = { error: (err as Error).message };
      }
      record(f, outcome);
      progress(f);
    }
    return endScan(result, index, files);
  }
  const jobs: MeasureJob[] = todo.map((f) => ({
    path: f.path,
    size: f.size,
    mtimeMs: f.mtimeMs,
    prev: index.entries[f.path],
  }));
  const fileOf = new Map(jobs.map((j, k) => [j, todo[k]]));
  const pool = measureInPool(jobs, {
    script: opts.script,
    workers: opts.workers,
    fullImageHash: opts.fullImageHash,
    isCancelled: opts.isCancelled,
    onDispatch: opts.onDispatch,
    started,
    priority: opts.order === 'recent' ? (j) => j.mtimeMs : undefined,
    onResult: (job, o) => {
      const f = fileOf.get(job)!;
      record(f, o.ok ? o : { error: o.message });
      progress(f);
    },
  });
  namesNow(); // while the workers start
  await pool;
  return endScan(result, index, files);
}

/** What measuring `f` will read: a file that only grew is read from where the last scan stopped. */
function bytesToRead(f: RolloutFile, prev: ScanIndex['entries'][string] | undefined): number {
  const grew = prev !== undefined && !f.compressed && f.size >= prev.size && prev.resumeOffset > 0;
  return grew ? f.size - prev.resumeOffset : f.size;
}

function byOrder(files: RolloutFile[], order: ParallelScanOptions['order']): RolloutFile[] {
  return order === 'recent' ? [...files].sort((a, b) => b.mtimeMs - a.mtimeMs) : files;
}
