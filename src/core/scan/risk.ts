// Turns measured ThreadMetrics into a level with reasons a person can act on.
import { ThreadMetrics } from './metrics';
import { RISK_ORDER, RiskLevel, formatBytes, formatCount, levelRank } from '../util/display';

export type { RiskLevel };
export { RISK_ORDER, formatBytes, formatCount };

export interface RiskThresholds {
  /** Rollout file size (bytes): Desktop's renderer fails past ~512 MiB (V8's longest string). */
  fileBytes: [watch: number, high: number, critical: number];
  /** Stored image bytes the next request will carry (newest replacement_history + later items). */
  liveImageBytes: [number, number, number];
  /** Images the next request will carry. */
  liveImages: [number, number, number];
  /** Context used by the last request, as a fraction of the window. */
  contextFill: [number, number, number];
  /** Copies of one image across the file (each compaction re-embeds every image). */
  duplicateCopies: [number, number, number];
  /** Compactions within `burstMinutes` of each other at the end of the file that mean a loop. */
  compactionBurst: number;
  burstMinutes: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_THRESHOLDS: RiskThresholds = {
  fileBytes: [100 * MiB, 256 * MiB, 512 * MiB],
  liveImageBytes: [8 * MiB, 24 * MiB, 48 * MiB],
  liveImages: [20, 50, 100],
  contextFill: [0.6, 0.8, 0.95],
  duplicateCopies: [5, 20, 100],
  compactionBurst: 3,
  burstMinutes: 15,
};

export interface RiskReason {
  level: RiskLevel;
  /** Stable identifier for UIs and tests. */
  code: string;
  text: string;
}

export interface Risk {
  level: RiskLevel;
  /** Most serious first. */
  reasons: RiskReason[];
  /** What to do next, in one sentence. */
  recommendation: string;
  /** Fraction of the context window used by the last request, when known. */
  contextFill?: number;
}

function levelFor(value: number, t: [number, number, number]): RiskLevel {
  if (value >= t[2]) return 'critical';
  if (value >= t[1]) return 'high';
  if (value >= t[0]) return 'watch';
  return 'ok';
}

export function maxLevel(a: RiskLevel, b: RiskLevel): RiskLevel {
  return levelRank(a) >= levelRank(b) ? a : b;
}

export function compareRisk(a: RiskLevel, b: RiskLevel): number {
  return levelRank(b) - levelRank(a);
}

function minutesBetween(a: string, b: string): number {
  return Math.abs(Date.parse(b) - Date.parse(a)) / 60000;
}

/**
 * What Codex's own records say about the context (token counts, failed attempts, compactions): after
 * a repair (in place, or the fork it made) they describe the file as it was, until Codex resumes it.
 */
const BEFORE_REPAIR = new Set([
  'saturated',
  'context-error',
  'image-url-error',
  'unanswered-full',
  'compaction-loop',
  'compaction-burst',
  'context-fill',
  'images-over-window',
]);

/**
 * `lastWriteMs`: when the rollout was last written (a thread written minutes ago may be mid-turn).
 * `repaired`: our repair of it (in place, or the repair that made this fork), if Codex has not written
 * to it since.
 */
export function assessRisk(
  m: ThreadMetrics,
  fileBytes: number,
  t: RiskThresholds = DEFAULT_THRESHOLDS,
  lastWriteMs?: number,
  repaired?: { at: string; removedBytes: number; forkOf?: string },
): Risk {
  const repairedAt = repaired?.at;
  const reasons: RiskReason[] = [];
  const add = (level: RiskLevel, code: string, text: string) => {
    if (level !== 'ok' && !(repairedAt && BEFORE_REPAIR.has(code))) reasons.push({ level, code, text });
  };
  if (repairedAt) {
    add(
      'watch',
      'repaired-not-resumed',
      `${repaired?.forkOf ? `made by a repair of ${repaired.forkOf}` : 'repaired'} ${repairedAt.slice(0, 16).replace('T', ' ')} UTC (${formatBytes(repaired?.removedBytes ?? 0)} removed) and not resumed since: Codex's token counts and errors in it are from before the repair`,
    );
  }

  // Stuck: the file itself says the last attempts failed for lack of room.
  const lastGood = m.lastAgentMessageAt ? Date.parse(m.lastAgentMessageAt) : 0;
  if (m.tokens.saturatedAt !== undefined && (!m.tokens.saturatedAt || Date.parse(m.tokens.saturatedAt) >= lastGood)) {
    add(
      'stuck',
      'saturated',
      `the last request filled the whole context window (${m.tokens.window !== undefined ? formatCount(m.tokens.window) : '?'} tokens) and nothing was answered since`,
    );
  }
  if (m.contextErrors.count > 0 && m.contextErrors.lastAt && Date.parse(m.contextErrors.lastAt) >= lastGood) {
    add(
      'stuck',
      'context-error',
      `the thread's last attempt failed with a context-window error ("${m.contextErrors.lastMessage}")`,
    );
  }
  const d = m.damage;
  if (d?.brokenImagesLive) {
    add(
      'stuck',
      'broken-images',
      `${d.brokenImagesLive} broken image reference${d.brokenImagesLive > 1 ? 's' : ''}: Codex's next request will be rejected (first on line ${d.brokenFirstLine})`,
    );
  } else if (d?.brokenImages) {
    add('watch', 'broken-images-old', `${d.brokenImages} broken image references in older snapshots`);
  }
  if (d?.imageUrlErrors.count && (!d.imageUrlErrors.lastAt || Date.parse(d.imageUrlErrors.lastAt) >= lastGood)) {
    add(
      'stuck',
      'image-url-error',
      `the thread's last attempt was rejected for an image ("${d.imageUrlErrors.lastMessage}")`,
    );
  }
  const o = d?.ordinals;
  if (o?.finalMissing) {
    add(
      'stuck',
      'ordinal-missing-final',
      `the last record (line ${o.finalLine}) has no ordinal, and Codex numbers a paginated thread's records 0, 1, 2, …: it refuses to resume the thread ("final paginated rollout record … is missing an ordinal")`,
    );
  } else if (o && o.missing + o.repeated + o.gaps > 0) {
    const parts = [
      o.repeated ? `${o.repeated} reuse an earlier ordinal or go back` : '',
      o.gaps ? `${o.gaps} skip ahead` : '',
      o.missing ? `${o.missing} have none` : '',
    ].filter(Boolean);
    add(
      'high',
      'ordinals',
      `records out of sequence (${parts.join(', ')}; first on line ${o.firstLine}): Codex resumes the thread, but what its app and IDE extension show skips records whose ordinal is missing or repeated — after an ordinal that went back, every later turn`,
    );
  }
  if (d?.embedded.bytes && d.embedded.bytes >= 1 * MiB) {
    add(
      d.embedded.visibleBytes >= 4 * MiB ? 'high' : 'watch',
      'hidden-images',
      `${formatBytes(d.embedded.bytes)} of images hidden in text (MCP result copies, inline data URLs)${d.embedded.visibleBytes ? `, ${formatBytes(d.embedded.visibleBytes)} of it in what the model reads` : ': disk and load time'}`,
    );
  }
  // Older CLIs record nothing when a turn fails: a last request left unanswered while the context
  // was nearly full is how a stuck thread looks in their files.
  const lastAsked = m.lastUserMessageAt ? Date.parse(m.lastUserMessageAt) : 0;
  const lastTokens = m.tokens.last;
  const lastWindow = lastTokens?.window ?? m.tokens.window;
  // A token_count after the request means the model did answer (mid-turn); a file written in the
  // last few minutes may still be mid-turn too.
  const modelSince = lastTokens?.at ? Date.parse(lastTokens.at) > lastAsked : false;
  const idle = lastWriteMs === undefined || Date.now() - lastWriteMs > 3 * 60_000;
  if (
    lastAsked > lastGood &&
    !modelSince &&
    idle &&
    lastTokens &&
    lastWindow &&
    lastTokens.used / lastWindow >= t.contextFill[2] &&
    !reasons.some((r) => r.level === 'stuck')
  ) {
    add(
      'stuck',
      'unanswered-full',
      `the last request ("${m.lastUserMessage?.slice(0, 60) ?? ''}") got no answer while the context was ${Math.round((lastTokens.used / lastWindow) * 100)}% full`,
    );
  }
  const times = m.compactions.times;
  if (times.length >= t.compactionBurst) {
    const recent = times.slice(-t.compactionBurst);
    const span = minutesBetween(recent[0], recent[recent.length - 1]);
    const answeredAfter = m.lastAgentMessageAt && Date.parse(m.lastAgentMessageAt) > Date.parse(recent[0]);
    if (span <= t.burstMinutes && !answeredAfter) {
      add(
        'stuck',
        'compaction-loop',
        `${t.compactionBurst} compactions in ${Math.max(1, Math.round(span))} min with no answer in between: compaction is looping`,
      );
    } else if (span <= t.burstMinutes) {
      add('high', 'compaction-burst', `${t.compactionBurst} compactions within ${Math.max(1, Math.round(span))} min`);
    }
  }

  // What the next request will carry.
  const live = m.bytes.imagesLive;
  add(
    levelFor(live, t.liveImageBytes),
    'live-image-bytes',
    `${formatBytes(live)} of images (${m.images.live}) will be re-sent on the next turn`,
  );
  if (levelFor(live, t.liveImageBytes) === 'ok') {
    add(
      levelFor(m.images.live, t.liveImages),
      'live-images',
      `${m.images.live} images will be re-sent on the next turn`,
    );
  }
  let contextFill: number | undefined;
  const last = m.tokens.last;
  const window = last?.window ?? m.tokens.window;
  if (last && window) {
    contextFill = Math.min(1, last.used / window);
    const pct = Math.round(contextFill * 100);
    add(
      levelFor(contextFill, t.contextFill),
      'context-fill',
      `context is ${pct}% full (${formatCount(last.used)} of ${formatCount(window)} tokens)`,
    );
    const withImages = last.used + m.images.liveTokens;
    if (m.images.liveTokens > 0 && withImages > window && levelFor(contextFill, t.contextFill) !== 'critical') {
      add(
        'critical',
        'images-over-window',
        `the live history's ${m.images.live} images add ~${formatCount(m.images.liveTokens)} tokens: more than the window holds`,
      );
    }
  }

  // The file as a whole.
  add(
    levelFor(fileBytes, t.fileBytes),
    'file-size',
    `the rollout is ${formatBytes(fileBytes)}${fileBytes >= t.fileBytes[2] ? ', past the ~512 MB the Codex Desktop/IDE renderer can load' : ''}`,
  );
  if (m.maxLineBytes >= 256 * MiB) {
    add(
      m.maxLineBytes >= 512 * MiB ? 'critical' : 'high',
      'giant-line',
      `line ${m.maxLineNumber} alone is ${formatBytes(m.maxLineBytes)}`,
    );
  }
  let maxCopies = 0;
  let dupBytes = 0;
  let distinct = 0;
  for (const [count, bytes] of Object.values(m.images.byHash)) {
    distinct++;
    if (count > maxCopies) maxCopies = count;
    dupBytes += (count - 1) * bytes;
  }
  if (maxCopies > 1) {
    add(
      levelFor(maxCopies, t.duplicateCopies),
      'duplicates',
      `${distinct} distinct images stored ${m.images.total} times (${formatBytes(dupBytes)} of copies; one image ${maxCopies}×)`,
    );
  }
  const deadImages = m.bytes.imagesDead;
  if (m.compactions.count > 1 && deadImages + m.compactions.bytes >= fileBytes * 0.5 && fileBytes >= t.fileBytes[0]) {
    add(
      'watch',
      'dead-snapshots',
      `${m.compactions.count} compaction snapshots hold ${formatBytes(m.compactions.bytes)}; only the newest one is used`,
    );
  }
  if (m.toolOutputs.largest.length && m.toolOutputs.largest[0].bytes >= 1 * MiB) {
    const big = m.toolOutputs.largest[0];
    add(
      'watch',
      'tool-output',
      `tool output on line ${big.line}${big.name ? ` (${big.name})` : ''} is ${formatBytes(big.bytes)}`,
    );
  }
  if (m.problemCount > 0) {
    const kinds = [...new Set(m.problems.map((p) => p.kind))].join(', ');
    const missingMeta = m.problems.some((p) => p.kind === 'missing-session-meta');
    add(
      missingMeta ? 'high' : 'watch',
      'bad-lines',
      `${m.problemCount} damaged line${m.problemCount > 1 ? 's' : ''} (${kinds}; first on line ${m.problems[0]?.line})`,
    );
  }

  reasons.sort((a, b) => compareRisk(a.level, b.level));
  const level = reasons.reduce<RiskLevel>((acc, r) => maxLevel(acc, r.level), 'ok');
  // The fill of Codex's last request no longer describes a repaired file.
  return {
    level,
    reasons,
    recommendation: recommend(level, m, reasons, repaired?.forkOf),
    contextFill: repairedAt ? undefined : contextFill,
  };
}

/** `forkOf`: this thread is a fork a repair made of that thread. */
function recommend(level: RiskLevel, m: ThreadMetrics, reasons: RiskReason[], forkOf?: string): string {
  const codes = new Set(reasons.map((r) => r.code));
  const imagey =
    codes.has('live-image-bytes') ||
    codes.has('live-images') ||
    codes.has('duplicates') ||
    codes.has('images-over-window') ||
    codes.has('hidden-images') ||
    m.images.total > 0;
  const keep = m.images.live > 2 ? ', keeping the newest 2' : '';
  if (codes.has('repaired-not-resumed') && level === 'watch') {
    const resume = 'Resume the thread in Codex: its first turn compacts what the repair left and it should answer.';
    return forkOf
      ? `${resume} If it does not, write a handoff; the original thread (${forkOf}) is as it was.`
      : `${resume} If it does not, restore the backup and write a handoff.`;
  }
  if (codes.has('ordinal-missing-final') || codes.has('ordinals'))
    return `Close Codex and repair the thread: the repair numbers its records 0, 1, 2, … again, as Codex expects${imagey ? ', and strips its images' : ''}; nothing else about them changes.`;
  if (codes.has('broken-images'))
    return "Close Codex and repair the thread: the repair turns image references with an invalid URL into text notes, so Codex's requests are accepted again (write a handoff first to be safe).";
  if (codes.has('image-url-error'))
    return 'Close Codex and repair the thread: the repair replaces the images in its history with text notes, so the image the API refused is no longer sent (write a handoff first to be safe).';
  switch (level) {
    case 'stuck':
      return imagey
        ? `Write a handoff now, then close Codex and repair the thread (strip images${keep}); it should answer again after one compaction.`
        : 'Write a handoff now, then close Codex and repair the thread (cap tool outputs) or continue in a new thread seeded with the handoff.';
    case 'critical':
      return imagey
        ? `Write a handoff, then strip images${keep} before the next turn: the next compaction is likely to fail.`
        : 'Write a handoff and continue in a new thread soon: the next compaction may not fit.';
    case 'high':
      return imagey
        ? `Strip images${keep} soon; write a handoff to be safe.`
        : 'Write a handoff; consider starting a new thread.';
    case 'watch':
      return imagey
        ? 'Fine for now; avoid attaching more screenshots, or strip the older ones.'
        : 'Fine for now; keep an eye on it.';
    default:
      return 'Nothing to do.';
  }
}
