// A ThreadView as the extension receives it, for tests of the extension's pure logic.
import { emptyMetrics } from '../../src/core/scan/metrics';
import type { RiskLevelName, ThreadView } from '../../src/protocol/messages';

export const DAY = 86_400_000;

/** A thread `ageDays` old (before `now`), at `level`, with a reason that names it. */
export function threadView(
  id: string,
  level: RiskLevelName,
  ageDays: number,
  extra: Partial<ThreadView> = {},
  now = Date.now(),
): ThreadView {
  const m = emptyMetrics();
  return {
    id,
    path: `/h/sessions/${id}.jsonl`,
    name: `thread ${id}`,
    archived: false,
    compressed: false,
    generation: 'legacy',
    sizeBytes: 1000,
    mtimeMs: now - ageDays * DAY,
    risk: { level, reasons: [{ level, code: 'x', text: `reason for ${id}` }], recommendation: 'do the thing' },
    metrics: { ...m, lines: 1, images: { ...m.images, distinct: 0, maxCopies: 0, duplicateBytes: 0, top: [] } },
    ...extra,
  };
}
