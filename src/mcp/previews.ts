// Previews the server has shown: a repair is accepted only with the id of a preview of that thread,
// made with the options the repair will use, while the file is still exactly what was previewed.
//
// "Unchanged" is checked by a stamp, not a full sha256: size, mtime (ns), inode, and the sha256 of the
// first and last MiB. Codex only ever appends (size and mtime move) or replaces the file by rename
// (inode moves); a full hash would cost one more read of a possibly many-GB rollout per repair,
// and the repair itself re-checks size and mtime right before its swap.
import * as fs from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { RescueError } from '../core/util/errors';

export interface RepairChoice {
  keepImages: number;
  maxToolOutputBytes?: number;
}

export interface FileStamp {
  size: number;
  mtimeNs: string;
  ino: string;
  edges: string;
}

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

export class PreviewRegistry {
  private readonly records = new Map<string, PreviewRecord>();

  add(threadId: string, file: string, options: RepairChoice, stamp: FileStamp): PreviewRecord {
    const id = `pv-${threadId.slice(0, 8)}-${randomBytes(6).toString('hex')}`;
    const rec: PreviewRecord = { id, threadId, path: file, options, stamp, createdAt: new Date().toISOString() };
    this.records.set(id, rec);
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
    let now: FileStamp | undefined;
    try {
      now = stampFile(file);
    } catch {
      now = undefined;
    }
    if (rec.path !== file || !now || !sameStamp(now, rec.stamp))
      throw new RescueError(
        'changed-during-run',
        `Thread ${threadId} changed since preview ${previewId} was made (${rec.stamp.size} → ${now?.size ?? 'missing'} bytes${now && now.size === rec.stamp.size ? ', same size but different content or file' : ''}): something wrote to it, so that preview no longer shows what a repair would do. Nothing was changed. Run preview_repair again and repair with the new previewId.`,
      );
    return rec;
  }

  /** A preview is used once: the repair changes the file it described. */
  consume(previewId: string): void {
    this.records.delete(previewId);
  }
}
