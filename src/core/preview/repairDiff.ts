// The repair preview VS Code shows as a diff: the original and the repaired copy, each projected to a
// small readable file in `dir`. The repaired copy exists only while it is projected (previewRepair
// deletes it), so a preview leaves nothing but the two projections, which the extension removes
// when their diff editor closes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PreviewRecord, previewRepair } from '../repair/previewGuard';
import { StripReport, StripRequest } from '../repair/types';
import { writeProjection } from './projection';

export interface RepairDiff {
  record: PreviewRecord;
  report: StripReport;
  /** The projections (in `dir`). */
  original: string;
  repaired: string;
}

export function repairDiff(
  req: Omit<StripRequest, 'mode' | 'out'>,
  dir: string,
  title: string,
  hooks: { onProgress?: (done: number, total: number, phase: string) => void; isCancelled?: () => boolean } = {},
): RepairDiff {
  const original = path.join(dir, 'original.txt');
  const repaired = path.join(dir, 'repaired.txt');
  const project = (from: string, to: string, phase: string) =>
    writeProjection(from, to, {
      title,
      isCancelled: hooks.isCancelled,
      onProgress: (d, n) => hooks.onProgress?.(d, n, phase),
    });
  fs.mkdirSync(dir, { recursive: true });
  try {
    const { record, report } = previewRepair(req, hooks, (copy) =>
      project(copy, repaired, 'projecting the repaired copy'),
    );
    project(record.path, original, 'projecting the original');
    return { record, report, original, repaired };
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
