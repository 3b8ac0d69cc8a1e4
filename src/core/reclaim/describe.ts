// A reclaim plan and a run's report in plain words: the CLI prints them, the MCP tools return them.
import { formatBytes } from '../util/display';
import { ReclaimPlan } from './plan';
import { ReclaimReport } from './run';

const flags = (t: { archived: boolean; compressed: boolean }): string =>
  [t.archived ? 'archived' : '', t.compressed ? 'zst' : ''].filter(Boolean).join(', ');

export function describePlan(plan: ReclaimPlan): string {
  const o = plan.options;
  const out: string[] = [];
  const days =
    o.olderThanDays === 0 ? 'every thread Codex does not hold' : `threads not written for ${o.olderThanDays} days`;
  out.push(
    `Reclaim plan ${plan.id} for ${plan.codexHome} (${days}, keep ${o.keepImages} image(s) per thread, tool outputs over ${formatBytes(o.maxToolOutputBytes)} capped):`,
  );
  if (plan.threads.length) {
    out.push('');
    for (const c of plan.threads) {
      const f = flags(c);
      out.push(
        `  ${c.id}  ${formatBytes(c.sizeBytes).padStart(8)} → frees ~${formatBytes(c.estimatedFreedBytes).padEnd(8)} ${c.images} image(s)${f ? ` (${f})` : ''}  ${c.name}`,
      );
    }
  }
  if (plan.skipped.length) {
    out.push('', 'Skipped:');
    for (const s of plan.skipped)
      out.push(`  ${s.id}  ${formatBytes(s.sizeBytes).padStart(8)}  ${s.reason}: ${s.message}`);
  }
  if (plan.backups.length)
    out.push(
      '',
      `${plan.backups.length} full backup(s) of earlier repairs (${formatBytes(plan.backups.reduce((s, b) => s + b.bytes, 0))}) become restore data.`,
    );
  const t = plan.totals;
  out.push(
    '',
    `${t.threads} thread(s), ${formatBytes(t.bytesBefore)}: about ${formatBytes(t.estimatedFreedBytes)} freed. Image store ${formatBytes(t.storeBytesNow)} → at most ${formatBytes(t.storeBytesAfter)}.`,
  );
  if (plan.recent.threads)
    out.push(
      `Left alone: ${plan.recent.threads} thread(s) written in the last ${o.olderThanDays} day(s) (${formatBytes(plan.recent.bytes)}).`,
    );
  if (plan.nothingToFree) out.push(`${plan.nothingToFree} thread(s) have nothing to free.`);
  return out.join('\n');
}

export function describeReclaimReport(r: ReclaimReport): string {
  const out: string[] = [];
  for (const t of r.threads) {
    if (t.ok && t.kind === 'backup')
      out.push(`  ${t.id}  full backup ${formatBytes(t.sizeBefore)} → restore data ${formatBytes(t.restoreBytes)}`);
    else if (t.ok)
      out.push(
        `  ${t.id}  ${formatBytes(t.sizeBefore)} → ${formatBytes(t.sizeAfter)}, ${t.imagesReplaced} image(s) to the store, ${formatBytes(t.freedBytes)} freed`,
      );
    else out.push(`  ${t.id}  not reclaimed (${t.code}): ${t.message}`);
  }
  const x = r.totals;
  out.push(
    '',
    `${r.cancelled ? 'Cancelled: ' : ''}${x.repaired} done, ${x.failed} not; ${formatBytes(x.bytesFreed)} freed. Image store ${formatBytes(x.storeBytesBefore)} → ${formatBytes(x.storeBytesAfter)}.`,
  );
  if (r.stoppedBy) out.push(`Stopped: ${r.stoppedBy}`);
  if (r.notStarted) out.push(`${r.notStarted} planned thread(s) not started; run reclaim again to carry on.`);
  if (x.repaired) out.push('Every reclaimed thread can be restored byte for byte: codex-session-rescue restore <id>.');
  return out.join('\n');
}
