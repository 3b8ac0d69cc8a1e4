// The actions row and the run area under it: progress with Cancel while a run goes, then its outcome
// as a readable summary (a cancelled run says nothing was changed; it is not a failure).
import type { ErrorView, PanelAction, RunReport } from '../protocol/panel';
import { LONG_ACTIONS, PANEL_ACTIONS } from '../protocol/panel';
import { formatBytes, formatCount } from '../core/util/display';
import { el } from './dom';
import { post } from './vscodeApi';

export type RunState =
  | { state: 'idle' }
  | { state: 'running'; action: PanelAction; done: number; total: number; phase?: string }
  | { state: 'done'; action: PanelAction; summary: string; report?: RunReport }
  | { state: 'failed'; action: PanelAction; error: ErrorView };

function labelOf(a: PanelAction): string {
  return PANEL_ACTIONS.find((x) => x.id === a)?.label ?? a;
}

export function actionsSection(run: RunState, act: (a: PanelAction) => void): HTMLElement {
  const busy = run.state === 'running';
  const row = el('div', { class: 'actions', role: 'toolbar', 'aria-label': 'Actions' });
  PANEL_ACTIONS.forEach(({ id, label, title }, i) =>
    row.append(
      el('button', {
        id: `action-${id}`,
        class: i === 0 ? undefined : 'secondary',
        title,
        'data-action': id,
        text: label,
        disabled: busy && LONG_ACTIONS.has(id),
        onclick: () => act(id),
      }),
    ),
  );
  const area = el('div', { class: 'run', id: 'run', 'aria-live': 'polite' });
  renderRun(area, run);
  return el('section', { 'aria-labelledby': 'h-actions' }, el('h2', { id: 'h-actions', text: 'Actions' }), row, area);
}

export function renderRun(area: HTMLElement, run: RunState): void {
  area.replaceChildren();
  area.className = 'run';
  area.hidden = run.state === 'idle';
  if (run.state === 'running') {
    const pct = run.total ? Math.min(100, Math.round((run.done / run.total) * 100)) : 0;
    const bar = el('div', {
      class: 'bar',
      role: 'progressbar',
      'aria-valuemin': 0,
      'aria-valuemax': 100,
      'aria-valuenow': pct,
    });
    bar.style.width = `${pct}%`;
    area.append(
      el('div', { id: 'run-status', text: `${labelOf(run.action)} — ${run.phase ? `${run.phase}: ` : ''}${pct} %` }),
      el('div', { class: 'track' }, bar),
      el('button', { id: 'cancel', class: 'secondary', text: 'Cancel', onclick: () => post({ type: 'cancel' }) }),
    );
  } else if (run.state === 'failed' && run.error.code === 'cancelled') {
    area.classList.add('cancelled');
    area.append(
      el('div', { id: 'run-status', text: `${labelOf(run.action)} — cancelled` }),
      el('p', { id: 'run-summary', text: 'Cancelled — nothing was changed.' }),
    );
  } else if (run.state === 'failed') {
    area.classList.add('failed');
    area.append(
      el('div', { id: 'run-status', text: `${labelOf(run.action)} — failed` }),
      el('p', { id: 'run-summary', text: run.error.message }),
    );
  } else if (run.state === 'done') {
    area.append(
      el('div', { id: 'run-status', text: `${labelOf(run.action)} — done` }),
      el('p', { id: 'run-summary', text: run.summary }),
    );
    if (run.report) area.append(reportView(run.report));
  }
}

function pathRow(file: string, label: string): HTMLElement {
  return el(
    'span',
    { class: 'path-row' },
    el('code', { text: file }),
    el('button', { class: 'secondary small', text: label, onclick: () => post({ type: 'revealPath', path: file }) }),
  );
}

function resumeRow(cmd: string): HTMLElement {
  return el(
    'span',
    { class: 'path-row' },
    el('code', { text: cmd }),
    el('button', { class: 'secondary small', text: 'Copy', onclick: () => post({ type: 'copyResumeCommand' }) }),
  );
}

/** A run's report as label / value rows. */
function reportView(r: RunReport): HTMLElement {
  const rows: [string, string | HTMLElement][] = [];
  if (r.kind === 'repair') {
    const pct = r.bytesBefore ? Math.round((1 - r.bytesAfter / r.bytesBefore) * 100) : 0;
    rows.push(['Size', `${formatBytes(r.bytesBefore)} → ${formatBytes(r.bytesAfter)} (${pct} % smaller)`]);
    rows.push([
      'Images',
      `${r.imagesReplaced} replaced (${formatBytes(r.imageBytesRemoved)}), ${r.imagesKept} kept, ${r.imagesArchived} archived`,
    ]);
    rows.push(['Tool outputs', `${r.toolOutputsCapped} capped (${formatBytes(r.toolOutputBytesRemoved)} cut)`]);
    if (r.brokenImagesFixed)
      rows.push(['Broken images', `${r.brokenImagesFixed} references with an invalid URL turned into text notes`]);
    if (r.ordinalsRenumbered)
      rows.push([
        'Ordinals',
        `${r.ordinalsRenumbered} records numbered again, so they run 0, 1, 2, … as Codex expects`,
      ]);
    if (r.embeddedImagesRemoved)
      rows.push([
        'Hidden images',
        `${r.embeddedImagesRemoved} base64 runs cut out of text (${formatBytes(r.embeddedBytesRemoved)})`,
      ]);
    const p = r.independentlyParsed;
    const second = p.jsonParse + p.streaming;
    rows.push([
      'Verified',
      `${formatCount(r.linesVerified)} lines, ${r.jsonErrors} JSON errors; ${formatCount(second)} edited lines re-parsed independently${p.streaming ? ` (${p.streaming} by the streaming parser)` : ''}`,
    ]);
    if (r.backupPath) rows.push(['Backup', pathRow(r.backupPath, 'Reveal')]);
    if (r.archiveDir) rows.push(['Archived images', pathRow(r.archiveDir, 'Reveal')]);
    if (r.newThreadId) rows.push(['New thread', r.newThreadId]);
    if (r.mode !== 'dry-run') rows.push(['Resume', resumeRow(r.resumeCommand)]);
  } else if (r.kind === 'restore') {
    rows.push(['Restored', `${r.restoredPath} (${formatBytes(r.bytes)})`]);
    rows.push(['From backup', pathRow(r.fromBackup, 'Reveal')]);
    if (r.savedCurrentAs) rows.push(['Replaced version saved as', pathRow(r.savedCurrentAs, 'Reveal')]);
    rows.push(['Resume', resumeRow(r.resumeCommand)]);
  } else {
    rows.push(['Handoff', pathRow(r.path, 'Reveal')]);
    if (r.copy) rows.push(['Copy', pathRow(r.copy, 'Reveal')]);
    rows.push(['Size', `${formatBytes(r.bytes)}, ~${formatCount(r.tokensEstimate)} tokens`]);
    if (r.trimmed.length) rows.push(['Shortened to fit', r.trimmed.join(', ')]);
  }
  const dl = el('dl', { class: 'report', id: 'run-report' });
  for (const [k, v] of rows) dl.append(el('dt', { text: k }), el('dd', null, v));
  return dl;
}
