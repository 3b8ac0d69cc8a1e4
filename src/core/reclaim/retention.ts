// Retention: the restore data of repairs (and the versions restores saved) older than N days dropped,
// then the store's images that no remaining restore data needs. Planned first (what goes, what it
// frees), carried out only on the plan the user saw. Repaired threads keep working without it; they
// can no longer be restored, and an image that only a placeholder names is no longer viewable.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { backupsRoot } from '../codexHome/paths';
import { BackupManifest, listBackups } from '../repair/backups';
import { listStore, removeStoreImage } from '../store/imageStore';
import { fsyncDir } from '../util/atomicWrite';
import { RescueError, errorMessage } from '../util/errors';

export interface DroppedFolder {
  threadId: string;
  dir: string;
  kind: BackupManifest['kind'];
  createdAt: string;
  /** What removing it frees (a file still linked elsewhere frees nothing). */
  bytes: number;
}

export interface RetentionPlan {
  codexHome: string;
  olderThanDays: number;
  folders: DroppedFolder[];
  /** Store images no remaining restore data needs once those folders are gone. */
  images: { sha256: string; file: string; bytes: number }[];
  totals: { folders: number; threads: number; folderBytes: number; images: number; imageBytes: number };
}

const DAY_MS = 86_400_000;

function freedBy(dir: string): number {
  let n = 0;
  for (const name of fs.readdirSync(dir)) {
    try {
      const st = fs.statSync(path.join(dir, name));
      if (st.isFile() && st.nlink === 1) n += st.size;
    } catch {
      // gone
    }
  }
  return n;
}

/** What dropping restore data older than `olderThanDays` would remove and free; nothing is changed. */
export function planRetention(codexHome: string, olderThanDays: number, now = Date.now()): RetentionPlan {
  const cutoff = now - olderThanDays * DAY_MS;
  const folders: DroppedFolder[] = [];
  const needed = new Set<string>();
  let threads: string[] = [];
  try {
    threads = fs.readdirSync(backupsRoot(codexHome));
  } catch {
    // no backups yet
  }
  for (const t of threads) {
    for (const b of listBackups(codexHome, t)) {
      const m = b.manifest;
      if (Date.parse(m.createdAt) < cutoff)
        folders.push({ threadId: m.threadId, dir: b.dir, kind: m.kind, createdAt: m.createdAt, bytes: freedBy(b.dir) });
      else for (const img of m.restoreData?.images ?? []) needed.add(img.sha256);
    }
  }
  const images = listStore(codexHome).images.filter((i) => !needed.has(i.sha256));
  return {
    codexHome,
    olderThanDays,
    folders,
    images,
    totals: {
      folders: folders.length,
      threads: new Set(folders.map((f) => f.threadId)).size,
      folderBytes: folders.reduce((s, f) => s + f.bytes, 0),
      images: images.length,
      imageBytes: images.reduce((s, i) => s + i.bytes, 0),
    },
  };
}

/**
 * Carry out a retention plan: its folders removed, then its images — each only if a fresh look still
 * finds no restore data that needs it (a repair since the plan may have started to).
 */
export function applyRetention(plan: RetentionPlan): { folders: number; images: number; bytesFreed: number } {
  let bytesFreed = 0;
  let folders = 0;
  for (const f of plan.folders) {
    if (!fs.existsSync(f.dir)) continue;
    try {
      fs.rmSync(f.dir, { recursive: true });
    } catch (err) {
      throw new RescueError(
        'write-failed',
        `Could not remove ${f.dir}: ${errorMessage(err)}. What was removed before it stays removed.`,
      );
    }
    fsyncDir(path.dirname(f.dir));
    bytesFreed += f.bytes;
    folders++;
  }
  // Nothing counts as old here: what it lists is what no restore data left on disk needs.
  const unneeded = new Set(planRetention(plan.codexHome, Number.POSITIVE_INFINITY).images.map((i) => i.sha256));
  let images = 0;
  for (const img of plan.images) {
    if (!unneeded.has(img.sha256)) continue;
    removeStoreImage(plan.codexHome, img.sha256);
    bytesFreed += img.bytes;
    images++;
  }
  return { folders, images, bytesFreed };
}
