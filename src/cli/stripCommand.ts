// `strip`: repair a thread — dry run, in place (default), as a fork, or into a copy.
import * as fs from 'node:fs';
import { StripMode, StripReport, stripThread } from '../core/repair/repair';
import { formatBytes } from '../core/scan/risk';
import { intOption } from './args';
import { CliContext, Command, CommandUsageError } from './command';
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
  if (ctx.operands.length !== 1) throw new CommandUsageError('strip needs exactly one thread id or rollout path');
  const dryRun = args.flags.has('dry-run');
  const fork = args.flags.has('fork');
  const out = args.values.get('out');
  if (dryRun && fork) throw new CommandUsageError('--dry-run and --fork cannot be combined');
  if (fork && out) throw new CommandUsageError('--fork writes a new thread into the Codex home; it takes no --out');
  const mode: StripMode = dryRun ? 'dry-run' : fork ? 'fork' : out ? 'copy' : 'in-place';
  const options = {
    keepImages: intOption(args, 'keep-images') ?? 0,
    maxToolOutputBytes: intOption(args, 'max-tool-output'),
    archiveImages: args.flags.has('archive-images'),
  };
  if (mode === 'in-place' && shouldAsk(args.flags.has('yes'))) {
    const ok = await confirm(
      `Repair thread ${ctx.operands[0]} in place? The original is backed up first under ${ctx.codexHome}/rescue/backups.`,
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
      { codexHome: ctx.codexHome, thread: ctx.operands[0], mode, out, options },
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

export function describeReport(r: StripReport, mode: StripMode, keptOutput: boolean): string {
  const pct = r.bytesBefore ? Math.round((1 - r.bytesAfter / r.bytesBefore) * 100) : 0;
  const lines = [
    mode === 'dry-run'
      ? `Dry run — nothing was changed. A repair of thread ${r.threadId} would:`
      : `Repaired thread ${r.threadId}${mode === 'fork' ? ` as a new thread ${r.newThreadId}` : mode === 'copy' ? ' into a copy' : ' in place'}:`,
    `  size            ${formatBytes(r.bytesBefore)} → ${formatBytes(r.bytesAfter)} (${pct}% smaller)`,
    `  images          ${r.imagesReplaced} replaced by placeholders (${formatBytes(r.imageBytesRemoved)}), ${r.imagesKept} kept${r.imagesArchived ? `, ${r.imagesArchived} distinct saved in ${r.archiveDir}` : ''}`,
    `  tool outputs    ${r.toolOutputsCapped} capped (${formatBytes(r.toolOutputBytesRemoved)} cut)`,
  ];
  if (r.brokenImagesFixed)
    lines.push(`  broken images   ${r.brokenImagesFixed} image references with an invalid URL turned into text notes`);
  if (r.embeddedImagesRemoved)
    lines.push(
      `  hidden images   ${r.embeddedImagesRemoved} base64 runs cut out of text (${formatBytes(r.embeddedBytesRemoved)}; MCP result copies, inline data URLs)`,
    );
  const p = r.independentlyParsed;
  lines.push(
    `  verified        ${r.linesVerified} lines, ${r.jsonErrors} JSON errors; ${p.jsonParse + p.streaming} edited lines re-parsed by an independent parser${p.streaming ? ` (${p.streaming} too long for JSON.parse, by the streaming parser)` : ''}${r.badLinesKept.length ? `; ${r.badLinesKept.length} line(s) already broken in the original were kept as they were (first: line ${r.badLinesKept[0].line}, ${r.badLinesKept[0].kind})` : ''}`,
  );
  if (r.backupPath) lines.push(`  backup          ${r.backupPath}`);
  if (mode !== 'dry-run' || keptOutput) lines.push(`  output          ${r.outputPath}`);
  if (r.projectionRowsCleared !== undefined)
    lines.push(
      `  projection      ${r.projectionRowsCleared} rows cleared in thread_history_1.sqlite (Codex rebuilds them)`,
    );
  if (mode === 'in-place' || mode === 'fork') {
    lines.push('', `Continue with: ${r.resumeCommand}`);
    lines.push('The first turn compacts the smaller history, then the thread answers again.');
    if (mode === 'in-place') lines.push(`Undo with: codex-session-rescue restore ${r.threadId}`);
  }
  return lines.join('\n');
}
