// Thin wrappers over window APIs, so command logic can be driven by tests (auto-confirm in tests,
// recorded messages) and by plain mocha with a fake.
import * as vscode from 'vscode';
import type { Run } from './actions';
import { plain } from './logic';

export type PickItem = vscode.QuickPickItem;

export interface Ui {
  info(msg: string, ...actions: string[]): Thenable<string | undefined>;
  warn(msg: string, ...actions: string[]): Thenable<string | undefined>;
  error(msg: string, ...actions: string[]): Thenable<string | undefined>;
  confirm(msg: string, action: string): Thenable<boolean>;
  pick<T extends PickItem>(items: T[], opts: vscode.QuickPickOptions): Thenable<T | undefined>;
  withProgress<T>(title: string, fn: (run: Run) => Promise<T>): Thenable<T>;
}

export class WindowUi implements Ui {
  /** Set by tests through the `codexRescue._test` hook: answer confirms and quick picks without a person. */
  autoConfirm = false;
  autoPick: ((items: PickItem[]) => PickItem | undefined) | undefined;
  readonly messages: { level: string; text: string }[] = [];

  private record(level: string, text: string): void {
    this.messages.push({ level, text });
    if (this.messages.length > 200) this.messages.shift();
  }

  info(msg: string, ...actions: string[]): Thenable<string | undefined> {
    this.record('info', msg);
    return vscode.window.showInformationMessage(plain(msg), ...actions);
  }

  warn(msg: string, ...actions: string[]): Thenable<string | undefined> {
    this.record('warn', msg);
    return vscode.window.showWarningMessage(plain(msg), ...actions);
  }

  error(msg: string, ...actions: string[]): Thenable<string | undefined> {
    this.record('error', msg);
    return vscode.window.showErrorMessage(plain(msg), ...actions);
  }

  async confirm(msg: string, action: string): Promise<boolean> {
    this.record('confirm', msg);
    if (this.autoConfirm) return true;
    return (await vscode.window.showWarningMessage(plain(msg), { modal: true }, action)) === action;
  }

  pick<T extends PickItem>(items: T[], opts: vscode.QuickPickOptions): Thenable<T | undefined> {
    if (this.autoPick) return Promise.resolve(this.autoPick(items) as T | undefined);
    return vscode.window.showQuickPick(items, opts);
  }

  withProgress<T>(title: string, fn: (run: Run) => Promise<T>): Thenable<T> {
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: plain(title), cancellable: true },
      (progress, token) => {
        let last = 0;
        return fn({
          token,
          progress: (done, total, phase) => {
            const pct = total > 0 ? Math.min(100, (done / total) * 100) : 0;
            if (pct - last < 1 && done < total) return;
            progress.report({ increment: pct - last, message: `${phase ? `${phase}: ` : ''}${Math.round(pct)} %` });
            last = pct;
          },
        });
      },
    );
  }
}
