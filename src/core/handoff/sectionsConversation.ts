// Handoff sections about the conversation: header and how to continue, goal, history, decisions, plan,
// the last exchanges, open ends.
import { ThreadSummary } from '../scan/catalog';
import { formatBytes, formatCount, resumeCommand } from '../util/display';
import { shellQuote } from '../util/shellQuote';
import { HandoffData, Turn } from './collect';
import { cut, fence, gist, plural, quote, when } from './markdown';
import { Section } from './types';

export function headerSection(d: HandoffData, t: ThreadSummary, now: Date, handoffPath: string | undefined): Section {
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
      const cd = t.cwd ? `cd ${shellQuote(t.cwd)} && ` : '';
      const file = handoffPath ? shellQuote(handoffPath) : '<this-file.md>';
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
            `${cd}${resumeCommand(t.id)}\n# or, non-interactively:\n${cd}codex exec resume ${t.id} "Continue from where you stopped."`,
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

export function goalSection(d: HandoffData): Section {
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

export function historySection(d: HandoffData): Section {
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

export function decidedSection(d: HandoffData): Section {
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

export function planSection(d: HandoffData): Section {
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

const RECENT_SHOWN = 3;

export function recentSection(d: HandoffData): Section {
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

export function openEndsSection(d: HandoffData, thread: ThreadSummary): Section {
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
