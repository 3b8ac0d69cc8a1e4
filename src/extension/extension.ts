// Extension entry point: wires the worker, the session store (scan + watcher), the Sessions tree,
// the status bar, commands, the details panel and the repair preview documents. Activation only
// creates objects; the first scan runs in the worker after activation returns.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ThreadView, ToWebview } from '../protocol/messages';
import { WorkerClient } from './workerClient';
import { SessionStore } from './store';
import { SessionNode, SessionsTreeProvider } from './sessionsTree';
import { StatusBarController } from './statusBar';
import { Actions } from './actions';
import { ActionRunner } from './actionRunner';
import { actionTable } from './actionTable';
import { ProjectionProvider, SCHEME } from './diffPreview';
import { CommandHandlers, revealFile } from './commands';
import { COMMANDS } from './commandIds';
import { DetailsPanel, DetailsSerializer, PanelDeps, VIEW_TYPE } from './detailsPanel';
import { readSettings } from './settings';
import { Ui, WindowUi } from './ui';
import { registerReclaim } from './reclaim';
import { rescueDir } from '../core/codexHome/paths';
import { levelLabel } from '../core/util/display';
import { McpRegistration, refreshCliCopy, registerMcpProvider } from './mcpSetup';
import { attentionCount, measuringText } from './logic';
import { registerSearchCommands } from './searchCommands';

/** What `activate` returns: the extension's parts, for the integration tests (a normal extension export). */
export interface CodexRescueApi {
  store: SessionStore;
  tree: SessionsTreeProvider;
  /** The Sessions view (its message shows scan progress). */
  view: vscode.TreeView<SessionNode>;
  status: StatusBarController;
  worker: WorkerClient;
  projections: ProjectionProvider;
  panels: typeof DetailsPanel.panels;
  commands: CommandHandlers;
  /** Replace the window UI (messages, confirms, quick picks, progress) the commands use. */
  setUi(ui: Ui): void;
  /** Every message a details panel posts to its webview. */
  onDidPostToPanel: vscode.Event<{ threadId: string; message: ToWebview }>;
  /** The rescue tools offered to VS Code's agent mode (MCP server definition provider). */
  mcp: McpRegistration;
  /** Resolves when the first scan is done. */
  ready: Promise<unknown>;
}

let worker: WorkerClient | undefined;

export function activate(ctx: vscode.ExtensionContext): CodexRescueApi {
  const log = vscode.window.createOutputChannel('Codex Rescue', { log: true });
  ctx.subscriptions.push(log);
  const settings = readSettings;
  worker = new WorkerClient(path.join(ctx.extensionPath, 'dist', 'worker.js'), (level, msg) => log[level](msg));
  const w = worker;
  ctx.subscriptions.push({ dispose: () => w.dispose() });

  const store = new SessionStore(w, settings, log);
  ctx.subscriptions.push(store);
  const projections = new ProjectionProvider(ctx.globalStorageUri.fsPath);
  ctx.subscriptions.push(projections, vscode.workspace.registerTextDocumentContentProvider(SCHEME, projections));

  // The filter's text search runs in the worker (up to 500 threads; indexing 1.5 s at a time, as Search Sessions does).
  const tree = new SessionsTreeProvider(store, (query, token) =>
    w.call('search', { codexHome: store.codexHome, query, limit: 500, budgetMs: 1_500 }, { token }),
  );
  tree.byWorkspace = settings().groupByWorkspace;
  tree.attentionDays = settings().needsAttentionDays;
  const view = vscode.window.createTreeView('codexRescue.sessions', { treeDataProvider: tree, showCollapseAll: true });
  ctx.subscriptions.push(tree, view);
  const updateViewState = (): void => {
    const has = store.threads.length > 0;
    void vscode.commands.executeCommand('setContext', 'codexRescue.homeFound', store.homeExists());
    void vscode.commands.executeCommand('setContext', 'codexRescue.hasSessions', has);
    void vscode.commands.executeCommand(
      'setContext',
      'codexRescue.scanned',
      !!store.result || !!store.lastError || has,
    );
    // The badge counts "Needs attention" only: at-risk threads active in the last N days.
    const attention = attentionCount(store.threads, Date.now(), settings().needsAttentionDays);
    view.badge = attention
      ? { value: attention, tooltip: `${attention} Codex thread${attention > 1 ? 's' : ''} need attention` }
      : undefined;
    view.message = store.lastError
      ? `Scan failed: ${store.lastError}`
      : [measuringText(store.measuring), tree.filter.statusText()].filter(Boolean).join(' · ') || undefined;
  };
  ctx.subscriptions.push(store.onDidChange(updateViewState), tree.filter.onDidChange(updateViewState));
  updateViewState();

  const status = new StatusBarController(store, settings);
  ctx.subscriptions.push(status);

  let ui: Ui = new WindowUi();
  const posted = new vscode.EventEmitter<{ threadId: string; message: ToWebview }>();
  ctx.subscriptions.push(posted);
  const actions = new Actions(w, store, projections, settings, log);
  // One runner for the tree, the palette and the panels; `ui` is read at each use (tests replace it).
  const runner = new ActionRunner(
    actionTable({
      actions,
      ui: () => ui,
      openFile: (file) => vscode.window.showTextDocument(vscode.Uri.file(file), { preview: false }),
      applyPreview: (p) => vscode.commands.executeCommand(COMMANDS.applyPreviewedRepair, p.right),
      copy: (text) => Promise.resolve(vscode.env.clipboard.writeText(text)),
      reveal: (file, copiedMessage) => revealFile(file, ui, copiedMessage),
    }),
    () => ui,
    log,
  );

  const panelDeps: PanelDeps = {
    store,
    worker: w,
    run: (a, t, p) => runner.run(a, t, p),
    revealRoots: () => [rescueDir(store.codexHome), settings().handoffFolder].filter(Boolean),
    reveal: (file) => revealFile(file, ui),
    copy: async (text) => {
      await vscode.env.clipboard.writeText(text);
      void ui.info(`Copied: ${text}`);
    },
    onPost: (threadId, message) => posted.fire({ threadId, message }),
  };
  const openDetails = (t: ThreadView): DetailsPanel => DetailsPanel.show(ctx, t, panelDeps);
  ctx.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, new DetailsSerializer(ctx, panelDeps)),
  );

  ctx.subscriptions.push(...registerSearchCommands(ctx, w, store));
  const handlers = new CommandHandlers({
    ctx,
    store,
    actions,
    runner,
    tree,
    projections,
    get ui() {
      return ui;
    },
    log,
    openDetails,
  });
  ctx.subscriptions.push(...handlers.register());
  ctx.subscriptions.push(
    registerReclaim({ worker: w, codexHome: () => store.codexHome, ui: () => ui, refresh: () => store.refresh(), log }),
  );

  const mcp = registerMcpProvider(ctx, settings, log);
  try {
    // Codex's config.toml names a copy of our CLI: keep it as current as this extension.
    refreshCliCopy(path.join(ctx.extensionPath, 'dist', 'cli.js'), settings().codexHome, false);
  } catch (err) {
    log.warn(`could not refresh the rescue tools' copy for Codex: ${(err as Error).message}`);
  }

  // Crossing into high/critical/stuck: one notification per crossing, optional automatic handoff.
  ctx.subscriptions.push(
    store.onDidCross(async (threads) => {
      const s = settings();
      if (s.autoHandoff === 'off') return;
      for (const t of threads) {
        if (s.autoHandoff === 'write') {
          const r = await actions
            .handoff(t, { token: new vscode.CancellationTokenSource().token, progress: () => undefined })
            .catch((e) => {
              log.warn(`auto handoff for ${t.id} failed: ${(e as Error).message}`);
              return undefined;
            });
          if (r) log.info(`auto handoff for ${t.id}: ${r.path}`);
        }
        void ui
          .warn(
            `Codex thread "${t.name}" is now ${levelLabel(t.risk.level)}: ${t.risk.recommendation}`,
            'Write Handoff',
            'Preview Repair',
            'Details',
          )
          .then((pick) => {
            if (pick === 'Write Handoff') void vscode.commands.executeCommand(COMMANDS.writeHandoff, t.id);
            else if (pick === 'Preview Repair') void vscode.commands.executeCommand(COMMANDS.previewRepair, t.id);
            else if (pick === 'Details') void vscode.commands.executeCommand(COMMANDS.openDetails, t.id);
          });
      }
    }),
  );

  ctx.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration('codexRescue')) return;
      tree.byWorkspace = settings().groupByWorkspace;
      tree.attentionDays = settings().needsAttentionDays;
      if (e.affectsConfiguration('codexRescue.needsAttentionDays')) updateViewState();
      if (e.affectsConfiguration('codexRescue.codexHome')) {
        store.startWatching();
        void store.refresh({ reset: true }).catch(() => undefined);
      } else if (e.affectsConfiguration('codexRescue.thresholds')) {
        void store.refresh({ reset: true }).catch(() => undefined);
      } else {
        status.update();
        tree.refresh();
      }
    }),
  );
  ctx.subscriptions.push(vscode.workspace.onDidChangeWorkspaceFolders(() => status.update()));

  // First scan after activation returns; then keep current.
  const ready = new Promise<unknown>((resolve) => {
    setTimeout(() => {
      store.startWatching();
      store.refresh().then(resolve, (e) => resolve(e));
    }, 0);
  });
  log.info(`activated; Codex home ${settings().codexHome}`);
  return {
    store,
    tree,
    view,
    status,
    worker: w,
    projections,
    panels: DetailsPanel.panels,
    commands: handlers,
    setUi: (next) => (ui = next),
    onDidPostToPanel: posted.event,
    mcp,
    ready,
  };
}

export function deactivate(): void {
  worker?.dispose();
  worker = undefined;
}
