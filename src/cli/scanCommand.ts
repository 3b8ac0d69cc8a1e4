// `scan`: every local thread, most urgent first.
import * as fs from 'node:fs';
import * as v8 from 'node:v8';
import { once } from 'node:events';
import { ThreadSummary } from '../core/scan/catalog';
import { formatBytes } from '../core/scan/risk';
import { threadJson } from '../core/scan/threadJson';
import { CliContext, Command, fail } from './command';
import { UsageError } from '../core/util/errors';
import { scanHome } from './scanHome';
import { clip } from '../core/scan/inspect';

export const scanCommand: Command = {
  name: 'scan',
  usage: 'scan [--codex-home DIR] [--json] [--no-cache] [--workers N]',
  summary: 'list every local Codex thread, most urgent first, with its risk level',
  options: { flags: ['no-cache'], values: ['workers'] },
  run(ctx) {
    if (ctx.operands.length) throw new UsageError(`scan takes no arguments (got '${ctx.operands[0]}')`);
    return scan(ctx);
  },
};

async function scan(ctx: CliContext): Promise<number> {
  const { codexHome, args } = ctx;
  if (!fs.existsSync(codexHome)) {
    return fail(
      ctx,
      `no Codex home at ${codexHome}. Set --codex-home or CODEX_HOME to the folder that holds sessions/.`,
    );
  }
  keepMemorySmall();
  const result = await scanHome(ctx, { useCache: !args.flags.has('no-cache'), workers: args.values.get('workers') });
  if (args.flags.has('json')) {
    // A JSON array, one thread to a line (greppable; a third smaller and quicker to write than indented).
    // A few hundred KB at a time: 3,000 threads as one string cost a second and tens of MB, one
    // write per thread thousands of system calls. Into a pipe (`| jq`) writes queue in memory until
    // the reader takes them: wait for it, or the whole output (9 MB for 3,000 threads) piles up.
    let chunk = '[';
    for (let i = 0; i < result.threads.length; i++) {
      chunk += `${i ? ',' : ''}\n${JSON.stringify(threadJson(result.threads[i]))}`;
      if (chunk.length < 256 * 1024) continue;
      if (!ctx.out.write(chunk)) await once(ctx.out, 'drain');
      chunk = '';
    }
    ctx.out.write(chunk + (result.threads.length ? '\n]\n' : ']\n'));
    return 0;
  }
  if (result.threads.length === 0) {
    ctx.out.write(`No Codex threads under ${codexHome}.\n`);
    return 0;
  }
  ctx.out.write(table(result.threads) + '\n');
  const counts = new Map<string, number>();
  for (const t of result.threads) counts.set(t.risk.level, (counts.get(t.risk.level) ?? 0) + 1);
  ctx.out.write(
    `\n${result.threads.length} threads in ${codexHome}: ${[...counts].map(([l, n]) => `${n} ${l}`).join(', ')}\n`,
  );
  const urgent = result.threads.find((t) => t.risk.level !== 'ok' && t.risk.level !== 'watch');
  if (urgent) ctx.out.write(`Most urgent: ${urgent.name} (${urgent.id}) — ${urgent.risk.recommendation}\n`);
  return 0;
}

/**
 * V8 settings for the rest of this process (process-wide, so only the CLI sets them), for the scan's
 * peak RSS; measured on the heavy home:
 * - This thread keeps every thread's measurement until the end (the output is sorted), so nearly all it
 *   allocates survives its first collections, and V8 answers that by doubling its young generation up to
 *   the maximum (16 MB semi-spaces): 20–25 MB more on Node 24, for no speed. Growth factor 1 keeps it at
 *   its start size; V8 reads the flag each time it would grow it, so setting it now takes effect.
 * - On Node 24, each isolate started afterwards (the scan workers) would map its own 2 MB copy of V8's
 *   builtins (short builtin calls); without it they share the binary's: ~2.5 MB less for two workers, no
 *   measurable CPU. On Node 22 the same cost ~5 % more CPU, so it keeps them.
 */
function keepMemorySmall(): void {
  v8.setFlagsFromString('--semi-space-growth-factor=1');
  if (Number(process.versions.node.split('.')[0]) >= 24) v8.setFlagsFromString('--no-short-builtin-calls');
}

function table(threads: ThreadSummary[]): string {
  const rows = threads.map((t) => [
    t.risk.level.toUpperCase(),
    formatBytes(t.sizeBytes),
    ago(t.mtimeMs),
    t.id + (t.archived ? ' (archived)' : ''),
    clip(t.name, 40),
    clip(t.risk.reasons[0]?.text ?? '', 70),
  ]);
  const head = ['RISK', 'SIZE', 'UPDATED', 'ID', 'NAME', 'WHY'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  return [fmt(head), ...rows.map(fmt)].join('\n');
}

function ago(ms: number): string {
  const s = Math.max(0, (Date.now() - ms) / 1000);
  if (s < 90) return 'just now';
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  if (s < 129600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}
