// A repair run from start to end: find the thread, refuse what must be refused, run the strip pass
// into a temp file, verify it with an independent parser, then put it where the mode says
// (dry run: a preview file; copy: --out; fork: a new thread; in place: its restore data made and
// checked (store/restoreData.ts), then the swap in inPlace.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveThread } from '../codexHome/rolloutFiles';
import { describeWriteError, removeQuietly, removeStaleTemps } from '../util/atomicWrite';
import { canWriteZstd } from '../store/zstdFile';
import { openStore } from '../store/imageStore';
import { PreparedRestoreData, discardRestoreData, prepareRestoreData, restoreDataBytes } from '../store/restoreData';
import { CancelledError, RescueError } from '../util/errors';
import { resumeCommand } from '../util/display';
import { StripStats, stripRollout } from './stripPass';
import { verifyRollout, VerifyResult } from './verify';
import { assertQuiet, refuseForks, requireSessionMeta } from './refusals';
import { keepsZst, plainSource, targetFor } from './targets';
import { compressVerified } from './zstOutput';
import { swapInPlace } from './inPlace';
import { writeForkNote } from './backups';
import { sha256File } from '../util/fileHash';
import { Phase, RepairHooks, StripReport, StripRequest } from './types';

function check(v: VerifyResult, what: string): void {
  if (!v.ok)
    throw new RescueError(
      'verify-failed',
      `The repaired copy failed verification, so ${what}: ${v.failures.join('; ')}. Please report this with the thread's inspect output.`,
    );
}

/** The fork is written: a note that cannot be written costs only the scan's "repaired" label, not the fork. */
function noteFork(codexHome: string, forkId: string, forkOf: string, stats: StripStats): void {
  try {
    writeForkNote(codexHome, forkId, {
      at: new Date().toISOString(),
      size: stats.bytesAfter,
      removedBytes: stats.bytesBefore - stats.bytesAfter,
      forkOf,
    });
  } catch {
    // the fork itself is in place and verified
  }
}

/** Where the placeholders say the original is: only an in-place repair makes a backup (a dry run previews one). */
function originalIn(mode: StripRequest['mode'], threadId: string): string {
  if (mode === 'fork') return `thread ${threadId}, which the fork was made from`;
  if (mode === 'copy') return 'the rollout this copy was made from';
  return 'the rescue backup';
}

/** Strip a thread: dry run, in place, as a fork, or into a copy at `out`. */
export function stripThread(req: StripRequest, hooks: RepairHooks = {}): StripReport {
  const started = Date.now();
  const f = resolveThread(req.codexHome, req.thread, { outside: req.outside && req.mode !== 'in-place' });
  const progress = (phase: Phase) => (done: number, total: number) => hooks.onProgress?.(done, total, phase);
  hooks.onProgress?.(0, f.size, 'checking');
  const meta = requireSessionMeta(f);
  const opts = req.options ?? {};
  const threadId = f.id;
  if (req.mode === 'in-place') refuseForks(req.codexHome, f);
  const stat = req.mode === 'in-place' ? assertQuiet(req.codexHome, f, hooks.growthWindowMs) : fs.statSync(f.path);
  removeStaleTemps(path.dirname(f.path));
  // In place, the images go to the store (restore data refers to them); elsewhere when asked.
  const store = req.mode === 'in-place' || opts.archiveImages ? openStore(req.codexHome) : undefined;
  // Where it goes first (refusals cost nothing), then the plain source (a .zst is decompressed beside it).
  if (req.mode === 'in-place' && req.keepCompressed && f.compressed && !canWriteZstd())
    throw new RescueError(
      'unsupported',
      'keeping a .zst thread compressed needs Node 22.15 or later (its zstd); nothing was changed',
    );
  const { finalPath, output, newThreadId } = targetFor(req, f);
  let src: ReturnType<typeof plainSource> | undefined;
  let zst: string | undefined;
  let prepared: PreparedRestoreData | undefined;
  try {
    src = plainSource(f, hooks.isCancelled, { rewrite: req.mode === 'in-place' });
    const stats: StripStats = stripRollout(
      src.path,
      output,
      { ...opts, store, newThreadId, originalIn: originalIn(req.mode, threadId) },
      {
        onProgress: progress('stripping'),
        isCancelled: hooks.isCancelled,
      },
    );
    hooks.onProgress?.(0, stats.bytesAfter, 'verifying');
    const verified = verifyRollout(
      output,
      {
        lines: stats.lines,
        shapeDigest: stats.shapeDigest,
        badLines: stats.badLinesKept.map((b) => b.line),
        threadId: newThreadId ?? stats.threadIdInMeta ?? threadId,
        imagesKept: stats.imagesKept,
        editedLines: stats.editedLines,
      },
      { isCancelled: hooks.isCancelled },
    );
    check(verified, req.mode === 'in-place' ? 'the original was left untouched' : 'nothing was written');
    if (hooks.isCancelled?.()) throw new CancelledError();

    let swapped: ReturnType<typeof swapInPlace> | undefined;
    let fullCopyKept: string | undefined;
    if (req.mode === 'in-place') {
      hooks.onProgress?.(0, 1, 'saving restore data');
      // the manifest's, for a .zst: of the very bytes decompressed, when they were read whole
      const fileSha256 = f.compressed ? (src.rewrite?.zstSha256 ?? sha256File(f.path)) : undefined;
      const made = prepareRestoreData({
        codexHome: req.codexHome,
        threadId,
        original: src.path,
        repaired: output,
        editedRanges: stats.editedRanges,
        known: stats.knownImages,
        store: store!,
        zst: fileSha256 ? { path: f.path, sha256: fileSha256, rewritesExactly: src.rewrite?.exact } : undefined,
        isCancelled: hooks.isCancelled,
      });
      prepared = made.prepared;
      fullCopyKept = made.notKept;
      // the backup manifest needs the original's sha256: the rebuild's when it was the original
      const plainSha256 = prepared?.data.plain.sha256 ?? sha256File(src.path);
      if (hooks.isCancelled?.()) throw new CancelledError();
      if (keepsZst(req, f)) zst = compressVerified(output, f.path, hooks.isCancelled);
      hooks.onProgress?.(0, 1, 'swapping');
      swapped = swapInPlace({
        req,
        f,
        meta,
        stat,
        sourceSha256: plainSha256,
        fileSha256,
        output,
        finalPath,
        bytesAfter: stats.bytesAfter,
        restoreData: prepared,
        lockWaitMs: hooks.lockWaitMs,
        maintenanceLockHeld: hooks.maintenanceLockHeld,
        dropOriginal: hooks.dropLater,
        compressed: zst,
      });
    } else {
      try {
        fs.renameSync(output, finalPath);
      } catch (err) {
        throw describeWriteError(err, finalPath);
      }
      if (req.mode === 'fork' && newThreadId) noteFork(req.codexHome, newThreadId, threadId, stats);
    }
    const projection = swapped?.projection;
    const rows = projection ? Object.values(projection.tables).reduce((s, t) => s + t.rows.length, 0) : undefined;
    const {
      lines: _lines,
      shapeDigest: _digest,
      threadIdInMeta: _meta,
      editedLines: _edited,
      editedRanges: _ranges,
      knownImages: _known,
      ...counts
    } = stats;
    return {
      ...counts,
      mode: req.mode,
      threadId,
      sourcePath: f.path,
      linesVerified: verified.linesVerified,
      jsonErrors: verified.jsonErrors,
      independentlyParsed: verified.independentlyParsed,
      outputPath: finalPath,
      backupPath: swapped?.backupPath,
      restoreData: swapped?.restoreData && {
        bytes: restoreDataBytes(swapped.backupPath),
        imageRefs: swapped.restoreData.imageRefs,
        images: swapped.restoreData.images.length,
        rawBytes: swapped.restoreData.rawBytes,
      },
      fullCopyKept: swapped && !swapped.restoreData ? fullCopyKept : undefined,
      newThreadId,
      archiveDir: stats.imagesArchived ? store?.dir : undefined,
      projectionRowsCleared: rows,
      resumeCommand: resumeCommand(newThreadId ?? threadId),
      elapsedMs: Date.now() - started,
    };
  } finally {
    removeQuietly(output !== finalPath ? output : undefined);
    removeQuietly(zst);
    removeQuietly(src?.cleanup);
    discardRestoreData(prepared); // moved into the backup folder when the swap went through
  }
}
