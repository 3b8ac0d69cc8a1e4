// `handoff`: write a durable Markdown handoff of one thread, from its rollout alone.
import { UsageError, intOption } from './args';
import { CliContext, Command, CommandUsageError, fail } from './command';
import { progressBar } from './progress';
import { HandoffError, writeHandoff } from '../core/handoff/handoff';
import { formatCount } from '../core/scan/risk';
import { RolloutReadError } from '../core/rollout/reader';

export const handoffCommand: Command = {
  name: 'handoff',
  usage: 'handoff <id|path> [--out FILE] [--budget TOKENS] [--codex-home DIR] [--json]',
  summary: 'write a Markdown handoff (goal, plan, files, commands, where it stopped) — works on stuck threads',
  options: { flags: [], values: ['out', 'budget'], short: { o: 'out' } },
  run(ctx) {
    if (ctx.operands.length !== 1) throw new CommandUsageError('handoff needs exactly one thread id or rollout path');
    let budget: number | undefined;
    try {
      budget = intOption(ctx.args, 'budget');
    } catch (err) {
      if (err instanceof UsageError) throw new CommandUsageError(err.message);
      throw err;
    }
    if (budget !== undefined && budget < 500)
      throw new CommandUsageError(`--budget must be at least 500 tokens (got ${budget})`);
    return handoff(ctx, ctx.operands[0], budget);
  },
};

function handoff(ctx: CliContext, ref: string, budgetTokens: number | undefined): number {
  const bar = progressBar(ctx.err, 'reading');
  let r;
  try {
    r = writeHandoff(ctx.codexHome, ref, {
      budgetTokens,
      out: ctx.args.values.get('out'),
      onProgress: (d, t) => bar.update(d, t),
    });
  } catch (err) {
    if (err instanceof HandoffError || err instanceof RolloutReadError) return fail(ctx, err.message);
    const e = err as NodeJS.ErrnoException;
    if (
      e?.code === 'EACCES' ||
      e?.code === 'EPERM' ||
      e?.code === 'ENOENT' ||
      e?.code === 'ENOSPC' ||
      e?.code === 'EROFS'
    ) {
      return fail(ctx, `could not write the handoff: ${e.message}`);
    }
    throw err;
  } finally {
    bar.done();
  }
  if (ctx.args.flags.has('json')) {
    ctx.out.write(
      JSON.stringify(
        {
          path: r.path,
          outPath: r.outPath ?? null,
          threadId: r.threadId,
          bytes: r.bytes,
          tokensEstimate: r.tokensEstimate,
          riskLevel: r.riskLevel,
          trimmed: r.trimmed,
          sections: r.sections,
        },
        null,
        2,
      ) + '\n',
    );
    return 0;
  }
  ctx.out.write(`Handoff for ${r.threadId} written to ${r.path}\n`);
  if (r.outPath) ctx.out.write(`  copy: ${r.outPath}\n`);
  ctx.out.write(
    `  ${formatCount(r.bytes)} bytes, ~${formatCount(r.tokensEstimate)} tokens${r.trimmed.length ? `; shortened to fit: ${r.trimmed.join(', ')}` : ''}\n`,
  );
  ctx.out.write(`  start a new thread with it: codex "$(cat '${(r.outPath ?? r.path).replace(/'/g, `'\\''`)}')"\n`);
  return 0;
}
