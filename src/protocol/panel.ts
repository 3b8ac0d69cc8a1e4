// Every message between the extension host and the details webview, and the plain data they carry.
// This file and what it imports have no Node and no `vscode` import: the webview (src/webview,
// tsconfig with the DOM lib and no Node types) and the extension both compile against it.
import type { ErrorCode } from '../core/util/errors';
import type { CATEGORY_LABELS, RiskLevel } from '../core/util/display';
import type { RepairCounts, VerifyCounts } from '../core/repair/counts';

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

export interface ImageRef {
  /** Position in the thread (0-based, file order). */
  index: number;
  line: number;
  /** Byte range of the data URL's raw content in the rollout. */
  start: number;
  end: number;
  mediaType: string;
  storedBytes: number;
  width?: number;
  height?: number;
  where: string;
  /** The image's file in the image store, when a repair replaced its payload with a placeholder. */
  file?: string;
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

export type PanelAction =
  'handoff' | 'preview' | 'repairInPlace' | 'repairFork' | 'restore' | 'openRollout' | 'copyResume';

export const PANEL_ACTIONS: readonly PanelAction[] = [
  'handoff',
  'preview',
  'repairInPlace',
  'repairFork',
  'restore',
  'openRollout',
  'copyResume',
];

/** Actions that run in the worker: one at a time per panel, with progress and cancel. */
export const LONG_ACTIONS: ReadonlySet<PanelAction> = new Set([
  'handoff',
  'preview',
  'repairInPlace',
  'repairFork',
  'restore',
]);

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
  if (t === 'action') return PANEL_ACTIONS.includes((m as { action: PanelAction }).action);
  if (t === 'loadImage') return Number.isInteger((m as { index: unknown }).index);
  if (t === 'revealPath') return typeof (m as { path: unknown }).path === 'string';
  return false;
}
