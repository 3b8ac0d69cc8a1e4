// Every message that crosses a thread or a webview boundary, defined once: extension host <-> worker
// (request / progress / result / cancel, with request ids) and extension host <-> details webview.
// Plain data only (structured-clone and JSON safe). No `vscode` import, no Node import: the webview
// script type-checks against this file too.

import type { RiskLevel } from '../core/scan/risk';
import type { ThreadJson } from '../core/scan/threadJson';
import type { ScanResult } from '../core/scan/catalog';
import type { RestoreReport, StripReport } from '../core/repair/repair';

export type RiskLevelName = RiskLevel;

/** A thread as the UI sees it: `threadJson(summary)` — summary fields plus condensed image stats. */
export type ThreadView = ThreadJson;

export interface RepairOptionsView {
  keepImages?: number;
  maxToolOutputBytes?: number;
  archiveImages?: boolean;
}

export type RepairMode = 'dry-run' | 'in-place' | 'fork';

/** The report every strip/repair run ends with. */
export type RepairReportView = StripReport;

export type RestoreReportView = RestoreReport;

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
}

/** A scan as the UI sees it: the core's ScanResult with its threads as ThreadViews. */
export type ScanResultView = Omit<ScanResult, 'threads'> & { threads: ThreadView[]; ms: number };

export interface ProjectionView {
  text: string;
  lines: number;
  truncatedLines: number;
  bytes: number;
}

// ---------------------------------------------------------------------------------------------
// Extension host <-> worker

/** Each worker method: what it takes and what it answers. */
export interface WorkerApi {
  ping: { params: { echo?: string }; result: { pong: string; pid: number; node: string } };
  scan: {
    /**
     * `progressive`: threads arrive as 'partial' messages (first every thread from cheap facts, then
     * each as it is measured, most recently active first) and the result's `threads` is empty.
     */
    params: {
      codexHome: string;
      thresholds?: Record<string, unknown>;
      reset?: boolean;
      progressive?: boolean;
      /** The caller holds the previous progressive scan's threads: unchanged ones are not sent again. */
      listKnown?: boolean;
    };
    result: ScanResultView & { streamed?: boolean };
  };
  /** Watch CODEX_HOME in the worker (listing and stat polling stay off the extension host); 'event' messages follow. */
  watch: { params: { codexHome: string; debounceMs?: number; pollMs?: number }; result: { watching: boolean } };
  unwatch: { params: Record<string, never>; result: { watching: boolean } };
  strip: {
    params: { codexHome: string; thread: string; mode: RepairMode; options: RepairOptionsView; out?: string };
    result: RepairReportView;
  };
  restore: {
    params: { codexHome: string; thread: string; backupPath?: string; force?: boolean };
    result: RestoreReportView;
  };
  listBackups: {
    params: { codexHome: string; thread: string };
    result: { path: string; bytes: number; mtimeMs: number }[];
  };
  handoff: {
    params: { codexHome: string; thread: string; budgetTokens?: number; out?: string };
    result: { path: string; [key: string]: unknown };
  };
  /** Write the readable projection of a rollout to `out` (small even for a multi-GB file). */
  project: { params: { path: string; out: string; title?: string }; result: ProjectionView & { out: string } };
  images: { params: { path: string; limit?: number }; result: { images: ImageRef[]; total: number } };
  thumbnail: {
    params: { path: string; start: number; end: number; maxBytes?: number };
    result: { dataUrl?: string; reason?: string };
  };
  /** Test aid: burn CPU in the worker for `ms` (proves the host stays responsive). */
  spin: { params: { ms: number }; result: { spun: number } };
}

export type WorkerMethod = keyof WorkerApi;
export type ParamsOf<M extends WorkerMethod> = WorkerApi[M]['params'];
export type ResultOf<M extends WorkerMethod> = WorkerApi[M]['result'];

export type WorkerRequest = {
  [M in WorkerMethod]: {
    type: 'request';
    id: number;
    method: M;
    params: WorkerApi[M]['params'];
    /** Int32Array(1) over this buffer: non-zero means cancel (core passes are synchronous). */
    cancel?: SharedArrayBuffer;
  };
}[WorkerMethod];

export type ToWorker = WorkerRequest | { type: 'cancel'; id: number };

export type FromWorker =
  | { type: 'progress'; id: number; done: number; total: number; phase?: string }
  | { type: 'result'; id: number; ok: true; value: unknown }
  | { type: 'result'; id: number; ok: false; error: { name: string; message: string } }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | ScanPartial
  | { type: 'event'; event: 'sessions-changed'; changes: number; sample?: string };

/**
 * Part of a progressive scan. 'listed': threads from cheap facts (`pending` paths are not measured
 * yet; the first 'listed' of a scan has `first`); 'measured': threads whose badge is now known.
 */
export interface ScanPartial {
  type: 'partial';
  id: number;
  kind: 'listed' | 'measured';
  first?: boolean;
  threads: ThreadView[];
  pending?: string[];
  /** With the first 'listed' of a scan that omits unchanged threads: every path the scan lists. */
  paths?: string[];
  measured: number;
  total: number;
}

// ---------------------------------------------------------------------------------------------
// Extension host <-> details webview

export type PanelAction =
  'handoff' | 'preview' | 'repairInPlace' | 'repairFork' | 'restore' | 'openRollout' | 'copyResume' | 'refresh';

export const PANEL_ACTIONS: readonly PanelAction[] = [
  'handoff',
  'preview',
  'repairInPlace',
  'repairFork',
  'restore',
  'openRollout',
  'copyResume',
  'refresh',
];

export type FromWebview =
  | { type: 'ready' }
  | { type: 'action'; action: PanelAction }
  | { type: 'cancel' }
  | { type: 'loadImage'; index: number };

export type ToWebview =
  | { type: 'thread'; thread: ThreadView; busy?: PanelAction }
  | { type: 'progress'; action: PanelAction; done: number; total: number; phase?: string }
  | { type: 'done'; action: PanelAction; summary: string; report?: object }
  | { type: 'failed'; action: PanelAction; message: string; cancelled?: boolean }
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
  if (t === 'ready' || t === 'cancel') return true;
  if (t === 'action') return PANEL_ACTIONS.includes((m as { action: PanelAction }).action);
  if (t === 'loadImage') return Number.isInteger((m as { index: unknown }).index);
  return false;
}
