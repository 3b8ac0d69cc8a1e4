// `strip`: repair a thread — dry run, in place (default), as a fork, or into a copy.
import * as fs from 'node:fs';
import { StripMode, StripReport } from '../core/repair/types';
import { stripThread } from '../core/repair/stripThread';
import { describeReport } from '../core/repair/describeReport';
import { intOption } from './args';
import { CliContext, Command } from './command';
import { RescueError, UsageError, errorCode, errorMessage } from '../core/util/errors';
import { resolveThread } from '../core/codexHome/rolloutFiles';
import { confirm, shouldAsk } from './confirm';
import { progressBar } from './progress';

export const stripCommand: Command = {
  name: 'strip',
  usage:
    'strip <id|path> [--dry-run] [--fork] [--out FILE] [--keep-images N] [--max-tool-output BYTES] [--archive-images] [--yes] [--json]',
  summary: 'replace embedded images (and cap huge tool outputs) so a stuck thread answers again; backup first',
  options: {
    flags: ['dry-run', 'fork', 'archive-images', 'yes'],
    values: ['out', 'keep-images', 'max-tool-output'],
    short: { y: 'yes' },
  },
  run: (ctx) => strip(ctx),
};

async function strip(ctx: CliContext): Promise<number> {
  const { args } = ctx;
  if (ctx.operands.length !== 1) throw new UsageError('strip needs exactly one thread id or rollout path');
  const dryRun = args.flags.has('dry-run');
  const fork = args.flags.has('fork');
  const out = args.values.get('out');
  if (dryRun && fork) throw new UsageError('--dry-run and --fork cannot be combined');
  if (fork && out) throw new UsageError('--fork writes a new thread into the Codex home; it takes no --out');
  const mode: StripMode = dryRun ? 'dry-run' : fork ? 'fork' : out ? 'copy' : 'in-place';
  const options = {
    keepImages: intOption(args, 'keep-images') ?? 0,
    maxToolOutputBytes: intOption(args, 'max-tool-output'),
    archiveImages: args.flags.has('archive-images'),
  };
  // In place rewrites only the home's own rollouts: refuse anything else before asking.
  if (mode === 'in-place') inHomeOnly(ctx.codexHome, ctx.operands[0]);
  if (mode === 'in-place' && shouldAsk(args.flags.has('yes'))) {
    const ok = await confirm(
      `Repair thread ${ctx.operands[0]} in place? What is replaced is kept first, as restore data under ${ctx.codexHome}/rescue/backups and images in ${ctx.codexHome}/rescue/images.`,
    );
    if (!ok) {
      ctx.err.write('Nothing changed.\n');
      return 1;
    }
  }
  const bar = progressBar(ctx.err, mode === 'dry-run' ? 'dry run' : 'repairing');
  let report: StripReport;
  try {
    report = stripThread(
      { codexHome: ctx.codexHome, thread: ctx.operands[0], mode, out, options, outside: true },
      { onProgress: (d, t) => bar.update(d, t) },
    );
  } finally {
    bar.done();
  }
  if (mode === 'dry-run' && !out) fs.rmSync(report.outputPath, { force: true });
  if (args.flags.has('json')) {
    ctx.out.write(
      JSON.stringify({ ...report, outputPath: mode === 'dry-run' && !out ? null : report.outputPath }, null, 2) + '\n',
    );
    return 0;
  }
  ctx.out.write(describeReport(report, mode, Boolean(out)) + '\n');
  return 0;
}

function inHomeOnly(codexHome: string, ref: string): void {
  try {
    resolveThread(codexHome, ref);
  } catch (err) {
    if (errorCode(err) !== 'outside-home') throw err;
    throw new RescueError(
      'outside-home',
      `${errorMessage(err)} A repair in place only rewrites a thread of the Codex home; to repair a copy of this file, use --out FILE.`,
    );
  }
}
