// What an in-place repair would free, from what the scan already measured (no pass over the file): the
// image copies go, each distinct image is written to the store once (decoded: 3/4 of its base64), and
// the restore data takes about one patch entry per copy. A plan's figure; the run reports the real one.
import type { ThreadMetrics } from '../scan/metrics';

/** Bytes of restore data per replaced copy (a patch entry, and the placeholder left in the file). */
export const PER_COPY_BYTES = 320;

export interface ReclaimEstimate {
  /** Bytes the thread takes now. */
  sizeBytes: number;
  /** Bytes on disk after: repaired file + restore data (the store's growth is counted apart). */
  afterBytes: number;
  /** Bytes the store grows by for this thread (images no earlier thread of the plan brought). */
  storeBytes: number;
  /** sizeBytes - afterBytes - storeBytes. */
  freedBytes: number;
}

/**
 * Estimate one thread; `inStore` holds the image fingerprints (the scan's) earlier threads of the same
 * plan already bring to the store, and gets this thread's added (so a plan calls it thread by thread).
 */
export function estimateReclaim(
  sizeBytes: number,
  m: Pick<ThreadMetrics, 'images' | 'damage'>,
  inStore: Set<string>,
): ReclaimEstimate {
  let storeBytes = 0;
  let copies = 0;
  for (const [fp, [count, bytes]] of Object.entries(m.images.byHash)) {
    copies += count;
    if (inStore.has(fp)) continue;
    inStore.add(fp);
    storeBytes += Math.floor((bytes * 3) / 4);
  }
  // images hidden in text (MCP result copies) are not fingerprinted: each counted as a new store image
  const embedded = m.damage?.embedded.bytes ?? 0;
  storeBytes += Math.floor((embedded * 3) / 4);
  const removed = m.images.totalBytes + embedded;
  const afterBytes = Math.max(0, sizeBytes - removed) + copies * PER_COPY_BYTES;
  return { sizeBytes, afterBytes, storeBytes, freedBytes: sizeBytes - afterBytes - storeBytes };
}
