// `prune`: retention — drop the restore data of repairs older than N days (after showing what goes and
// what it frees, and asking), then the store's images no remaining restore data needs.
import * as fs from 'node:fs';
import { applyRetention, planRetention } from '../core/reclaim/retention';
import { formatBytes } from '../core/util/display';
import { UsageError } from '../core/util/errors';
import { intOption } from './args';
import { CliContext, Command, fail } from './command';
import { confirmOrNeedYes } from './confirm';

export const pruneCommand: Command = {
  name: 'prune',
  usage: 'prune --older-than DAYS [--dry-run] [--yes] [--json]',
  summary: "drop restore data of repairs older than DAYS, then store images nothing needs (those can't be restored)",
  options: { flags: ['dry-run', 'yes'], values: ['older-than'], short: { y: 'yes' } },
  run(ctx) {
    if (ctx.operands.length) throw new UsageError(`prune takes no thread (got '${ctx.operands[0]}')`);
    return prune(ctx);
  },
};

async function prune(ctx: CliContext): Promise<number> {
  const { args, codexHome } = ctx;
  const days = intOption(args, 'older-than');
  if (days === undefined)
    throw new UsageError('prune needs --older-than DAYS (restore data of repairs older than that goes)');
  if (!fs.existsSync(codexHome)) return fail(ctx, `no Codex home at ${codexHome}.`);
  const plan = planRetention(codexHome, days);
  const t = plan.totals;
  const json = args.flags.has('json');
  const words = [
    ...plan.folders.map((f) => `  ${f.threadId}  ${f.createdAt}  ${f.kind}  ${formatBytes(f.bytes)}`),
    `Restore data older than ${days} day(s): ${t.folders} folder(s) of ${t.threads} thread(s), ${formatBytes(t.folderBytes)}; then ${t.images} store image(s) no remaining restore data needs, ${formatBytes(t.imageBytes)}.`,
    t.folders || t.images
      ? 'Those threads can no longer be restored to their originals; images named only by placeholders are no longer viewable.'
      : 'Nothing to drop.',
  ].join('\n');
  if (args.flags.has('dry-run') || (!t.folders && !t.images)) {
    ctx.out.write(json ? JSON.stringify({ plan }, null, 2) + '\n' : words + '\n');
    return 0;
  }
  if (!json) ctx.out.write(words + '\n');
  if (
    !(await confirmOrNeedYes(ctx.err, args.flags.has('yes'), `Drop it (${formatBytes(t.folderBytes + t.imageBytes)})?`))
  )
    return 1;
  const done = applyRetention(plan);
  ctx.out.write(
    json
      ? JSON.stringify({ plan, done }, null, 2) + '\n'
      : `Dropped ${done.folders} folder(s) and ${done.images} image(s): ${formatBytes(done.bytesFreed)} freed.\n`,
  );
  return 0;
}
