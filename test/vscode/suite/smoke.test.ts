import * as assert from 'node:assert';
import * as vscode from 'vscode';

describe('smoke: a real VS Code runs our tests', () => {
  it('has the vscode API and a Node extension host', () => {
    assert.ok(vscode.version.length > 0);
    assert.ok(process.versions.node);

    console.log(
      `VS Code ${vscode.version}, uiKind ${vscode.env.uiKind}, remote ${vscode.env.remoteName}, node ${process.versions.node}, sqlite ${!!process.getBuiltinModule?.('node:sqlite')}`,
    );
  });
});
