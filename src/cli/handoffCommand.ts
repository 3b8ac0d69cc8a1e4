// `handoff`: write a durable Markdown handoff of one thread, from its rollout alone.
import { intOption } from './args';
import { CliContext, Command } from './command';
import { UsageError } from '../core/util/errors';
import { progressBar } from './progress';
import { writeHandoff } from '../core/handoff/write';
import { formatCount } from '../core/scan/risk';

export const handoffCommand: Command = {
  name: 'handoff',
  usage: 'handoff <id|path> [--out FILE] [--budget TOKENS] [--codex-home DIR] [--json]',
  summary: 'write a Markdown handoff (goal, plan, files, commands, where it stopped) — works on stuck threads',
  options: { flags: [], values: ['out', 'budget'], short: { o: 'out' } },
  run(ctx) {
    if (ctx.operands.length !== 1) throw new UsageError('handoff needs exactly one thread id or rollout path');
    const budget = intOption(ctx.args, 'budget');
    if (budget !== undefined && budget < 500)
      throw new UsageError(`--budget must be at least 500 tokens (got ${budget})`);
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
      outside: true,
      onProgress: (d, t) => bar.update(d, t),
    });
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
