// Thin wrapper over the window APIs the commands use (as in microsoft/vscode-python-environments): the
// extension uses WindowUi; tests pass their own Ui through the API `activate` returns.
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
  info(msg: string, ...actions: string[]): Thenable<string | undefined> {
    return vscode.window.showInformationMessage(plain(msg), ...actions);
  }

  warn(msg: string, ...actions: string[]): Thenable<string | undefined> {
    return vscode.window.showWarningMessage(plain(msg), ...actions);
  }

  error(msg: string, ...actions: string[]): Thenable<string | undefined> {
    return vscode.window.showErrorMessage(plain(msg), ...actions);
  }

  async confirm(msg: string, action: string): Promise<boolean> {
    return (await vscode.window.showWarningMessage(plain(msg), { modal: true }, action)) === action;
  }

  pick<T extends PickItem>(items: T[], opts: vscode.QuickPickOptions): Thenable<T | undefined> {
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
