// Restore: put a backup back in place (its sha256 checked) — the original's copy, or the original rebuilt
// from the repair's restore data (store/restoreData.ts) — with Codex's projection rows, after saving the
// version it replaces; and refuse when that would drop turns Codex added since the repair. It holds the
// same locks as a repair's swap (swapLocks.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findThread, insideHome, parseRolloutName } from '../codexHome/rolloutFiles';
import { platformPath } from '../codexHome/windowsPaths';
import { archivedSessionsDir, isThreadId, sessionsDir, threadBackupsDir } from '../codexHome/paths';
import { ProjectionTxn, beginDropProjection } from '../codexHome/threadHistoryDb';
import { formatBytes } from '../util/display';
import { describeWriteError, fsyncDir, removeQuietly, replaceWithCopyOf } from '../util/atomicWrite';
import { compressedCopyOf, rebuildToTemp, repairedSource } from '../store/restoreData';
import { RescueError, errorMessage } from '../util/errors';
import { VERSION } from '../util/version';
import {
  BackupInfo,
  BackupManifest,
  listBackups,
  newBackupDir,
  newestRepairNote,
  preserveOriginal,
  readBackup,
  writeManifest,
} from './backups';
import { sha256File } from '../util/fileHash';
import { projectionFailure } from './inPlace';
import { refuseIfHeld } from './refusals';
import { withSwapLocks } from './swapLocks';
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

/** The backup to restore: the one named (it must be one of this thread's), else the newest. */
function findBackup(req: RestoreRequest, threadId: string | undefined): BackupInfo {
  if (req.backupPath) {
    const p = path.resolve(req.backupPath);
    const dir = fs.existsSync(p) && fs.statSync(p).isDirectory() ? p : path.dirname(p);
    const b = readBackup(dir);
    if (!b)
      throw new RescueError(
        'not-found',
        `${req.backupPath} is not a Codex Session Rescue backup (no manifest.json beside it)`,
      );
    // Only backups we made, of this thread: a manifest decides where bytes are written.
    const id = threadId ?? b.manifest.threadId;
    const inside = path.relative(threadBackupsDir(req.codexHome, id), dir);
    if (b.manifest.threadId !== id || inside.startsWith('..') || path.isAbsolute(inside))
      throw new RescueError(
        'bad-input',
        `${req.backupPath} is not a backup of thread ${id} (its backups are in ${threadBackupsDir(req.codexHome, id)}); nothing was changed`,
      );
    return b;
  }
  const all = threadId ? listBackups(req.codexHome, threadId).filter((b) => b.manifest.kind === 'before-repair') : [];
  const forkOf = !all.length && threadId ? newestRepairNote(req.codexHome, threadId)?.forkOf : undefined;
  if (forkOf)
    throw new RescueError(
      'not-found',
      `thread ${threadId} is the fork a repair made of thread ${forkOf}: it has no backup, and ${forkOf} is as it was before that repair. Go back to ${forkOf}, or keep using this fork; nothing was changed`,
    );
  if (!all.length)
    throw new RescueError(
      'not-found',
      `thread ${threadId} has no backups in ${threadBackupsDir(req.codexHome, threadId ?? '')}: it was never repaired in place (a fork or a copy leaves the original untouched, so there is nothing to restore)`,
    );
  return all[0];
}

/**
 * A backup writes where its manifest says: only ever this thread's rollout inside the Codex home —
 * by its path, or (a sessions/ or archived_sessions/ that is a link or junction to another disk) by
 * its folder's real path.
 */
function checkTarget(codexHome: string, m: BackupManifest): string {
  const target = path.resolve(platformPath(m.originalPath));
  const lexically = [sessionsDir(codexHome), archivedSessionsDir(codexHome)].some((d) => {
    const rel = path.relative(path.resolve(d), target);
    return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
  });
  let inHome = lexically;
  if (!inHome) {
    try {
      inHome =
        insideHome(codexHome, path.join(fs.realpathSync(path.dirname(target)), path.basename(target))) !== undefined;
    } catch {
      // its folder is gone: not a place to write to
    }
  }
  if (!inHome || parseRolloutName(path.basename(target))?.id !== m.threadId)
    throw new RescueError(
      'bad-input',
      `the backup's manifest points at ${m.originalPath}, which is not thread ${m.threadId}'s rollout in ${codexHome}; nothing was restored`,
    );
  return target;
}

/** Put a backup back in place (verifying its hash), and the projection rows with it. */
export function restoreThread(req: RestoreRequest, hooks: RepairHooks = {}): RestoreReport {
  // An ambiguous id prefix is said as such; a thread that is gone may still have backups.
  const current = findThread(req.codexHome, req.thread);
  let threadId: string | undefined = current?.id ?? (isThreadId(req.thread) ? req.thread.toLowerCase() : undefined);
  if (!threadId && !req.backupPath)
    throw new RescueError(
      'not-found',
      `no thread '${req.thread}' under ${req.codexHome} (give a thread id, an id prefix, or a rollout path; for a thread that is gone, its full id or --backup)`,
    );
  const backup = findBackup(req, threadId);
  const m = backup.manifest;
  threadId = m.threadId;
  const target = checkTarget(req.codexHome, m);
  const livePath = fs.existsSync(target) ? target : current?.path;
  // Codex's maintenance lock and the thread's writer lock for the whole restore, as for a repair.
  return withSwapLocks(
    req.codexHome,
    threadId,
    (assertHeld) => restoreLocked(req, backup, target, livePath, hooks, assertHeld),
    {
      waitMs: hooks.lockWaitMs,
    },
  );
}

function restoreLocked(
  req: RestoreRequest,
  backup: BackupInfo,
  target: string,
  livePath: string | undefined,
  hooks: RepairHooks,
  assertWriterLockHeld: () => void,
): RestoreReport {
  const m = backup.manifest;
  const threadId = m.threadId;
  refuseIfHeld(req.codexHome, { id: threadId, path: livePath ?? target }, 'restoring', true);
  hooks.onProgress?.(0, m.size, 'restoring');
  // A copy of the original when there is one (a repair killed before it dropped the copy leaves both).
  const fromCopy = fs.existsSync(backup.file);
  if (!fromCopy && !m.restoreData)
    throw new RescueError('not-found', `the backup file ${backup.file} is missing; nothing was changed`);
  let sha = m.sha256;
  if (fromCopy) {
    sha = sha256File(backup.file, { onProgress: (d) => hooks.onProgress?.(d, m.size, 'verifying') });
    if (sha !== m.sha256)
      throw new RescueError(
        'bad-input',
        `the backup ${backup.file} does not match its recorded sha256 (it was changed or damaged); nothing was restored`,
      );
  }
  const liveSha = livePath ? sha256File(livePath) : undefined;
  if (liveSha === m.sha256)
    throw new RescueError(
      'exists',
      `thread ${threadId} already is this backup's version (restored before, or never changed); nothing to do`,
    );
  if (livePath && m.repaired && !req.force) {
    const st = fs.statSync(livePath);
    const left = m.repaired.onDisk ?? m.repaired; // a .zst kept .zst: the compressed file the repair left
    if ((st.size !== left.size || liveSha !== left.sha256) && !compressedByCodex(livePath, m.repaired)) {
      const grown = st.size - left.size;
      throw new RescueError(
        'changed-since-repair',
        `Thread ${m.threadId} changed since it was repaired${grown > 0 ? ` (Codex added ${formatBytes(grown)}: new turns)` : ''}. Restoring the backup would take those out of the live thread. Keep the repaired thread, or restore anyway (the current version is saved as a backup first). Nothing was changed.`,
      );
    }
  }
  // From restore data: the original is rebuilt beside its place and checked before anything else happens.
  const rebuilt = fromCopy ? undefined : rebuildFromRestoreData(req, backup, target, livePath, hooks);
  if (rebuilt && m.restoreData?.zstd && !m.restoreData.zstd.exact) sha = sha256File(rebuilt);
  // Codex's projection rows: the saved ones go back; without saved ones, the current ones (which
  // point into the file being replaced) are cleared so Codex re-projects.
  let txn: ProjectionTxn | undefined;
  try {
    txn = beginDropProjection(req.codexHome, m.threadId, req.env);
    if (txn && m.projection) txn.insert(m.projection);
  } catch (err) {
    txn?.rollback();
    removeQuietly(rebuilt);
    throw projectionFailure(err, 'Nothing was restored.');
  }
  try {
    assertWriterLockHeld();
  } catch (err) {
    txn?.rollback();
    removeQuietly(rebuilt);
    throw err;
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
        sha256: liveSha ?? sha256File(file),
        mtimeMs: st.mtimeMs,
        mode: st.mode & 0o7777,
        createdAt: new Date().toISOString(),
        toolVersion: VERSION,
      });
      fsyncDir(path.dirname(dir)); // the new folder's own entry
      savedCurrentAs = file;
    }
    fs.mkdirSync(path.dirname(target), { recursive: true });
    if (rebuilt) {
      try {
        fs.renameSync(rebuilt, target);
      } catch (err) {
        throw describeWriteError(err, target);
      }
      fsyncDir(path.dirname(target));
    }
    // A copy, not a link: Codex appends to the restored file, and the backup must stay as it is.
    else replaceWithCopyOf(backup.file, target, m.mode);
  } catch (err) {
    txn?.rollback();
    removeQuietly(rebuilt);
    throw new RescueError('write-failed', `Could not restore ${target}: ${errorMessage(err)}. Nothing was restored.`);
  }
  try {
    txn?.commit();
  } catch (err) {
    throw projectionFailure(
      err,
      `The rollout itself was restored (${target}); run the restore again once Codex is closed so its projection rows match.`,
    );
  }
  // The repaired .jsonl of a thread that was a .zst: the restored .zst is the thread again.
  if (livePath && livePath !== target) removeQuietly(livePath);
  const projectionRestored = Boolean(txn && m.projection);
  return {
    threadId: m.threadId,
    restoredPath: target,
    fromBackup: fromCopy ? backup.file : backup.dir,
    bytes: m.size,
    sha256: sha,
    savedCurrentAs,
    projectionRestored,
  };
}

/** The repaired thread, as Codex compressed it once it was idle (nothing added). */
function compressedByCodex(livePath: string, repaired: { size: number; sha256: string }): boolean {
  const plain = compressedCopyOf(livePath, repaired);
  removeQuietly(plain);
  return plain !== undefined;
}

/**
 * The original rebuilt from restore data into a temp file beside `target` (checked; the caller renames
 * it): from the repaired file as the repair left it, or the version an earlier restore saved.
 */
function rebuildFromRestoreData(
  req: RestoreRequest,
  backup: BackupInfo,
  target: string,
  livePath: string | undefined,
  hooks: RepairHooks,
): string {
  const m = backup.manifest;
  const saved = listBackups(req.codexHome, m.threadId).filter((b) => b.manifest.kind === 'before-restore');
  const repaired = repairedSource(m, livePath, Boolean(req.force), saved);
  if (!repaired)
    throw new RescueError(
      'not-found',
      `thread ${m.threadId}'s restore data applies to the repaired file as the repair left it (${formatBytes(m.repaired?.size ?? 0)}), and neither the thread nor a saved version holds it any more; nothing was restored`,
    );
  hooks.onProgress?.(0, m.size, 'restoring');
  try {
    return rebuildToTemp(req.codexHome, backup, repaired, target, hooks.isCancelled);
  } finally {
    removeQuietly(repaired.cleanup); // a repaired .zst decompressed for the rebuild
  }
}
