// The details panel: one webview per thread, restored on reload by a serializer. Strict CSP with a
// nonce; the page script (src/webview, bundled to dist/webview.js) renders everything as text nodes.
// Its buttons run the same actions as the commands, through the action runner; the panel is their
// surface (progress and outcome in its run area) and owns its busy/cancel state.
import * as vscode from 'vscode';
import type { FromWebview, PanelAction, PanelState, RunReport, ThreadView, ToWebview } from '../protocol/messages';
import { LONG_ACTIONS, isFromWebview } from '../protocol/messages';
import { errorCode, errorMessage } from '../core/util/errors';
import type { Run } from './actions';
import type { Outcome, Surface } from './actionRunner';
import { WorkerClient } from './workerClient';
import { SessionStore } from './store';
import { plain } from './logic';
import { Disposable } from './disposable';
import { mayReveal, panelThread } from './panelData';
import { webviewHtml, webviewOptions } from './webviewHtml';

export const VIEW_TYPE = 'codexRescue.details';

export interface PanelDeps {
  store: SessionStore;
  worker: WorkerClient;
  /** The action runner, with this panel as the surface. */
  run(action: PanelAction, thread: ThreadView, panel: DetailsPanel): Promise<unknown>;
  /** Folders a report's paths must be inside for the panel to reveal them. */
  revealRoots(): string[];
  reveal(file: string): Promise<void>;
  copy(text: string): Promise<void>;
  /** Every message a panel posts (the extension's API passes them on). */
  onPost(threadId: string, m: ToWebview): void;
}

export class DetailsPanel extends Disposable implements Surface {
  static readonly panels = new Map<string, DetailsPanel>();
  private images: { start: number; end: number; file?: string }[] = [];
  private cancelSource: vscode.CancellationTokenSource | undefined;
  private busy: PanelAction | undefined;

  static show(ctx: vscode.ExtensionContext, thread: ThreadView, deps: PanelDeps): DetailsPanel {
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
    return webviewOptions(ctx.extensionUri);
  }

  constructor(
    private readonly ctx: vscode.ExtensionContext,
    readonly panel: vscode.WebviewPanel,
    public thread: ThreadView,
    private readonly deps: PanelDeps,
  ) {
    super();
    DetailsPanel.panels.set(thread.id, this);
    panel.webview.options = DetailsPanel.options(ctx);
    panel.title = title(thread);
    panel.iconPath = vscode.Uri.joinPath(ctx.extensionUri, 'media', 'icon.svg');
    panel.webview.html = this.html();
    this._register(panel.onDidDispose(() => this.dispose()));
    // A message's handler failing (a reveal or copy refused) is said to the user, not left unhandled.
    this._register(
      panel.webview.onDidReceiveMessage((m: unknown) =>
        this.onMessage(m).catch((err) => void vscode.window.showErrorMessage(plain(errorMessage(err)))),
      ),
    );
    this._register(
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

  private get lastReport(): RunReport | undefined {
    return this.lastOutcome?.type === 'done' ? this.lastOutcome.report : undefined;
  }

  post(m: ToWebview): void {
    if (this.isDisposed) {
      // the panel was closed mid-run: say how the run ended where the user can still see it
      if (m.type === 'done') void vscode.window.showInformationMessage(plain(m.summary));
      if (m.type === 'failed' && m.error.code === 'cancelled')
        void vscode.window.showInformationMessage(plain(m.error.message));
      else if (m.type === 'failed') void vscode.window.showErrorMessage(plain(m.error.message));
      return;
    }
    if (m.type === 'done' || m.type === 'failed') this.lastOutcome = m;
    this.deps.onPost(this.thread.id, m);
    void this.panel.webview.postMessage(m);
  }

  pushThread(): void {
    this.post({ type: 'thread', thread: panelThread(this.thread), busy: this.busy });
  }

  /** A button's action, as if the webview asked (one long action at a time). */
  async runAction(action: PanelAction): Promise<unknown> {
    if (this.busy && LONG_ACTIONS.has(action)) return undefined;
    return this.deps.run(action, this.thread, this);
  }

  async track<T>(action: string, _title: string, fn: (run: Run) => Promise<T>): Promise<T> {
    const a = action as PanelAction;
    const cts = new vscode.CancellationTokenSource();
    this.cancelSource = cts;
    this.busy = a;
    this.pushThread();
    try {
      return await fn({
        token: cts.token,
        progress: (done, total, phase) => this.post({ type: 'progress', action: a, done, total, phase }),
      });
    } finally {
      this.busy = undefined;
      this.cancelSource = undefined;
      cts.dispose();
      this.pushThread();
    }
  }

  done(action: string, out: Outcome): void {
    this.post({ type: 'done', action: action as PanelAction, summary: out.summary ?? '', report: out.report });
  }

  failed(action: string, _title: string, err: unknown): void {
    this.post({
      type: 'failed',
      action: action as PanelAction,
      error: { code: errorCode(err), message: errorMessage(err) },
    });
  }

  private async onMessage(raw: unknown): Promise<void> {
    if (!isFromWebview(raw)) return;
    const m: FromWebview = raw;
    switch (m.type) {
      case 'ready':
        this.pushThread();
        if (this.lastOutcome && !this.busy) this.post(this.lastOutcome);
        void this.loadImageList(); // it catches its own failure (an empty list) and the page shows as it loads
        return;
      case 'cancel':
        this.cancelSource?.cancel();
        return;
      case 'loadImage': {
        const ref = this.images[m.index];
        if (!ref) return;
        try {
          const codexHome = this.deps.store.codexHome;
          // A payload a repair moved to the image store is read from there; any other from its byte range.
          const r = ref.file
            ? await this.deps.worker.call('archivedThumbnail', { codexHome, file: ref.file })
            : await this.deps.worker.call('thumbnail', {
                codexHome,
                thread: this.thread.path,
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
        await this.runAction(m.action);
        return;
      case 'revealPath':
        if (mayReveal(m.path, this.lastReport, this.deps.revealRoots())) await this.deps.reveal(m.path);
        return;
      case 'copyResumeCommand': {
        const r = this.lastReport;
        if (r && r.kind !== 'handoff') await this.deps.copy(r.resumeCommand);
        return;
      }
    }
  }

  private async loadImageList(): Promise<void> {
    // Asked even with no image payload left: a repaired thread's images are listed from the image store.
    try {
      const r = await this.deps.worker.call('images', {
        codexHome: this.deps.store.codexHome,
        thread: this.thread.path,
        limit: 300,
      });
      this.images = r.images.map((i) => ({ start: i.start, end: i.end, file: i.file }));
      this.post({ type: 'images', images: r.images, total: r.total });
    } catch {
      this.post({ type: 'images', images: [], total: 0 });
    }
  }

  private html(): string {
    return webviewHtml(this.panel.webview, this.ctx.extensionUri, {
      title: 'Codex thread details',
      css: 'details.css',
      script: 'webview.js',
    });
  }

  override dispose(): void {
    if (this.isDisposed) return;
    if (DetailsPanel.panels.get(this.thread.id) === this) DetailsPanel.panels.delete(this.thread.id);
    this.cancelSource?.cancel();
    super.dispose();
  }
}

function title(t: ThreadView): string {
  const n = t.name || t.id;
  return `Codex: ${n.length > 40 ? n.slice(0, 39) + '…' : n}`;
}

export class DetailsSerializer implements vscode.WebviewPanelSerializer<PanelState> {
  constructor(
    private readonly ctx: vscode.ExtensionContext,
    private readonly deps: PanelDeps,
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
