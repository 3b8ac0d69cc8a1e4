// A repair report in plain words (dry run, in place, fork or copy): what was (or would be) replaced,
// the backup (restore data, or a full copy), and how to continue. The CLI's `strip` and the MCP server's repair tools print it.
import { StripMode, StripReport } from './types';
import { formatBytes } from '../scan/risk';

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
  if (r.restoreData)
    lines.push(
      `  backup          restore data of ${formatBytes(r.restoreData.bytes)} (${r.restoreData.imageRefs} image copies refer to ${r.restoreData.images} images in the store), no copy of the original: ${r.backupPath}`,
    );
  else if (r.backupPath)
    lines.push(`  backup          ${r.backupPath}${r.fullCopyKept ? ` (a full copy: ${r.fullCopyKept})` : ''}`);
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
