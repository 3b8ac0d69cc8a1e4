// Extension entry point. The UI lands with its own issue; activation stays cheap.
import * as vscode from 'vscode';

export function activate(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('codexRescue.scan', () => {
      void vscode.window.showInformationMessage('Codex Session Rescue: the session explorer is not built yet; use the codex-session-rescue CLI.');
    }),
  );
}

export function deactivate(): void {}
