// The home scanned for a command (scan, reclaim): the CLI's incremental index, every core when the
// bundle's scan worker is beside us, a progress bar, notes and warnings on stderr.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { scanIndexPath } from '../core/codexHome/paths';
import { scanCatalogParallel } from '../core/scan/parallelScan';
import { ScanResult, loadIndex, saveIndex, scanCatalog } from '../core/scan/catalog';
import { CliContext } from './command';
import { progressBar } from './progress';

export async function scanHome(ctx: CliContext, opts: { useCache: boolean; workers?: string }): Promise<ScanResult> {
  const { codexHome } = ctx;
  const indexPath = scanIndexPath(codexHome);
  const index = opts.useCache ? loadIndex(indexPath) : undefined;
  const indexSize = index ? Object.keys(index.entries).length : 0;
  const bar = progressBar(ctx.err, 'scanning');
  let result: ScanResult;
  try {
    // Every core when the bundle's scan worker is beside us (dist/); one thread otherwise (tsx in tests).
    const script = path.join(__dirname, 'scanWorker.js');
    result =
      fs.existsSync(script) && opts.workers !== '1'
        ? await scanCatalogParallel(codexHome, {
            index,
            script,
            workers: opts.workers ? Number(opts.workers) : undefined,
            onProgress: (d, t) => bar.update(d, t),
          })
        : scanCatalog(codexHome, { index, onProgress: (d, t) => bar.update(d, t) });
  } finally {
    bar.done();
  }
  // Nothing read, nothing dropped: the saved index is still right.
  const unchanged =
    result.stats.reused === result.stats.files && indexSize === Object.keys(index?.entries ?? {}).length;
  if (opts.useCache && index && !unchanged) saveIndex(indexPath, index);
  for (const note of result.notes) ctx.err.write(`note: ${note}\n`);
  for (const e of result.errors) ctx.err.write(`warning: ${e.path}: ${e.message}\n`);
  return result;
}
