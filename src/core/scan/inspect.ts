// One thread in depth: find it (id, id prefix or path), measure it, and say in words what it is made
// of and why it is at risk. The CLI's `inspect` and the MCP server's `inspect_thread` both use it.
import { ThreadSummary, measureFile, summarize, threadSources } from './catalog';
import { resolveThread } from '../codexHome/rolloutFiles';
import { formatBytes, formatCount } from './risk';
import { imageStats } from './threadJson';

export interface InspectOptions {
  onProgress?: (done: number, total: number) => void;
  isCancelled?: () => boolean;
  /** Accept a rollout path outside the Codex home (the CLI, for a file the user names). */
  outside?: boolean;
}

/** Measure one thread. */
export function inspectThread(codexHome: string, ref: string, opts: InspectOptions = {}): ThreadSummary {
  const f = resolveThread(codexHome, ref, { outside: opts.outside });
  const { entry } = measureFile(f.path, f, undefined, opts);
  return summarize(f, entry.metrics, threadSources(codexHome));
}

/** One line of at most `n` characters, whitespace collapsed. */
export function clip(s: string, n: number): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > n ? one.slice(0, n - 1) + '…' : one;
}

export function describeThread(t: ThreadSummary): string {
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
    `Images: ${m.images.total} stored (${formatBytes(m.images.totalBytes)}), ${img.distinct} distinct; ${m.images.live} live (${formatBytes(m.bytes.imagesLive)}, ~${formatCount(m.images.liveTokens)} tokens), ${m.images.ui} UI copies${m.images.generated ? `, ${m.images.generated} generated` : ''}`,
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
  lines.push(`Tool outputs: ${m.toolOutputs.count} (${formatBytes(m.bytes.toolOutput)})`);
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
