// A repair follows a preview: the preview records the file's stamp and the options it was made with,
// and the repair is refused unless the file is still exactly what was previewed and the options are the
// same. The MCP server (repair_thread takes a previewId) and VS Code's "Apply Repair" both use it.
//
// "Unchanged" is checked by a stamp, not a full sha256: size, mtime (ns), inode, and the sha256 of the
// first and last MiB. Codex only ever appends (size and mtime move) or replaces the file by rename
// (inode moves); a full hash would cost one more read of a possibly many-GB rollout per repair,
// and the repair itself re-checks size and mtime right before its swap.
import * as fs from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { resolveThread } from '../codexHome/rolloutFiles';
import { RescueError } from '../util/errors';
import { removeQuietly } from '../util/atomicWrite';
import { DEFAULT_MAX_TOOL_OUTPUT } from './stripPass';
import { stripThread } from './stripThread';
import { RepairHooks, StripReport, StripRequest } from './types';

/** The options a repair runs with (what a preview is bound to). */
export type RepairChoice = NonNullable<StripRequest['options']>;

export interface FileStamp {
  size: number;
  mtimeNs: string;
  ino: string;
  edges: string;
}

/** A preview a repair may follow: which file, in which state, with which options. Plain data. */
export interface PreviewRecord {
  id: string;
  threadId: string;
  path: string;
  options: RepairChoice;
  stamp: FileStamp;
  createdAt: string;
}

const EDGE = 1024 * 1024;

export function stampFile(file: string): FileStamp {
  const st = fs.statSync(file, { bigint: true });
  const size = Number(st.size);
  const hash = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const read = (pos: number, len: number) => {
      const buf = Buffer.alloc(len);
      const n = fs.readSync(fd, buf, 0, len, pos);
      hash.update(buf.subarray(0, n));
    };
    read(0, Math.min(EDGE, size));
    if (size > EDGE) read(Math.max(EDGE, size - EDGE), Math.min(EDGE, size - EDGE));
  } finally {
    fs.closeSync(fd);
  }
  return { size, mtimeNs: st.mtimeNs.toString(), ino: st.ino.toString(), edges: hash.digest('hex') };
}

function sameStamp(a: FileStamp, b: FileStamp): boolean {
  return a.size === b.size && a.mtimeNs === b.mtimeNs && a.ino === b.ino && a.edges === b.edges;
}

/** Options with their defaults filled in, so `{}` and `{ keepImages: 0 }` compare equal. */
function normalOptions(o: RepairChoice): Required<Pick<RepairChoice, 'keepImages' | 'maxToolOutputBytes'>> & {
  archiveImages: boolean;
} {
  return {
    keepImages: o.keepImages ?? 0,
    maxToolOutputBytes: o.maxToolOutputBytes ?? DEFAULT_MAX_TOOL_OUTPUT,
    archiveImages: !!o.archiveImages,
  };
}

/** What differs between two option sets, in words ('' when they are the same). */
export function optionChanges(before: RepairChoice, now: RepairChoice): string {
  const a = normalOptions(before);
  const b = normalOptions(now);
  return (Object.keys(a) as (keyof typeof a)[])
    .filter((k) => a[k] !== b[k])
    .map((k) => `${k} ${String(a[k])} → ${String(b[k])}`)
    .join(', ');
}

/**
 * A dry run of the repair with the file stamped before and after: the record a repair may follow, and the
 * report. `useCopy` sees the repaired copy while it exists (to project it); the copy is always deleted.
 */
export function previewRepair<T = undefined>(
  req: Omit<StripRequest, 'mode' | 'out'>,
  hooks: RepairHooks = {},
  useCopy?: (copy: string, report: StripReport) => T,
): { record: PreviewRecord; report: StripReport; used?: T } {
  const f = resolveThread(req.codexHome, req.thread, { outside: req.outside });
  const before = stampFile(f.path);
  const report = stripThread({ ...req, thread: f.path, mode: 'dry-run' }, hooks);
  let used: T | undefined;
  try {
    used = useCopy?.(report.outputPath, report);
  } finally {
    removeQuietly(report.outputPath);
  }
  const after = stampFile(f.path);
  if (after.size !== before.size || after.mtimeNs !== before.mtimeNs)
    throw new RescueError(
      'growing',
      `Thread ${report.threadId} changed while it was being previewed (something is writing it, probably Codex). Nothing was changed; close Codex on it and preview again.`,
    );
  const record: PreviewRecord = {
    id: `pv-${report.threadId.slice(0, 8)}-${randomBytes(6).toString('hex')}`,
    threadId: f.id,
    path: f.path,
    options: req.options ?? {},
    stamp: before,
    createdAt: new Date().toISOString(),
  };
  return { record, report, used };
}

/**
 * Refuse a repair of `file` with `options` unless both are what preview `rec` saw. `again` ends the
 * message: how this caller previews again (the MCP tool's name, VS Code's command).
 */
export function checkPreview(rec: PreviewRecord, file: string, options: RepairChoice, again: string): void {
  let now: FileStamp | undefined;
  try {
    now = stampFile(file);
  } catch {
    now = undefined;
  }
  if (rec.path !== file || !now || !sameStamp(now, rec.stamp))
    throw new RescueError(
      'changed-during-run',
      `Thread ${rec.threadId} changed since the preview — preview again (${rec.stamp.size} → ${now?.size ?? 'missing'} bytes${now && now.size === rec.stamp.size ? ', same size but different content or file' : ''}): something wrote to it, so that preview no longer shows what a repair would do. Nothing was changed. ${again}`,
    );
  const changes = optionChanges(rec.options, options);
  if (changes)
    throw new RescueError(
      'changed-during-run',
      `The repair options changed since the preview of thread ${rec.threadId} — preview again (${changes}): that preview does not show what this repair would do. Nothing was changed. ${again}`,
    );
}

/** Previews a server has shown, by id (the MCP server keeps one per session). */
export class PreviewRegistry {
  private readonly records = new Map<string, PreviewRecord>();

  add(rec: PreviewRecord): PreviewRecord {
    this.records.set(rec.id, rec);
    return rec;
  }

  /** The preview a repair of `threadId` (rollout `file`) may follow, or a plain-words refusal. */
  check(previewId: string, threadId: string, file: string): PreviewRecord {
    const rec = this.records.get(previewId);
    if (!rec)
      throw new RescueError(
        'usage',
        `'${previewId}' is not the id of a preview made by this server. Call preview_repair on thread ${threadId} first, show its report to the user, then call repair_thread with the previewId it returns. Nothing was changed.`,
      );
    if (rec.threadId !== threadId)
      throw new RescueError(
        'usage',
        `Preview ${previewId} was made for thread ${rec.threadId}, not ${threadId}. Preview thread ${threadId} first (preview_repair). Nothing was changed.`,
      );
    checkPreview(rec, file, rec.options, 'Run preview_repair again and repair with the new previewId.');
    return rec;
  }

  /** A preview is used once: the repair changes the file it described. */
  consume(previewId: string): void {
    this.records.delete(previewId);
  }
}
