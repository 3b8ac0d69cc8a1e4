// An existing full backup (a copy of the original, as repairs before restore data kept) turned into
// restore data: the patch is made by comparing the copy with the repaired thread, checked by rebuilding
// the original from it, and only then is the copy dropped. The thread itself is only read.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findThread } from '../codexHome/rolloutFiles';
import { threadBackupsDir } from '../codexHome/paths';
import { decompressToTemp } from '../store/zstdFile';
import { fsyncDir, removeQuietly } from '../util/atomicWrite';
import { RescueError } from '../util/errors';
import { openStore, storeStats } from '../store/imageStore';
import {
  commitRestoreData,
  discardRestoreData,
  prepareRestoreData,
  rebuildToTemp,
  repairedSource,
  restoreDataBytes,
  PreparedRestoreData,
} from '../store/restoreData';
import { listBackups, readBackup, writeManifest } from './backups';
import { sha256File } from '../util/fileHash';

export interface ConvertReport {
  threadId: string;
  backupDir: string;
  /** Bytes the dropped copy took (0 when other names still hold its bytes). */
  freedBytes: number;
  /** What the restore data takes now (patch + manifest). */
  restoreDataBytes: number;
  /** How much the image store grew. */
  storeBytesAdded: number;
}

/** The plain bytes of a backed-up original: the file, or a decompressed temp copy of a .zst (with its sha256). */
function plainOriginal(file: string, beside: string): { path: string; sha256: string; cleanup?: string } {
  if (!file.endsWith('.zst')) return { path: file, sha256: sha256File(file) };
  const plain = decompressToTemp(file, beside);
  return { path: plain.path, sha256: plain.sha256, cleanup: plain.path };
}

/**
 * Convert one full backup of a thread into restore data (see the top). Refuses, leaving the backup as
 * it is, when the copy is damaged, when the repaired thread is no longer as the repair left it, or
 * when the rebuild does not give back the original.
 */
export function convertBackupToRestoreData(
  codexHome: string,
  threadId: string,
  backupDir: string,
  hooks: { isCancelled?: () => boolean } = {},
): ConvertReport {
  const dir = path.resolve(backupDir);
  const b = readBackup(dir);
  const inside = path.relative(threadBackupsDir(codexHome, threadId), dir);
  if (!b || b.manifest.threadId !== threadId || inside.startsWith('..') || path.isAbsolute(inside))
    throw new RescueError('bad-input', `${backupDir} is not a backup of thread ${threadId}; nothing was changed`);
  const m = b.manifest;
  if (m.kind !== 'before-repair' || !m.repaired)
    throw new RescueError('bad-input', `${backupDir} is not the backup of a repair; nothing was changed`);
  if (!fs.existsSync(b.file)) {
    if (m.restoreData)
      throw new RescueError('exists', `${backupDir} already holds restore data and no copy; nothing to do`);
    throw new RescueError('not-found', `the backup file ${b.file} is missing; nothing was changed`);
  }
  const copyBytes = fs.statSync(b.file);
  if (copyBytes.size !== m.size || sha256File(b.file) !== m.sha256)
    throw new RescueError(
      'bad-input',
      `the backup ${b.file} does not match its recorded sha256 (it was changed or damaged); it was left as it is`,
    );
  const live = findThread(codexHome, threadId)?.path;
  const saved = listBackups(codexHome, threadId).filter((x) => x.manifest.kind === 'before-restore');
  // Restore data already made (a run killed before the copy went): the live file may have grown since —
  // Codex appended turns — and its first bytes, the repaired ones, are what the rebuild check needs.
  const repaired = repairedSource(m, live, Boolean(m.restoreData), saved);
  if (!repaired)
    throw new RescueError(
      'changed-since-repair',
      `thread ${threadId} is no longer as the repair left it (Codex wrote to it, or it was restored), so restore data cannot be made against it; the full backup was kept`,
    );
  const storeBefore = storeStats(codexHome).bytes;
  const store = openStore(codexHome);
  let prepared: PreparedRestoreData | undefined;
  const original = plainOriginal(b.file, path.join(threadBackupsDir(codexHome, threadId), 'original.jsonl'));
  try {
    if (m.restoreData) {
      // a repair killed after its restore data was written and before the copy went: check it again
      const tmp = rebuildToTemp(codexHome, b, repaired, path.join(dir, 'rebuilt.jsonl'), hooks.isCancelled);
      removeQuietly(tmp);
    } else {
      const made = prepareRestoreData({
        codexHome,
        threadId,
        original: original.path,
        plainSha256: original.sha256,
        repaired: repaired.path,
        store,
        zst: b.file.endsWith('.zst') ? { path: b.file, sha256: m.sha256 } : undefined,
        isCancelled: hooks.isCancelled,
      });
      if (!made.prepared)
        throw new RescueError('verify-failed', `${made.notKept ?? 'no restore data'}; the full backup was kept`);
      prepared = made.prepared;
      m.restoreData = commitRestoreData(prepared, dir);
      prepared = undefined;
      writeManifest(dir, m);
    }
    const links = fs.statSync(b.file).nlink;
    fs.rmSync(b.file);
    fsyncDir(dir);
    return {
      threadId,
      backupDir: dir,
      freedBytes: links > 1 ? 0 : copyBytes.size,
      restoreDataBytes: restoreDataBytes(dir),
      storeBytesAdded: storeStats(codexHome).bytes - storeBefore,
    };
  } finally {
    discardRestoreData(prepared);
    removeQuietly(original.cleanup);
    removeQuietly(repaired.cleanup); // a repaired .zst decompressed to compare against
  }
}
