// What a home-wide reclaim would do, from a scan's measurements: which threads it repairs in place
// (not held by Codex, not written for `olderThanDays`, archived ones too), which it skips and why, what
// each would free and how big the image store becomes. Nothing is read here but file heads and locks.
import * as fs from 'node:fs';
import { createHash } from 'node:crypto';
import { RolloutFile } from '../codexHome/rolloutFiles';
import { backupsRoot } from '../codexHome/paths';
import { ThreadSummary } from '../scan/catalog';
import { ThreadMetrics } from '../scan/metrics';
import { DEFAULT_MAX_TOOL_OUTPUT } from '../repair/stripPass';
import { forksByParent, forksRefusal, refuseIfHeld, rolloutIdOf } from '../repair/refusals';
import { ErrorCode, errorCode, errorMessage } from '../util/errors';
import { estimateReclaim } from '../store/estimate';
import { storeStats } from '../store/imageStore';
import { listBackups } from '../repair/backups';

export interface ReclaimOptions {
  /** Threads written in the last this many days are left alone (default 7; 0: every thread not held). */
  olderThanDays?: number;
  /** Newest images of each thread's live history kept (default 0). */
  keepImages?: number;
  /** Tool outputs longer than this keep head and tail (default 256 KiB). */
  maxToolOutputBytes?: number;
}

export const DEFAULT_OLDER_THAN_DAYS = 7;

export interface ReclaimCandidate {
  id: string;
  path: string;
  name: string;
  archived: boolean;
  compressed: boolean;
  sizeBytes: number;
  /** What the repair reads: the file's size, or a .zst's decompressed size (from the scan). */
  plainBytes: number;
  mtimeMs: number;
  /** Image copies in the file, and how many the repair replaces. */
  images: number;
  /** What the repair should free in the rollout itself, restore data subtracted (an estimate). */
  estimatedFreedBytes: number;
}

export type SkipReason = Extract<ErrorCode, 'held-by-codex' | 'growing' | 'has-forks'> | 'unreadable';

export interface ReclaimSkip {
  id: string;
  path: string;
  name: string;
  sizeBytes: number;
  reason: SkipReason;
  message: string;
}

export interface BackupToConvert {
  threadId: string;
  dir: string;
  /** What the full copy takes. */
  bytes: number;
}

export interface ReclaimPlan {
  /** Names this plan (MCP: a reclaim needs it): a hash of what it decided and of the files' states. */
  id: string;
  codexHome: string;
  createdAt: string;
  options: Required<ReclaimOptions>;
  threads: ReclaimCandidate[];
  skipped: ReclaimSkip[];
  /** Full backups of earlier repairs to turn into restore data (their copies go once that is verified). */
  backups: BackupToConvert[];
  /** Threads left alone because Codex wrote them in the last `olderThanDays` days. */
  recent: { threads: number; bytes: number };
  /** Threads with nothing to free (no image, no tool output over the cap: repaired ones among them). */
  nothingToFree: number;
  totals: {
    threads: number;
    bytesBefore: number;
    estimatedFreedBytes: number;
    /** Decoded bytes of the distinct images the store would gain (at most: some may be there already). */
    storeGrowthBytes: number;
    storeBytesNow: number;
    storeBytesAfter: number;
  };
}

/** A capped tool output's marker, and the restore data it costs. */
const CAP_MARKER_BYTES = 350;
const DAY_MS = 86_400_000;
/**
 * The plan looks at every process's open files once, not once per thread (a walk over /proc reads
 * every fd on the machine: seconds for thousands of threads); each repair looks again before its swap.
 */
const PLAN_OPEN_FILES_AGE_MS = 10_000;

/**
 * What repairing a thread in place frees on disk, its restore data subtracted (store/estimate.ts for the
 * images; here the newest images kept, tool outputs over the cap, and a .zst's compressed size), and what
 * it adds to the store (fingerprints in `inStore` are counted once per plan).
 */
export function estimateThread(
  t: Pick<ThreadSummary, 'sizeBytes' | 'compressed' | 'metrics'>,
  opts: Required<ReclaimOptions>,
  inStore: Set<string>,
): { freedBytes: number; storeBytes: number; images: number; plainBytes: number } {
  const m = t.metrics;
  const plain = plainBytesOf(t);
  const e = estimateReclaim(plain, m, inStore);
  const kept = Math.min(opts.keepImages, m.images.live);
  const keptBytes = m.images.total ? (kept * m.images.totalBytes) / m.images.total : 0;
  // Only the largest tool outputs are remembered: the rest are under any sensible cap.
  const capped = m.toolOutputs.largest.reduce(
    (s, o) => s + Math.max(0, o.bytes - opts.maxToolOutputBytes - CAP_MARKER_BYTES),
    0,
  );
  let freed = plain - e.afterBytes - keptBytes + capped;
  if (t.compressed) freed = plain > 0 ? (freed / plain) * t.sizeBytes : 0;
  return {
    freedBytes: Math.max(0, Math.round(freed)),
    storeBytes: e.storeBytes,
    images: Math.max(0, m.images.total - kept),
    plainBytes: plain,
  };
}

/** A thread's plain bytes: a .zst's from the scan's byte counts (by kind of line, decompressed). */
function plainBytesOf(t: Pick<ThreadSummary, 'sizeBytes' | 'compressed' | 'metrics'>): number {
  return t.compressed ? Object.values(t.metrics.bytes).reduce((s, n) => s + n, 0) : t.sizeBytes;
}

function withDefaults(o: ReclaimOptions): Required<ReclaimOptions> {
  return {
    olderThanDays: o.olderThanDays ?? DEFAULT_OLDER_THAN_DAYS,
    keepImages: o.keepImages ?? 0,
    maxToolOutputBytes: o.maxToolOutputBytes ?? DEFAULT_MAX_TOOL_OUTPUT,
  };
}

function asFile(t: ThreadSummary): RolloutFile {
  return {
    path: t.path,
    id: t.id,
    archived: t.archived,
    compressed: t.compressed,
    size: t.sizeBytes,
    mtimeMs: t.mtimeMs,
  };
}

/** Plan a reclaim over the scanned threads; `now` is for tests. */
export function planReclaim(
  codexHome: string,
  threads: ThreadSummary[],
  options: ReclaimOptions = {},
  now = Date.now(),
): ReclaimPlan {
  const opts = withDefaults(options);
  const cutoff = now - opts.olderThanDays * DAY_MS;
  const forks = forksByParent(threads.map(asFile));
  const plan: ReclaimPlan = {
    id: '',
    codexHome,
    createdAt: new Date(now).toISOString(),
    options: opts,
    threads: [],
    skipped: [],
    backups: [],
    recent: { threads: 0, bytes: 0 },
    nothingToFree: 0,
    totals: {
      threads: 0,
      bytesBefore: 0,
      estimatedFreedBytes: 0,
      storeGrowthBytes: 0,
      storeBytesNow: 0,
      storeBytesAfter: 0,
    },
  };
  const inStore = new Set<string>();
  for (const t of threads) {
    if (t.mtimeMs > cutoff) {
      plan.recent.threads++;
      plan.recent.bytes += t.sizeBytes;
      continue;
    }
    if (!mayFree(t.metrics, opts)) {
      plan.nothingToFree++;
      continue;
    }
    const skip = (reason: SkipReason, message: string) =>
      plan.skipped.push({ id: t.id, path: t.path, name: t.name, sizeBytes: t.sizeBytes, reason, message });
    const referrers = forks.get(rolloutIdOf(t));
    if (referrers) {
      skip('has-forks', forksRefusal(t, referrers));
      continue;
    }
    try {
      refuseIfHeld(codexHome, asFile(t), 'reclaiming', false, PLAN_OPEN_FILES_AGE_MS);
    } catch (err) {
      skip(errorCode(err) === 'held-by-codex' ? 'held-by-codex' : 'unreadable', errorMessage(err));
      continue;
    }
    const e = estimateThread(t, opts, inStore);
    plan.totals.storeGrowthBytes += e.storeBytes;
    plan.threads.push({
      id: t.id,
      path: t.path,
      name: t.name,
      archived: t.archived,
      compressed: t.compressed,
      sizeBytes: t.sizeBytes,
      plainBytes: e.plainBytes,
      mtimeMs: t.mtimeMs,
      images: e.images,
      estimatedFreedBytes: e.freedBytes,
    });
  }
  plan.threads.sort((a, b) => b.estimatedFreedBytes - a.estimatedFreedBytes);
  plan.backups = fullBackups(codexHome);
  const totals = plan.totals;
  totals.threads = plan.threads.length;
  for (const c of plan.threads) {
    totals.bytesBefore += c.sizeBytes;
    totals.estimatedFreedBytes += c.estimatedFreedBytes;
  }
  for (const b of plan.backups) totals.estimatedFreedBytes += b.bytes;
  totals.storeBytesNow = storeStats(codexHome).bytes;
  totals.storeBytesAfter = totals.storeBytesNow + totals.storeGrowthBytes;
  totals.estimatedFreedBytes = Math.max(0, totals.estimatedFreedBytes - totals.storeGrowthBytes);
  plan.id = planId(plan);
  return plan;
}

/** Whether the thread holds anything a repair takes out (cheap: before the refusal checks). */
function mayFree(m: ThreadMetrics, opts: Required<ReclaimOptions>): boolean {
  return (
    m.images.total > Math.min(opts.keepImages, m.images.live) ||
    m.damage.embedded.bytes > 0 ||
    m.toolOutputs.largest.some((o) => o.bytes > opts.maxToolOutputBytes)
  );
}

/**
 * Backups of earlier repairs that still hold a full copy of the original (made before restore data):
 * reclaim converts them. A copy that is still a link to a live file (a repair stopped before its swap)
 * frees nothing and is left alone.
 */
function fullBackups(codexHome: string): BackupToConvert[] {
  const out: BackupToConvert[] = [];
  let threads: string[];
  try {
    threads = fs.readdirSync(backupsRoot(codexHome));
  } catch {
    return out;
  }
  for (const t of threads) {
    for (const b of listBackups(codexHome, t)) {
      if (b.manifest.kind !== 'before-repair' || !b.manifest.repaired) continue;
      try {
        const st = fs.statSync(b.file);
        if (st.nlink === 1) out.push({ threadId: b.manifest.threadId, dir: b.dir, bytes: st.size });
      } catch {
        // no copy: restore data already
      }
    }
  }
  return out;
}

/** The plan's id: what it decided and the state of every file it would touch. */
function planId(plan: ReclaimPlan): string {
  const h = createHash('sha256').update(JSON.stringify(plan.options));
  for (const c of plan.threads) h.update(`${c.path}\0${c.sizeBytes}\0${c.mtimeMs}\n`);
  for (const b of plan.backups) h.update(`${b.dir}\n`);
  return 'reclaim-' + h.digest('hex').slice(0, 16);
}

/** The thread's file is as the plan saw it (Codex only appends or replaces by rename). */
export function unchangedSincePlan(c: ReclaimCandidate): boolean {
  try {
    const st = fs.statSync(c.path);
    return st.size === c.sizeBytes && st.mtimeMs === c.mtimeMs;
  } catch {
    return false;
  }
}
