// Backups of rollouts before we change them: CODEX_HOME/rescue/backups/<threadId>/<stamp>/ holds
// manifest.json and either the repair's restore data (patch.jsonl, patch.raw: store/restoreData.ts) or
// the original file (a hard link when possible), and the repair's note (repair.json) for the scan; a
// fork made by a repair has a folder with the note alone.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ProjectionDump } from '../codexHome/threadHistoryDb';
import type { RestoreData } from '../store/restoreData';
import { SyncOptions, describeWriteError, writeFileAtomic } from '../util/atomicWrite';
import { backupsRoot, threadBackupsDir } from '../codexHome/paths';
import { findThread, listRollouts } from '../codexHome/rolloutFiles';

export interface BackupManifest {
  kind: 'before-repair' | 'before-restore';
  threadId: string;
  originalPath: string;
  fileName: string;
  size: number;
  sha256: string;
  mtimeMs: number;
  mode: number;
  createdAt: string;
  toolVersion: string;
  options?: Record<string, unknown>;
  /** What the repaired file was, so a restore can tell whether Codex wrote to it since. */
  /**
   * The repaired file the restore data applies to; `onDisk`: the .zst actually swapped in when a .zst thread
   * stayed .zst (reclaim), which a restore decompresses first.
   */
  repaired?: { size: number; sha256: string; onDisk?: { size: number; sha256: string } };
  /** Projection rows removed from thread_history_1.sqlite (restored with the file). */
  projection?: ProjectionDump;
  /**
   * The repair's restore data (patch.jsonl + patch.raw here, images in the store): the original is
   * rebuilt from it and the repaired file; the original itself (`fileName`) is then not kept.
   */
  restoreData?: RestoreData;
}

export interface BackupInfo {
  dir: string;
  file: string;
  manifest: BackupManifest;
}

function stamp(d = new Date()): string {
  return d.toISOString().replace(/[:.]/g, '-');
}

/** Make a new, empty backup folder for a thread (never reusing one). */
export function newBackupDir(codexHome: string, threadId: string): string {
  const base = threadBackupsDir(codexHome, threadId);
  fs.mkdirSync(base, { recursive: true });
  for (let i = 0; ; i++) {
    const dir = path.join(base, stamp() + (i ? `-${i}` : ''));
    try {
      fs.mkdirSync(dir);
      return dir;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw describeWriteError(err, dir);
    }
  }
}

/**
 * Keep the original's bytes in the backup folder: a hard link, or a copy (synced: where no restore data
 * is kept, it is the only way back) on a file system without hard links. The caller syncs the folder.
 */
export function preserveOriginal(original: string, dir: string): string {
  const dest = path.join(dir, path.basename(original));
  try {
    fs.linkSync(original, dest);
  } catch {
    try {
      fs.copyFileSync(original, dest, fs.constants.COPYFILE_EXCL);
      const fd = fs.openSync(dest, 'r');
      try {
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    } catch (err) {
      throw describeWriteError(err, dest);
    }
  }
  return dest;
}

export function writeManifest(dir: string, manifest: BackupManifest, sync?: SyncOptions): void {
  writeFileAtomic(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2), undefined, sync);
}

export function readBackup(dir: string): BackupInfo | undefined {
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as BackupManifest;
    return { dir, file: path.join(dir, manifest.fileName), manifest };
  } catch {
    return undefined;
  }
}

/** A thread's backups, newest first. */
export function listBackups(codexHome: string, threadId: string): BackupInfo[] {
  const base = threadBackupsDir(codexHome, threadId);
  let names: string[];
  try {
    names = fs.readdirSync(base);
  } catch {
    return [];
  }
  return names
    .map((n) => readBackup(path.join(base, n)))
    .filter((b): b is BackupInfo => b !== undefined)
    .sort((a, b) => b.manifest.createdAt.localeCompare(a.manifest.createdAt));
}

/** A thread's newest repair: when, the size of the file it left, and how much it removed. */
export interface RepairRecord {
  at: string;
  size: number;
  removedBytes: number;
  /** The thread was made by this repair, as a fork of this one. */
  forkOf?: string;
}

/** Beside the manifest: what the scan needs of a repair, small (a manifest may hold a projection dump). */
const REPAIR_NOTE = 'repair.json';

export function writeRepairNote(dir: string, note: RepairRecord, sync?: SyncOptions): void {
  writeFileAtomic(path.join(dir, REPAIR_NOTE), JSON.stringify(note), undefined, sync);
}

/**
 * A fork's note: the new thread starts with the original's records from before the repair, so it too
 * is "repaired, not resumed" until Codex resumes it. A fork has nothing to back up (the original is
 * left as it was): its folder holds the note alone, which listBackups passes over (no manifest).
 */
export function writeForkNote(codexHome: string, forkId: string, note: RepairRecord): void {
  writeRepairNote(newBackupDir(codexHome, forkId), note);
}

/**
 * The repair note in a thread's newest backup folder, when it has one that removed something (a
 * restore's folder, newer, has none). Folder names are timestamps (stamp(), with -N when two share
 * one): the greatest is the newest.
 */
export function newestRepairNote(codexHome: string, threadId: string): RepairRecord | undefined {
  try {
    const dir = threadBackupsDir(codexHome, threadId);
    const newest = fs.readdirSync(dir).reduce((a, b) => (b > a ? b : a), '');
    const note = JSON.parse(fs.readFileSync(path.join(dir, newest, REPAIR_NOTE), 'utf8')) as RepairRecord;
    return typeof note.size === 'number' && typeof note.at === 'string' && note.removedBytes > 0 ? note : undefined;
  } catch {
    return undefined; // no note (a restore, an older backup, or unreadable): nothing to say
  }
}

/**
 * Every thread's newest repair (in place, or the one that made it as a fork): one small read per
 * repaired thread, so every rescan can afford it; the scan tells from it that a thread was repaired
 * and not resumed since.
 */
export function latestRepairs(codexHome: string): Map<string, RepairRecord> {
  const out = new Map<string, RepairRecord>();
  let threads: string[];
  try {
    threads = fs.readdirSync(backupsRoot(codexHome));
  } catch {
    return out; // no backups yet
  }
  for (const id of threads) {
    const note = newestRepairNote(codexHome, id);
    if (note) out.set(id, note);
  }
  return out;
}

/**
 * Backup folders of swaps that never happened: a repair (or restore) killed between making its backup
 * — a hard link of the rollout — and renaming the new file over it. Their copy is still the very file
 * the thread has, so they hold nothing it does not; but once a later repair swaps that file, the link
 * alone would keep the original's blocks (and a stale manifest). The caller holds Codex's maintenance
 * lock, which every swap of ours takes, so none is under way. `threadId`: that thread's folders only.
 * Returns how many were removed.
 */
export function removeUnswappedBackups(codexHome: string, threadId?: string): number {
  let removed = 0;
  let threads: string[];
  try {
    threads = threadId ? [threadId] : fs.readdirSync(backupsRoot(codexHome));
  } catch {
    return 0;
  }
  for (const id of threads) {
    const base = threadBackupsDir(codexHome, id);
    let stamps: string[];
    try {
      stamps = fs.readdirSync(base);
    } catch {
      continue;
    }
    for (const s of stamps) {
      const dir = path.join(base, s);
      if (!isUnswapped(codexHome, id, dir)) continue;
      try {
        fs.rmSync(dir, { recursive: true, force: true });
        removed++;
      } catch {
        // it holds nothing the live file does not: a folder that cannot go now never stops a repair
      }
    }
  }
  return removed;
}

function isUnswapped(codexHome: string, threadId: string, dir: string): boolean {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return false;
  }
  const copy = names.find((n) => n.startsWith('rollout-') && /\.jsonl(\.zst)?$/.test(n));
  if (!copy) return false; // restore data, or a fork's note
  try {
    const st = fs.statSync(path.join(dir, copy));
    if (st.nlink < 2) return false; // the original's only name: a real backup
    // where the thread was (killed before the manifest was written, or archived since: where it is now)
    const recorded = readBackup(dir)?.manifest.originalPath;
    const live = recorded && fs.existsSync(recorded) ? recorded : findThread(codexHome, threadId)?.path;
    if (!live) return false;
    const now = fs.statSync(live);
    if (now.ino !== st.ino || now.dev !== st.dev) return false;
    // Any other file of the thread (a .zst repaired into a .jsonl, moved or not): the swap did happen.
    let others = 0;
    listRollouts(codexHome, (f) => {
      if (f.id === threadId && f.ino !== st.ino) others++;
    });
    return others === 0;
  } catch {
    return false;
  }
}
