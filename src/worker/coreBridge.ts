// The worker's calls into the core's repair and handoff modules, shaped for the protocol.
import * as fs from 'node:fs';
import { resolveThread } from '../core/codexHome/rolloutFiles';
import { listBackups as coreListBackups } from '../core/repair/backups';
import { restoreDataBytes } from '../core/store/restoreData';
import { restoreThread } from '../core/repair/restore';
import { stripThread } from '../core/repair/stripThread';
import { writeHandoff } from '../core/handoff/write';
import type {
  HandoffReportView,
  RepairOptionsView,
  RepairReportView,
  RepairMode,
  RestoreReportView,
} from '../protocol/messages';

export interface Hooks {
  onProgress?: (done: number, total: number, phase?: string) => void;
  isCancelled?: () => boolean;
}

export function strip(
  params: { codexHome: string; thread: string; mode: RepairMode; options: RepairOptionsView; out?: string },
  hooks: Hooks,
): RepairReportView {
  return stripThread({ ...params }, hooks);
}

export function restore(
  params: { codexHome: string; thread: string; backupPath?: string; force?: boolean },
  hooks: Hooks,
): RestoreReportView {
  return restoreThread(params, hooks);
}

export function listBackups(codexHome: string, thread: string): { path: string; bytes: number; mtimeMs: number }[] {
  const t = resolveThread(codexHome, thread);
  const raw = coreListBackups(codexHome, t.id) as unknown[];
  return (raw ?? []).map((b) => {
    const info = b as { dir?: string; file?: string; path?: string };
    const p = typeof b === 'string' ? b : String(info.dir ?? info.path ?? info.file ?? '');
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(typeof b === 'string' ? b : String(info.file ?? p));
    } catch {
      st = undefined;
    }
    // restore data instead of a copy of the original: the folder's time, the patch's bytes
    if (!st && info.dir) {
      try {
        return { path: p, bytes: restoreDataBytes(info.dir), mtimeMs: fs.statSync(info.dir).mtimeMs };
      } catch {
        // gone meanwhile
      }
    }
    return { path: p, bytes: st?.size ?? 0, mtimeMs: st?.mtimeMs ?? 0 };
  });
}

export function handoff(
  params: { codexHome: string; thread: string; budgetTokens?: number; out?: string },
  hooks: Hooks,
): HandoffReportView {
  const { sections: _sections, ...r } = writeHandoff(params.codexHome, params.thread, {
    budgetTokens: params.budgetTokens,
    out: params.out,
    onProgress: hooks.onProgress,
    isCancelled: hooks.isCancelled,
  });
  return r;
}
