// `reclaim`: give the disk back over the whole home — every thread Codex does not hold and has not
// written for a while is repaired in place, its images going once to the store, its original kept as
// restore data. A dry run prints the plan; Ctrl-C stops before the next swap.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { planReclaim } from '../core/reclaim/plan';
import { ReclaimReport, runReclaim } from '../core/reclaim/run';
import { describePlan, describeReclaimReport } from '../core/reclaim/describe';
import { formatBytes } from '../core/util/display';
import { UsageError } from '../core/util/errors';
import { intOption } from './args';
import { CliContext, Command, fail } from './command';
import { confirmOrNeedYes } from './confirm';
import { progressBar } from './progress';
import { scanHome } from './scanHome';

export const reclaimCommand: Command = {
  name: 'reclaim',
  usage: 'reclaim [--dry-run] [--older-than DAYS] [--keep-images N] [--max-tool-output BYTES] [--yes] [--json]',
  summary: 'free the disk over the whole home: idle threads repaired in place, every image once in the store',
  options: {
    flags: ['dry-run', 'yes'],
    values: ['older-than', 'keep-images', 'max-tool-output', 'workers'],
    short: { y: 'yes' },
  },
  run(ctx) {
    if (ctx.operands.length)
      throw new UsageError(`reclaim takes no thread (got '${ctx.operands[0]}'); it works on the whole home`);
    return reclaim(ctx);
  },
};

async function reclaim(ctx: CliContext): Promise<number> {
  const { args, codexHome } = ctx;
  if (!fs.existsSync(codexHome))
    return fail(
      ctx,
      `no Codex home at ${codexHome}. Set --codex-home or CODEX_HOME to the folder that holds sessions/.`,
    );
  const options = {
    olderThanDays: intOption(args, 'older-than'),
    keepImages: intOption(args, 'keep-images'),
    maxToolOutputBytes: intOption(args, 'max-tool-output'),
  };
  const json = args.flags.has('json');
  const scan = await scanHome(ctx, { useCache: true, workers: args.values.get('workers') });
  const plan = planReclaim(codexHome, scan.threads, options);
  if (args.flags.has('dry-run') || (plan.threads.length === 0 && plan.backups.length === 0)) {
    ctx.out.write(json ? JSON.stringify({ plan }, null, 2) + '\n' : describePlan(plan) + '\n');
    return 0;
  }
  if (!json) ctx.out.write(describePlan(plan) + '\n');
  const question = `Reclaim ${plan.threads.length} thread(s) in place${plan.backups.length ? ` and turn ${plan.backups.length} full backup(s) into restore data` : ''}? Each keeps restore data under ${codexHome}/rescue, so it can be restored byte for byte.`;
  if (!(await confirmOrNeedYes(ctx.err, args.flags.has('yes'), question))) return 1;
  let cancelled = false;
  const onSigint = (): void => {
    if (cancelled) process.exit(130); // a second Ctrl-C: every swap is atomic, so stopping now loses nothing
    cancelled = true;
    ctx.err.write('\nCancelling: the threads being repaired stop before their swap (Ctrl-C again to quit now).\n');
  };
  process.on('SIGINT', onSigint);
  const bar = progressBar(ctx.err, 'reclaiming');
  let report: ReclaimReport;
  try {
    const script = path.join(__dirname, 'reclaimWorker.js');
    const workers = args.values.get('workers');
    report = await runReclaim(plan, {
      script: fs.existsSync(script) ? script : undefined,
      workers: workers ? Number(workers) : undefined,
      isCancelled: () => cancelled,
      onProgress: (p) =>
        bar.update(
          p.threadsDone,
          p.threadsTotal,
          `${p.threadsDone}/${p.threadsTotal} threads, ${formatBytes(Math.max(0, p.bytesFreed))} of ~${formatBytes(p.bytesPlanned)} freed`,
        ),
    });
  } finally {
    bar.done();
    process.off('SIGINT', onSigint);
  }
  ctx.out.write(json ? JSON.stringify({ plan, report }, null, 2) + '\n' : '\n' + describeReclaimReport(report) + '\n');
  return report.cancelled || report.stoppedBy || report.totals.failed ? 1 : 0;
}
