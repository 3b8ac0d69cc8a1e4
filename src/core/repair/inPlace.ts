// The in-place swap: with Codex's maintenance lock and the thread's writer lock held, back up the
// original (a hard link while the swap runs; then only its verified restore data stays, when there is
// one), take Codex's projection write lock, rename the verified copy over the original, clear the
// projection rows, and undo everything if any step fails.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RolloutFile } from '../codexHome/rolloutFiles';
import { STATE_DB } from '../codexHome/paths';
import { sqliteHome } from '../codexHome/sqlite';
import { DatabaseBusyError, ProjectionDump, ProjectionTxn, beginDropProjection } from '../codexHome/threadHistoryDb';
import { SessionMeta } from '../rollout/format';
import { fsyncDir, replaceWithCopyOf } from '../util/atomicWrite';
import { RescueError, errorMessage } from '../util/errors';
import { VERSION } from '../util/version';
import {
  BackupManifest,
  newBackupDir,
  preserveOriginal,
  removeUnswappedBackups,
  writeManifest,
  writeRepairNote,
} from './backups';
import { PreparedRestoreData, RestoreData, commitRestoreData } from '../store/restoreData';
import { assertUnchangedSince } from './refusals';
import { withSwapLocks } from './swapLocks';
import { sha256File } from '../util/fileHash';
import { StripRequest } from './types';

export interface SwapInput {
  req: StripRequest;
  f: RolloutFile;
  meta: SessionMeta;
  /** The original's state when the pass began. */
  stat: fs.Stats;
  /** sha256 of the original's bytes, hashed during the pass. */
  sourceSha256: string;
  /** A .zst original: the sha256 of the file itself (its compressed bytes), taken once by the caller. */
  fileSha256?: string;
  /** The verified repaired copy (a temp file beside `finalPath`). */
  output: string;
  finalPath: string;
  bytesAfter: number;
  /** The verified output compressed again (a .zst thread kept .zst): what is swapped in instead of `output`. */
  compressed?: string;
  /** The repair's verified restore data: kept instead of the original once the swap stands. */
  restoreData?: PreparedRestoreData;
  /** How long to wait for Codex's maintenance lock (default 5 s). */
  lockWaitMs?: number;
  maintenanceLockHeld?: boolean;
  /** Takes the original's copy to remove later, instead of now (RepairHooks.dropLater). */
  dropOriginal?: (file: string) => void;
}

export interface SwapResult {
  /** The backup folder when restore data stands in for the original, else the original's copy. */
  backupPath: string;
  restoreData?: RestoreData;
  projection?: ProjectionDump;
}

/** Codex's projection database could not be updated: say why in plain words. */
export function projectionFailure(err: unknown, outcome: string): RescueError {
  if (err instanceof DatabaseBusyError) return new RescueError('db-busy', `${err.message} ${outcome}`);
  return new RescueError(
    'write-failed',
    `Codex's projection database could not be updated: ${errorMessage(err)} ${outcome}`,
  );
}

export function swapInPlace(s: SwapInput): SwapResult {
  return withSwapLocks(s.req.codexHome, s.f.id, (assertWriterLockHeld) => swapLocked(s, assertWriterLockHeld), {
    waitMs: s.lockWaitMs,
    maintenanceLockHeld: s.maintenanceLockHeld,
  });
}

function swapLocked(s: SwapInput, assertWriterLockHeld: () => void): SwapResult {
  const { req, f, stat } = s;
  const threadId = f.id;
  assertUnchangedSince(req.codexHome, f, stat);
  // a folder an earlier swap of this thread left when killed before its rename: its link would keep the
  // original's blocks once this swap stands
  removeUnswappedBackups(req.codexHome, threadId);
  const dir = newBackupDir(req.codexHome, threadId);
  const undoBackup = () => fs.rmSync(dir, { recursive: true, force: true });
  let file: string;
  let manifest: BackupManifest;
  try {
    // What will be on disk (a .zst kept as .zst is smaller than bytesAfter): the scan's note compares it.
    const swapIn = s.compressed ?? s.output;
    const sizeAfter = fs.statSync(swapIn).size;
    file = preserveOriginal(f.path, dir);
    // the folder is synced once, after its last file (below)
    const restoreData = s.restoreData ? commitRestoreData(s.restoreData, dir, { syncDir: false }) : undefined;
    manifest = {
      kind: 'before-repair',
      threadId,
      originalPath: f.path,
      fileName: path.basename(f.path),
      size: stat.size,
      sha256: s.fileSha256 ?? s.sourceSha256,
      mtimeMs: stat.mtimeMs,
      mode: stat.mode & 0o7777,
      createdAt: new Date().toISOString(),
      toolVersion: VERSION,
      options: { ...req.options },
      repaired: {
        size: s.bytesAfter,
        sha256: sha256File(s.output),
        ...(s.compressed ? { onDisk: { size: sizeAfter, sha256: sha256File(s.compressed) } } : {}),
      },
      restoreData,
    };
    writeManifest(dir, manifest, { dir: false });
    // a label for lists: a crash costs at most that, not a sync of its own
    writeRepairNote(
      dir,
      { at: manifest.createdAt, size: sizeAfter, removedBytes: stat.size - sizeAfter },
      { data: false, dir: false },
    );
    // the patch, the manifest and the note are there for good before the swap, and the folder itself
    fsyncDir(dir);
    fsyncDir(path.dirname(dir));
    fs.chmodSync(swapIn, stat.mode & 0o7777);
    // A repair is not news: the thread keeps its last-written time, so it stays where it was in Codex's
    // and our lists, and a reclaim of thousands of idle threads leaves them idle.
    fs.utimesSync(swapIn, stat.atime, stat.mtime);
  } catch (err) {
    undoBackup();
    throw new RescueError(
      'write-failed',
      `Could not back up the original, so nothing was changed: ${errorMessage(err)}`,
    );
  }
  // Take Codex's projection write lock first: a running Codex is noticed before the file changes.
  let txn: ProjectionTxn | undefined;
  try {
    txn = beginDropProjection(req.codexHome, threadId, req.env);
  } catch (err) {
    undoBackup();
    throw projectionFailure(err, 'Nothing was changed.');
  }
  if (
    !txn &&
    s.meta.historyMode === 'paginated' &&
    fs.existsSync(path.join(sqliteHome(req.codexHome, req.env), STATE_DB))
  ) {
    // Codex keeps a projection for paginated threads next to state_5.sqlite; not finding it means it lives elsewhere.
    undoBackup();
    throw new RescueError(
      'bad-input',
      `This paginated thread's projection database (thread_history_1.sqlite) was not found where state_5.sqlite is; set CODEX_SQLITE_HOME (or sqlite_home in config.toml) to its folder. Nothing was changed.`,
    );
  }
  try {
    assertWriterLockHeld();
  } catch (err) {
    txn?.rollback();
    undoBackup();
    throw err;
  }
  try {
    fs.renameSync(s.compressed ?? s.output, s.finalPath);
  } catch (err) {
    txn?.rollback();
    undoBackup();
    const e = err as NodeJS.ErrnoException;
    throw new RescueError(
      'write-failed',
      `Could not put the repaired file in place (${e.code ?? e.message}): another program may have the rollout open (Codex, an editor, a virus scanner). Nothing was changed; close it and try again.`,
    );
  }
  fsyncDir(path.dirname(s.finalPath));
  try {
    txn?.commit();
  } catch (err) {
    // The swap happened but Codex's projection could not be cleared: put the original back. A .zst
    // thread was never replaced (the repaired file is a new .jsonl beside it): that file goes instead.
    try {
      if (s.finalPath === f.path) replaceWithCopyOf(file, f.path, stat.mode, { link: true });
      else fs.rmSync(s.finalPath);
    } catch (undoErr) {
      throw projectionFailure(
        err,
        `The repaired rollout is in place and could not be taken back (${errorMessage(undoErr)}); the original is kept in ${file} — restore it with codex-session-rescue restore ${threadId} once Codex is closed.`,
      );
    }
    undoBackup();
    throw projectionFailure(err, 'The original rollout is back in place, unchanged.');
  }
  if (txn) {
    manifest.projection = txn.dump;
    try {
      writeManifest(dir, manifest);
    } catch {
      // the repair stands; only a restore of the projection rows would be missing
    }
  }
  if (f.compressed && s.finalPath !== f.path) {
    // Its bytes are in the backup; the plain .jsonl now wins. If it can't go, Codex still prefers the .jsonl.
    try {
      fs.rmSync(f.path);
    } catch {
      // harmless: see above
    }
  }
  if (manifest.restoreData) {
    // The swap stands and the restore data rebuilt the original before it: the copy goes, and with it
    // the last name of the original's bytes. If it can't go, it stays a (redundant) backup.
    if (s.dropOriginal) {
      s.dropOriginal(file);
      return { backupPath: dir, restoreData: manifest.restoreData, projection: txn?.dump };
    }
    try {
      fs.rmSync(file);
      fsyncDir(dir);
      return { backupPath: dir, restoreData: manifest.restoreData, projection: txn?.dump };
    } catch {
      // see above
    }
  }
  return { backupPath: file, restoreData: manifest.restoreData, projection: txn?.dump };
}
