// The JSON shape of a thread for the CLI's --json and for the extension's views: the summary
// with image duplicates condensed (a multi-GB thread can hold thousands of fingerprints).
import { ThreadSummary } from './catalog';
import { ThreadMetrics } from './metrics';

export interface DuplicateImage {
  fingerprint: string;
  copies: number;
  storedBytes: number;
  mediaType: string;
}

export function imageStats(t: ThreadSummary): {
  distinct: number;
  maxCopies: number;
  duplicateBytes: number;
  top: DuplicateImage[];
} {
  const entries = Object.entries(t.metrics.images.byHash);
  let maxCopies = 0;
  let duplicateBytes = 0;
  for (const [, [count, bytes]] of entries) {
    maxCopies = Math.max(maxCopies, count);
    duplicateBytes += (count - 1) * bytes;
  }
  const top = entries
    .filter(([, [count]]) => count > 1)
    .sort((a, b) => b[1][0] * b[1][1] - a[1][0] * a[1][1])
    .slice(0, 10)
    .map(([fingerprint, [copies, storedBytes, mediaType]]) => ({ fingerprint, copies, storedBytes, mediaType }));
  return { distinct: entries.length, maxCopies, duplicateBytes, top };
}

/** A thread as JSON (CLI --json, the extension's views): fingerprints condensed into stats. */
export type ThreadJson = Omit<ThreadSummary, 'metrics'> & {
  metrics: Omit<ThreadMetrics, 'images'> & {
    images: Omit<ThreadMetrics['images'], 'byHash'> & ReturnType<typeof imageStats>;
  };
};

export function threadJson(t: ThreadSummary): ThreadJson {
  const { byHash: _omit, ...images } = t.metrics.images;
  void _omit;
  return {
    ...t,
    metrics: { ...t.metrics, images: { ...images, ...imageStats(t) } },
  };
}
