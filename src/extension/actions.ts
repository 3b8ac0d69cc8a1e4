// What each command does to one thread. Every long step goes through the worker and reports to a
// `Run` (a withProgress notification for commands, the details panel for panel buttons).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type {
  HandoffReportView,
  RepairMode,
  RepairReportView,
  RestoreReportView,
  ThreadView,
} from '../protocol/messages';
import { errorCode } from '../core/util/errors';
import { WorkerClient } from './workerClient';
import { SessionStore } from './store';
import { ProjectionProvider, PreviewRecord } from './diffPreview';
import { Settings } from './settings';
import { reportSummary } from './logic';
import { formatBytes } from '../core/util/display';

export interface Run {
  token: vscode.CancellationToken;
  progress(done: number, total: number, phase?: string): void;
}

export interface ActionResult<R> {
  summary: string;
  report: R;
}

export class Actions {
  constructor(
    private readonly worker: WorkerClient,
    private readonly store: SessionStore,
    private readonly projections: ProjectionProvider,
    private readonly settings: () => Settings,
    private readonly storageDir: string,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  async handoff(t: ThreadView, run: Run): Promise<ActionResult<HandoffReportView> & { path: string }> {
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
    return { summary: `Handoff written: ${file}`, report: r, path: file };
  }

  async preview(t: ThreadView, run: Run): Promise<ActionResult<RepairReportView> & { preview: PreviewRecord }> {
    const s = this.settings();
    const report = await this.worker.call(
      'strip',
      { codexHome: s.codexHome, thread: t.path, mode: 'dry-run', options: s.repair },
      { token: run.token, onProgress: (d, n) => run.progress(d, n * 3, 'dry run') },
    );
    const dir = fs.mkdtempSync(path.join(this.storageDir, 'preview-'));
    const left = await this.worker.call(
      'project',
      { path: t.path, out: path.join(dir, 'original.txt'), title: t.name },
      { token: run.token, onProgress: (d, n) => run.progress(n + d, n * 3, 'projecting original') },
    );
    const right = await this.worker.call(
      'project',
      { path: report.outputPath, out: path.join(dir, 'repaired.txt'), title: t.name },
      { token: run.token, onProgress: (d, n) => run.progress(2 * n + d, n * 3, 'projecting repaired copy') },
    );
    const l = this.projections.add(t.id, 'original', left.out, t.name);
    const r = this.projections.add(t.id, 'repaired', right.out, t.name);
    const preview: PreviewRecord = { threadId: t.id, threadPath: t.path, name: t.name, left: l, right: r, report };
    this.projections.previews.set(t.id, preview);
    await vscode.commands.executeCommand('vscode.diff', l, r, `${t.name}: original ↔ repaired (preview)`, {
      preview: false,
      viewColumn: vscode.ViewColumn.Active,
    });
    return {
      summary: `Preview: ${formatBytes(report.bytesBefore)} → ${formatBytes(report.bytesAfter)}, ${report.imagesReplaced} images replaced, ${report.toolOutputsCapped} tool outputs capped. Nothing changed yet.`,
      report,
      preview,
    };
  }

  async repair(t: ThreadView, mode: Exclude<RepairMode, 'dry-run'>, run: Run): Promise<ActionResult<RepairReportView>> {
    const s = this.settings();
    const report = await this.worker.call(
      'strip',
      { codexHome: s.codexHome, thread: t.path, mode, options: s.repair },
      { token: run.token, onProgress: run.progress },
    );
    this.log.info(`repair (${mode}) of ${t.id}: ${JSON.stringify(report)}`);
    void this.store.refresh().catch(() => undefined);
    return {
      summary: `${mode === 'fork' ? 'Repaired as fork' : 'Repaired in place'}: ${reportSummary(report)}`,
      report,
    };
  }

  async restore(t: ThreadView, run: Run, backupPath?: string, force = false): Promise<ActionResult<RestoreReportView>> {
    const s = this.settings();
    const r = await this.worker.call(
      'restore',
      { codexHome: s.codexHome, thread: t.path, backupPath, force },
      { token: run.token, onProgress: run.progress },
    );
    this.log.info(`restore of ${t.id}: ${JSON.stringify(r)}`);
    void this.store.refresh().catch(() => undefined);
    return {
      summary: `Restored ${t.name} from ${r.fromBackup}${r.savedCurrentAs ? ` (the version it replaced is saved at ${r.savedCurrentAs})` : ''}.`,
      report: r,
    };
  }

  backups(t: ThreadView): Promise<{ path: string; bytes: number; mtimeMs: number }[]> {
    return this.worker.call('listBackups', { codexHome: this.settings().codexHome, thread: t.path });
  }

  resumeCommand(t: ThreadView): string {
    return `codex resume ${t.id}`;
  }
}

export function isCancelled(err: unknown): boolean {
  return errorCode(err) === 'cancelled';
}
