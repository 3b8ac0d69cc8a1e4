// Command registrations: each works on the selected tree item (or status-bar thread id, or a URI from
// the diff editor) or asks with a quick pick, most urgent first. Long work: withProgress + cancel.
import * as vscode from 'vscode';
import type { PanelAction, ThreadView } from '../protocol/messages';
import { Actions, Run, isCancelled } from './actions';
import { SessionStore } from './store';
import { ThreadItem, SessionsTreeProvider } from './sessionsTree';
import { DetailsPanel } from './detailsPanel';
import { ProjectionProvider, SCHEME } from './diffPreview';
import { byUrgency, codexWithPrompt, describeThread, seedCommand } from './logic';
import { formatBytes, levelLabel } from '../core/util/display';
import { addRescueToolsToCodex, codexHasRescueTools } from './mcpSetup';
import { summarisePrompt } from '../core/handoff/helperPrompt';
import { readSettings } from './settings';
import { Ui } from './ui';
import { errorCode } from '../core/util/errors';

export const COMMANDS = {
  scan: 'codexRescue.scan',
  refresh: 'codexRescue.refresh',
  openDetails: 'codexRescue.openDetails',
  writeHandoff: 'codexRescue.writeHandoff',
  previewRepair: 'codexRescue.previewRepair',
  repairInPlace: 'codexRescue.repairInPlace',
  repairAsFork: 'codexRescue.repairAsFork',
  applyPreviewedRepair: 'codexRescue.applyPreviewedRepair',
  restoreBackup: 'codexRescue.restoreBackup',
  continueInNewThread: 'codexRescue.continueInNewThread',
  copyResumeCommand: 'codexRescue.copyResumeCommand',
  revealRollout: 'codexRescue.revealRollout',
  openSettings: 'codexRescue.openSettings',
  filter: 'codexRescue.filter',
  groupBy: 'codexRescue.groupBy',
  addMcpServer: 'codexRescue.addMcpServer',
  sortBy: 'codexRescue.sortBy',
} as const;

export interface CommandDeps {
  ctx: vscode.ExtensionContext;
  store: SessionStore;
  actions: Actions;
  tree: SessionsTreeProvider;
  projections: ProjectionProvider;
  ui: Ui;
  log: vscode.LogOutputChannel;
  openDetails(t: ThreadView): DetailsPanel;
  runPanelAction(action: PanelAction, t: ThreadView, panel?: DetailsPanel): Promise<void>;
}

type Target = ThreadItem | ThreadView | string | vscode.Uri | undefined;

export class CommandHandlers {
  constructor(private readonly d: CommandDeps) {}

  /** The thread a command acts on: the argument, the selection, or a quick pick. */
  async resolve(arg: Target, placeHolder: string): Promise<ThreadView | undefined> {
    const { store } = this.d;
    if (!store.result) await store.refresh().catch(() => undefined);
    if (arg instanceof ThreadItem) return store.find(arg.thread.id) ?? arg.thread;
    if (arg instanceof vscode.Uri) {
      if (arg.scheme === SCHEME) {
        const p = this.d.projections.previewFor(arg);
        return p ? store.find(p.threadId) : undefined;
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

  /** Run a long action under a cancellable progress notification. */
  progress<T>(title: string, fn: (run: Run) => Promise<T>): Promise<T | undefined> {
    return Promise.resolve(
      this.d.ui.withProgress(title, async (run) => {
        try {
          return await fn(run);
        } catch (err) {
          if (isCancelled(err)) {
            void this.d.ui.info(`${title}: cancelled. Nothing was changed.`);
            return undefined;
          }
          this.d.log.error(`${title}: ${(err as Error).message}`);
          void this.d.ui.error(`${title} failed: ${(err as Error).message}`);
          return undefined;
        }
      }),
    );
  }

  register(): vscode.Disposable[] {
    const reg = (id: string, fn: (...args: unknown[]) => unknown) => vscode.commands.registerCommand(id, fn);
    const { store, actions } = this.d;
    // The Ui is read at each use: the extension's API may replace it (tests pass a fake).
    const ui = (): Ui => this.d.ui;
    return [
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
      reg(COMMANDS.writeHandoff, async (arg) => {
        const t = await this.resolve(arg as Target, 'Write a handoff for which thread?');
        if (!t) return undefined;
        const r = await this.progress(`Writing handoff for ${t.name}`, (run) => actions.handoff(t, run));
        // The notification stays until dismissed: never make the command wait for it.
        if (r) {
          void ui()
            .info(r.summary, 'Open')
            .then((open) => {
              if (open === 'Open') void vscode.window.showTextDocument(vscode.Uri.file(r.path), { preview: false });
            });
        }
        return r;
      }),
      reg(COMMANDS.previewRepair, async (arg) => {
        const t = await this.resolve(arg as Target, 'Preview the repair of which thread?');
        if (!t) return undefined;
        const r = await this.progress(`Previewing repair of ${t.name}`, (run) => actions.preview(t, run));
        if (r)
          void ui()
            .info(r.summary, 'Apply Repair')
            .then(
              (a) =>
                a === 'Apply Repair' && vscode.commands.executeCommand(COMMANDS.applyPreviewedRepair, r.preview.right),
            );
        return r;
      }),
      reg(COMMANDS.repairInPlace, (arg) => this.repair(arg as Target, 'in-place')),
      reg(COMMANDS.repairAsFork, (arg) => this.repair(arg as Target, 'fork')),
      reg(COMMANDS.applyPreviewedRepair, async (arg) => {
        const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
        const p = this.d.projections.previewFor(uri?.scheme === SCHEME ? uri : undefined);
        if (!p) {
          void ui().info('No repair preview is open. Run "Preview Repair" first.');
          return undefined;
        }
        return this.repair(p.threadId, 'in-place');
      }),
      reg(COMMANDS.restoreBackup, async (arg, backupArg) => {
        const t = await this.resolve(arg as Target, 'Restore which thread from its backup?');
        if (!t) return undefined;
        let backupPath = typeof backupArg === 'string' ? backupArg : undefined;
        if (!backupPath) {
          const backups = await actions.backups(t).catch(() => []);
          if (!backups.length) {
            void ui().info(`No backups of ${t.name} were found.`);
            return undefined;
          }
          if (backups.length > 1) {
            const pick = await ui().pick(
              backups
                .sort((a, b) => b.mtimeMs - a.mtimeMs)
                .map((b) => ({
                  label: new Date(b.mtimeMs).toLocaleString(),
                  description: formatBytes(b.bytes),
                  detail: b.path,
                  path: b.path,
                })),
              { placeHolder: 'Which backup?' },
            );
            if (!pick) return undefined;
            backupPath = pick.path;
          } else backupPath = backups[0].path;
        }
        if (
          !(await ui().confirm(
            `Restore "${t.name}" from its backup? The current file is replaced by the backup (${backupPath}).`,
            'Restore',
          ))
        )
          return undefined;
        // A thread Codex wrote to since the repair is refused first: ask before moving those turns aside.
        const changed = Symbol('changed');
        let r = await this.progress(`Restoring ${t.name}`, (run) =>
          actions.restore(t, run, backupPath).catch((e: unknown) => {
            if (errorCode(e) === 'changed-since-repair') return changed;
            throw e;
          }),
        );
        if (r === changed) {
          if (
            !(await ui().confirm(
              `"${t.name}" changed since it was repaired: Codex added new turns. Restore the backup anyway? The current version, with those turns, is saved as a backup first.`,
              'Restore anyway',
            ))
          )
            return undefined;
          r = await this.progress(`Restoring ${t.name}`, (run) => actions.restore(t, run, backupPath, true));
        }
        if (typeof r === 'symbol') return undefined;
        if (r) void ui().info(r.summary);
        return r;
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
      reg(COMMANDS.copyResumeCommand, async (arg) => {
        const t = await this.resolve(arg as Target, 'Copy the resume command of which thread?');
        if (!t) return undefined;
        const cmd = actions.resumeCommand(t);
        await vscode.env.clipboard.writeText(cmd);
        void ui().info(`Copied: ${cmd}`);
        return cmd;
      }),
      reg(COMMANDS.revealRollout, async (arg) => {
        const t = await this.resolve(arg as Target, 'Reveal the rollout file of which thread?');
        if (!t) return undefined;
        // Web / remote: say where it is; opening a multi-GB file in the editor would not help.
        await revealFile(t.path, ui(), `Rollout: ${t.path} (${formatBytes(t.sizeBytes)}) — path copied.`);
        return t.path;
      }),
      reg(COMMANDS.openSettings, () =>
        vscode.commands.executeCommand(
          'workbench.action.openSettings',
          '@ext:codex-session-rescue.codex-session-rescue codexRescue',
        ),
      ),
      reg(COMMANDS.filter, async (query?: unknown) => {
        // Quick filter: the tree follows each keystroke (name, workspace, id or level words).
        const tree = this.d.tree;
        const apply = (q: string | undefined): void => {
          tree.query = q?.trim() || undefined;
          tree.refresh();
        };
        if (typeof query === 'string') return apply(query);
        const before = tree.query;
        const q = await vscode.window.showInputBox({
          title: 'Filter Sessions',
          value: before ?? '',
          prompt:
            'Words that must occur in the name, workspace, id or level (e.g. "stuck", "my-app high"). Empty: all.',
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

  async repair(arg: Target, mode: 'in-place' | 'fork'): Promise<unknown> {
    const t = await this.resolve(
      arg,
      mode === 'fork' ? 'Repair which thread as a fork?' : 'Repair which thread in place?',
    );
    if (!t) return undefined;
    const msg =
      mode === 'fork'
        ? `Write a repaired copy of "${t.name}" as a new thread? The original stays untouched.`
        : `Repair "${t.name}" in place? A backup is made first; close Codex on this thread before you continue.`;
    if (!(await this.d.ui.confirm(msg, mode === 'fork' ? 'Repair as Fork' : 'Repair In Place'))) return undefined;
    const r = await this.progress(mode === 'fork' ? `Repairing ${t.name} as a fork` : `Repairing ${t.name}`, (run) =>
      this.d.actions.repair(t, mode, run),
    );
    if (r) void this.d.ui.info(r.summary);
    return r;
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
