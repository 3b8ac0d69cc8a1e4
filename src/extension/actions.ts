// What each action does to one thread, through the worker: the steps only. Questions, progress,
// summaries and reports are the action runner's (actionRunner.ts, with the table in actionTable.ts).
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type {
  HandoffReportView,
  RepairMode,
  RepairReportView,
  RestoreReportView,
  ThreadView,
} from '../protocol/messages';
import { resumeCommand } from '../core/util/display';
import { WorkerClient } from './workerClient';
import { SessionStore } from './store';
import { OpenPreview, ProjectionProvider } from './diffPreview';
import { Settings } from './settings';

export interface Run {
  token: vscode.CancellationToken;
  progress(done: number, total: number, phase?: string): void;
}

export class Actions {
  constructor(
    private readonly worker: WorkerClient,
    private readonly store: SessionStore,
    private readonly projections: ProjectionProvider,
    private readonly settings: () => Settings,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  async handoff(t: ThreadView, run: Run): Promise<{ report: HandoffReportView; path: string }> {
    const s = this.settings();
    // A handoff always lands in CODEX_HOME/rescue/handoffs/<id>/; the setting adds a copy in a folder of the user's.
    const out = s.handoffFolder || undefined;
    if (out) fs.mkdirSync(out, { recursive: true });
    const r = await this.worker.call(
      'handoff',
      { codexHome: s.codexHome, thread: t.path, budgetTokens: s.handoffBudgetTokens, out },
      { token: run.token, onProgress: run.progress },
    );
    const file = r.outPath ?? r.path;
    this.log.info(`handoff for ${t.id} written to ${file}`);
    return { report: r, path: file };
  }

  /** A dry run shown as a diff of two projections; the worker keeps no repaired copy. */
  async preview(t: ThreadView, run: Run): Promise<{ report: RepairReportView; preview: OpenPreview }> {
    const s = this.settings();
    const r = await this.worker.call(
      'preview',
      { codexHome: s.codexHome, thread: t.path, options: s.repair, dir: this.projections.storageDir, title: t.name },
      { token: run.token, onProgress: run.progress },
    );
    const preview = this.projections.add(r, t.name);
    await vscode.commands.executeCommand(
      'vscode.diff',
      preview.left,
      preview.right,
      `${t.name}: original ↔ repaired (preview)`,
      {
        preview: false,
        viewColumn: vscode.ViewColumn.Active,
      },
    );
    this.projections.opened(preview);
    return { report: r.report, preview };
  }

  /** A repair; after a preview, only while the file and the repair settings are still those of the preview. */
  async repair(
    t: ThreadView,
    mode: Exclude<RepairMode, 'dry-run'>,
    run: Run,
    preview?: OpenPreview,
  ): Promise<{ report: RepairReportView }> {
    const s = this.settings();
    const report = await this.worker.call(
      'strip',
      { codexHome: s.codexHome, thread: t.path, mode, options: s.repair, preview: preview?.record },
      { token: run.token, onProgress: run.progress },
    );
    if (preview) this.projections.applied(preview);
    this.log.info(`repair (${mode}) of ${t.id}: ${JSON.stringify(report)}`);
    void this.store.refresh().catch(() => undefined);
    return { report };
  }

  async restore(t: ThreadView, run: Run, backupPath?: string, force = false): Promise<{ report: RestoreReportView }> {
    const s = this.settings();
    const report = await this.worker.call(
      'restore',
      { codexHome: s.codexHome, thread: t.path, backupPath, force },
      { token: run.token, onProgress: run.progress },
    );
    this.log.info(`restore of ${t.id}: ${JSON.stringify(report)}`);
    void this.store.refresh().catch(() => undefined);
    return { report };
  }

  backups(t: ThreadView): Promise<{ path: string; bytes: number; mtimeMs: number }[]> {
    return this.worker.call('listBackups', { codexHome: this.settings().codexHome, thread: t.path });
  }

  resumeCommand(t: ThreadView): string {
    return resumeCommand(t.id);
  }
}
