// Reading `codexRescue.*` settings in one place.
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { resolveCodexHome } from '../core/codexHome/paths';
import type { RiskThresholds } from '../core/scan/risk';
import type { RepairOptionsView } from '../protocol/messages';

export type AutoHandoff = 'off' | 'notify' | 'write';

export interface Settings {
  codexHome: string;
  thresholds: Partial<RiskThresholds>;
  repair: RepairOptionsView;
  autoHandoff: AutoHandoff;
  /** Absolute, `~` expanded; '' when unset. */
  handoffFolder: string;
  handoffBudgetTokens: number;
  statusBarEnabled: boolean;
  groupByWorkspace: boolean;
  needsAttentionDays: number;
}

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration('codexRescue');
  const MiB = 1024 * 1024;
  const triple = (key: string, scale = 1): [number, number, number] | undefined => {
    const v = c.get<number[]>(key);
    return Array.isArray(v) && v.length === 3 ? [v[0] * scale, v[1] * scale, v[2] * scale] : undefined;
  };
  const thresholds: Partial<RiskThresholds> = {};
  const fileBytes = triple('thresholds.fileSizeMB', MiB);
  if (fileBytes) thresholds.fileBytes = fileBytes;
  const liveImageBytes = triple('thresholds.liveImageMB', MiB);
  if (liveImageBytes) thresholds.liveImageBytes = liveImageBytes;
  const contextFill = triple('thresholds.contextFill');
  if (contextFill) thresholds.contextFill = contextFill;
  const folder = c.get<string>('handoffFolder', '').trim();
  return {
    codexHome: resolveCodexHome(c.get<string>('codexHome') || undefined),
    thresholds,
    repair: {
      keepImages: c.get<number>('keepImages', 0),
      maxToolOutputBytes: c.get<number>('maxToolOutputKB', 256) * 1024,
      archiveImages: c.get<boolean>('archiveImages', false),
    },
    autoHandoff: c.get<AutoHandoff>('autoHandoff', 'notify'),
    handoffFolder: folder ? path.resolve(folder.replace(/^~(?=$|[\\/])/, os.homedir())) : '',
    handoffBudgetTokens: c.get<number>('handoffBudgetTokens', 12000),
    statusBarEnabled: c.get<boolean>('statusBar.enabled', true),
    groupByWorkspace: c.get<boolean>('groupByWorkspace', false),
    needsAttentionDays: c.get<number>('needsAttentionDays', 14),
  };
}
