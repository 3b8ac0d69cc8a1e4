// `watch`: keep an eye on CODEX_HOME and write a handoff whenever a thread crosses a risk level.
import { CliContext, Command } from './command';
import { UsageError } from '../core/util/errors';
import { ProactiveEvent, ProactiveHandoffs } from '../core/handoff/proactive';
import { RISK_ORDER, RiskLevel } from '../core/scan/risk';
import { intOption } from './args';

export const watchCommand: Command = {
  name: 'watch',
  usage:
    'watch [--codex-home DIR] [--level high] [--once] [--quiet-ms MS] [--poll-ms MS] [--budget TOKENS] [--verbose] [--json]',
  summary: 'write a handoff automatically when a thread crosses a risk level (Ctrl-C stops)',
  options: { flags: ['once', 'verbose'], values: ['level', 'quiet-ms', 'poll-ms', 'budget'] },
  run(ctx) {
    if (ctx.operands.length) throw new UsageError('watch takes no thread argument');
    const level = (ctx.args.values.get('level') ?? 'high') as RiskLevel;
    if (!RISK_ORDER.includes(level) || level === 'ok')
      throw new UsageError(`--level must be one of ${RISK_ORDER.slice(1).join(', ')} (got '${level}')`);
    const quietMs = intOption(ctx.args, 'quiet-ms');
    const pollMs = intOption(ctx.args, 'poll-ms');
    const budgetTokens = intOption(ctx.args, 'budget');
    const once = ctx.args.flags.has('once');
    const p = new ProactiveHandoffs(ctx.codexHome, {
      level,
      quietMs: once ? (quietMs ?? 0) : quietMs,
      pollMs,
      budgetTokens,
      debounceMs: 1000,
    });
    const json = ctx.args.flags.has('json');
    const verbose = ctx.args.flags.has('verbose');
    p.onEvent((e) => print(ctx, e, json, verbose));
    if (ctx.args.flags.has('once')) {
      // One pass: threads still being written count as quiet enough.
      const events = p.runOnce();
      return events.some((e) => e.type === 'error') ? 1 : 0;
    }
    ctx.err.write(`watching ${ctx.codexHome} — a handoff is written when a thread reaches ${level}; Ctrl-C stops\n`);
    return new Promise<number>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        p.stop();
        resolve(0);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      p.start();
      // Keep the process alive (the watchers and timers are unref'd / non-persistent).
      const keep = setInterval(() => undefined, 1 << 30);
      process.once('SIGINT', () => clearInterval(keep));
      process.once('SIGTERM', () => clearInterval(keep));
    });
  },
};

function print(ctx: CliContext, e: ProactiveEvent, json: boolean, verbose: boolean): void {
  if (e.type === 'assessed' || (e.type === 'change' && !verbose)) return;
  if (json) {
    const out =
      e.type === 'handoff'
        ? { ...e, handoff: { path: e.handoff.path, bytes: e.handoff.bytes, tokensEstimate: e.handoff.tokensEstimate } }
        : e;
    ctx.out.write(JSON.stringify(out) + '\n');
    return;
  }
  switch (e.type) {
    case 'handoff':
      ctx.out.write(
        `${e.at} handoff ${e.id} ${e.from ?? 'new'}→${e.to} ${e.handoff.path}${e.reasons[0] ? ` (${e.reasons[0]})` : ''}\n`,
      );
      return;
    case 'change':
      ctx.out.write(
        `${e.at} ${e.change.kind} ${e.change.path}${e.change.movedFrom ? ` (from ${e.change.movedFrom})` : ''}\n`,
      );
      return;
    case 'error':
      ctx.err.write(`${e.at} error ${e.message}\n`);
      return;
  }
}
