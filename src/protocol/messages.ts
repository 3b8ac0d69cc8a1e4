// Every message that crosses a thread boundary between the extension host and the worker (request /
// progress / result, with request ids; a request is cancelled through its shared flag), and the data they carry. Plain data only
// (structured-clone safe). The details webview's messages are in ./panel (re-exported here): that half
// has no Node import, so the webview's own tsconfig (DOM, no Node types) compiles against it.

import type { RiskLevel, RiskThresholds } from '../core/scan/risk';
import type { ThreadJson } from '../core/scan/threadJson';
import type { ScanResult } from '../core/scan/catalog';
import type { StripReport } from '../core/repair/types';
import type { RestoreReport } from '../core/repair/restore';
import type { PreviewRecord, RepairChoice } from '../core/repair/previewGuard';
import type { WriteResult } from '../core/handoff/types';
import type { ReclaimOptions, ReclaimPlan } from '../core/reclaim/plan';
import type { ReclaimReport } from '../core/reclaim/run';
import type { ErrorView, ImageRef } from './panel';
import type { SearchResult } from '../core/search/search';
import type { EntryPage } from '../core/preview/transcript';

export * from './panel';

export type RiskLevelName = RiskLevel;

/** A thread as the extension sees it: `threadJson(summary)` — summary fields plus condensed image stats. */
export type ThreadView = ThreadJson;

export type RepairOptionsView = RepairChoice;

export type RepairMode = 'dry-run' | 'in-place' | 'fork';

/** The report every strip/repair run ends with. */
export type RepairReportView = StripReport;

export type RestoreReportView = RestoreReport;

/** A written handoff (its section list stays in the worker). */
export type HandoffReportView = Omit<WriteResult, 'sections'>;

/** A scan as the UI sees it: the core's ScanResult with its threads as ThreadViews. */
export type ScanResultView = Omit<ScanResult, 'threads'> & { threads: ThreadView[]; ms: number };

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
      thresholds?: Partial<RiskThresholds>;
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
  /** A repair; with `preview`, refused unless the file and the options are still those of that preview. */
  strip: {
    params: {
      codexHome: string;
      thread: string;
      mode: RepairMode;
      options: RepairOptionsView;
      out?: string;
      preview?: PreviewRecord;
    };
    result: RepairReportView;
  };
  /** The repair preview: a dry run whose repaired copy is projected into `dir` beside the original's, then deleted. */
  preview: {
    params: { codexHome: string; thread: string; options: RepairOptionsView; dir: string; title: string };
    result: { record: PreviewRecord; report: RepairReportView; original: string; repaired: string };
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
    result: HandoffReportView;
  };
  images: {
    params: { codexHome: string; thread: string; limit?: number };
    result: { images: ImageRef[]; total: number };
  };
  thumbnail: {
    params: { codexHome: string; thread: string; start: number; end: number; maxBytes?: number };
    result: { dataUrl?: string; reason?: string };
  };
  /** An image in the home's image store (a repair replaced its payload; only files of that store are read). */
  archivedThumbnail: { params: { codexHome: string; file: string }; result: { dataUrl?: string; reason?: string } };
  /** Full-text search; indexes first for at most `budgetMs` (what is left is in the result's `pending`). */
  search: {
    params: { codexHome: string; query: string; limit?: number; budgetMs?: number };
    result: Omit<SearchResult, 'terms'>;
  };
  /** One page of a thread's conversation (readEntries). */
  conversation: {
    params: { codexHome: string; thread: string; cursor?: string; maxChars?: number; toolChars?: number };
    result: EntryPage;
  };
  /** What a home-wide reclaim would do (the worker keeps the plan for `reclaim`). */
  planReclaim: { params: { codexHome: string } & ReclaimOptions; result: ReclaimPlan };
  /** Carry out a plan made by planReclaim; progress: threads done of all, the phase says bytes freed. */
  reclaim: { params: { codexHome: string; planId: string }; result: ReclaimReport };
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

export type ToWorker = WorkerRequest;

export type FromWorker =
  | { type: 'progress'; id: number; done: number; total: number; phase?: string }
  | { type: 'result'; id: number; ok: true; value: ResultOf<WorkerMethod> }
  | { type: 'result'; id: number; ok: false; error: ErrorView }
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
