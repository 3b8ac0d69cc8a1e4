// Display helpers shared by the CLI, the extension and the details webview: pure functions with no
// Node or DOM import, so the browser bundle can use them too.

/** The risk levels, lowest first, with the label people see. */
export const LEVEL_LABELS = { ok: 'OK', watch: 'Watch', high: 'High', critical: 'Critical', stuck: 'Stuck' } as const;

export type RiskLevel = keyof typeof LEVEL_LABELS;

export function levelLabel(l: RiskLevel): string {
  return LEVEL_LABELS[l];
}

/** Every level, lowest first. */
export const RISK_ORDER = Object.keys(LEVEL_LABELS) as RiskLevel[];

/** A level's place in RISK_ORDER: higher is worse. */
export function levelRank(l: RiskLevel): number {
  return RISK_ORDER.indexOf(l);
}

/** What a rollout's bytes are, in the order the composition chart shows them. */
export const CATEGORY_LABELS = {
  imagesLive: 'Images the next request carries',
  imagesDead: 'Images only in old history',
  imagesUi: 'Image copies in UI events',
  toolOutput: 'Tool outputs',
  compaction: 'Compaction snapshots',
  reasoning: 'Reasoning',
  messages: 'Messages',
  events: 'Events',
  other: 'Other',
} as const;

export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return '?';
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[u]}`;
}

/** The command that resumes a Codex thread (every "resume" line and button shows this one). */
export function resumeCommand(threadId: string): string {
  return `codex resume ${threadId}`;
}

/** 1234567 → "1,234,567" (toLocaleString would load ICU data: ~20 ms of a scan). */
export function formatCount(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
