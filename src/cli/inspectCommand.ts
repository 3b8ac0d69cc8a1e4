// `inspect`: one thread in depth.
import { ThreadSummary } from '../core/scan/catalog';
import { describeThread, inspectThread } from '../core/scan/inspect';
import { threadJson } from '../core/scan/threadJson';
import { CliContext, Command } from './command';
import { UsageError } from '../core/util/errors';
import { progressBar } from './progress';

export const inspectCommand: Command = {
  name: 'inspect',
  usage: 'inspect <id|path> [--codex-home DIR] [--json]',
  summary: 'one thread in depth: what the file is made of, context use, why it is at risk',
  options: { flags: [], values: [] },
  run(ctx) {
    if (ctx.operands.length !== 1) throw new UsageError('inspect needs exactly one thread id or rollout path');
    return inspect(ctx, ctx.operands[0]);
  },
};

function inspect(ctx: CliContext, ref: string): number {
  const bar = progressBar(ctx.err, 'reading');
  let summary: ThreadSummary;
  try {
    summary = inspectThread(ctx.codexHome, ref, { onProgress: (d, t) => bar.update(d, t), outside: true });
  } finally {
    bar.done();
  }
  if (ctx.args.flags.has('json')) {
    ctx.out.write(JSON.stringify(threadJson(summary), null, 2) + '\n');
    return 0;
  }
  ctx.out.write(describeThread(summary) + '\n');
  return 0;
}
