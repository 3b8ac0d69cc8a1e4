// The worker's calls into the core's repair and handoff modules, shaped for the protocol.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveThread } from '../core/codexHome/rolloutFiles';
import { listBackups as coreListBackups } from '../core/repair/backups';
import { restoreThread } from '../core/repair/restore';
import { stripThread } from '../core/repair/stripThread';
import { writeHandoff } from '../core/handoff/write';
import { checkPreview } from '../core/repair/previewGuard';
import { repairDiff } from '../core/preview/repairDiff';
import { listImages, thumbnail as imageThumbnail } from '../core/preview/imageList';
import { readEntries } from '../core/preview/transcript';
import { searchThreads } from '../core/search/search';
import type { HandoffReportView, ParamsOf, RepairReportView, RestoreReportView, ResultOf } from '../protocol/messages';

export interface Hooks {
  onProgress?: (done: number, total: number, phase?: string) => void;
  isCancelled?: () => boolean;
}

export function strip(p: ParamsOf<'strip'>, hooks: Hooks): RepairReportView {
  const { preview, ...req } = p;
  if (preview)
    checkPreview(
      preview,
      resolveThread(req.codexHome, req.thread).path,
      req.options,
      'Run "Preview Repair" again, then apply that preview.',
    );
  return stripThread(req, hooks);
}

export function preview(p: ParamsOf<'preview'>, hooks: Hooks): ResultOf<'preview'> {
  return repairDiff(
    { codexHome: p.codexHome, thread: p.thread, options: p.options },
    fs.mkdtempSync(path.join(p.dir, 'preview-')),
    p.title,
    hooks,
  );
}

export function restore(
  params: { codexHome: string; thread: string; backupPath?: string; force?: boolean },
  hooks: Hooks,
): RestoreReportView {
  return restoreThread(params, hooks);
}

/** A thread's backups, newest first: the folder (what restore takes), the file's size, when it was made. */
export function listBackups(codexHome: string, thread: string): { path: string; bytes: number; mtimeMs: number }[] {
  const t = resolveThread(codexHome, thread);
  return coreListBackups(codexHome, t.id).map((b) => ({
    path: b.dir,
    bytes: b.manifest.size,
    mtimeMs: Date.parse(b.manifest.createdAt) || 0,
  }));
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

/** The images of one of the home's threads (the details panel's gallery). */
export function images(p: ParamsOf<'images'>, hooks: Hooks): ResultOf<'images'> {
  return listImages(
    resolveThread(p.codexHome, p.thread).path,
    p.limit ?? 500,
    { isCancelled: hooks.isCancelled, onProgress: (d, n) => hooks.onProgress?.(d, n, 'images') },
    p.codexHome,
  );
}

export function thumbnail(p: ParamsOf<'thumbnail'>): ResultOf<'thumbnail'> {
  return imageThumbnail(resolveThread(p.codexHome, p.thread).path, p.start, p.end, p.maxBytes);
}

/** Full-text search of the home's threads (indexing first, for at most `budgetMs`). */
export function search(p: ParamsOf<'search'>, hooks: Hooks): ResultOf<'search'> {
  const { terms: _terms, ...r } = searchThreads(p.codexHome, p.query, {
    limit: p.limit,
    budgetMs: p.budgetMs,
    isCancelled: hooks.isCancelled,
  });
  return r;
}

/** One page of one of the home's threads, as the conversation view shows it. */
export function conversation(p: ParamsOf<'conversation'>): ResultOf<'conversation'> {
  const file = resolveThread(p.codexHome, p.thread).path;
  return readEntries(file, { cursor: p.cursor, maxChars: p.maxChars, toolChars: p.toolChars });
}
