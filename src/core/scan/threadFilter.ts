// The one thread filter (the Sessions view's quick filter, the MCP server's list_threads): a minimum
// risk level, a workspace folder, and words that must all occur in what identifies a thread.
import * as path from 'node:path';
import { RiskLevel, levelRank } from '../util/display';

export interface ThreadFilter {
  /** Only threads at this level or worse. */
  level?: RiskLevel;
  /** Only threads whose workspace (cwd) is this folder or inside it. */
  workspace?: string;
  /** Words (case-insensitive) that must all occur in the id, name, workspace, level or first request. */
  query?: string;
}

/** What the filter looks at (a core ThreadSummary and the extension's ThreadView both have it). */
export interface FilterableThread {
  id: string;
  name: string;
  cwd?: string;
  archived: boolean;
  firstUserMessage?: string;
  risk: { level: RiskLevel };
}

export function queryWords(query: string | undefined): string[] {
  return (query ?? '').toLowerCase().split(/\s+/).filter(Boolean);
}

export function matchesFilter(t: FilterableThread, f: ThreadFilter): boolean {
  if (f.level && levelRank(t.risk.level) < levelRank(f.level)) return false;
  if (f.workspace) {
    const ws = path.resolve(f.workspace);
    const cwd = t.cwd ? path.resolve(t.cwd) : undefined;
    if (!cwd || (cwd !== ws && !cwd.startsWith(ws + path.sep))) return false;
  }
  const words = queryWords(f.query);
  if (!words.length) return true;
  const hay =
    `${t.id}\n${t.name}\n${t.cwd ?? ''}\n${t.risk.level}${t.archived ? '\narchived' : ''}\n${t.firstUserMessage ?? ''}`.toLowerCase();
  return words.every((w) => hay.includes(w));
}

export function filterThreads<T extends FilterableThread>(threads: T[], f: ThreadFilter): T[] {
  return threads.filter((t) => matchesFilter(t, f));
}
