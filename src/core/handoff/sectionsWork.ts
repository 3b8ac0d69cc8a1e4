// Handoff sections about the work done: files changed, commands run and how they ended, errors, images.
import { ThreadSummary } from '../scan/catalog';
import { formatBytes } from '../scan/risk';
import { CommandRecord, HandoffData } from './collect';
import { fence, gist, plural, when } from './markdown';
import { Section } from './types';

export function filesSection(d: HandoffData): Section {
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

export function commandsSection(d: HandoffData): Section {
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

export function errorsSection(d: HandoffData, t: ThreadSummary): Section {
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

export function imagesSection(d: HandoffData, t: ThreadSummary): Section {
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
        `${i.attached} attached by the user, ${i.toolImages} returned by tools${i.generated ? `, ${i.generated} generated` : ''}${i.placeholders ? `, ${i.placeholders} replaced by placeholders (stripped)` : ''}. In the file: ${m.total} stored copies (${formatBytes(m.totalBytes)}), ${m.live} in the live history (${formatBytes(t.metrics.bytes.imagesLive)}).`,
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
