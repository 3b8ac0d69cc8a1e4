// Pure UI logic of the extension (no `vscode` import): grouping, labels, tooltips, the status-bar pick,
// quick-pick order. (Risk crossings: core/scan/riskMonitor.ts, used by the store.) Unit-tested with plain mocha.
import type { RiskLevelName, ThreadView } from '../protocol/messages';
import { formatBytes, formatCount, levelLabel, levelRank } from '../core/util/display';
import { matchesFilter } from '../core/scan/threadFilter';

export const ATTENTION: ReadonlySet<RiskLevelName> = new Set(['high', 'critical', 'stuck']);

export type GroupKey = 'attention' | 'today' | 'yesterday' | 'week' | 'older' | 'archived';
export const GROUP_LABELS: Record<GroupKey, string> = {
  attention: 'Needs attention',
  today: 'Today',
  yesterday: 'Yesterday',
  week: 'This week',
  older: 'Older',
  archived: 'Archived',
};

export interface Group {
  key: string;
  label: string;
  threads: ThreadView[];
}

function startOfDay(ms: number): number {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

export function activityMs(t: ThreadView): number {
  const u = t.updatedAt ? Date.parse(t.updatedAt) : NaN;
  return Math.max(Number.isFinite(u) ? u : 0, t.mtimeMs || 0);
}

export function dayGroup(t: ThreadView, now: number): GroupKey {
  const today = startOfDay(now);
  const at = activityMs(t);
  if (at >= today) return 'today';
  if (at >= today - 86400000) return 'yesterday';
  if (at >= today - 6 * 86400000) return 'week';
  return 'older';
}

export interface GroupOptions {
  byWorkspace?: boolean;
  now?: number;
  /** "Needs attention" holds at-risk threads active within this many days (default 14). */
  attentionDays?: number;
  /** Quick filter: every word must occur in the name, workspace, id, level or first request... */
  query?: string;
  /** ...or the thread's id is here (its text holds every word: the worker's search). */
  textMatches?: ReadonlySet<string>;
  /** Order within groups: last activity (default) or size, largest first. */
  sortBy?: SortKey;
}

export type SortKey = 'activity' | 'size';
export const DEFAULT_ATTENTION_DAYS = 14;
const DAY_MS = 86400000;

/** At risk and active recently: what "Needs attention" (and the activity-bar badge) counts. */
export function needsAttention(t: ThreadView, now: number, days = DEFAULT_ATTENTION_DAYS): boolean {
  return !t.archived && ATTENTION.has(t.risk.level) && activityMs(t) >= now - days * DAY_MS;
}

export function attentionCount(threads: ThreadView[], now = Date.now(), days = DEFAULT_ATTENTION_DAYS): number {
  let n = 0;
  for (const t of threads) if (needsAttention(t, now, days)) n++;
  return n;
}

function comparator(sortBy: SortKey | undefined): (a: ThreadView, b: ThreadView) => number {
  return sortBy === 'size'
    ? (a, b) => b.sizeBytes - a.sizeBytes || activityMs(b) - activityMs(a)
    : (a, b) => activityMs(b) - activityMs(a);
}

/**
 * Groups for the Sessions tree: Needs attention (at-risk threads active in the last `attentionDays`),
 * then by day (or by workspace), then Archived. Older at-risk threads stay in their day group with
 * their badge, so a year of abandoned threads does not bury today's. Newest activity first (or largest).
 */
export function groupThreads(threads: ThreadView[], opts: GroupOptions = {}): Group[] {
  const now = opts.now ?? Date.now();
  const days = opts.attentionDays ?? DEFAULT_ATTENTION_DAYS;
  const order = comparator(opts.sortBy);
  const list = threads
    .filter((t) => matchesFilter(t, { query: opts.query }) || opts.textMatches?.has(t.id))
    .sort(order);
  const attention = list
    .filter((t) => needsAttention(t, now, days))
    .sort((a, b) => levelRank(b.risk.level) - levelRank(a.risk.level) || order(a, b));
  const inAttention = new Set(attention);
  const rest = list.filter((t) => !t.archived && !inAttention.has(t));
  const archived = list.filter((t) => t.archived);
  const groups: Group[] = [];
  if (attention.length) groups.push({ key: 'attention', label: GROUP_LABELS.attention, threads: attention });
  if (opts.byWorkspace) {
    const by = new Map<string, ThreadView[]>();
    for (const t of rest) {
      const k = t.cwd || '(no workspace)';
      if (!by.has(k)) by.set(k, []);
      by.get(k)!.push(t);
    }
    for (const [k, ts] of by) groups.push({ key: `ws:${k}`, label: k, threads: ts });
  } else {
    const byDay = new Map<GroupKey, ThreadView[]>();
    for (const t of rest) {
      const k = dayGroup(t, now);
      if (!byDay.has(k)) byDay.set(k, []);
      byDay.get(k)!.push(t);
    }
    for (const key of ['today', 'yesterday', 'week', 'older'] as GroupKey[]) {
      const ts = byDay.get(key);
      if (ts?.length) groups.push({ key, label: GROUP_LABELS[key], threads: ts });
    }
  }
  if (archived.length) groups.push({ key: 'archived', label: GROUP_LABELS.archived, threads: archived });
  return groups;
}

export interface StorageSummary {
  threads: number;
  totalBytes: number;
  /** Image payloads stored in rollouts (every copy). */
  imageBytes: number;
  /** Image copies in older compactions' replacement_history: dead weight no request carries. */
  deadImageBytes: number;
  archivedBytes: number;
  /** Image payloads in threads idle for a week: what *Reclaim Space…* can take out (before the store). */
  reclaimableBytes: number;
  largest: ThreadView[];
}

/** How long a thread must be idle for the storage row to count it reclaimable (reclaim's default). */
const RECLAIM_IDLE_MS = 7 * 86_400_000;

/** How much the Codex home's rollouts take, and where it goes (measured threads only for images). */
export function storageSummary(threads: ThreadView[], top = 5, now = Date.now()): StorageSummary {
  const s: StorageSummary = {
    threads: threads.length,
    totalBytes: 0,
    imageBytes: 0,
    deadImageBytes: 0,
    archivedBytes: 0,
    reclaimableBytes: 0,
    largest: [],
  };
  for (const t of threads) {
    if (now - t.mtimeMs > RECLAIM_IDLE_MS)
      s.reclaimableBytes += t.metrics.images.totalBytes + t.metrics.damage.embedded.bytes;
    s.totalBytes += t.sizeBytes;
    s.imageBytes += t.metrics.images.totalBytes;
    s.deadImageBytes += t.metrics.bytes.imagesDead;
    if (t.archived) s.archivedBytes += t.sizeBytes;
  }
  s.largest = [...threads].sort((a, b) => b.sizeBytes - a.sizeBytes).slice(0, top);
  return s;
}

export function storageText(s: StorageSummary): { label: string; description: string } {
  return {
    label: `Codex home: ${formatBytes(s.totalBytes)} in ${formatCount(s.threads)} threads`,
    description: `images ${formatBytes(s.imageBytes)} · dead copies ${formatBytes(s.deadImageBytes)} · archived ${formatBytes(s.archivedBytes)}${s.reclaimableBytes ? ` · reclaimable ~${formatBytes(s.reclaimableBytes)}` : ''}`,
  };
}

/** "Measuring 1,240 of 3,004…" while a scan fills in badges. */
export function measuringText(m: { measured: number; total: number } | undefined): string | undefined {
  return m ? `Measuring ${formatCount(m.measured)} of ${formatCount(m.total)}…` : undefined;
}

export const LEVEL_ICON: Record<RiskLevelName, { icon: string; color: string }> = {
  ok: { icon: 'pass', color: 'testing.iconPassed' },
  watch: { icon: 'eye', color: 'charts.yellow' },
  high: { icon: 'warning', color: 'list.warningForeground' },
  critical: { icon: 'error', color: 'list.errorForeground' },
  stuck: { icon: 'debug-disconnect', color: 'errorForeground' },
};

export function describeThread(t: ThreadView): string {
  return `${formatBytes(t.sizeBytes)} · ${levelLabel(t.risk.level)}`;
}

/** Escape text for a MarkdownString (transcript text must never become markup). */
export function escapeMarkdown(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (c) => `\\${c}`);
}

export function tooltipMarkdown(t: ThreadView): string {
  const lines: string[] = [];
  lines.push(`**${escapeMarkdown(t.name || t.id)}**`, '');
  lines.push(
    `${levelLabel(t.risk.level)} · ${formatBytes(t.sizeBytes)}${t.risk.contextFill !== undefined ? ` · context ${Math.round(t.risk.contextFill * 100)} %` : ''}`,
    '',
  );
  if (t.cwd) lines.push(`Workspace: ${escapeMarkdown(t.cwd)}`, '');
  for (const r of t.risk.reasons.slice(0, 5)) lines.push(`- ${levelLabel(r.level)}: ${escapeMarkdown(r.text)}`);
  if (t.risk.reasons.length) lines.push('');
  if (t.risk.recommendation) lines.push(`**Next step:** ${escapeMarkdown(t.risk.recommendation)}`);
  return lines.join('\n');
}

function isInside(child: string, parent: string): boolean {
  const norm = (p: string) => p.replace(/[\\/]+$/, '');
  const c = norm(child);
  const p = norm(parent);
  return c === p || c.startsWith(p + '/') || c.startsWith(p + '\\');
}

/** The thread the user works in now: most recently written with cwd in the workspace, else most recent. */
export function currentThread(threads: ThreadView[], workspaceFolders: string[]): ThreadView | undefined {
  const live = threads.filter((t) => !t.archived).sort((a, b) => (b.mtimeMs || 0) - (a.mtimeMs || 0));
  const inWs = live.find((t) => t.cwd && workspaceFolders.some((f) => isInside(t.cwd!, f)));
  return inWs ?? live[0];
}

export function statusText(t: ThreadView): string {
  const icon =
    t.risk.level === 'ok'
      ? '$(pass)'
      : t.risk.level === 'watch'
        ? '$(eye)'
        : t.risk.level === 'stuck'
          ? '$(debug-disconnect)'
          : t.risk.level === 'high'
            ? '$(warning)'
            : '$(error)';
  const fill = t.risk.contextFill !== undefined ? ` ${Math.round(t.risk.contextFill * 100)}%` : '';
  return `${icon} Codex: ${levelLabel(t.risk.level)}${fill}`;
}

export function statusBackground(
  l: RiskLevelName,
): 'statusBarItem.warningBackground' | 'statusBarItem.errorBackground' | undefined {
  if (l === 'high') return 'statusBarItem.warningBackground';
  if (l === 'critical' || l === 'stuck') return 'statusBarItem.errorBackground';
  return undefined;
}

/** Quick-pick order: most urgent first, then newest. */
export function byUrgency(threads: ThreadView[]): ThreadView[] {
  return [...threads].sort(
    (a, b) => levelRank(b.risk.level) - levelRank(a.risk.level) || activityMs(b) - activityMs(a),
  );
}

export function reportSummary(r: {
  bytesBefore: number;
  bytesAfter: number;
  imagesReplaced: number;
  toolOutputsCapped: number;
  linesVerified: number;
  jsonErrors: number;
  backupPath?: string;
  newThreadId?: string;
  brokenImagesFixed?: number;
  embeddedImagesRemoved?: number;
}): string {
  const parts = [
    `${formatBytes(r.bytesBefore)} → ${formatBytes(r.bytesAfter)}`,
    `${r.imagesReplaced} images replaced`,
    ...(r.brokenImagesFixed ? [`${r.brokenImagesFixed} broken image references fixed`] : []),
    ...(r.embeddedImagesRemoved ? [`${r.embeddedImagesRemoved} images cut from text`] : []),
    `${r.toolOutputsCapped} tool outputs capped`,
    `${r.linesVerified} lines verified`,
    `${r.jsonErrors} JSON errors`,
  ];
  if (r.newThreadId) parts.push(`new thread ${r.newThreadId}`);
  if (r.backupPath) parts.push(`backup: ${r.backupPath}`);
  return parts.join(' · ');
}

export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Text for a notification or progress title that may hold transcript text (thread names are
 * first user messages): no line breaks, and no `[label](command:…)` link VS Code would render.
 */
export function plain(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\]\s*\(/g, ']\u200b(');
}

/**
 * `codex` seeded with the handoff. POSIX shells pass the file's text as one argument ("$(cat …)" is
 * not re-parsed); elsewhere (PowerShell, cmd: quoting rules, a 32k command-line limit) the prompt
 * points Codex at the file instead of carrying its text.
 */
export function seedCommand(file: string, shell: string): string {
  const pointer = `Read the handoff file ${file} (a summary of an earlier Codex thread) and continue that work from where it stopped.`;
  if (/pwsh|powershell|cmd\.exe$/.test(shell.toLowerCase())) return codexWithPrompt(pointer, shell);
  return `codex "$(cat ${shellQuote(file)})"`;
}

/** `codex <prompt>` quoted for the terminal's shell (POSIX shells, PowerShell, cmd). */
export function codexWithPrompt(prompt: string, shell: string): string {
  const name = shell.toLowerCase();
  if (/pwsh|powershell/.test(name)) return `codex '${prompt.replace(/'/g, "''")}'`;
  // inside double quotes cmd takes & | < > ^ literally; only " and % (variables) must go
  if (/cmd\.exe$/.test(name)) return `codex "${prompt.replace(/["%]/g, '')}"`;
  return `codex ${shellQuote(prompt)}`;
}
