// Durable handoff: a Markdown document built from the rollout alone (no model), so it works on a
// stuck or multi-GB thread. One streaming pass (handoffCollect + the risk metrics), then a
// render that fills a token budget by priority, masks secrets, and an atomic, never-overwriting write.
//
//   buildHandoff(codexHome, ref, opts)  → { markdown, thread, sections, … }   (no writing)
//   writeHandoff(codexHome, ref, opts)  → { path, outPath?, bytes, … }        (writes the file)
//
// Both are synchronous: call them from the CLI or the extension's worker thread.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RolloutFile } from '../codexHome/rolloutFiles';
import { ThreadSummary, findThread, summarize } from '../scan/catalog';
import { MetricsCollector } from '../scan/metrics';
import { ReadOptions, readRollout } from '../rollout/reader';
import { readNameSources } from '../codexHome/threadNames';
import { formatBytes, formatCount } from '../scan/risk';
import { BigTextReader } from '../rollout/bigText';
import { CommandRecord, HandoffCollector, HandoffData, Turn } from './collect';
import { maskSecrets } from './secrets';

export const DEFAULT_BUDGET_TOKENS = 12_000;
/** Rough tokens per character for budgeting (≈ 4 chars per token for English and code). */
export const CHARS_PER_TOKEN = 4;

export interface HandoffOptions {
  /** Token budget for the whole document (default 12k). */
  budgetTokens?: number;
  /** Time written into the document and the file name (default now). */
  now?: Date;
  /** Where the handoff will live, for the "start a new thread" command. */
  handoffPath?: string;
  onProgress?: ReadOptions['onProgress'];
  isCancelled?: ReadOptions['isCancelled'];
  env?: NodeJS.ProcessEnv;
}

export interface SectionInfo {
  id: string;
  title: string;
  /** 0 = full detail; higher = trimmed further to fit the budget. */
  level: number;
  maxLevel: number;
  chars: number;
}

export interface HandoffResult {
  markdown: string;
  thread: ThreadSummary;
  data: HandoffData;
  sections: SectionInfo[];
  tokensEstimate: number;
  budgetTokens: number;
  /** Ids of the sections shortened to fit the budget. */
  trimmed: string[];
}

export interface WriteResult {
  /** The handoff inside CODEX_HOME/rescue/handoffs/<threadId>/. */
  path: string;
  /** The extra copy the user asked for, if any. */
  outPath?: string;
  threadId: string;
  bytes: number;
  tokensEstimate: number;
  sections: SectionInfo[];
  trimmed: string[];
  riskLevel: string;
}

/** Read the thread once and collect everything the handoff needs, plus its risk summary. */
export function collectThread(
  codexHome: string,
  f: RolloutFile,
  opts: HandoffOptions = {},
): { data: HandoffData; thread: ThreadSummary } {
  const big = new BigTextReader(f.path, f.compressed || isZstd(f.path));
  try {
    const collector = new HandoffCollector(big);
    const metrics = new MetricsCollector();
    const summary = readRollout(
      f.path,
      (l) => {
        metrics.line(l);
        collector.line(l);
      },
      { hashDataUrls: 'fingerprint', onProgress: opts.onProgress, isCancelled: opts.isCancelled },
    );
    const data = collector.result();
    data.compressed = summary.compressed;
    let st = { size: f.size, mtimeMs: f.mtimeMs };
    try {
      const s = fs.statSync(f.path);
      st = { size: s.size, mtimeMs: s.mtimeMs };
    } catch {
      // vanished meanwhile: keep what we had
    }
    const thread = summarize({ ...f, ...st }, metrics.result(), readNameSources(codexHome, opts.env));
    return { data, thread };
  } finally {
    big.close();
  }
}

function isZstd(p: string): boolean {
  return p.endsWith('.zst');
}

function resolve(codexHome: string, ref: string): RolloutFile {
  const f = findThread(codexHome, ref);
  if (!f)
    throw new HandoffError(`no thread '${ref}' under ${codexHome} (give a thread id, an id prefix, or a rollout path)`);
  return f;
}

export class HandoffError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HandoffError';
  }
}

/** Build the handoff Markdown for a thread (by id, id prefix or path) without writing it. */
export function buildHandoff(codexHome: string, ref: string, opts: HandoffOptions = {}): HandoffResult {
  const f = resolve(codexHome, ref);
  const { data, thread } = collectThread(codexHome, f, opts);
  return renderHandoff(data, thread, opts);
}

// ---------------------------------------------------------------- rendering

interface Section {
  id: string;
  title: string;
  /** Lower = more important = trimmed last. */
  priority: number;
  maxLevel: number;
  render(level: number): string;
}

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

/** A fenced block whose fence can't be closed by the content. */
export function fence(text: string, lang = ''): string {
  let n = 3;
  for (const m of text.matchAll(/`{3,}/g)) n = Math.max(n, m[0].length + 1);
  const f = '`'.repeat(n);
  return `${f}${lang}\n${text.replace(/\s+$/, '')}\n${f}`;
}

/** Text as a Markdown blockquote (keeps the person's words verbatim, can't break the structure). */
function quote(text: string): string {
  return text
    .replace(/\s+$/, '')
    .split('\n')
    .map((l) => (l ? `> ${l}` : '>'))
    .join('\n');
}

/** One line gist of a text: whitespace collapsed, cut at `n` characters. */
export function gist(text: string, n: number): string {
  const one = text
    .replace(/<\/?image[^>]*>/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return one.length > n ? one.slice(0, Math.max(1, n - 1)).trimEnd() + '…' : one;
}

function cut(text: string, n: number, truncated = false): string {
  if (text.length <= n && !truncated) return text;
  return `${text.slice(0, n).trimEnd()}\n\n_(… shortened; ${text.length > n ? `${formatCount(text.length)}+` : 'more'} characters in the rollout)_`;
}

function plural(n: number, word: string): string {
  return `${formatCount(n)} ${word}${n === 1 ? '' : /(s|sh|ch|x)$/.test(word) ? 'es' : 's'}`;
}

function when(ts: string | undefined): string {
  if (!ts) return '?';
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return ts;
  return d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

function shq(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function headerSection(d: HandoffData, t: ThreadSummary, now: Date, handoffPath: string | undefined): Section {
  return {
    id: 'header',
    title: 'Header',
    priority: 0,
    maxLevel: 1,
    render(level) {
      const m = t.metrics;
      const rows: [string, string][] = [
        ['Thread', `\`${t.id}\`${t.archived ? ' (archived)' : ''}`],
        ['Workspace', t.cwd ? `\`${t.cwd}\`` : '?'],
        ...(t.gitBranch ? [['Git branch', `\`${t.gitBranch}\``] as [string, string]] : []),
        [
          'Model',
          `${t.model ?? '?'}${t.cliVersion ? ` (Codex ${t.cliVersion}${t.originator ? `, ${t.originator}` : ''})` : ''}`,
        ],
        [
          'Dates',
          `started ${when(t.createdAt ?? d.firstTimestamp)}, last active ${when(t.updatedAt ?? d.lastTimestamp)}`,
        ],
        [
          'Rollout',
          `\`${t.path}\` (${formatBytes(t.sizeBytes)}, ${formatCount(m.lines)} lines, ${t.generation} format${t.compressed ? ', zstd' : ''})`,
        ],
        [
          'Risk',
          `**${t.risk.level.toUpperCase()}**${
            t.risk.reasons.length
              ? ` — ${t.risk.reasons
                  .slice(0, level ? 1 : 3)
                  .map((r) => r.text)
                  .join('; ')}`
              : ''
          }`,
        ],
        [
          'Activity',
          `${plural(d.turnCount, 'user request')}, ${plural(d.compactions.count, 'compaction')}, ${plural(d.commands.total, 'command')}, ${plural(d.files.size, 'file')} patched`,
        ],
        ['Handoff written', `${when(now.toISOString())} by codex-session-rescue, from the rollout alone (no model)`],
      ];
      const out: string[] = [];
      out.push(`# Codex handoff: ${gist(t.name, 120)}`, '');
      out.push('> This is a handoff from an earlier Codex thread, written from its rollout file. If you are a');
      out.push('> new Codex thread reading this as your first prompt: read it, check the workspace state it');
      out.push('> describes, then continue with **Where it stopped** at the end. Do not redo finished work.', '');
      out.push('| | |', '|---|---|');
      for (const [k, v] of rows) out.push(`| ${k} | ${v.replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`);
      out.push('', '## How to continue', '');
      const cd = t.cwd ? `cd ${shq(t.cwd)} && ` : '';
      const file = handoffPath ? shq(handoffPath) : '<this-file.md>';
      const stuck = t.risk.level === 'stuck';
      const tooOld = t.generation === 'header';
      if (tooOld) {
        out.push(
          'This thread uses the pre-September-2025 rollout format, which current Codex cannot resume. Start a new thread seeded with this handoff:',
        );
      } else {
        if (stuck)
          out.push(
            `**This thread is stuck** (${t.risk.reasons[0]?.text ?? 'context window'}): resuming will fail again until it is repaired (\`codex-session-rescue strip ${t.id}\`). Until then, continue in a new thread seeded with this handoff (second command).`,
            '',
          );
        out.push(
          `Resume this thread${t.archived ? ' (it is archived: `codex unarchive ' + t.id + '` first)' : ''}:`,
          '',
        );
        out.push(
          fence(
            `${cd}codex resume ${t.id}\n# or, non-interactively:\n${cd}codex exec resume ${t.id} "Continue from where you stopped."`,
            'sh',
          ),
          '',
        );
        out.push('Or start a new thread seeded with this handoff:');
      }
      out.push('', fence(`${cd}codex "$(cat ${file})"`, 'sh'), '');
      if (level === 0 && t.risk.recommendation) out.push(`Recommended next step: ${t.risk.recommendation}`, '');
      return out.join('\n');
    },
  };
}

function goalSection(d: HandoffData): Section {
  const caps = [40_000, 12_000, 4_000, 1_500, 600];
  return {
    id: 'goal',
    title: 'Goal',
    priority: 1,
    maxLevel: caps.length - 1,
    render(level) {
      if (!d.goal) return '## Goal\n\n_(no user request found in the rollout)_\n';
      const g = d.goal;
      const body = cut(g.text, caps[level], g.truncated);
      return [`## Goal`, '', `The first request (${when(g.at)}), verbatim:`, '', quote(body), '']
        .concat(d.agentGoal ? [`The agent's own goal: ${gist(d.agentGoal, level > 2 ? 200 : 1000)}`, ''] : [])
        .join('\n');
    },
  };
}

function historySection(d: HandoffData): Section {
  // [how many requests, gist length]; the last level is a stub.
  const steps: [number, number][] = [
    [400, 400],
    [150, 200],
    [60, 140],
    [25, 100],
    [10, 80],
    [0, 0],
  ];
  return {
    id: 'history',
    title: 'What the user asked over time',
    priority: 10,
    maxLevel: steps.length - 1,
    render(level) {
      const later = d.turns.filter((t) => t.n > 1);
      if (!later.length) return '';
      const [count, len] = steps[level];
      const out = ['## What the user asked over time', ''];
      if (count === 0) {
        out.push(`_${d.turnCount - 1} later requests omitted to fit the budget._`, '');
        return out.join('\n');
      }
      const shown = later.slice(-count);
      const omitted = d.turnCount - 1 - shown.length;
      if (omitted > 0) out.push(`_(${omitted} earlier requests not shown)_`);
      for (const t of shown)
        out.push(`${t.n}. ${when(t.at)} — ${gist(t.request, len)}${t.aborted ? ' _(aborted)_' : ''}`);
      out.push('');
      return out.join('\n');
    },
  };
}

function decidedSection(d: HandoffData): Section {
  const summaryCaps = [24_000, 8_000, 3_000, 1_200, 0];
  const answerSteps: [number, number][] = [
    [60, 600],
    [30, 300],
    [12, 160],
    [5, 120],
    [0, 0],
  ];
  return {
    id: 'decided',
    title: 'What was decided and learned',
    priority: 4,
    maxLevel: summaryCaps.length - 1,
    render(level) {
      const out = ['## What was decided and learned', ''];
      if (d.summary && summaryCaps[level] > 0) {
        out.push(
          `Newest compaction summary (${when(d.summary.at)}, line ${d.summary.line}; ${plural(d.compactions.count, 'compaction')} in all):`,
          '',
        );
        out.push(quote(cut(d.summary.text, summaryCaps[level], d.summary.truncated)), '');
      } else if (d.compactions.count > 0) {
        out.push(
          `${plural(d.compactions.count, 'compaction')} (last ${when(d.compactions.lastAt)})${d.compactions.remote ? `; ${d.compactions.remote === d.compactions.count ? 'all' : d.compactions.remote} remote (their summary is encrypted, not readable here)` : ''}.`,
          '',
        );
      }
      // The final answer of each older turn (the last turns are shown in full under Last exchanges).
      const [count, len] = answerSteps[level];
      const older = d.turns.filter((t) => t.answer).slice(0, -RECENT_SHOWN);
      if (count > 0 && older.length) {
        out.push("How earlier turns ended (the agent's final message, shortened):", '');
        const shown = older.slice(-count);
        if (older.length > shown.length) out.push(`_(${older.length - shown.length} earlier turns not shown)_`);
        for (const t of shown) out.push(`- Turn ${t.n} (${when(t.answerAt ?? t.at)}): ${gist(t.answer ?? '', len)}`);
        out.push('');
      }
      return out.length > 2 ? out.join('\n') : '';
    },
  };
}

function planSection(d: HandoffData): Section {
  const caps = [100, 40, 15, 0];
  return {
    id: 'plan',
    title: 'Current plan',
    priority: 5,
    maxLevel: caps.length - 1,
    render(level) {
      if (!d.plan) return '';
      const p = d.plan;
      const out = [
        '## Current plan',
        '',
        `Latest plan the agent kept (turn ${p.turn}, ${when(p.at)}; updated ${p.updates}×):`,
        '',
      ];
      if (p.explanation && level < 2) out.push(gist(p.explanation, 600), '');
      const box = (s: string) => (s === 'completed' ? '[x]' : s === 'in_progress' ? '[~]' : '[ ]');
      const items = p.items.slice(0, caps[level]);
      for (const it of items) out.push(`- ${box(it.status)} ${gist(it.step, 300)} — ${it.status}`);
      if (p.items.length > items.length) {
        const done = p.items.filter((i) => i.status === 'completed').length;
        out.push(`- _(${p.items.length - items.length} more items; ${done}/${p.items.length} completed)_`);
      }
      out.push('');
      return out.join('\n');
    },
  };
}

function filesSection(d: HandoffData): Section {
  const caps = [400, 120, 40, 10, 0];
  return {
    id: 'files',
    title: 'Files changed',
    priority: 6,
    maxLevel: caps.length - 1,
    render(level) {
      if (d.files.size === 0 && d.patchCount === 0) return '';
      const files = [...d.files.values()].sort((a, b) => b.lastTurn - a.lastTurn || a.path.localeCompare(b.path));
      const out = [
        '## Files changed',
        '',
        `${plural(d.patchCount, 'patch')}${d.patchFailures ? ` (${d.patchFailures} failed)` : ''} touched ${plural(d.files.size, 'file')}${d.filesDropped ? ' (and more)' : ''} (most recent first; +added −removed lines of the patches that applied):`,
        '',
      ];
      const shown = files.slice(0, caps[level]);
      if (shown.length) {
        out.push('| file | change | lines | turns |', '|---|---|---|---|');
        for (const f of shown) {
          const kinds = [...f.kinds].join('/');
          const turns = f.firstTurn === f.lastTurn ? `${f.lastTurn}` : `${f.firstTurn}–${f.lastTurn}`;
          out.push(
            `| \`${(f.movedTo ?? f.path).replace(/\|/g, '\\|')}\` | ${kinds}${f.patches > 1 ? ` ×${f.patches}` : ''}${f.failed ? `, ${f.failed} failed` : ''} | +${f.added} −${f.removed} | ${turns} |`,
          );
        }
      }
      if (files.length > shown.length) out.push('', `_(${files.length - shown.length} more files not listed)_`);
      out.push('');
      return out.join('\n');
    },
  };
}

function cmdLine(c: CommandRecord, len: number): string {
  const status =
    c.exitCode !== undefined
      ? `exit ${c.exitCode}`
      : c.running
        ? 'still running'
        : c.done
          ? 'done'
          : 'no result recorded';
  return `\`${gist(c.command, len).replace(/`/g, "'")}\` → ${status} (turn ${c.turn}${c.at ? `, ${when(c.at)}` : ''})`;
}

function commandsSection(d: HandoffData): Section {
  // [failures with tails, recent with tails, log lines, gist length]
  const steps: [number, number, number, number][] = [
    [20, 8, 40, 200],
    [10, 5, 15, 160],
    [5, 3, 0, 120],
    [2, 1, 0, 100],
    [0, 0, 0, 80],
  ];
  return {
    id: 'commands',
    title: 'Commands run',
    priority: 8,
    maxLevel: steps.length - 1,
    render(level) {
      const c = d.commands;
      if (c.total === 0) return '';
      const [nf, nr, nl, len] = steps[level];
      const out = ['## Commands run', '', `${plural(c.total, 'command')}, ${c.failed} failed.`, ''];
      const recent = c.recent.slice(-nr);
      const recentSet = new Set(recent);
      if (nl > 0) {
        const log = c.log.filter((x) => !recentSet.has(x)).slice(-nl);
        if (log.length) {
          out.push('Earlier:', '');
          for (const x of log) out.push(`- ${cmdLine(x, len)}`);
          out.push('');
        }
      }
      const failures = c.failures.filter((x) => !recentSet.has(x)).slice(-nf);
      if (failures.length) {
        out.push('Failures:', '');
        for (const x of failures) {
          out.push(`- ${cmdLine(x, len)}`);
          if (x.tail) out.push('', indent(fence(x.tail)), '');
        }
        out.push('');
      }
      if (recent.length) {
        out.push('Last commands:', '');
        for (const x of recent) {
          out.push(`- ${cmdLine(x, len)}`);
          if (x.tail && level < 3) out.push('', indent(fence(x.tail)), '');
        }
        out.push('');
      }
      return out.join('\n');
    },
  };
}

function indent(s: string): string {
  return s
    .split('\n')
    .map((l) => (l ? `  ${l}` : l))
    .join('\n');
}

function errorsSection(d: HandoffData, t: ThreadSummary): Section {
  const caps = [20, 8, 3, 0];
  return {
    id: 'errors',
    title: 'Errors and warnings',
    priority: 7,
    maxLevel: caps.length - 1,
    render(level) {
      const counts = Object.entries(d.errorCounts);
      const m = t.metrics;
      if (!counts.length && !d.commands.failed && !d.patchFailures && !d.damagedLines && !m.contextErrors.count)
        return '';
      const out = ['## Errors and warnings', ''];
      const summary: string[] = counts.map(([k, n]) => `${n} × ${k}`);
      if (d.commands.failed) summary.push(`${plural(d.commands.failed, 'failed command')} (see Commands run)`);
      if (d.patchFailures) summary.push(`${plural(d.patchFailures, 'patch')} that did not apply`);
      if (d.damagedLines) summary.push(`${plural(d.damagedLines, 'damaged line')} in the rollout`);
      out.push(summary.join('; ') + '.', '');
      for (const e of d.errors.slice(-caps[level]))
        out.push(`- ${when(e.at)}, turn ${e.turn}, line ${e.line} — ${e.kind}: ${gist(e.message, 300)}`);
      if (caps[level] > 0) out.push('');
      return out.join('\n');
    },
  };
}

function imagesSection(d: HandoffData, t: ThreadSummary): Section {
  const caps = [40, 10, 0];
  return {
    id: 'images',
    title: 'Images',
    priority: 9,
    maxLevel: caps.length - 1,
    render(level) {
      const i = d.images;
      const m = t.metrics.images;
      if (!i.attached && !i.toolImages && !i.generated && !i.placeholders && !m.total) return '';
      const out = ['## Images', ''];
      out.push(
        `${i.attached} attached by the user, ${i.toolImages} returned by tools${i.generated ? `, ${i.generated} generated` : ''}${i.placeholders ? `, ${i.placeholders} replaced by placeholders (stripped)` : ''}. In the file: ${m.total} stored copies (${formatBytes(m.totalBytes)}), ${m.live} in the live history (${formatBytes(m.liveBytes)}).`,
      );
      if (i.archiveDirs.length)
        out.push('', `Archived copies of stripped images: ${i.archiveDirs.map((x) => `\`${x}\``).join(', ')}`);
      out.push('');
      const places = i.places.slice(-caps[level]);
      if (places.length) {
        for (const p of places)
          out.push(
            `- turn ${p.turn}, line ${p.line}${p.at ? ` (${when(p.at)})` : ''}: ${p.where}${p.path ? ` — \`${p.path}\`` : ''}${p.bytes ? `, ${formatBytes(p.bytes)}` : ''}`,
          );
        out.push('');
      }
      return out.join('\n');
    },
  };
}

const RECENT_SHOWN = 3;

function recentSection(d: HandoffData): Section {
  // [turns, request chars, answer chars]
  const steps: [number, number, number][] = [
    [RECENT_SHOWN, 4_000, 16_000],
    [RECENT_SHOWN, 2_000, 6_000],
    [2, 1_000, 2_500],
    [1, 600, 1_200],
    [1, 300, 500],
  ];
  return {
    id: 'recent',
    title: 'Last exchanges',
    priority: 3,
    maxLevel: steps.length - 1,
    render(level) {
      const [n, rq, an] = steps[level];
      const turns = d.turns.filter((t) => t.n > 0).slice(-n);
      if (!turns.length) return '';
      const out = ['## Last exchanges', ''];
      for (const t of turns) out.push(...exchange(t, rq, an, d.taskEvents));
      return out.join('\n');
    },
  };
}

function exchange(t: Turn, rq: number, an: number, taskEvents: boolean): string[] {
  const out = [
    `### Turn ${t.n} — ${when(t.at)}`,
    '',
    '**User:**',
    '',
    quote(cut(t.request, rq, t.requestTruncated)),
    '',
  ];
  if (t.answer)
    out.push(
      `**Agent** (${when(t.answerAt)}, final message of the turn${t.complete || !taskEvents ? '' : ', turn not marked complete'}):`,
      '',
      quote(cut(t.answer, an, t.answerTruncated)),
      '',
    );
  else out.push(`_No answer from the agent in this turn${t.aborted ? ` (aborted: ${t.aborted})` : ''}._`, '');
  return out;
}

function openEndsSection(d: HandoffData, thread: ThreadSummary): Section {
  return {
    id: 'open-ends',
    title: 'Where it stopped',
    priority: 2,
    maxLevel: 1,
    render(level) {
      const out = ['## Where it stopped', ''];
      const last = d.turns.filter((t) => t.n > 0).slice(-1)[0];
      if (!last) {
        out.push('No user request in the rollout.', '');
        return out.join('\n');
      }
      const answered = !!last.answer;
      out.push(`Last user request (turn ${last.n}, ${when(last.at)}): ${gist(last.request, level ? 200 : 600)}`, '');
      if (last.aborted) out.push(`- The turn was **aborted** (${last.aborted}).`);
      if (last.failed) out.push(`- The turn **failed**: ${gist(last.failed, 300)}`);
      if (answered && (last.complete || !d.taskEvents) && !last.failed)
        out.push(`- The agent answered${d.taskEvents ? ' and finished the turn' : ''} (${when(last.answerAt)}).`);
      else if (answered)
        out.push(
          `- The agent answered (${when(last.answerAt)}) but the turn was not marked complete: it may have stopped mid-way.`,
        );
      else out.push('- **The agent did not answer this request.** It is still open.');
      const errs = d.errors.filter((e) => e.turn === last.n);
      if (errs.length && !last.failed)
        out.push(`- ${errs.length} errors in this turn, last: ${gist(errs[errs.length - 1].message, 240)}`);
      for (const c of d.commands.unfinished)
        out.push(`- Command without a recorded result (interrupted?): \`${gist(c.command, 160).replace(/`/g, "'")}\``);
      if (d.plan) {
        const open = d.plan.items.filter((i) => i.status !== 'completed');
        if (open.length)
          out.push(
            `- Plan items not completed: ${open
              .slice(0, 6)
              .map((i) => gist(i.step, 100))
              .join('; ')}${open.length > 6 ? ` (+${open.length - 6} more)` : ''}`,
          );
      }
      if (thread.risk.level === 'stuck')
        out.push('- The thread is **stuck**: its last attempts failed for lack of context room (see the header).');
      out.push('');
      out.push(
        answered && (last.complete || !d.taskEvents) && !last.aborted && !last.failed
          ? 'Next: confirm the result above with the user, or continue with the open plan items.'
          : 'Next: pick up the last request above; check the workspace for partial changes first.',
      );
      out.push('');
      return out.join('\n');
    },
  };
}

// ---------------------------------------------------------------- writing

/** Folder of one thread's handoffs inside CODEX_HOME. */
export function handoffDir(codexHome: string, threadId: string): string {
  return path.join(codexHome, 'rescue', 'handoffs', threadId.replace(/[^A-Za-z0-9_.-]/g, '_'));
}

function stamp(d: Date): string {
  return d
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-');
}

/** A path in `dir` for `base` that does not exist yet (base, base-2, base-3 …). */
function freeName(dir: string, base: string, ext: string): string {
  for (let i = 1; ; i++) {
    const p = path.join(dir, `${base}${i > 1 ? `-${i}` : ''}${ext}`);
    if (!fs.existsSync(p)) return p;
  }
}

/**
 * Write `data` to a new file in the folder of `target` that did not exist before: temp file
 * beside it, then a hard link (fails if the name was taken meanwhile → next name), else a rename.
 * Returns the final path.
 */
export function writeNewFileAtomic(target: string, data: string | Buffer): string {
  const dir = path.dirname(target);
  fs.mkdirSync(dir, { recursive: true });
  const ext = path.extname(target);
  const base = path.basename(target, ext);
  const tmp = path.join(dir, `.${base}.${process.pid}.${Date.now()}.tmp`);
  fs.writeFileSync(tmp, data, { flag: 'wx' });
  try {
    for (let attempt = 0; attempt < 1000; attempt++) {
      const p = freeName(dir, base, ext);
      try {
        fs.linkSync(tmp, p);
        return p;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') continue;
        // File systems without hard links: rename (the name was free a moment ago).
        fs.renameSync(tmp, p);
        return p;
      }
    }
    throw new Error(`could not find a free file name for ${target}`);
  } finally {
    try {
      fs.unlinkSync(tmp);
    } catch {
      // already renamed
    }
  }
}

/** Replace (or create) `target` atomically: temp file beside it, then rename over it. */
export function writeFileAtomic(target: string, data: string | Buffer): void {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${Date.now()}.tmp`);
  fs.writeFileSync(tmp, data, { flag: 'wx' });
  try {
    fs.renameSync(tmp, target);
  } catch (err) {
    try {
      fs.unlinkSync(tmp);
    } catch {
      // nothing to clean
    }
    throw err;
  }
}

export interface WriteOptions extends HandoffOptions {
  /** Also write a copy here (a file path; an existing folder gets a generated name inside it). */
  out?: string;
}

/** Build and write a handoff: into CODEX_HOME/rescue/handoffs/<threadId>/<timestamp>.md (never overwriting), and to `out` if given. */
export function writeHandoff(codexHome: string, ref: string, opts: WriteOptions = {}): WriteResult {
  const f = resolve(codexHome, ref);
  const now = opts.now ?? new Date();
  const dir = handoffDir(codexHome, f.id);
  const planned = freeName(dir, stamp(now), '.md');
  let outPath: string | undefined;
  if (opts.out) {
    outPath = path.resolve(opts.out);
    if (fs.existsSync(outPath) && fs.statSync(outPath).isDirectory())
      outPath = path.join(outPath, `codex-handoff-${f.id.slice(0, 8)}-${stamp(now)}.md`);
  }
  const { data, thread } = collectThread(codexHome, f, opts);
  // The seeded-thread command points at the copy the user chose, else the one in CODEX_HOME.
  const r = renderHandoff(data, thread, { ...opts, now, handoffPath: outPath ?? planned });
  const written = writeNewFileAtomic(planned, r.markdown);
  if (written !== planned && !outPath) {
    // Someone took the planned name meanwhile: re-render so the command names the real file.
    const again = renderHandoff(data, thread, { ...opts, now, handoffPath: written });
    writeFileAtomic(written, again.markdown);
  }
  if (outPath) writeFileAtomic(outPath, r.markdown);
  return {
    path: written,
    outPath,
    threadId: thread.id,
    bytes: Buffer.byteLength(r.markdown),
    tokensEstimate: r.tokensEstimate,
    sections: r.sections,
    trimmed: r.trimmed,
    riskLevel: thread.risk.level,
  };
}

/** Handoffs already written for a thread, newest first. */
export function listHandoffs(codexHome: string, threadId: string): string[] {
  const dir = handoffDir(codexHome, threadId);
  try {
    return fs
      .readdirSync(dir)
      .filter((n) => n.endsWith('.md') && !n.startsWith('.'))
      .sort()
      .reverse()
      .map((n) => path.join(dir, n));
  } catch {
    return [];
  }
}
