// What each thread action asks, runs and says, whichever surface runs it (actionRunner.ts): its command,
// its quick-pick prompt, its progress title, its confirmation and retry texts, its summary and report.
// Adding an action: an entry in PANEL_ACTIONS (src/protocol/panel.ts) when the panel shows it, one here,
// and its command in package.json. No `vscode` import.
import type { PanelAction, ThreadView } from '../protocol/messages';
import { errorCode } from '../core/util/errors';
import { formatBytes } from '../core/util/display';
import type { Actions } from './actions';
import type { ActionArgs, ActionSpec, ActionTable, Outcome, Question } from './actionRunner';
import type { OpenPreview } from './diffPreview';
import type { Ui } from './ui';
import { COMMANDS } from './commandIds';
import { handoffReport, repairReport, restoreReport } from './panelData';
import { reportSummary } from './logic';

export interface TableDeps {
  actions: Pick<Actions, 'handoff' | 'preview' | 'repair' | 'restore' | 'backups' | 'resumeCommand'>;
  ui: () => Ui;
  /** Open a file in an editor (a handoff just written). */
  openFile(file: string): unknown;
  /** Apply Repair on a preview just shown. */
  applyPreview(p: OpenPreview): unknown;
  copy(text: string): Promise<void>;
  /** Show a file in the OS file manager, or (web, remote) copy its path and say `copiedMessage`. */
  reveal(file: string, copiedMessage: string): Promise<void>;
}

function repairSpec(d: TableDeps, mode: 'in-place' | 'fork'): ActionSpec {
  const fork = mode === 'fork';
  return {
    command: fork ? COMMANDS.repairAsFork : COMMANDS.repairInPlace,
    pick: fork ? 'Repair which thread as a fork?' : 'Repair which thread in place?',
    title: (t) => (fork ? `Repairing ${t.name} as a fork` : `Repairing ${t.name}`),
    confirm: (t): Question =>
      fork
        ? {
            message: `Write a repaired copy of "${t.name}" as a new thread? The original stays untouched.`,
            button: 'Repair as Fork',
          }
        : {
            message: `Repair "${t.name}" in place? A backup is made first; close Codex on this thread before you continue.`,
            button: 'Repair In Place',
          },
    run: async (t, run, a): Promise<Outcome> => {
      const r = await d.actions.repair(t, mode, run, a.preview);
      return {
        summary: fork
          ? 'Repaired as a fork: a new thread; the original is untouched.'
          : 'Repaired in place; the original is kept in a backup.',
        details: reportSummary(r.report),
        report: repairReport(r.report),
        value: r,
      };
    },
  };
}

export function actionTable(d: TableDeps) {
  return {
    handoff: {
      command: COMMANDS.writeHandoff,
      pick: 'Write a handoff for which thread?',
      title: (t) => `Writing handoff for ${t.name}`,
      run: async (t, run) => {
        const r = await d.actions.handoff(t, run);
        return {
          summary: 'Handoff written. Start a new Codex thread with it to continue the work.',
          details: r.path,
          report: handoffReport(r.report),
          value: r,
          next: [{ label: 'Open', run: () => d.openFile(r.path) }],
        };
      },
    },
    preview: {
      command: COMMANDS.previewRepair,
      pick: 'Preview the repair of which thread?',
      title: (t) => `Previewing repair of ${t.name}`,
      run: async (t, run) => {
        const r = await d.actions.preview(t, run);
        const p = r.report;
        return {
          summary: 'Preview: the repaired copy is open beside the original in the diff editor. Nothing changed yet.',
          details: `${formatBytes(p.bytesBefore)} → ${formatBytes(p.bytesAfter)}, ${p.imagesReplaced} images replaced, ${p.toolOutputsCapped} tool outputs capped.`,
          report: repairReport(p),
          value: r,
          next: [{ label: 'Apply Repair', run: () => d.applyPreview(r.preview) }],
        };
      },
    },
    repairInPlace: repairSpec(d, 'in-place'),
    repairFork: repairSpec(d, 'fork'),
    restore: {
      command: COMMANDS.restoreBackup,
      pick: 'Restore which thread from its backup?',
      title: (t) => `Restoring ${t.name}`,
      argsFrom: ([backup]) => (typeof backup === 'string' ? { backupPath: backup } : {}),
      prepare: async (t, a): Promise<ActionArgs | undefined> => {
        if (a.backupPath) return a;
        // None listed (never repaired, or a fork): the restore itself says why, in the core's words.
        const backups = await d.actions.backups(t).catch(() => []);
        if (backups.length <= 1) return { ...a, backupPath: backups[0]?.path };
        const pick = await d.ui().pick(
          backups
            .sort((x, y) => y.mtimeMs - x.mtimeMs)
            .map((b) => ({
              label: new Date(b.mtimeMs).toLocaleString(),
              description: formatBytes(b.bytes),
              detail: b.path,
              path: b.path,
            })),
          { placeHolder: 'Which backup?' },
        );
        return pick ? { ...a, backupPath: pick.path } : undefined;
      },
      confirm: (t, a) =>
        a.backupPath
          ? {
              message: `Restore "${t.name}" from its backup (${a.backupPath})? The current file is replaced by the backup; it is saved as a backup itself first.`,
              button: 'Restore',
            }
          : undefined,
      run: async (t, run, a) => {
        const r = await d.actions.restore(t, run, a.backupPath, a.force);
        const saved = r.report.savedCurrentAs;
        return {
          summary: 'Restored from the backup.',
          details: `${t.name} is as it was before the repair (from ${r.report.fromBackup})${saved ? `; the version it replaced is saved at ${saved}` : ''}.`,
          report: restoreReport(r.report),
          value: r,
        };
      },
      // Codex wrote to the thread since the repair: ask before moving those turns aside.
      retry: (err, t, a) =>
        errorCode(err) === 'changed-since-repair' && !a.force
          ? {
              question: {
                message: `"${t.name}" changed since it was repaired: Codex added new turns. Restore the backup anyway? The current version, with those turns, is saved as a backup first.`,
                button: 'Restore anyway',
              },
              args: { ...a, force: true },
            }
          : undefined,
    },
    openRollout: {
      command: COMMANDS.revealRollout,
      pick: 'Reveal the rollout file of which thread?',
      title: (t) => `Revealing the rollout of ${t.name}`,
      run: async (t) => {
        // Web / remote: say where it is; opening a multi-GB file in the editor would not help.
        await d.reveal(t.path, `Rollout: ${t.path} (${formatBytes(t.sizeBytes)}) — path copied.`);
        return { value: t.path };
      },
    },
    copyResume: {
      command: COMMANDS.copyResumeCommand,
      pick: 'Copy the resume command of which thread?',
      title: (t) => `Copying the resume command of ${t.name}`,
      run: async (t: ThreadView) => {
        const cmd = d.actions.resumeCommand(t);
        await d.copy(cmd);
        return { summary: `Copied: ${cmd}`, value: cmd };
      },
    },
  } satisfies Record<PanelAction, ActionSpec> & ActionTable;
}
