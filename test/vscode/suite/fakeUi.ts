// A Ui for the integration tests: records every message, confirms every question, picks the first item,
// and runs progress work without a notification. Passed in through the extension's API (`setUi`).
import * as vscode from 'vscode';
import type { Run } from '../../../src/extension/actions';
import type { PickItem, Ui } from '../../../src/extension/ui';

export class FakeUi implements Ui {
  readonly messages: { level: 'info' | 'warn' | 'error' | 'confirm'; text: string }[] = [];

  info(msg: string): Thenable<string | undefined> {
    this.messages.push({ level: 'info', text: msg });
    return Promise.resolve(undefined);
  }

  warn(msg: string): Thenable<string | undefined> {
    this.messages.push({ level: 'warn', text: msg });
    return Promise.resolve(undefined);
  }

  error(msg: string): Thenable<string | undefined> {
    this.messages.push({ level: 'error', text: msg });
    return Promise.resolve(undefined);
  }

  confirm(msg: string): Thenable<boolean> {
    this.messages.push({ level: 'confirm', text: msg });
    return Promise.resolve(true);
  }

  /** What the next quick picks answer (default: the first item). */
  choose: (<T extends PickItem>(items: T[]) => T | undefined) | undefined;

  pick<T extends PickItem>(items: T[]): Thenable<T | undefined> {
    return Promise.resolve(this.choose ? this.choose(items) : items[0]);
  }

  withProgress<T>(_title: string, fn: (run: Run) => Promise<T>): Thenable<T> {
    const cts = new vscode.CancellationTokenSource();
    return fn({ token: cts.token, progress: () => undefined }).finally(() => cts.dispose());
  }
}
