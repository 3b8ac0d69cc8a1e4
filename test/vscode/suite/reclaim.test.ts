// Reclaim Space… inside a real VS Code: the storage row offers it, the plan opens in an editor, the
// confirmation names threads and bytes, the run in the worker reclaims only the idle threads chosen, and
// the details panel still lists a reclaimed thread's images — from the image store.
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CodexRescueApi } from '../../../src/extension/extension';
import type { ToWebview } from '../../../src/protocol/messages';
import { CopiesThread, writeCopiesHome } from '../../support/copiesHome';
import { FakeUi } from './fakeUi';
import { until } from './until';

const EXT_ID = 'codex-session-rescue.codex-session-rescue';
const home = process.env.CODEX_HOME!;

describe('Reclaim Space… in VS Code', function () {
  this.timeout(180000);
  let idle: CopiesThread[] = [];
  let api: CodexRescueApi;

  // The home is shared with the other suites: what this one added goes again, and the tree forgets it.
  after(async () => {
    for (const t of idle) {
      fs.rmSync(t.path, { force: true });
      fs.rmSync(path.join(home, 'rescue', 'backups', t.id), { recursive: true, force: true });
    }
    if (api) await vscode.commands.executeCommand('codexRescue.scan');
  });

  it('plans, confirms, reclaims the idle threads in the worker, and their images stay viewable', async () => {
    api = await vscode.extensions.getExtension<CodexRescueApi>(EXT_ID)!.activate();
    await api.ready;
    // Two threads idle for 40 days (a parent and its fork); every other fixture thread is recent.
    idle = writeCopiesHome(home, {
      threads: 1,
      forksPerThread: 1,
      distinctImages: 3,
      width: 40,
      height: 30,
      turns: 3,
      compactEvery: 2,
      archiveEvery: 0,
      zstEvery: 0,
      ageDays: 40,
    });
    await vscode.commands.executeCommand('codexRescue.scan');
    const summary = (await api.tree.getChildren())[0] as vscode.TreeItem;
    assert.strictEqual(summary.contextValue, 'codexRescue.summary');
    assert.match(String(summary.description), /reclaimable ~/);

    const ui = new FakeUi();
    ui.choose = (items) => items.find((i) => /30 days/.test(i.label));
    api.setUi(ui);
    await vscode.commands.executeCommand('codexRescue.reclaimSpace');
    const confirm = ui.messages.find((m) => m.level === 'confirm');
    assert.ok(confirm, JSON.stringify(ui.messages));
    assert.match(confirm.text, /Reclaim 2 thread\(s\): about .* freed, image store .* → /);
    const plan = vscode.workspace.textDocuments.find((d) => d.getText().startsWith('Reclaim plan'));
    assert.ok(plan, 'the plan was shown in an editor');
    for (const t of idle) assert.ok(plan.getText().includes(t.id), `${t.id} in the plan`);
    const done = ui.messages.find((m) => m.level === 'info' && /2 done, 0 not/.test(m.text));
    assert.ok(done, JSON.stringify(ui.messages));
    for (const t of idle) assert.ok(!fs.readFileSync(t.path, 'latin1').includes('data:image/'), `${t.id} reclaimed`);

    await vscode.commands.executeCommand('codexRescue.scan');
    const posted: ToWebview[] = [];
    const sub = api.onDidPostToPanel((p) => p.threadId === idle[0].id && posted.push(p.message));
    try {
      await vscode.commands.executeCommand('codexRescue.openDetails', idle[0].id);
      const list = await until(
        'the image list',
        () => posted.find((m): m is Extract<ToWebview, { type: 'images' }> => m.type === 'images'),
        60000,
      );
      assert.ok(list.total > 0, 'the reclaimed thread still lists its images');
      assert.ok(
        list.images.every((i) => i.file && /rescue[\\/]images[\\/][0-9a-f]{64}\.png$/.test(i.file)),
        'each read from the image store',
      );
    } finally {
      sub.dispose();
    }
  });
});
