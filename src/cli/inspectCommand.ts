// `inspect`: one thread in depth.
import { ThreadSummary, findThread, measureFile, summarize } from '../core/scan/catalog';
import { formatBytes, formatCount } from '../core/scan/risk';
import { readNameSources } from '../core/codexHome/threadNames';
import { imageStats, threadJson } from '../core/scan/threadJson';
import { CliContext, Command, CommandUsageError, fail } from './command';
import { progressBar } from './progress';
import { clip } from './scanCommand';

export const inspectCommand: Command = {
  name: 'inspect',
  usage: 'inspect <id|path> [--codex-home DIR] [--json]',
  summary: 'one thread in depth: what the file is made of, context use, why it is at risk',
  options: { flags: [], values: [] },
  run(ctx) {
    if (ctx.operands.length !== 1) throw new CommandUsageError('inspect needs exactly one thread id or rollout path');
    return inspect(ctx, ctx.operands[0]);
  },
};

function inspect(ctx: CliContext, ref: string): number {
  const { codexHome, args } = ctx;
  const f = findThread(codexHome, ref);
  if (!f) {
    return fail(ctx, `no thread '${ref}' under ${codexHome} (give a thread id, an id prefix, or a rollout path)`);
  }
  const bar = progressBar(ctx.err, 'reading');
  let summary: ThreadSummary;
  try {
    const { entry } = measureFile(f.path, f, undefined, { onProgress: (d, t) => bar.update(d, t) });
    summary = summarize(f, entry.metrics, readNameSources(codexHome));
  } finally {
    bar.done();
  }
  if (args.flags.has('json')) {
    ctx.out.write(JSON.stringify(threadJson(summary), null, 2) + '\n');
    return 0;
  }
  ctx.out.write(describe(summary) + '\n');
  return 0;
}

export function describe(t: ThreadSummary): string {
  const m = t.metrics;
  const img = imageStats(t);
  const lines: string[] = [];
  lines.push(`${t.name}`);
  lines.push(`  id          ${t.id}${t.archived ? ' (archived)' : ''}`);
  lines.push(`  file        ${t.path}`);
  lines.push(`  format      ${t.generation}${t.compressed ? ', zstd-compressed' : ''}; ${m.lines} lines`);
  if (t.cwd) lines.push(`  workspace   ${t.cwd}${t.gitBranch ? ` (${t.gitBranch})` : ''}`);
  if (t.model || t.cliVersion)
    lines.push(
      `  model       ${t.model ?? '?'}${t.cliVersion ? `, Codex ${t.cliVersion}` : ''}${t.originator ? `, ${t.originator}` : ''}`,
    );
  lines.push(`  dates       ${t.createdAt ?? '?'} → ${t.updatedAt ?? '?'}`);
  lines.push('');
  lines.push(`Risk: ${t.risk.level.toUpperCase()}`);
  for (const r of t.risk.reasons) lines.push(`  - [${r.level}] ${r.text}`);
  if (!t.risk.reasons.length) lines.push('  - nothing stands out');
  lines.push(`  Next step: ${t.risk.recommendation}`);
  lines.push('');
  lines.push(`What the file is made of (${formatBytes(t.sizeBytes)}):`);
  const parts: [string, number][] = [
    ['images the next request carries', m.bytes.imagesLive],
    ['images in old snapshots / history', m.bytes.imagesDead],
    ['image copies in UI events', m.bytes.imagesUi],
    ['tool outputs', m.bytes.toolOutput],
    ['compaction snapshots (text)', m.bytes.compaction],
    ['reasoning', m.bytes.reasoning],
    ['messages', m.bytes.messages],
    ['events', m.bytes.events],
    ['other', m.bytes.other],
  ];
  const total = Math.max(
    1,
    parts.reduce((s, [, b]) => s + b, 0),
  );
  for (const [label, b] of parts)
    if (b > 0)
      lines.push(`  ${(((b / total) * 100).toFixed(1) + '%').padStart(6)}  ${formatBytes(b).padStart(8)}  ${label}`);
  lines.push('');
  lines.push(
    `Images: ${m.images.total} stored (${formatBytes(m.images.totalBytes)}), ${img.distinct} distinct; ${m.images.live} live (${formatBytes(m.images.liveBytes)}, ~${formatCount(m.images.liveTokens)} tokens), ${m.images.ui} UI copies${m.images.generated ? `, ${m.images.generated} generated` : ''}`,
  );
  if (img.maxCopies > 1)
    lines.push(`  duplicates: ${formatBytes(img.duplicateBytes)} in extra copies; most copied image ${img.maxCopies}×`);
  const d = m.damage;
  if (d?.brokenImages)
    lines.push(
      `  broken: ${d.brokenImages} image references with an invalid URL (${d.brokenImagesLive} in what the next request carries; first on line ${d.brokenFirstLine})`,
    );
  if (d?.embedded.bytes)
    lines.push(
      `  hidden in text: ${formatBytes(d.embedded.bytes)} of base64 in ${d.embedded.strings} strings (MCP result copies, inline data URLs)`,
    );
  lines.push(
    `Compactions: ${m.compactions.count} (${formatBytes(m.compactions.bytes)})${m.compactions.times.length ? `, last at ${m.compactions.times[m.compactions.times.length - 1]}` : ''}`,
  );
  lines.push(`Tool outputs: ${m.toolOutputs.count} (${formatBytes(m.toolOutputs.bytes)})`);
  for (const o of m.toolOutputs.largest.slice(0, 3))
    lines.push(`  line ${o.line}: ${formatBytes(o.bytes)}${o.name ? ` from ${o.name}` : ''}`);
  const last = m.tokens.last;
  if (last)
    lines.push(
      `Context: ${formatCount(last.used)} tokens used${last.window ? ` of ${formatCount(last.window)}` : ''} in the last request; ${m.tokens.series.length} samples`,
    );
  if (m.contextErrors.count)
    lines.push(`Context-window errors: ${m.contextErrors.count}, last at ${m.contextErrors.lastAt}`);
  if (m.problemCount) {
    lines.push(`Damaged lines: ${m.problemCount}`);
    for (const p of m.problems.slice(0, 10)) lines.push(`  line ${p.line}: ${p.kind} — ${p.message}`);
  }
  if (m.firstUserMessage) lines.push('', `First request: ${clip(m.firstUserMessage, 200)}`);
  if (m.lastUserMessage && m.lastUserMessage !== m.firstUserMessage)
    lines.push(`Last request:  ${clip(m.lastUserMessage, 200)}`);
  return lines.join('\n');
}
