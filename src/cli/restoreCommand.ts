// `restore`: put a thread's backup back.
import { restoreThread } from '../core/repair/restore';
import { errorCode } from '../core/util/errors';
import { formatBytes } from '../core/scan/risk';
import { CliContext, Command, fail } from './command';
import { UsageError } from '../core/util/errors';
import { confirm, shouldAsk } from './confirm';

export const restoreCommand: Command = {
  name: 'restore',
  usage: 'restore <id|path> [--backup PATH] [--force] [--yes] [--json]',
  summary: 'put a thread back as it was before a repair (the newest backup, or --backup PATH)',
  options: { flags: ['yes', 'force'], values: ['backup'], short: { y: 'yes' } },
  run: (ctx) => restore(ctx),
};

async function restore(ctx: CliContext): Promise<number> {
  if (ctx.operands.length !== 1) throw new UsageError('restore needs exactly one thread id or rollout path');
  if (shouldAsk(ctx.args.flags.has('yes'))) {
    const ok = await confirm(`Restore thread ${ctx.operands[0]} from its backup? The current version is saved first.`);
    if (!ok) {
      ctx.err.write('Nothing changed.\n');
      return 1;
    }
  }
  let r;
  try {
    r = restoreThread({
      codexHome: ctx.codexHome,
      thread: ctx.operands[0],
      backupPath: ctx.args.values.get('backup'),
      force: ctx.args.flags.has('force'),
    });
  } catch (err) {
    if (errorCode(err) !== 'changed-since-repair') throw err;
    return fail(ctx, `${(err as Error).message} To restore anyway, add --force.`);
  }
  if (ctx.args.flags.has('json')) {
    ctx.out.write(JSON.stringify(r, null, 2) + '\n');
    return 0;
  }
  ctx.out.write(
    [
      `Restored thread ${r.threadId} (${formatBytes(r.bytes)}, sha256 ${r.sha256.slice(0, 16)}… verified)`,
      `  from   ${r.fromBackup}`,
      `  to     ${r.restoredPath}`,
      r.savedCurrentAs ? `  the version it replaced is saved at ${r.savedCurrentAs}` : '',
      r.projectionRestored ? "  Codex's projection rows were put back too" : '',
    ]
      .filter(Boolean)
      .join('\n') + '\n',
  );
  return 0;
}
