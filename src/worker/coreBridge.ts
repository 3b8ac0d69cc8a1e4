// The worker's view of core modules that land in parallel (repair, handoff). Each is required inside
// try/catch: esbuild bundles it when the file exists and leaves a failing require when it does not,
// so the worker builds and runs either way and says plainly what is not available yet.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findThread } from '../core/catalog';
import { stripRollout } from '../core/strip';
import type { RepairOptionsView, RepairReportView, RepairMode } from '../protocol/messages';

export interface Hooks {
  onProgress?: (done: number, total: number, phase?: string) => void;
  isCancelled?: () => boolean;
}

type RepairModule = {
  stripThread(args: { codexHome: string; thread: string; mode: RepairMode; out?: string; options: RepairOptionsView }, hooks: Hooks): RepairReportView;
  restoreThread(args: { codexHome: string; thread: string; backupPath?: string }, hooks: Hooks): Record<string, unknown>;
  listBackups(codexHome: string, threadId: string): unknown;
};
type HandoffModule = {
  writeHandoff(codexHome: string, threadRef: string, opts: { budgetTokens?: number; out?: string; onProgress?: Hooks['onProgress']; isCancelled?: Hooks['isCancelled'] }): { path: string };
};

let repairMod: RepairModule | undefined;
let handoffMod: HandoffModule | undefined;
try {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  repairMod = require('../core/repair') as RepairModule;
} catch {
  repairMod = undefined;
}
try {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  handoffMod = require('../core/handoff') as HandoffModule;
} catch {
  handoffMod = undefined;
}

export function available(): { repair: boolean; handoff: boolean } {
  return { repair: !!repairMod?.stripThread, handoff: !!handoffMod?.writeHandoff };
}

function resolveThread(codexHome: string, ref: string): { path: string; id: string } {
  const f = findThread(codexHome, ref);
  if (!f) throw new Error(`No Codex thread '${ref}' in ${codexHome}.`);
  return f;
}

export function strip(params: { codexHome: string; thread: string; mode: RepairMode; options: RepairOptionsView; out?: string }, hooks: Hooks): RepairReportView {
  if (repairMod?.stripThread) return repairMod.stripThread({ ...params }, hooks);
  if (params.mode !== 'dry-run') throw new Error('Repairing in place or as a fork needs the repair module, which this build does not have yet.');
  // Dry run with the strip pass alone: write the repaired copy to a temp file.
  const t = resolveThread(params.codexHome, params.thread);
  const out = params.out ?? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'codex-rescue-dry-')), path.basename(t.path));
  const s = stripRollout(t.path, out, { keepImages: params.options.keepImages, maxToolOutputBytes: params.options.maxToolOutputBytes }, {
    onProgress: (d, n) => hooks.onProgress?.(d, n, 'strip'),
    isCancelled: hooks.isCancelled,
  });
  return {
    bytesBefore: s.bytesBefore,
    bytesAfter: s.bytesAfter,
    imagesReplaced: s.imagesReplaced,
    imagesKept: s.imagesKept,
    imagesArchived: s.imagesArchived,
    toolOutputsCapped: s.toolOutputsCapped,
    linesVerified: 0,
    jsonErrors: 0,
    outputPath: out,
    threadId: t.id,
    resumeCommand: `codex resume ${t.id}`,
  };
}

export function restore(params: { codexHome: string; thread: string; backupPath?: string }, hooks: Hooks): Record<string, unknown> {
  if (!repairMod?.restoreThread) throw new Error('Restore needs the repair module, which this build does not have yet.');
  return repairMod.restoreThread(params, hooks);
}

export function listBackups(codexHome: string, thread: string): { path: string; bytes: number; mtimeMs: number }[] {
  if (!repairMod?.listBackups) return [];
  const t = resolveThread(codexHome, thread);
  const raw = repairMod.listBackups(codexHome, t.id) as unknown[];
  return (raw ?? []).map((b) => {
    const info = b as { dir?: string; file?: string; path?: string };
    const p = typeof b === 'string' ? b : String(info.dir ?? info.path ?? info.file ?? '');
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(typeof b === 'string' ? b : String(info.file ?? p));
    } catch {
      st = undefined;
    }
    return { path: p, bytes: st?.size ?? 0, mtimeMs: st?.mtimeMs ?? 0 };
  });
}

export function handoff(params: { codexHome: string; thread: string; budgetTokens?: number; out?: string }, hooks: Hooks): { path: string; [k: string]: unknown } {
  if (!handoffMod?.writeHandoff) throw new Error('Writing a handoff needs the handoff module, which this build does not have yet.');
  const r = handoffMod.writeHandoff(params.codexHome, params.thread, { budgetTokens: params.budgetTokens, out: params.out, onProgress: hooks.onProgress, isCancelled: hooks.isCancelled });
  return { ...r } as { path: string };
}
