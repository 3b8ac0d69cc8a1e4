// Context used per request over the thread's life, against the context window (an SVG line chart).
import type { PanelThread } from '../protocol/panel';
import { formatCount } from '../core/util/display';
import { el, svg } from './dom';

const W = 760;
const H = 180;
const L = 46;
const R = 10;
const T = 10;
const B = 24;

export function contextSection(t: PanelThread): HTMLElement {
  const series = t.tokens.series;
  const sec = el('section', { 'aria-labelledby': 'h-ctx' }, el('h2', { id: 'h-ctx', text: 'Context usage over time' }));
  if (!series.length) {
    sec.append(el('p', { class: 'muted', text: 'No token_count events in this thread.' }));
    return sec;
  }
  const win = Math.max(...series.map((s) => s.window ?? 0), t.tokens.window ?? 0);
  const max = Math.max(win, ...series.map((s) => s.used)) || 1;
  const x = (i: number) => L + (series.length === 1 ? (W - L - R) / 2 : (i / (series.length - 1)) * (W - L - R));
  const y = (v: number) => T + (1 - v / max) * (H - T - B);
  const last = series[series.length - 1];
  const chart = svg('svg', {
    class: 'chart',
    viewBox: `0 0 ${W} ${H}`,
    role: 'img',
    'aria-label': `Context used per request, ${series.length} samples, last ${formatCount(last.used)} tokens${win ? ` of ${formatCount(win)}` : ''}`,
  });
  chart.append(
    svg('line', { class: 'axis', x1: L, y1: H - B, x2: W - R, y2: H - B }),
    svg('line', { class: 'axis', x1: L, y1: T, x2: L, y2: H - B }),
  );
  if (win) {
    chart.append(
      svg('line', { class: 'limit', x1: L, y1: y(win), x2: W - R, y2: y(win) }),
      // above the limit line, or below it when the line runs along the top
      svg(
        'text',
        { x: W - R - 4, y: y(win) > T + 12 ? y(win) - 3 : y(win) + 12, 'text-anchor': 'end' },
        `window ${formatCount(win)}`,
      ),
    );
  }
  const pts = series.map((s, i) => `${x(i).toFixed(1)},${y(s.used).toFixed(1)}`).join(' ');
  chart.append(
    svg('polygon', { class: 'area', points: `${x(0)},${H - B} ${pts} ${x(series.length - 1)},${H - B}` }),
    svg('polyline', { class: 'line', points: pts }),
  );
  series.forEach((s, i) => {
    if (s.window && s.used >= s.window) chart.append(svg('circle', { class: 'dot', cx: x(i), cy: y(s.used), r: 3 }));
  });
  for (const frac of [0, 0.5, 1])
    chart.append(
      svg('text', { x: L - 4, y: y(max * frac) + 3, 'text-anchor': 'end' }, `${Math.round((max * frac) / 1000)}k`),
    );
  chart.append(
    svg('text', { x: L, y: H - 6 }, series[0].at ? new Date(series[0].at).toLocaleDateString() : ''),
    svg('text', { x: W - R, y: H - 6, 'text-anchor': 'end' }, last.at ? new Date(last.at).toLocaleString() : ''),
  );
  sec.append(chart);
  return sec;
}
