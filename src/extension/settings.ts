// Reading `codexRescue.*` settings in one place.
import * as vscode from 'vscode';
import { resolveCodexHome } from '../core/codexHome/rolloutFiles';
import type { RepairOptionsView } from '../protocol/messages';

export type AutoHandoff = 'off' | 'notify' | 'write';

export interface Settings {
  codexHome: string;
  thresholds: Record<string, unknown>;
  repair: RepairOptionsView;
  autoHandoff: AutoHandoff;
  handoffFolder: string;
  handoffBudgetTokens: number;
  statusBarEnabled: boolean;
  groupByWorkspace: boolean;
  needsAttentionDays: number;
}

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration('codexRescue');
  const MiB = 1024 * 1024;
  const thresholds: Record<string, unknown> = {};
  const fileMb = c.get<number[]>('thresholds.fileSizeMB');
  if (Array.isArray(fileMb) && fileMb.length === 3) thresholds.fileBytes = fileMb.map((n) => n * MiB);
  const liveMb = c.get<number[]>('thresholds.liveImageMB');
  if (Array.isArray(liveMb) && liveMb.length === 3) thresholds.liveImageBytes = liveMb.map((n) => n * MiB);
  const fill = c.get<number[]>('thresholds.contextFill');
  if (Array.isArray(fill) && fill.length === 3) thresholds.contextFill = fill;
  return {
    codexHome: resolveCodexHome(c.get<string>('codexHome') || undefined),
    thresholds,
    repair: {
      keepImages: c.get<number>('keepImages', 0),
      maxToolOutputBytes: c.get<number>('maxToolOutputKB', 256) * 1024,
      archiveImages: c.get<boolean>('archiveImages', false),
    },
    autoHandoff: c.get<AutoHandoff>('autoHandoff', 'notify'),
    handoffFolder: c.get<string>('handoffFolder', ''),
    handoffBudgetTokens: c.get<number>('handoffBudgetTokens', 12000),
    statusBarEnabled: c.get<boolean>('statusBar.enabled', true),
    groupByWorkspace: c.get<boolean>('groupByWorkspace', false),
    needsAttentionDays: c.get<number>('needsAttentionDays', 14),
  };
}
