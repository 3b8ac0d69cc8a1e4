// The thread's header, why it has its level, and what the file is made of.
import type { Category, PanelThread } from '../protocol/panel';
import { CATEGORY_LABELS, formatBytes, levelLabel } from '../core/util/display';
import { el, when } from './dom';

export function header(t: PanelThread): HTMLElement {
  const level = levelLabel(t.risk.level);
  const facts = [
    formatBytes(t.sizeBytes),
    t.risk.contextFill !== undefined ? `context ${Math.round(t.risk.contextFill * 100)} % full` : undefined,
    t.archived ? 'archived' : undefined,
  ].filter(Boolean);
  const row = (term: string, value: string | undefined) => [el('dt', { text: term }), el('dd', { text: value || '—' })];
  return el(
    'header',
    null,
    el('h1', { text: t.name || t.id }),
    el(
      'div',
      null,
      el('span', {
        class: `badge level-${t.risk.level}`,
        text: level,
        role: 'status',
        'aria-label': `Risk level ${level}`,
      }),
      ' ',
      el('span', { class: 'muted', text: facts.join(' · ') }),
    ),
    el(
      'dl',
      { class: 'meta' },
      ...row('Thread id', t.id),
      ...row('Workspace', t.cwd),
      ...row('Created', when(t.createdAt)),
      ...row('Last activity', when(t.updatedAt)),
      ...row('Model', t.model),
      ...row('Rollout', t.path),
    ),
  );
}

export function riskSection(t: PanelThread): HTMLElement {
  const list = el('ul', { class: 'reasons' });
  for (const r of t.risk.reasons)
    list.append(el('li', null, el('strong', { text: `${levelLabel(r.level)}: ` }), r.text));
  if (!t.risk.reasons.length) list.append(el('li', { text: 'Nothing stands out.' }));
  return el(
    'section',
    { 'aria-labelledby': 'h-risk' },
    el('h2', { id: 'h-risk', text: 'Why this level' }),
    list,
    el('div', { class: 'recommendation' }, el('strong', { text: 'Next step: ' }), t.risk.recommendation || '—'),
  );
}

export function compositionSection(t: PanelThread): HTMLElement {
  const cats = Object.keys(CATEGORY_LABELS) as Category[];
  const total = cats.reduce((s, k) => s + t.bytes[k], 0) || 1;
  const stack = el('div', { class: 'stack', role: 'img', 'aria-label': 'What the file is made of' });
  const legend = el('div', { class: 'legend' });
  for (const k of cats) {
    const v = t.bytes[k];
    if (!v) continue;
    const label = CATEGORY_LABELS[k];
    const seg = el('span', { class: `c-${k}`, title: `${label}: ${formatBytes(v)}` });
    seg.style.width = `${((v / total) * 100).toFixed(2)}%`;
    stack.append(seg);
    legend.append(
      el('span', { class: `swatch c-${k}` }),
      el('span', { text: label }),
      el('span', { class: 'num', text: formatBytes(v) }),
      el('span', { class: 'num muted', text: `${((v / total) * 100).toFixed(1)} %` }),
    );
  }
  const im = t.images;
  const facts =
    `${im.total} images in the file (${formatBytes(im.totalBytes)}), ${im.live} in the live history (${formatBytes(im.liveBytes)})` +
    `, ${im.distinct} distinct${im.maxCopies > 1 ? `, up to ${im.maxCopies} copies of one image` : ''}` +
    `; ${t.compactions} compactions; ${t.toolOutputs} tool outputs.`;
  return el(
    'section',
    { 'aria-labelledby': 'h-comp' },
    el('h2', { id: 'h-comp', text: 'What the file is made of' }),
    stack,
    legend,
    el('p', { class: 'muted', text: facts }),
  );
}
