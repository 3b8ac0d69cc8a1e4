// Fitting a handoff into its token budget: every section renders at level 0 (full detail); while
// the document is too long, the least important section that can still shrink goes one level down.
import { ThreadSummary } from '../scan/catalog';
import { HandoffData } from './collect';
import { maskSecrets } from './secrets';
import {
  goalSection,
  headerSection,
  historySection,
  decidedSection,
  planSection,
  recentSection,
  openEndsSection,
} from './sectionsConversation';
import { commandsSection, errorsSection, filesSection, imagesSection } from './sectionsWork';
import { CHARS_PER_TOKEN, DEFAULT_BUDGET_TOKENS, HandoffOptions, HandoffResult, Section, SectionInfo } from './types';

/** Render collected data to Markdown within the budget. Pure: no file access. */
export function renderHandoff(data: HandoffData, thread: ThreadSummary, opts: HandoffOptions = {}): HandoffResult {
  const budgetTokens = Math.max(500, opts.budgetTokens ?? DEFAULT_BUDGET_TOKENS);
  const budgetChars = budgetTokens * CHARS_PER_TOKEN;
  const now = opts.now ?? new Date();
  const sections = buildSections(data, thread, now, opts.handoffPath);
  const levels = new Map<string, number>(sections.map((s) => [s.id, 0]));
  const cache = new Map<string, string>();
  const text = (s: Section): string => {
    const key = `${s.id}:${levels.get(s.id)}`;
    let t = cache.get(key);
    if (t === undefined) {
      t = maskSecrets(s.render(levels.get(s.id) ?? 0));
      cache.set(key, t);
    }
    return t;
  };
  const total = () => sections.reduce((n, s) => n + text(s).length + 1, 0);
  // Shrink the least important section that can still shrink, one step at a time.
  const byPriority = [...sections].sort((a, b) => b.priority - a.priority);
  let size = total();
  while (size > budgetChars) {
    const s = byPriority.find((x) => (levels.get(x.id) ?? 0) < x.maxLevel);
    if (!s) break;
    levels.set(s.id, (levels.get(s.id) ?? 0) + 1);
    // Lowest priority sections go all the way down first, then the next one.
    size = total();
  }
  const parts = sections.map((s) => text(s)).filter((t) => t.length > 0);
  let markdown = parts.join('\n') + '\n';
  if (markdown.length > budgetChars) {
    // Even the most important sections at their shortest don't fit: cut the tail, say so.
    markdown =
      markdown.slice(0, budgetChars - 120) + '\n\n_(handoff cut to fit the budget; read the rollout for the rest)_\n';
  }
  const info: SectionInfo[] = sections.map((s) => ({
    id: s.id,
    title: s.title,
    level: levels.get(s.id) ?? 0,
    maxLevel: s.maxLevel,
    chars: text(s).length,
  }));
  return {
    markdown,
    thread,
    data,
    sections: info,
    tokensEstimate: Math.ceil(markdown.length / CHARS_PER_TOKEN),
    budgetTokens,
    trimmed: info.filter((s) => s.level > 0).map((s) => s.id),
  };
}

/** Order in the document. Priorities (trim order) are given per section. */
function buildSections(d: HandoffData, t: ThreadSummary, now: Date, handoffPath: string | undefined): Section[] {
  return [
    headerSection(d, t, now, handoffPath),
    goalSection(d),
    historySection(d),
    decidedSection(d),
    planSection(d),
    filesSection(d),
    commandsSection(d),
    errorsSection(d, t),
    imagesSection(d, t),
    recentSection(d),
    openEndsSection(d, t),
  ];
}
