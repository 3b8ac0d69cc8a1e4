// What the details panel is sent (no `vscode` import): a thread cut down to what the panel renders,
// and each run's report as the panel's RunReport. The compiler checks both against the core's types.
import * as path from 'node:path';
import { resumeCommand } from '../core/util/display';
import type {
  HandoffReportView,
  PanelThread,
  RepairReportView,
  RestoreReportView,
  RunReport,
  ThreadView,
} from '../protocol/messages';

export function panelThread(t: ThreadView): PanelThread {
  const m = t.metrics;
  return {
    id: t.id,
    path: t.path,
    name: t.name,
    archived: t.archived,
    sizeBytes: t.sizeBytes,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
    cwd: t.cwd,
    model: t.model,
    risk: {
      level: t.risk.level,
      reasons: t.risk.reasons.map((r) => ({ level: r.level, code: r.code, text: r.text })),
      recommendation: t.risk.recommendation,
      contextFill: t.risk.contextFill,
    },
    bytes: { ...m.bytes },
    images: {
      total: m.images.total,
      totalBytes: m.images.totalBytes,
      live: m.images.live,
      liveBytes: m.bytes.imagesLive,
      distinct: m.images.distinct,
      maxCopies: m.images.maxCopies,
    },
    compactions: m.compactions.count,
    toolOutputs: m.toolOutputs.count,
    tokens: {
      series: m.tokens.series.map((s) => ({ used: s.used, window: s.window, at: s.at })),
      window: m.tokens.window,
    },
  };
}

export function repairReport(r: RepairReportView): RunReport {
  return {
    kind: 'repair',
    mode: r.mode,
    bytesBefore: r.bytesBefore,
    bytesAfter: r.bytesAfter,
    imagesReplaced: r.imagesReplaced,
    imagesKept: r.imagesKept,
    imagesArchived: r.imagesArchived,
    imageBytesRemoved: r.imageBytesRemoved,
    toolOutputsCapped: r.toolOutputsCapped,
    toolOutputBytesRemoved: r.toolOutputBytesRemoved,
    brokenImagesFixed: r.brokenImagesFixed,
    embeddedImagesRemoved: r.embeddedImagesRemoved,
    embeddedBytesRemoved: r.embeddedBytesRemoved,
    ordinalsRenumbered: r.ordinalsRenumbered,
    linesVerified: r.linesVerified,
    jsonErrors: r.jsonErrors,
    independentlyParsed: r.independentlyParsed,
    backupPath: r.backupPath,
    archiveDir: r.archiveDir,
    newThreadId: r.newThreadId,
    resumeCommand: r.resumeCommand,
  };
}

export function restoreReport(r: RestoreReportView): RunReport {
  return {
    kind: 'restore',
    fromBackup: r.fromBackup,
    restoredPath: r.restoredPath,
    bytes: r.bytes,
    savedCurrentAs: r.savedCurrentAs,
    resumeCommand: resumeCommand(r.threadId),
  };
}

export function handoffReport(r: HandoffReportView): RunReport {
  return {
    kind: 'handoff',
    path: r.path,
    copy: r.outPath,
    bytes: r.bytes,
    tokensEstimate: r.tokensEstimate,
    trimmed: r.trimmed,
  };
}

/** Paths a report names that the panel may ask to reveal. */
export function reportPaths(r: RunReport | undefined): string[] {
  if (!r) return [];
  if (r.kind === 'repair') return [r.backupPath, r.archiveDir].filter((p): p is string => !!p);
  if (r.kind === 'restore') return [r.fromBackup, r.savedCurrentAs].filter((p): p is string => !!p);
  return [r.path, r.copy].filter((p): p is string => !!p);
}

/**
 * A path the panel may reveal: one the last report named, and inside a folder the extension writes to
 * (the Codex home's rescue folder, or the handoff folder the user set). Anything else is refused.
 */
export function mayReveal(p: string, report: RunReport | undefined, roots: string[]): boolean {
  const want = path.resolve(p);
  if (!reportPaths(report).some((r) => path.resolve(r) === want)) return false;
  return roots.some((root) => {
    const rel = path.relative(path.resolve(root), want);
    return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
  });
}
