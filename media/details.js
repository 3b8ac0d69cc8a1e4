// Details panel script. Runs under a strict CSP (nonce, no inline handlers, nothing remote).
// Every string from a transcript goes into the page through textContent / setAttribute — never markup.
// Messages: src/protocol/messages.ts (ToWebview / FromWebview).
(function () {
  'use strict';
  const vscode = acquireVsCodeApi();
  const initial = JSON.parse(document.getElementById('initial-state').textContent || '{}');
  vscode.setState(Object.assign({}, vscode.getState() || {}, initial));

  const app = document.getElementById('app');
  let thread;
  let busy;
  let images = [];
  let imagesTotal = 0;
  let lastRun;

  const CATS = [
    ['imagesLive', 'Images the next request carries'],
    ['imagesDead', 'Images only in old history'],
    ['imagesUi', 'Image copies in UI events'],
    ['toolOutput', 'Tool outputs'],
    ['compaction', 'Compaction snapshots'],
    ['reasoning', 'Reasoning'],
    ['messages', 'Messages'],
    ['events', 'Events'],
    ['other', 'Other'],
  ];
  const ACTIONS = [
    ['preview', 'Preview repair', 'Dry run: see what would change as a diff'],
    ['handoff', 'Write handoff', 'Write a Markdown handoff from the rollout'],
    ['repairInPlace', 'Repair in place', 'Backup, strip images, verify, swap'],
    ['repairFork', 'Repair as fork', 'Write a repaired copy as a new thread'],
    ['restore', 'Restore backup', 'Bring back the original from its backup'],
    ['openRollout', 'Open rollout', 'Show where the rollout file is'],
    ['copyResume', 'Copy resume command', 'Copy `codex resume <id>`'],
  ];
  const LONG = new Set(['preview', 'handoff', 'repairInPlace', 'repairFork', 'restore']);

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    if (attrs)
      for (const [k, v] of Object.entries(attrs)) {
        if (v === undefined || v === null || v === false) continue;
        if (k === 'class') e.className = v;
        else if (k === 'text') e.textContent = v;
        else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
        else e.setAttribute(k, String(v));
      }
    for (const c of children)
      if (c !== undefined && c !== null) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return e;
  }
  const SVG = 'http://www.w3.org/2000/svg';
  function svg(tag, attrs) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    return e;
  }
  function bytes(n) {
    if (!Number.isFinite(n)) return '?';
    if (n < 1024) return n + ' B';
    const u = ['KB', 'MB', 'GB', 'TB'];
    let v = n / 1024,
      i = 0;
    while (v >= 1024 && i < u.length - 1) {
      v /= 1024;
      i++;
    }
    return (v >= 100 ? v.toFixed(0) : v.toFixed(1)) + ' ' + u[i];
  }
  function when(s) {
    if (!s) return '—';
    const d = new Date(s);
    return isNaN(d.getTime()) ? String(s) : d.toLocaleString();
  }
  function levelName(l) {
    return l === 'ok' ? 'OK' : l.charAt(0).toUpperCase() + l.slice(1);
  }

  function header(t) {
    return el(
      'header',
      null,
      el('h1', { text: t.name || t.id }),
      el(
        'div',
        null,
        el('span', {
          class: 'badge level-' + t.risk.level,
          text: levelName(t.risk.level),
          role: 'status',
          'aria-label': 'Risk level ' + levelName(t.risk.level),
        }),
        ' ',
        el('span', {
          class: 'muted',
          text:
            bytes(t.sizeBytes) +
            (t.risk.contextFill !== undefined ? ' · context ' + Math.round(t.risk.contextFill * 100) + ' % full' : '') +
            (t.archived ? ' · archived' : ''),
        }),
      ),
      el(
        'dl',
        { class: 'meta' },
        el('dt', { text: 'Thread id' }),
        el('dd', { text: t.id }),
        el('dt', { text: 'Workspace' }),
        el('dd', { text: t.cwd || '—' }),
        el('dt', { text: 'Created' }),
        el('dd', { text: when(t.createdAt) }),
        el('dt', { text: 'Last activity' }),
        el('dd', { text: when(t.updatedAt) }),
        el('dt', { text: 'Model' }),
        el('dd', { text: t.model || '—' }),
        el('dt', { text: 'Rollout' }),
        el('dd', { text: t.path }),
      ),
    );
  }

  function riskSection(t) {
    const list = el('ul', { class: 'reasons' });
    for (const r of t.risk.reasons)
      list.append(el('li', null, el('strong', { text: levelName(r.level) + ': ' }), r.text));
    if (!t.risk.reasons.length) list.append(el('li', { text: 'Nothing stands out.' }));
    return el(
      'section',
      { 'aria-labelledby': 'h-risk' },
      el('h2', { id: 'h-risk', text: 'Why this level' }),
      list,
      el('div', { class: 'recommendation' }, el('strong', { text: 'Next step: ' }), t.risk.recommendation || '—'),
    );
  }

  function actionsSection() {
    const row = el('div', { class: 'actions', role: 'toolbar', 'aria-label': 'Actions' });
    ACTIONS.forEach(([id, label, title], i) => {
      const b = el('button', {
        id: 'action-' + id,
        class: i === 0 ? '' : 'secondary',
        title,
        'data-action': id,
        text: label,
        onclick: () => act(id),
      });
      if (busy && LONG.has(id)) b.disabled = true;
      row.append(b);
    });
    const run = el('div', { class: 'run', id: 'run', hidden: !busy && !lastRun, 'aria-live': 'polite' });
    renderRun(run);
    return el('section', { 'aria-labelledby': 'h-actions' }, el('h2', { id: 'h-actions', text: 'Actions' }), row, run);
  }

  function renderRun(run) {
    run.replaceChildren();
    run.classList.remove('failed');
    if (busy) {
      const p = lastRun && lastRun.action === busy && lastRun.progress ? lastRun.progress : { done: 0, total: 0 };
      const pct = p.total ? Math.min(100, Math.round((p.done / p.total) * 100)) : 0;
      const bar = el('div', {
        class: 'bar',
        role: 'progressbar',
        'aria-valuemin': 0,
        'aria-valuemax': 100,
        'aria-valuenow': pct,
      });
      bar.style.width = pct + '%';
      run.append(
        el('div', { id: 'run-status', text: labelOf(busy) + ' — ' + (p.phase ? p.phase + ': ' : '') + pct + ' %' }),
        el('div', { class: 'track' }, bar),
        el('button', {
          id: 'cancel',
          class: 'secondary',
          text: 'Cancel',
          onclick: () => vscode.postMessage({ type: 'cancel' }),
        }),
      );
      run.hidden = false;
    } else if (lastRun && lastRun.final) {
      if (lastRun.final.failed) run.classList.add('failed');
      run.append(
        el('div', {
          id: 'run-status',
          text: labelOf(lastRun.action) + (lastRun.final.failed ? ' — failed' : ' — done'),
        }),
        el('p', { id: 'run-summary', text: lastRun.final.text }),
      );
      if (lastRun.final.report)
        run.append(
          el('pre', { class: 'report', id: 'run-report', text: JSON.stringify(lastRun.final.report, null, 2) }),
        );
      run.hidden = false;
    } else run.hidden = true;
  }
  function labelOf(id) {
    const a = ACTIONS.find((x) => x[0] === id);
    return a ? a[1] : id;
  }

  function compositionSection(t) {
    const b = t.metrics.bytes || {};
    const total = CATS.reduce((s, [k]) => s + (b[k] || 0), 0) || 1;
    const stack = el('div', { class: 'stack', role: 'img', 'aria-label': 'What the file is made of' });
    const legend = el('div', { class: 'legend' });
    for (const [k, label] of CATS) {
      const v = b[k] || 0;
      if (!v) continue;
      const seg = el('span', { class: 'c-' + k, title: label + ': ' + bytes(v) });
      seg.style.width = ((v / total) * 100).toFixed(2) + '%';
      stack.append(seg);
      legend.append(
        el('span', { class: 'swatch c-' + k }),
        el('span', { text: label }),
        el('span', { class: 'num', text: bytes(v) }),
        el('span', { class: 'num muted', text: ((v / total) * 100).toFixed(1) + ' %' }),
      );
    }
    const im = t.metrics.images || {};
    const facts = el('p', {
      class: 'muted',
      text:
        (im.total || 0) +
        ' images in the file (' +
        bytes(im.totalBytes || 0) +
        '), ' +
        (im.live || 0) +
        ' in the live history (' +
        bytes(im.liveBytes || 0) +
        ')' +
        (im.distinct !== undefined ? ', ' + im.distinct + ' distinct' : '') +
        (im.maxCopies > 1 ? ', up to ' + im.maxCopies + ' copies of one image' : '') +
        '; ' +
        ((t.metrics.compactions && t.metrics.compactions.count) || 0) +
        ' compactions; ' +
        ((t.metrics.toolOutputs && t.metrics.toolOutputs.count) || 0) +
        ' tool outputs.',
    });
    return el(
      'section',
      { 'aria-labelledby': 'h-comp' },
      el('h2', { id: 'h-comp', text: 'What the file is made of' }),
      stack,
      legend,
      facts,
    );
  }

  function contextSection(t) {
    const series = (t.metrics.tokens && t.metrics.tokens.series) || [];
    const sec = el(
      'section',
      { 'aria-labelledby': 'h-ctx' },
      el('h2', { id: 'h-ctx', text: 'Context usage over time' }),
    );
    if (!series.length) {
      sec.append(el('p', { class: 'muted', text: 'No token_count events in this thread.' }));
      return sec;
    }
    const W = 760,
      H = 180,
      L = 46,
      R = 10,
      T = 10,
      B = 24;
    const win = Math.max(...series.map((s) => s.window || 0), t.metrics.tokens.window || 0);
    const max = Math.max(win, ...series.map((s) => s.used)) || 1;
    const x = (i) => L + (series.length === 1 ? (W - L - R) / 2 : (i / (series.length - 1)) * (W - L - R));
    const y = (v) => T + (1 - v / max) * (H - T - B);
    const chart = svg('svg', {
      class: 'chart',
      viewBox: `0 0 ${W} ${H}`,
      role: 'img',
      'aria-label':
        'Context used per request, ' +
        series.length +
        ' samples, last ' +
        series[series.length - 1].used +
        ' tokens' +
        (win ? ' of ' + win : ''),
    });
    chart.append(
      svg('line', { class: 'axis', x1: L, y1: H - B, x2: W - R, y2: H - B }),
      svg('line', { class: 'axis', x1: L, y1: T, x2: L, y2: H - B }),
    );
    if (win) {
      chart.append(svg('line', { class: 'limit', x1: L, y1: y(win), x2: W - R, y2: y(win) }));
      const lt = svg('text', { x: W - R - 4, y: y(win) - 3, 'text-anchor': 'end' });
      lt.textContent = 'window ' + win.toLocaleString();
      chart.append(lt);
    }
    const pts = series.map((s, i) => x(i).toFixed(1) + ',' + y(s.used).toFixed(1));
    chart.append(
      svg('polygon', { class: 'area', points: `${x(0)},${H - B} ${pts.join(' ')} ${x(series.length - 1)},${H - B}` }),
    );
    chart.append(svg('polyline', { class: 'line', points: pts.join(' ') }));
    series.forEach((s, i) => {
      if (s.window && s.used >= s.window) chart.append(svg('circle', { class: 'dot', cx: x(i), cy: y(s.used), r: 3 }));
    });
    for (const frac of [0, 0.5, 1]) {
      const tx = svg('text', { x: L - 4, y: y(max * frac) + 3, 'text-anchor': 'end' });
      tx.textContent = Math.round((max * frac) / 1000) + 'k';
      chart.append(tx);
    }
    const first = svg('text', { x: L, y: H - 6 });
    first.textContent = series[0].at ? new Date(series[0].at).toLocaleDateString() : '';
    const last = svg('text', { x: W - R, y: H - 6, 'text-anchor': 'end' });
    last.textContent = series[series.length - 1].at ? new Date(series[series.length - 1].at).toLocaleString() : '';
    chart.append(first, last);
    sec.append(chart);
    return sec;
  }

  function imagesSection() {
    const sec = el('section', { 'aria-labelledby': 'h-img' }, el('h2', { id: 'h-img', text: 'Images in the thread' }));
    if (!images.length) {
      sec.append(
        el('p', {
          class: 'muted',
          text: thread && thread.metrics.images.total ? 'Listing images…' : 'No embedded images.',
        }),
      );
      return sec;
    }
    if (imagesTotal > images.length)
      sec.append(el('p', { class: 'muted', text: 'Showing the first ' + images.length + ' of ' + imagesTotal + '.' }));
    const grid = el('div', { class: 'images' });
    for (const im of images) {
      const frame = el('div', { class: 'frame', id: 'frame-' + im.index });
      if (im.dataUrl)
        frame.append(el('img', { src: im.dataUrl, alt: 'Image ' + (im.index + 1) + ' (line ' + im.line + ')' }));
      else if (im.reason) frame.append(el('span', { class: 'muted', text: im.reason }));
      else
        frame.append(
          el('button', {
            class: 'secondary',
            text: 'Show',
            'aria-label': 'Show image ' + (im.index + 1),
            onclick: () => loadImage(im.index),
          }),
        );
      grid.append(
        el(
          'div',
          { class: 'thumb' },
          frame,
          el('div', { text: '#' + (im.index + 1) + ' · line ' + im.line }),
          el('div', {
            class: 'muted',
            text: im.mediaType + (im.width ? ' ' + im.width + '×' + im.height : '') + ' · ' + bytes(im.storedBytes),
          }),
          el('div', { class: 'muted', text: im.where }),
        ),
      );
    }
    sec.append(grid);
    return sec;
  }

  // Lazy thumbnails: only images scrolled into view are requested, one at a time.
  const queue = [];
  let loading = false;
  function loadImage(index) {
    const im = images.find((i) => i.index === index);
    if (!im || im.dataUrl || im.requested) return;
    im.requested = true;
    queue.push(index);
    pump();
  }
  function pump() {
    if (loading || !queue.length) return;
    loading = true;
    vscode.postMessage({ type: 'loadImage', index: queue.shift() });
  }
  let observer;
  function observeThumbs() {
    if (observer) observer.disconnect();
    if (!('IntersectionObserver' in window)) return;
    observer = new IntersectionObserver(
      (entries) => {
        for (const e of entries) if (e.isIntersecting) loadImage(Number(e.target.id.slice(6)));
      },
      { rootMargin: '100px' },
    );
    document.querySelectorAll('.frame').forEach((f) => observer.observe(f));
  }

  function render() {
    if (!thread) return;
    const focused = document.activeElement && document.activeElement.id;
    app.replaceChildren(
      header(thread),
      riskSection(thread),
      actionsSection(),
      compositionSection(thread),
      contextSection(thread),
      imagesSection(),
    );
    if (focused) {
      const f = document.getElementById(focused);
      if (f) f.focus();
    }
    observeThumbs();
  }

  function act(action) {
    if (busy && LONG.has(action)) return;
    if (LONG.has(action)) lastRun = { action, progress: { done: 0, total: 0 } };
    vscode.postMessage({ type: 'action', action });
  }

  window.addEventListener('message', (ev) => {
    const m = ev.data;
    if (!m || typeof m !== 'object') return;
    switch (m.type) {
      case 'thread':
        thread = m.thread;
        busy = m.busy;
        vscode.setState({ threadId: thread.id, path: thread.path });
        render();
        break;
      case 'progress': {
        if (!lastRun || lastRun.action !== m.action) lastRun = { action: m.action };
        lastRun.progress = { done: m.done, total: m.total, phase: m.phase };
        busy = m.action;
        const run = document.getElementById('run');
        if (run) renderRun(run);
        break;
      }
      case 'done':
      case 'failed':
        lastRun = {
          action: m.action,
          final: { failed: m.type === 'failed', text: m.type === 'done' ? m.summary : m.message, report: m.report },
        };
        busy = undefined;
        render();
        break;
      case 'images':
        images = m.images.map((i) => Object.assign({}, i));
        imagesTotal = m.total;
        render();
        break;
      case 'image': {
        loading = false;
        const im = images.find((i) => i.index === m.index);
        if (im) {
          im.dataUrl = typeof m.dataUrl === 'string' && m.dataUrl.startsWith('data:image/') ? m.dataUrl : undefined;
          im.reason = m.reason;
          const frame = document.getElementById('frame-' + m.index);
          if (frame) {
            frame.replaceChildren(
              im.dataUrl
                ? el('img', { src: im.dataUrl, alt: 'Image ' + (im.index + 1) + ' (line ' + im.line + ')' })
                : el('span', { class: 'muted', text: im.reason || 'unavailable' }),
            );
          }
        }
        pump();
        break;
      }
    }
  });
  vscode.postMessage({ type: 'ready' });
})();
