// The status bar item for the thread the user works in now.
import * as vscode from 'vscode';
import type { ThreadView } from '../protocol/messages';
import { currentThread, statusBackground, statusText, tooltipMarkdown } from './logic';
import { SessionStore } from './store';
import { Settings } from './settings';

export class StatusBarController implements vscode.Disposable {
  readonly item: vscode.StatusBarItem;
  current: ThreadView | undefined;
  private readonly sub: vscode.Disposable;

  constructor(
    private readonly store: SessionStore,
    private readonly settings: () => Settings,
  ) {
    this.item = vscode.window.createStatusBarItem('codexRescue.status', vscode.StatusBarAlignment.Left, 50);
    this.item.name = 'Codex Rescue: current thread';
    this.sub = store.onDidChange(() => this.update());
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

  dispose(): void {
    this.sub.dispose();
    this.item.dispose();
  }
}
