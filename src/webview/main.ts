// The details panel's page script. Runs under a strict CSP (nonce, nothing remote); every string from
// a transcript goes in as text (./dom). Messages: src/protocol/panel.ts (ToWebview / FromWebview).
import type { PanelAction, PanelThread, ToWebview } from '../protocol/panel';
import { LONG_ACTIONS } from '../protocol/panel';
import { el } from './dom';
import { compositionSection, header, riskSection } from './thread';
import { contextSection } from './contextChart';
import { imageLoaded, imagesSection, observeThumbs, setImages } from './images';
import { RunState, actionsSection, renderRun } from './run';
import { post, saveState } from './vscodeApi';

const app = document.getElementById('app') as HTMLElement;
let thread: PanelThread | undefined;
let run: RunState = { state: 'idle' };

function render(): void {
  if (!thread) return;
  const focused = document.activeElement?.id;
  app.replaceChildren(
    header(thread),
    riskSection(thread),
    actionsSection(run, act),
    compositionSection(thread),
    contextSection(thread),
    imagesSection(thread.images.total > 0),
  );
  if (focused) document.getElementById(focused)?.focus();
  observeThumbs();
}

function act(action: PanelAction): void {
  if (run.state === 'running' && LONG_ACTIONS.has(action)) return;
  post({ type: 'action', action });
}

function onMessage(m: ToWebview): void {
  switch (m.type) {
    case 'thread':
      thread = m.thread;
      // The extension decides whether a run is going (after a reload, a confirm the user declined, …).
      if (!m.busy && run.state === 'running') run = { state: 'idle' };
      else if (m.busy && run.state !== 'running') run = { state: 'running', action: m.busy, done: 0, total: 0 };
      saveState({ threadId: m.thread.id, path: m.thread.path });
      render();
      return;
    case 'progress': {
      run = { state: 'running', action: m.action, done: m.done, total: m.total, phase: m.phase };
      const area = document.getElementById('run');
      if (area) renderRun(area, run);
      return;
    }
    case 'done':
      run = { state: 'done', action: m.action, summary: m.summary, report: m.report };
      render();
      return;
    case 'failed':
      run = { state: 'failed', action: m.action, error: m.error };
      render();
      return;
    case 'images':
      setImages(m.images, m.total);
      render();
      return;
    case 'image':
      imageLoaded(m.index, m.dataUrl, m.reason);
      return;
  }
}

window.addEventListener('message', (ev: MessageEvent<ToWebview>) => {
  if (ev.data && typeof ev.data === 'object') onMessage(ev.data);
});
app.replaceChildren(el('p', { class: 'muted', text: 'Loading…' }));
post({ type: 'ready' });
