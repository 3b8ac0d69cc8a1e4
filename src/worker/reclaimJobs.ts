// The worker's reclaim jobs: a plan over the worker's last scan of the home (the scan index is reused,
// so only changed files are read), kept by id until the user confirms it, then run on the reclaim pool.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { scanCatalog } from '../core/scan/catalog';
import { ReclaimPlan, planReclaim as makePlan } from '../core/reclaim/plan';
import { runReclaim } from '../core/reclaim/run';
import { formatBytes } from '../core/util/display';
import { RescueError } from '../core/util/errors';
import type { ParamsOf, ResultOf } from '../protocol/messages';
import { currentIndex } from './scanJobs';

interface Ctx {
  isCancelled: () => boolean;
  progress: (done: number, total: number, phase?: string) => void;
}

const plans = new Map<string, ReclaimPlan>();

export function planReclaim(p: ParamsOf<'planReclaim'>, ctx: Ctx): ResultOf<'planReclaim'> {
  const { codexHome, ...options } = p;
  const scan = scanCatalog(codexHome, {
    index: currentIndex(codexHome),
    isCancelled: ctx.isCancelled,
    onProgress: (d, n) => ctx.progress(d, n, 'scan'),
  });
  const plan = makePlan(codexHome, scan.threads, options);
  plans.clear(); // only the plan the user was last shown can be carried out
  plans.set(plan.id, plan);
  return plan;
}

export async function reclaim(p: ParamsOf<'reclaim'>, ctx: Ctx): Promise<ResultOf<'reclaim'>> {
  const plan = plans.get(p.planId);
  if (!plan || plan.codexHome !== p.codexHome)
    throw new RescueError('usage', 'That reclaim plan is no longer current; plan again (nothing was changed).');
  plans.delete(p.planId);
  const script = path.join(__dirname, 'reclaimWorker.js');
  return runReclaim(plan, {
    script: fs.existsSync(script) ? script : undefined,
    isCancelled: ctx.isCancelled,
    onProgress: (x) =>
      ctx.progress(
        x.threadsDone,
        x.threadsTotal,
        `${formatBytes(Math.max(0, x.bytesFreed))} of ~${formatBytes(x.bytesPlanned)} freed`,
      ),
  });
}
