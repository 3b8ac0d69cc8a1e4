// The status bar item for the thread the user works in now.
import * as vscode from 'vscode';
import type { ThreadView } from '../protocol/messages';
import { currentThread, statusBackground, statusText, tooltipMarkdown } from './logic';
import { SessionStore } from './store';
import { Settings } from './settings';
import { Disposable } from './disposable';

export class StatusBarController extends Disposable {
  readonly item: vscode.StatusBarItem;
  current: ThreadView | undefined;

  constructor(
    private readonly store: SessionStore,
    private readonly settings: () => Settings,
  ) {
    super();
    this.item = this._register(
      vscode.window.createStatusBarItem('codexRescue.status', vscode.StatusBarAlignment.Left, 50),
    );
    this.item.name = 'Codex Rescue: current thread';
    this._register(store.onDidChange(() => this.update()));
  }

  update(): void {
    const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
    const t = currentThread(this.store.threads, folders);
    this.current = t;
    if (!t || !this.settings().statusBarEnabled) {
      this.item.hide();
      return;
    }
    this.item.text = statusText(t);
    const bg = statusBackground(t.risk.level);
    this.item.backgroundColor = bg ? new vscode.ThemeColor(bg) : undefined;
    const md = new vscode.MarkdownString(tooltipMarkdown(t) + '\n\n_Click for details._');
    md.isTrusted = false;
    this.item.tooltip = md;
    this.item.command = { command: 'codexRescue.openDetails', title: 'Open Session Details', arguments: [t.id] };
    this.item.accessibilityInformation = { label: `Codex thread ${t.name}: ${t.risk.level}` };
    this.item.show();
  }
}
