// *Reclaim Space…* (the storage row's action): how idle to count a thread → the plan, made in the worker
// (threads, bytes, what is skipped and why, the total, the store's size after) shown in an editor →
// confirm → the run in the worker's reclaim pool under a cancellable progress notification → the report.
import * as vscode from 'vscode';
import type { ReclaimPlan } from '../core/reclaim/plan';
import { describePlan, describeReclaimReport } from '../core/reclaim/describe';
import { formatBytes } from '../core/util/display';
import { isCancelled } from './actionRunner';
import type { Ui } from './ui';
import type { WorkerClient } from './workerClient';
import type { ResultOf } from '../protocol/messages';

export const RECLAIM_COMMAND = 'codexRescue.reclaimSpace';

export interface ReclaimDeps {
  worker: WorkerClient;
  codexHome: () => string;
  ui: () => Ui;
  /** Rescan once threads changed. */
  refresh: () => Promise<unknown>;
  log: { error(message: string): void };
}

const AGES = [
  { label: 'Threads not written for 7 days', days: 7 },
  { label: 'Threads not written for 30 days', days: 30 },
  { label: 'Every thread Codex does not hold', description: 'archived ones too', days: 0 },
];

/** The plan and the report open as read-only documents (nothing to save when they are closed). */
const SCHEME = 'codex-rescue-reclaim';
const texts = new Map<string, string>();
let shown = 0;

async function showText(title: string, content: string): Promise<void> {
  const uri = vscode.Uri.from({ scheme: SCHEME, path: `/${title}.txt`, query: String(++shown) });
  texts.set(uri.toString(), content);
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(doc, { preview: true });
}

/** Plan, confirm, run, report; every step's failure said in words. */
export async function reclaimSpace(d: ReclaimDeps): Promise<void> {
  const ui = d.ui();
  const age = await ui.pick(AGES, { placeHolder: 'Reclaim disk space from which threads?' });
  if (!age) return;
  const codexHome = d.codexHome();
  const step = async <T>(title: string, fn: Parameters<Ui['withProgress']>[1]): Promise<T | undefined> => {
    try {
      return (await ui.withProgress(title, fn)) as T;
    } catch (err) {
      if (isCancelled(err)) void ui.info(`${title}: cancelled. Threads not reached yet were left as they were.`);
      else {
        d.log.error(`${title}: ${(err as Error).message}`);
        void ui.error(`${title} failed: ${(err as Error).message}`);
      }
      return undefined;
    }
  };
  const plan = await step<ReclaimPlan>('Planning to reclaim space', (run) =>
    d.worker.call(
      'planReclaim',
      { codexHome, olderThanDays: age.days },
      { token: run.token, onProgress: run.progress },
    ),
  );
  if (!plan) return;
  if (!plan.threads.length && !plan.backups.length) {
    void ui.info(
      `Nothing to reclaim${plan.skipped.length ? `: ${plan.skipped.length} thread(s) skipped (Codex holds them, or forks point into them)` : ''}.`,
    );
    return;
  }
  await showText('Reclaim plan', describePlan(plan));
  const t = plan.totals;
  const ok = await ui.confirm(
    `Reclaim ${t.threads} thread(s)${plan.backups.length ? ` and ${plan.backups.length} full backup(s)` : ''}: about ${formatBytes(t.estimatedFreedBytes)} freed, image store ${formatBytes(t.storeBytesNow)} → ${formatBytes(t.storeBytesAfter)}${plan.skipped.length ? `; ${plan.skipped.length} skipped (see the plan)` : ''}. Every thread keeps restore data, so it can be restored byte for byte.`,
    'Reclaim Space',
  );
  if (!ok) return;
  const report = await step<ResultOf<'reclaim'>>('Reclaiming space', (run) =>
    d.worker.call('reclaim', { codexHome, planId: plan.id }, { token: run.token, onProgress: run.progress }),
  );
  void d.refresh();
  if (!report) return;
  await showText('Reclaim report', describeReclaimReport(report));
  const x = report.totals;
  const say = x.failed || report.cancelled ? ui.warn.bind(ui) : ui.info.bind(ui);
  void say(
    `${report.cancelled ? 'Cancelled: ' : ''}${x.repaired} done, ${x.failed} not; ${formatBytes(Math.max(0, x.bytesFreed))} freed. Image store ${formatBytes(x.storeBytesAfter)}.`,
  );
}

export function registerReclaim(d: ReclaimDeps): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.commands.registerCommand(RECLAIM_COMMAND, () => reclaimSpace(d)),
    vscode.workspace.registerTextDocumentContentProvider(SCHEME, {
      provideTextDocumentContent: (uri) => texts.get(uri.toString()) ?? '',
    }),
  );
}
