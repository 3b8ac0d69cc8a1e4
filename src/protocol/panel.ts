// Every message between the extension host and the details webview, and the plain data they carry.
// This file and what it imports have no Node and no `vscode` import: the webview (src/webview,
// tsconfig with the DOM lib and no Node types) and the extension both compile against it.
import type { ErrorCode } from '../core/util/errors';
import type { CATEGORY_LABELS, RiskLevel } from '../core/util/display';
import type { RepairCounts, VerifyCounts } from '../core/repair/counts';
import type { ImageRef } from '../core/preview/imageRef';

export type { ImageRef };

export type Category = keyof typeof CATEGORY_LABELS;

/** A thread as the panel shows it: the fields it renders, nothing the extension keeps for itself. */
export interface PanelThread {
  id: string;
  path: string;
  name: string;
  archived: boolean;
  sizeBytes: number;
  createdAt?: string;
  updatedAt?: string;
  cwd?: string;
  model?: string;
  risk: {
    level: RiskLevel;
    reasons: { level: RiskLevel; code: string; text: string }[];
    recommendation: string;
    contextFill?: number;
  };
  bytes: Record<Category, number>;
  images: { total: number; totalBytes: number; live: number; liveBytes: number; distinct: number; maxCopies: number };
  compactions: number;
  toolOutputs: number;
  tokens: { series: { used: number; window?: number; at?: string }[]; window?: number };
}

/** What a run did, for the panel's summary (each built from the core's report by the extension). */
export type RunReport =
  | (RepairCounts &
      VerifyCounts & {
        kind: 'repair';
        mode: 'dry-run' | 'in-place' | 'fork' | 'copy';
        backupPath?: string;
        archiveDir?: string;
        newThreadId?: string;
        resumeCommand: string;
      })
  | {
      kind: 'restore';
      fromBackup: string;
      restoredPath: string;
      bytes: number;
      savedCurrentAs?: string;
      resumeCommand: string;
    }
  | { kind: 'handoff'; path: string; copy?: string; bytes: number; tokensEstimate: number; trimmed: string[] };

/** An error as it crosses a boundary: its code decides what the receiver does, the message is for people. */
export interface ErrorView {
  code: ErrorCode;
  message: string;
}

/**
 * The panel's buttons, in order: the one list the action names, the buttons and the extension's action
 * table (src/extension/actionTable.ts) follow. `long`: runs in the worker, one at a time per panel, with
 * progress and cancel.
 */
export const PANEL_ACTIONS = [
  { id: 'preview', label: 'Preview repair', title: 'Dry run: see what would change as a diff', long: true },
  { id: 'handoff', label: 'Write handoff', title: 'Write a Markdown handoff from the rollout', long: true },
  { id: 'repairInPlace', label: 'Repair in place', title: 'Backup, strip images, verify, swap', long: true },
  { id: 'repairFork', label: 'Repair as fork', title: 'Write a repaired copy as a new thread', long: true },
  { id: 'restore', label: 'Restore backup', title: 'Bring back the original from its backup', long: true },
  { id: 'openRollout', label: 'Open rollout', title: 'Show where the rollout file is', long: false },
  { id: 'copyResume', label: 'Copy resume command', title: 'Copy `codex resume <id>`', long: false },
] as const;

export type PanelAction = (typeof PANEL_ACTIONS)[number]['id'];

const ACTION_IDS: ReadonlySet<string> = new Set(PANEL_ACTIONS.map((a) => a.id));

export const LONG_ACTIONS: ReadonlySet<PanelAction> = new Set(PANEL_ACTIONS.filter((a) => a.long).map((a) => a.id));

export type FromWebview =
  | { type: 'ready' }
  | { type: 'action'; action: PanelAction }
  | { type: 'cancel' }
  | { type: 'loadImage'; index: number }
  /** Reveal a file a run reported (backup, handoff); the extension only reveals paths it produced. */
  | { type: 'revealPath'; path: string }
  /** Copy the resume command of the last run's report. */
  | { type: 'copyResumeCommand' };

export type ToWebview =
  | { type: 'thread'; thread: PanelThread; busy?: PanelAction }
  | { type: 'progress'; action: PanelAction; done: number; total: number; phase?: string }
  | { type: 'done'; action: PanelAction; summary: string; report?: RunReport }
  /** `error.code === 'cancelled'`: the user cancelled and nothing was changed. */
  | { type: 'failed'; action: PanelAction; error: ErrorView }
  | { type: 'images'; images: ImageRef[]; total: number }
  | { type: 'image'; index: number; dataUrl?: string; reason?: string };

/** The state a details panel persists (webview state, used by the serializer on reload). */
export interface PanelState {
  threadId: string;
  path?: string;
}

export function isFromWebview(m: unknown): m is FromWebview {
  if (!m || typeof m !== 'object') return false;
  const t = (m as { type?: unknown }).type;
  if (t === 'ready' || t === 'cancel' || t === 'copyResumeCommand') return true;
  if (t === 'action') return ACTION_IDS.has((m as { action: string }).action);
  if (t === 'loadImage') return Number.isInteger((m as { index: unknown }).index);
  if (t === 'revealPath') return typeof (m as { path: unknown }).path === 'string';
  return false;
}
