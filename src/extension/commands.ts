// Command registrations: each works on the selected tree item (or status-bar thread id, or a URI from
// the diff editor) or asks with a quick pick, most urgent first. The thread actions are the action
// table's (actionTable.ts), run by the one action runner with a notification as their surface.
import * as vscode from 'vscode';
import type { ThreadView } from '../protocol/messages';
import { Actions, Run } from './actions';
import { ActionRunner, NotificationSurface } from './actionRunner';
import { SessionStore } from './store';
import { ThreadItem, SessionsTreeProvider } from './sessionsTree';
import { DetailsPanel } from './detailsPanel';
import { ProjectionProvider, SCHEME } from './diffPreview';
import { byUrgency, codexWithPrompt, describeThread, seedCommand } from './logic';
import { levelLabel } from '../core/util/display';
import { addRescueToolsToCodex, codexHasRescueTools } from './mcpSetup';
import { summarisePrompt } from '../core/handoff/helperPrompt';
import { readSettings } from './settings';
import { Ui } from './ui';
import { errorCode } from '../core/util/errors';
import { COMMANDS } from './commandIds';

export interface CommandDeps {
  ctx: vscode.ExtensionContext;
  store: SessionStore;
  actions: Actions;
  runner: ActionRunner;
  tree: SessionsTreeProvider;
  projections: ProjectionProvider;
  ui: Ui;
  log: vscode.LogOutputChannel;
  openDetails(t: ThreadView): DetailsPanel;
}

type Target = ThreadItem | ThreadView | string | vscode.Uri | undefined;

export class CommandHandlers {
  /** Where the commands' progress and outcomes show. */
  readonly notifications: NotificationSurface;

  constructor(private readonly d: CommandDeps) {
    // The Ui is read at each use: the extension's API may replace it (tests pass a fake).
    this.notifications = new NotificationSurface(() => this.d.ui);
  }

  /** The thread a command acts on: the argument, the selection, or a quick pick. */
  async resolve(arg: Target, placeHolder: string): Promise<ThreadView | undefined> {
    const { store } = this.d;
    if (!store.result) await store.refresh().catch(() => undefined);
    if (arg instanceof ThreadItem) return store.find(arg.thread.id) ?? arg.thread;
    if (arg instanceof vscode.Uri) {
      if (arg.scheme === SCHEME) {
        const p = this.d.projections.previewFor(arg);
        return p ? store.find(p.record.threadId) : undefined;
      }
      return store.find(arg.fsPath);
    }
    if (typeof arg === 'string') return store.find(arg);
    // Only threads the store knows: a command link must not make us read an arbitrary file.
    if (arg && typeof arg === 'object' && 'id' in arg && typeof arg.id === 'string') return store.find(arg.id);
    const threads = byUrgency(store.threads);
    if (!threads.length) {
      void this.d.ui.info('No Codex threads found. Check the "Codex Rescue: Codex Home" setting.');
      return undefined;
    }
    const picked = await this.d.ui.pick(
      threads.map((t) => ({
        label: t.name || t.id,
        description: describeThread(t),
        detail: `${levelLabel(t.risk.level)}${t.cwd ? ` · ${t.cwd}` : ''} · ${t.id}`,
        thread: t,
      })),
      { placeHolder, matchOnDescription: true, matchOnDetail: true },
    );
    return picked?.thread;
  }

  /** Long work that is not a thread action, under a cancellable progress notification. */
  progress<T>(title: string, fn: (run: Run) => Promise<T>): Promise<T | undefined> {
    return this.notifications.attempt(title, fn, this.d.log);
  }

  /** A thread action from a command: the thread from the argument (or a pick), then the runner. */
  runCommand(id: string, arg: unknown, extra: unknown[]): Promise<unknown> {
    const spec = this.d.runner.table[id];
    return this.resolve(arg as Target, spec.pick).then((t) =>
      t ? this.d.runner.run(id, t, this.notifications, spec.argsFrom?.(extra) ?? {}) : undefined,
    );
  }

  register(): vscode.Disposable[] {
    const reg = (id: string, fn: (...args: unknown[]) => unknown) => vscode.commands.registerCommand(id, fn);
    const { store, actions } = this.d;
    const ui = (): Ui => this.d.ui;
    return [
      ...Object.entries(this.d.runner.table).map(([id, spec]) =>
        reg(spec.command, (arg, ...extra) => this.runCommand(id, arg, extra)),
      ),
      reg(COMMANDS.scan, () =>
        this.progress('Scanning Codex sessions', (run) =>
          store.refresh({ token: run.token, onProgress: run.progress, reset: true }),
        ),
      ),
      reg(COMMANDS.refresh, () =>
        store.refresh().catch((e) => void ui().error(`Scan failed: ${(e as Error).message}`)),
      ),
      reg(COMMANDS.openDetails, async (arg) => {
        const t = await this.resolve(arg as Target, 'Open details of which Codex thread?');
        if (t) return this.d.openDetails(t);
        return undefined;
      }),
      reg(COMMANDS.applyPreviewedRepair, async (arg) => {
        const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
        const p = this.d.projections.previewFor(uri?.scheme === SCHEME ? uri : undefined);
        const t = p && store.find(p.record.threadId);
        if (!p || !t) {
          void ui().info('No repair preview is open. Run "Preview Repair" first.');
          return undefined;
        }
        return this.d.runner.run('repairInPlace', t, this.notifications, { preview: p });
      }),
      reg(COMMANDS.continueInNewThread, async (arg, howArg) => {
        const t = await this.resolve(arg as Target, 'Continue which thread in a new Codex thread?');
        if (!t) return undefined;
        const how =
          howArg === 'handoff' || howArg === 'summarise'
            ? howArg
            : (
                await ui().pick(
                  [
                    {
                      label: 'Start from the handoff',
                      detail: 'Write the handoff now and start Codex with it.',
                      how: 'handoff' as const,
                    },
                    {
                      label: 'Ask Codex to summarise it first',
                      detail: 'A new Codex thread reads this one with the rescue tools and writes the handoff.',
                      how: 'summarise' as const,
                    },
                  ],
                  { placeHolder: 'How should the new thread start?' },
                )
              )?.how;
        if (how === 'summarise') return this.summariseInCodex(t);
        if (how !== 'handoff') return undefined;
        const r = await this.progress(`Writing handoff for ${t.name}`, (run) => actions.handoff(t, run));
        if (!r) return undefined;
        const term = vscode.window.createTerminal({
          name: `Codex: ${t.name}`.slice(0, 40),
          cwd: t.cwd && (await exists(t.cwd)) ? t.cwd : undefined,
        });
        term.show();
        term.sendText(seedCommand(r.path, vscode.env.shell), true);
        return { terminal: term.name, handoff: r.path };
      }),
      reg(COMMANDS.openSettings, () =>
        vscode.commands.executeCommand(
          'workbench.action.openSettings',
          '@ext:codex-session-rescue.codex-session-rescue codexRescue',
        ),
      ),
      reg(COMMANDS.filter, async (query?: unknown) => {
        // Quick filter: the tree follows each keystroke (name, workspace, id, level; the text after a pause).
        const filter = this.d.tree.filter;
        const apply = (q: string | undefined): void => filter.set(q);
        if (typeof query === 'string') return apply(query);
        const before = filter.query;
        const q = await vscode.window.showInputBox({
          title: 'Filter Sessions',
          value: before ?? '',
          prompt:
            'Words that must all occur in the name, workspace, id or level, or in what was said (e.g. "stuck", "my-app high", "login layout"). Empty: all.',
          validateInput: (v) => (apply(v), undefined),
        });
        apply(q === undefined ? before : q);
      }),
      reg(COMMANDS.sortBy, async (key?: unknown) => {
        const pick =
          key === 'size' || key === 'activity'
            ? { key: key as 'size' | 'activity' }
            : await ui().pick(
                [
                  { label: 'Last activity', key: 'activity' as const },
                  { label: 'Size (largest first)', key: 'size' as const },
                ],
                { placeHolder: 'Sort sessions by' },
              );
        if (!pick) return;
        this.d.tree.sortBy = pick.key;
        this.d.tree.refresh();
      }),
      reg(COMMANDS.addMcpServer, () => this.addMcpServer()),
      reg(COMMANDS.groupBy, async () => {
        const pick = await ui().pick(
          [
            { label: 'Group by day', ws: false },
            { label: 'Group by workspace', ws: true },
          ],
          { placeHolder: 'Group sessions by' },
        );
        if (!pick) return;
        this.d.tree.byWorkspace = pick.ws;
        this.d.tree.refresh();
      }),
    ];
  }

  /** Append our server to Codex's config.toml; refusals (entry exists, broken TOML) are shown, not thrown. */
  addMcpServer(): { configPath: string; backupPath?: string } | { error: string; code: string } {
    const home = readSettings().codexHome;
    try {
      const r = addRescueToolsToCodex(this.d.ctx.extensionPath, home);
      this.d.log.info(
        `rescue tools added to ${r.configPath}${r.backupPath ? `; previous file saved at ${r.backupPath}` : ''}`,
      );
      void this.d.ui.info(
        `Added the rescue tools to Codex ([mcp_servers.codex-rescue] in ${r.configPath}${r.backupPath ? `; the previous file is saved at ${r.backupPath}` : ''}). New Codex threads can use them.`,
      );
      return r;
    } catch (err) {
      const message = (err as Error).message;
      void this.d.ui.error(`Could not add the rescue tools to Codex: ${message}`);
      return { error: message, code: errorCode(err) };
    }
  }

  /** A `codex` terminal whose first prompt asks a helper thread to read `t` with our tools and write the handoff. */
  async summariseInCodex(t: ThreadView): Promise<{ terminal: string; prompt: string } | undefined> {
    const home = readSettings().codexHome;
    if (!codexHasRescueTools(home)) {
      const ok = await this.d.ui.confirm(
        `Codex needs the rescue tools for this: add [mcp_servers.codex-rescue] to ${home}/config.toml? The file is backed up first.`,
        'Add Rescue Tools',
      );
      if (!ok || 'error' in this.addMcpServer()) return undefined;
    }
    const prompt = summarisePrompt(t.id, t.name);
    const term = vscode.window.createTerminal({
      name: `Codex: summarise ${t.name}`.slice(0, 40),
      cwd: t.cwd && (await exists(t.cwd)) ? t.cwd : undefined,
      env: { CODEX_HOME: home },
    });
    term.show();
    term.sendText(codexWithPrompt(prompt, vscode.env.shell), true);
    return { terminal: term.name, prompt };
  }
}

/** Show a file in the OS file manager; on the web or remote, copy its path and say so. */
export async function revealFile(file: string, ui: Ui, copiedMessage = `${file} — path copied.`): Promise<void> {
  if (vscode.env.uiKind === vscode.UIKind.Desktop && !vscode.env.remoteName) {
    await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(file));
  } else {
    await vscode.env.clipboard.writeText(file);
    void ui.info(copiedMessage);
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(vscode.Uri.file(p));
    return true;
  } catch {
    return false;
  }
}
