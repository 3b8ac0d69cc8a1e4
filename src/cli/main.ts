// codex-session-rescue: the command-line front over the same core as the extension.
import * as fs from 'node:fs';
import { resolveCodexHome } from '../core/codexHome';
import { ScanResult, ThreadSummary, defaultIndexPath, findThread, loadIndex, measureFile, saveIndex, scanCatalog, summarize } from '../core/catalog';
import { formatBytes } from '../core/risk';
import { readNameSources } from '../core/threadNames';
import { imageStats, threadJson } from '../core/threadJson';
import { RolloutReadError } from '../core/rolloutReader';
import { ParsedArgs, UsageError, parseArgs } from './args';
import { progressBar } from './progress';

const VERSION = '0.1.0';

const USAGE = `codex-session-rescue ${VERSION} — keep long OpenAI Codex threads alive

Usage:
  codex-session-rescue scan [--codex-home DIR] [--json] [--no-cache]
  codex-session-rescue inspect <id|path> [--codex-home DIR] [--json]

Commands:
  scan       list every local Codex thread, most urgent first, with its risk level
  inspect    one thread in depth: what the file is made of, context use, why it is at risk

Options:
  --codex-home DIR   Codex's folder (default: $CODEX_HOME, else ~/.codex)
  --json             machine-readable output
  --no-cache         ignore and do not update the scan index
  -h, --help         this help

Exit codes: 0 ok, 1 failure (with a message), 2 usage error.`;

export function main(argv: string[]): number {
  let args: ParsedArgs;
  try {
    args = parseArgs(argv, { flags: ['json', 'no-cache', 'help', 'version'], values: ['codex-home'], short: { h: 'help', V: 'version' } });
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw err;
  }
  if (args.flags.has('version')) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const [command, ...rest] = args.positional;
  if (args.flags.has('help') || !command) {
    process.stdout.write(`${USAGE}\n`);
    return command || args.flags.has('help') ? 0 : 2;
  }
  const codexHome = resolveCodexHome(args.values.get('codex-home'));
  try {
    switch (command) {
      case 'scan':
        if (rest.length) return usage(`scan takes no arguments (got '${rest[0]}')`);
        return scan(codexHome, args);
      case 'inspect':
        if (rest.length !== 1) return usage('inspect needs exactly one thread id or rollout path');
        return inspect(codexHome, rest[0], args);
      default:
        return usage(`unknown command '${command}'`);
    }
  } catch (err) {
    const e = err as Error;
    process.stderr.write(`codex-session-rescue: ${e instanceof RolloutReadError ? e.message : e.message || String(e)}\n`);
    return 1;
  }
}

function usage(message: string): number {
  process.stderr.write(`codex-session-rescue: ${message}\n\n${USAGE}\n`);
  return 2;
}

function scan(codexHome: string, args: ParsedArgs): number {
  if (!fs.existsSync(codexHome)) {
    process.stderr.write(`codex-session-rescue: no Codex home at ${codexHome}. Set --codex-home or CODEX_HOME to the folder that holds sessions/.\n`);
    return 1;
  }
  const useCache = !args.flags.has('no-cache');
  const indexPath = defaultIndexPath(codexHome);
  const index = useCache ? loadIndex(indexPath) : undefined;
  const bar = progressBar(process.stderr, 'scanning');
  let result: ScanResult;
  try {
    result = scanCatalog(codexHome, { index, onProgress: (d, t) => bar.update(d, t) });
  } finally {
    bar.done();
  }
  if (useCache && index) saveIndex(indexPath, index);
  for (const note of result.notes) process.stderr.write(`note: ${note}\n`);
  for (const e of result.errors) process.stderr.write(`warning: ${e.path}: ${e.message}\n`);
  if (args.flags.has('json')) {
    process.stdout.write(JSON.stringify(result.threads.map(threadJson), null, 2) + '\n');
    return 0;
  }
  if (result.threads.length === 0) {
    process.stdout.write(`No Codex threads under ${codexHome}.\n`);
    return 0;
  }
  process.stdout.write(table(result.threads) + '\n');
  const counts = new Map<string, number>();
  for (const t of result.threads) counts.set(t.risk.level, (counts.get(t.risk.level) ?? 0) + 1);
  process.stdout.write(`\n${result.threads.length} threads in ${codexHome}: ${[...counts].map(([l, n]) => `${n} ${l}`).join(', ')}\n`);
  const urgent = result.threads.find((t) => t.risk.level !== 'ok' && t.risk.level !== 'watch');
  if (urgent) process.stdout.write(`Most urgent: ${urgent.name} (${urgent.id}) — ${urgent.risk.recommendation}\n`);
  return 0;
}

function table(threads: ThreadSummary[]): string {
  const rows = threads.map((t) => [
    t.risk.level.toUpperCase(),
    formatBytes(t.sizeBytes),
    ago(t.mtimeMs),
    t.id.slice(0, 8) + (t.archived ? ' (archived)' : ''),
    clip(t.name, 48),
    clip(t.risk.reasons[0]?.text ?? '', 70),
  ]);
  const head = ['RISK', 'SIZE', 'UPDATED', 'ID', 'NAME', 'WHY'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  return [fmt(head), ...rows.map(fmt)].join('\n');
}

function clip(s: string, n: number): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > n ? one.slice(0, n - 1) + '…' : one;
}

function ago(ms: number): string {
  const s = Math.max(0, (Date.now() - ms) / 1000);
  if (s < 90) return 'just now';
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  if (s < 129600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

function inspect(codexHome: string, ref: string, args: ParsedArgs): number {
  const f = findThread(codexHome, ref);
  if (!f) {
    process.stderr.write(`codex-session-rescue: no thread '${ref}' under ${codexHome} (give a thread id, an id prefix, or a rollout path)\n`);
    return 1;
  }
  const bar = progressBar(process.stderr, 'reading');
  let summary: ThreadSummary;
  try {
    const { entry } = measureFile(f.path, f, undefined, { onProgress: (d, t) => bar.update(d, t) });
    summary = summarize(f, entry.metrics, readNameSources(codexHome));
  } finally {
    bar.done();
  }
  if (args.flags.has('json')) {
    process.stdout.write(JSON.stringify(threadJson(summary), null, 2) + '\n');
    return 0;
  }
  process.stdout.write(describe(summary) + '\n');
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
  if (t.model || t.cliVersion) lines.push(`  model       ${t.model ?? '?'}${t.cliVersion ? `, Codex ${t.cliVersion}` : ''}${t.originator ? `, ${t.originator}` : ''}`);
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
  const total = Math.max(1, parts.reduce((s, [, b]) => s + b, 0));
  for (const [label, b] of parts) if (b > 0) lines.push(`  ${(((b / total) * 100).toFixed(1) + '%').padStart(6)}  ${formatBytes(b).padStart(8)}  ${label}`);
  lines.push('');
  lines.push(`Images: ${m.images.total} stored (${formatBytes(m.images.totalBytes)}), ${img.distinct} distinct; ${m.images.live} live (${formatBytes(m.images.liveBytes)}, ~${m.images.liveTokens.toLocaleString('en-US')} tokens), ${m.images.ui} UI copies${m.images.generated ? `, ${m.images.generated} generated` : ''}`);
  if (img.maxCopies > 1) lines.push(`  duplicates: ${formatBytes(img.duplicateBytes)} in extra copies; most copied image ${img.maxCopies}×`);
  lines.push(`Compactions: ${m.compactions.count} (${formatBytes(m.compactions.bytes)})${m.compactions.times.length ? `, last at ${m.compactions.times[m.compactions.times.length - 1]}` : ''}`);
  lines.push(`Tool outputs: ${m.toolOutputs.count} (${formatBytes(m.toolOutputs.bytes)})`);
  for (const o of m.toolOutputs.largest.slice(0, 3)) lines.push(`  line ${o.line}: ${formatBytes(o.bytes)}${o.name ? ` from ${o.name}` : ''}`);
  const last = m.tokens.last;
  if (last) lines.push(`Context: ${last.used.toLocaleString('en-US')} tokens used${last.window ? ` of ${last.window.toLocaleString('en-US')}` : ''} in the last request; ${m.tokens.series.length} samples`);
  if (m.contextErrors.count) lines.push(`Context-window errors: ${m.contextErrors.count}, last at ${m.contextErrors.lastAt}`);
  if (m.problemCount) {
    lines.push(`Damaged lines: ${m.problemCount}`);
    for (const p of m.problems.slice(0, 10)) lines.push(`  line ${p.line}: ${p.kind} — ${p.message}`);
  }
  if (m.firstUserMessage) lines.push('', `First request: ${clip(m.firstUserMessage, 200)}`);
  if (m.lastUserMessage && m.lastUserMessage !== m.firstUserMessage) lines.push(`Last request:  ${clip(m.lastUserMessage, 200)}`);
  return lines.join('\n');
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
