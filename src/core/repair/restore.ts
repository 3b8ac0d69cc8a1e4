// Restore: put a backup back in place (its sha256 checked), with Codex's projection rows, after saving
// the version it replaces — and refuse when that would drop turns Codex added since the repair.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RolloutFile, findThread } from '../codexHome/rolloutFiles';
import { isThreadId, threadBackupsDir } from '../codexHome/paths';
import { threadLockState } from '../codexHome/writerLock';
import { ProjectionTxn, beginDropProjection } from '../codexHome/threadHistoryDb';
import { formatBytes } from '../scan/risk';
import { replaceWithCopyOf } from '../util/atomicWrite';
import { RescueError, errorMessage } from '../util/errors';
import { VERSION } from '../util/version';
import {
  BackupInfo,
  listBackups,
  newBackupDir,
  preserveOriginal,
  readBackup,
  sha256File,
  writeManifest,
} from './backups';
import { projectionFailure } from './inPlace';
import { refuseIfHeld } from './refusals';
import { RepairHooks } from './types';

export interface RestoreRequest {
  codexHome: string;
  thread: string;
  /** A backup folder or the backed-up file; default: the newest backup of the thread. */
  backupPath?: string;
  /** Restore even though Codex wrote to the thread since the repair (that version is saved first). */
  force?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface RestoreReport {
  threadId: string;
  restoredPath: string;
  fromBackup: string;
  bytes: number;
  sha256: string;
  /** The version that was replaced, saved first (it may hold turns written after the repair). */
  savedCurrentAs?: string;
  projectionRestored: boolean;
}

function findBackup(req: RestoreRequest, threadId: string): BackupInfo {
  if (req.backupPath) {
    const p = path.resolve(req.backupPath);
    const dir = fs.existsSync(p) && fs.statSync(p).isDirectory() ? p : path.dirname(p);
    const b = readBackup(dir);
    if (!b)
      throw new RescueError(
        'not-found',
        `${req.backupPath} is not a Codex Session Rescue backup (no manifest.json beside it)`,
      );
    return b;
  }
  const all = listBackups(req.codexHome, threadId).filter((b) => b.manifest.kind === 'before-repair');
  if (!all.length)
    throw new RescueError(
      'not-found',
      `no backups of thread ${threadId} under ${threadBackupsDir(req.codexHome, threadId)}`,
    );
  return all[0];
}

/** Put a backup back in place (verifying its hash), and the projection rows with it. */
export function restoreThread(req: RestoreRequest, hooks: RepairHooks = {}): RestoreReport {
  let threadId: string;
  let current: RolloutFile | undefined;
  try {
    current = findThread(req.codexHome, req.thread);
  } catch {
    current = undefined;
  }
  if (current) threadId = current.id;
  else if (isThreadId(req.thread)) threadId = req.thread.toLowerCase();
  else if (req.backupPath) threadId = findBackup(req, '').manifest.threadId;
  else throw new RescueError('not-found', `no thread '${req.thread}' under ${req.codexHome}`);
  const backup = findBackup(req, threadId);
  const m = backup.manifest;
  if (current) refuseIfHeld(req.codexHome, current, 'restoring');
  else {
    const lock = threadLockState(req.codexHome, m.threadId);
    if (lock.held) throw new RescueError('held-by-codex', `Not restoring thread ${m.threadId}: ${lock.detail}`);
  }
  hooks.onProgress?.(0, m.size, 'restoring');
  if (!fs.existsSync(backup.file))
    throw new RescueError('not-found', `the backup file ${backup.file} is missing; nothing was changed`);
  const sha = sha256File(backup.file, (d) => hooks.onProgress?.(d, m.size, 'verifying'));
  if (sha !== m.sha256)
    throw new RescueError(
      'bad-input',
      `the backup ${backup.file} does not match its recorded sha256 (it was changed or damaged); nothing was restored`,
    );
  const target = m.originalPath;
  const livePath = fs.existsSync(target) ? target : current?.path;
  if (livePath && fs.existsSync(livePath) && m.repaired && !req.force) {
    const st = fs.statSync(livePath);
    if (st.size !== m.repaired.size || sha256File(livePath) !== m.repaired.sha256) {
      const grown = st.size - m.repaired.size;
      throw new RescueError(
        'changed-since-repair',
        `Thread ${m.threadId} changed since it was repaired${grown > 0 ? ` (Codex added ${formatBytes(grown)}: new turns)` : ''}. Restoring the backup would take those out of the live thread. Keep the repaired thread, or restore anyway (the current version is saved as a backup first). Nothing was changed.`,
      );
    }
  }
  // Codex's projection rows: the saved ones go back; without saved ones, the current ones (which
  // point into the file being replaced) are cleared so Codex re-projects.
  let txn: ProjectionTxn | undefined;
  try {
    txn = beginDropProjection(req.codexHome, m.threadId, req.env);
    if (txn && m.projection) txn.insert(m.projection);
  } catch (err) {
    txn?.rollback();
    throw projectionFailure(err, 'Nothing was restored.');
  }
  let savedCurrentAs: string | undefined;
  try {
    if (livePath && fs.existsSync(livePath)) {
      // Keep the version being replaced: Codex may have added turns to it since the repair.
      const dir = newBackupDir(req.codexHome, m.threadId);
      const st = fs.statSync(livePath);
      const file = preserveOriginal(livePath, dir);
      writeManifest(dir, {
        kind: 'before-restore',
        threadId: m.threadId,
        originalPath: livePath,
        fileName: path.basename(livePath),
        size: st.size,
        sha256: sha256File(file),
        mtimeMs: st.mtimeMs,
        mode: st.mode & 0o7777,
        createdAt: new Date().toISOString(),
        toolVersion: VERSION,
      });
      savedCurrentAs = file;
    }
    fs.mkdirSync(path.dirname(target), { recursive: true });
    replaceWithCopyOf(backup.file, target, m.mode);
  } catch (err) {
    txn?.rollback();
    throw new RescueError('write-failed', `Could not restore ${target}: ${errorMessage(err)}`);
  }
  txn?.commit();
  if (livePath && livePath !== target && fs.existsSync(livePath)) fs.rmSync(livePath);
  const projectionRestored = Boolean(txn && m.projection);
  return {
    threadId: m.threadId,
    restoredPath: target,
    fromBackup: backup.file,
    bytes: m.size,
    sha256: sha,
    savedCurrentAs,
    projectionRestored,
  };
}
