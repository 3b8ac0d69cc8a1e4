// Backups of rollouts before we change them: CODEX_HOME/rescue/backups/<threadId>/<stamp>/ holds
// the original file (a hard link when possible: instant, no extra space) and manifest.json.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { ProjectionDump } from '../codexHome/threadHistoryDb';
import { describeWriteError, writeFileAtomic } from '../util/atomicWrite';
import { backupsRoot, threadBackupsDir } from '../codexHome/paths';

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
  repaired?: { size: number; sha256: string };
  /** Projection rows removed from thread_history_1.sqlite (restored with the file). */
  projection?: ProjectionDump;
}

export interface BackupInfo {
  dir: string;
  file: string;
  manifest: BackupManifest;
}

function stamp(d = new Date()): string {
  return d.toISOString().replace(/[:.]/g, '-');
}

export function sha256File(file: string, onProgress?: (done: number) => void): string {
  const fd = fs.openSync(file, 'r');
  try {
    const hash = createHash('sha256');
    const buf = Buffer.allocUnsafe(8 * 1024 * 1024);
    let pos = 0;
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, pos);
      if (n <= 0) break;
      hash.update(buf.subarray(0, n));
      pos += n;
      onProgress?.(pos);
    }
    return hash.digest('hex');
  } finally {
    fs.closeSync(fd);
  }
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

/** Keep the original's bytes in the backup folder: a hard link, or a copy across file systems. */
export function preserveOriginal(original: string, dir: string): string {
  const dest = path.join(dir, path.basename(original));
  try {
    fs.linkSync(original, dest);
  } catch {
    try {
      fs.copyFileSync(original, dest, fs.constants.COPYFILE_EXCL);
    } catch (err) {
      throw describeWriteError(err, dest);
    }
  }
  return dest;
}

export function writeManifest(dir: string, manifest: BackupManifest): void {
  writeFileAtomic(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
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

/** A thread's newest in-place repair: when, and the size of the file it left. */
export interface RepairRecord {
  at: string;
  size: number;
}

/**
 * Every thread's newest in-place repair, from the manifests under rescue/backups (one folder per
 * repaired thread: cheap even in a home of thousands). The scan tells from it that a thread was
 * repaired and not resumed since: its file is still the size the repair left.
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
    const repair = listBackups(codexHome, id).find((b) => b.manifest.kind === 'before-repair' && b.manifest.repaired);
    if (repair?.manifest.repaired)
      out.set(repair.manifest.threadId, { at: repair.manifest.createdAt, size: repair.manifest.repaired.size });
  }
  return out;
}
