// The details panel: one webview per thread, restored on reload by a serializer. Strict CSP with a
// nonce; the page script (media/details.js) renders everything with textContent (never innerHTML of data).
import * as crypto from 'node:crypto';
import * as vscode from 'vscode';
import type { FromWebview, PanelAction, PanelState, ThreadView, ToWebview } from '../protocol/messages';
import { isFromWebview } from '../protocol/messages';
import { WorkerClient } from './workerClient';
import { SessionStore } from './store';
import { plain } from './logic';

export const VIEW_TYPE = 'codexRescue.details';

export type ActionRunner = (action: PanelAction, thread: ThreadView, panel: DetailsPanel) => Promise<void>;

export class DetailsPanel implements vscode.Disposable {
  static readonly panels = new Map<string, DetailsPanel>();
  private readonly subs: vscode.Disposable[] = [];
  private images: { start: number; end: number }[] = [];
  cancelSource: vscode.CancellationTokenSource | undefined;
  busy: PanelAction | undefined;
  /** Last messages posted (tests read them). */
  readonly posted: ToWebview[] = [];

  static show(
    ctx: vscode.ExtensionContext,
    thread: ThreadView,
    deps: { store: SessionStore; worker: WorkerClient; run: ActionRunner },
  ): DetailsPanel {
    const existing = DetailsPanel.panels.get(thread.id);
    if (existing) {
      existing.panel.reveal();
      existing.thread = thread;
      existing.pushThread();
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(
      VIEW_TYPE,
      title(thread),
      vscode.ViewColumn.Active,
      DetailsPanel.options(ctx),
    );
    return new DetailsPanel(ctx, panel, thread, deps);
  }

  static options(ctx: vscode.ExtensionContext): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(ctx.extensionUri, 'media')],
      enableFindWidget: true,
    };
  }

  constructor(
    private readonly ctx: vscode.ExtensionContext,
    readonly panel: vscode.WebviewPanel,
    public thread: ThreadView,
    private readonly deps: { store: SessionStore; worker: WorkerClient; run: ActionRunner },
  ) {
    DetailsPanel.panels.set(thread.id, this);
    panel.webview.options = DetailsPanel.options(ctx);
    panel.title = title(thread);
    panel.iconPath = vscode.Uri.joinPath(ctx.extensionUri, 'media', 'icon.svg');
    panel.webview.html = this.html();
    this.subs.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m: unknown) => void this.onMessage(m)),
      deps.store.onDidChange(() => {
        const t = deps.store.find(this.thread.id);
        if (
          t &&
          (t.sizeBytes !== this.thread.sizeBytes ||
            t.mtimeMs !== this.thread.mtimeMs ||
            t.risk.level !== this.thread.risk.level)
        ) {
          this.thread = t;
          this.panel.title = title(t);
          this.pushThread();
        }
      }),
    );
  }

  /** The last run's outcome, replayed when the webview is re-created (hidden panels are not kept alive). */
  private lastOutcome: ToWebview | undefined;
  private disposed = false;

  post(m: ToWebview): void {
    if (this.disposed) {
      // the panel was closed mid-run: say how the run ended where the user can still see it
      if (m.type === 'done') void vscode.window.showInformationMessage(plain(m.summary));
      if (m.type === 'failed') void vscode.window.showErrorMessage(plain(m.message));
      return;
    }
    if (m.type === 'done' || m.type === 'failed') this.lastOutcome = m;
    this.posted.push(m);
    if (this.posted.length > 200) this.posted.splice(0, 100);
    void this.panel.webview.postMessage(m);
  }

  pushThread(): void {
    this.post({ type: 'thread', thread: this.thread, busy: this.busy });
    const state: PanelState = { threadId: this.thread.id, path: this.thread.path };
    void state;
  }

  private async onMessage(raw: unknown): Promise<void> {
    if (!isFromWebview(raw)) return;
    const m: FromWebview = raw;
    switch (m.type) {
      case 'ready':
        this.pushThread();
        if (this.lastOutcome && !this.busy) this.post(this.lastOutcome);
        void this.loadImageList();
        return;
      case 'cancel':
        this.cancelSource?.cancel();
        return;
      case 'loadImage': {
        const ref = this.images[m.index];
        if (!ref) return;
        try {
          const r = await this.deps.worker.call('thumbnail', {
            path: this.thread.path,
            start: ref.start,
            end: ref.end,
          });
          this.post({ type: 'image', index: m.index, dataUrl: r.dataUrl, reason: r.reason });
        } catch (err) {
          this.post({ type: 'image', index: m.index, reason: (err as Error).message });
        }
        return;
      }
      case 'action':
        if (this.busy && m.action !== 'openRollout' && m.action !== 'copyResume') return;
        await this.deps.run(m.action, this.thread, this);
        return;
    }
  }

  private async loadImageList(): Promise<void> {
    if (!this.thread.metrics.images.total) {
      this.post({ type: 'images', images: [], total: 0 });
      return;
    }
    try {
      const r = await this.deps.worker.call('images', { path: this.thread.path, limit: 300 });
      this.images = r.images.map((i) => ({ start: i.start, end: i.end }));
      this.post({ type: 'images', images: r.images, total: r.total });
    } catch (err) {
      this.post({ type: 'images', images: [], total: 0 });
      void err;
    }
  }

  private html(): string {
    const w = this.panel.webview;
    const nonce = crypto.randomBytes(16).toString('base64');
    const media = (f: string) => w.asWebviewUri(vscode.Uri.joinPath(this.ctx.extensionUri, 'media', f)).toString();
    const csp = [
      "default-src 'none'",
      `img-src ${w.cspSource} data:`,
      `style-src ${w.cspSource}`,
      `font-src ${w.cspSource}`,
      `script-src 'nonce-${nonce}'`,
    ].join('; ');
    const state = JSON.stringify({ threadId: this.thread.id, path: this.thread.path } satisfies PanelState).replace(
      /</g,
      '\\u003c',
    );
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${media('details.css')}">
<title>Codex thread details</title>
</head>
<body>
<main id="app" aria-live="polite"><p class="muted">Loading…</p></main>
<script nonce="${nonce}" id="initial-state" type="application/json">${state}</script>
<script nonce="${nonce}" src="${media('details.js')}"></script>
</body>
</html>`;
  }

  dispose(): void {
    this.disposed = true;
    DetailsPanel.panels.delete(this.thread.id);
    this.cancelSource?.cancel();
    for (const s of this.subs) s.dispose();
    this.subs.length = 0;
  }
}

function title(t: ThreadView): string {
  const n = t.name || t.id;
  return `Codex: ${n.length > 40 ? n.slice(0, 39) + '…' : n}`;
}

export class DetailsSerializer implements vscode.WebviewPanelSerializer<PanelState> {
  constructor(
    private readonly ctx: vscode.ExtensionContext,
    private readonly deps: { store: SessionStore; worker: WorkerClient; run: ActionRunner },
  ) {}

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: PanelState | undefined): Promise<void> {
    if (!this.deps.store.result) await this.deps.store.refresh().catch(() => undefined);
    const t = state?.threadId
      ? (this.deps.store.find(state.threadId) ?? (state.path ? this.deps.store.find(state.path) : undefined))
      : undefined;
    if (!t) {
      panel.webview.html = '<!DOCTYPE html><html><body><p>This Codex thread is no longer on disk.</p></body></html>';
      return;
    }
    new DetailsPanel(this.ctx, panel, t, this.deps);
  }
}
