// What a home-wide reclaim would do, from a scan's measurements: which threads it repairs in place
// (not held by Codex, not written for `olderThanDays`, archived ones too), which it skips and why, what
// each would free and how big the image store becomes. Nothing is read here but file heads and locks.
import * as fs from 'node:fs';
import { createHash } from 'node:crypto';
import { RolloutFile } from '../codexHome/rolloutFiles';
import { imageArchiveDir } from '../codexHome/paths';
import { ThreadSummary } from '../scan/catalog';
import { ThreadMetrics } from '../scan/metrics';
import { DEFAULT_MAX_TOOL_OUTPUT } from '../repair/stripPass';
import { forksByParent, refuseIfHeld } from '../repair/refusals';
import { ErrorCode, errorCode, errorMessage } from '../util/errors';
import { folderBytes } from './diskUse';

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

export interface ReclaimPlan {
  /** Names this plan (MCP: a reclaim needs it): a hash of what it decided and of the files' states. */
  id: string;
  codexHome: string;
  createdAt: string;
  options: Required<ReclaimOptions>;
  threads: ReclaimCandidate[];
  skipped: ReclaimSkip[];
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

/** A placeholder's size in the repaired file, and the restore data one replaced value costs. */
const PLACEHOLDER_BYTES = 230;
const RESTORE_BYTES_PER_VALUE = 120;
const DAY_MS = 86_400_000;

/** Image copies the repair replaces: every one, bar the newest `keep` of the live history. */
function replacedImages(m: ThreadMetrics, keep: number): number {
  return Math.max(0, m.images.total - Math.min(keep, m.images.live));
}

/** What repairing a thread in place frees in its rollout, restore data subtracted: an estimate from its metrics. */
export function estimateFreed(m: ThreadMetrics, opts: Required<ReclaimOptions>): number {
  const replaced = replacedImages(m, opts.keepImages);
  const perImage = m.images.total ? m.images.totalBytes / m.images.total : 0;
  const images = replaced * (perImage - PLACEHOLDER_BYTES - RESTORE_BYTES_PER_VALUE);
  const embedded = m.damage.embedded.bytes - m.damage.embedded.strings * PLACEHOLDER_BYTES;
  // Only the largest tool outputs are remembered: the rest are under any sensible cap.
  const tool = m.toolOutputs.largest.reduce(
    (s, t) => s + Math.max(0, t.bytes - opts.maxToolOutputBytes - PLACEHOLDER_BYTES - RESTORE_BYTES_PER_VALUE),
    0,
  );
  return Math.max(0, Math.round(images + Math.max(0, embedded) + tool));
}

/** The estimate for the file on disk: a .zst keeps the share of its compressed size the repair takes out. */
function estimateOnDisk(t: ThreadSummary, opts: Required<ReclaimOptions>): number {
  const freed = estimateFreed(t.metrics, opts);
  if (!t.compressed) return freed;
  const plain = Object.values(t.metrics.bytes).reduce((s, n) => s + n, 0);
  return plain > 0 ? Math.round((freed / plain) * t.sizeBytes) : 0;
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
  const distinct = new Map<string, number>();
  for (const t of threads) {
    if (t.mtimeMs > cutoff) {
      plan.recent.threads++;
      plan.recent.bytes += t.sizeBytes;
      continue;
    }
    const freed = estimateOnDisk(t, opts);
    if (freed <= 0) {
      plan.nothingToFree++;
      continue;
    }
    const skip = (reason: SkipReason, message: string) =>
      plan.skipped.push({ id: t.id, path: t.path, name: t.name, sizeBytes: t.sizeBytes, reason, message });
    const forkIds = forks.get(t.id);
    if (forkIds) {
      skip(
        'has-forks',
        `${forkIds.length} Codex fork(s) (${forkIds.join(', ')}) point into this file by byte offset; rewriting it would break them.`,
      );
      continue;
    }
    try {
      refuseIfHeld(codexHome, asFile(t), 'reclaiming');
    } catch (err) {
      skip(errorCode(err) === 'held-by-codex' ? 'held-by-codex' : 'unreadable', errorMessage(err));
      continue;
    }
    plan.threads.push({
      id: t.id,
      path: t.path,
      name: t.name,
      archived: t.archived,
      compressed: t.compressed,
      sizeBytes: t.sizeBytes,
      mtimeMs: t.mtimeMs,
      images: replacedImages(t.metrics, opts.keepImages),
      estimatedFreedBytes: freed,
    });
    for (const [fp, [, bytes]] of Object.entries(t.metrics.images.byHash)) distinct.set(fp, bytes);
  }
  plan.threads.sort((a, b) => b.estimatedFreedBytes - a.estimatedFreedBytes);
  const totals = plan.totals;
  totals.threads = plan.threads.length;
  for (const c of plan.threads) {
    totals.bytesBefore += c.sizeBytes;
    totals.estimatedFreedBytes += c.estimatedFreedBytes;
  }
  // The store keeps each distinct image once, decoded (base64 is 4 bytes for every 3).
  for (const stored of distinct.values()) totals.storeGrowthBytes += Math.round((stored * 3) / 4);
  totals.storeBytesNow = folderBytes(imageArchiveDir(codexHome));
  totals.storeBytesAfter = totals.storeBytesNow + totals.storeGrowthBytes;
  totals.estimatedFreedBytes = Math.max(0, totals.estimatedFreedBytes - totals.storeGrowthBytes);
  plan.id = planId(plan);
  return plan;
}

/** The plan's id: what it decided and the state of every file it would touch. */
function planId(plan: ReclaimPlan): string {
  const h = createHash('sha256').update(JSON.stringify(plan.options));
  for (const c of plan.threads) h.update(`${c.path}\0${c.sizeBytes}\0${c.mtimeMs}\n`);
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
