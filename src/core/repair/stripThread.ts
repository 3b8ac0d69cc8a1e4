// A repair run from start to end: find the thread, refuse what must be refused, run the strip pass
// into a temp file, verify it with an independent parser, then put it where the mode says
// (dry run: a preview file; copy: --out; fork: a new thread; in place: the swap in inPlace.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { resolveThread } from '../codexHome/rolloutFiles';
import { imageArchiveDir } from '../codexHome/paths';
import { describeWriteError, removeQuietly, removeStaleTemps } from '../util/atomicWrite';
import { CancelledError, RescueError } from '../util/errors';
import { StripStats, stripRollout } from './stripPass';
import { verifyRollout, VerifyResult } from './verify';
import { assertQuiet, refuseForks, requireSessionMeta } from './refusals';
import { keepsZst, plainSource, targetFor } from './targets';
import { compressVerified } from './zstOutput';
import { swapInPlace } from './inPlace';
import { writeForkNote } from './backups';
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

/** Strip a thread: dry run, in place, as a fork, or into a copy at `out`. */
export function stripThread(req: StripRequest, hooks: RepairHooks = {}): StripReport {
  const started = Date.now();
  const f = resolveThread(req.codexHome, req.thread);
  const progress = (phase: Phase) => (done: number, total: number) => hooks.onProgress?.(done, total, phase);
  hooks.onProgress?.(0, f.size, 'checking');
  const meta = requireSessionMeta(f);
  const opts = req.options ?? {};
  const archiveDir = opts.archiveImages ? imageArchiveDir(req.codexHome) : undefined;
  const threadId = f.id;
  if (req.mode === 'in-place') refuseForks(req.codexHome, threadId);
  const stat = req.mode === 'in-place' ? assertQuiet(req.codexHome, f, hooks.growthWindowMs) : fs.statSync(f.path);
  removeStaleTemps(path.dirname(f.path));
  if (archiveDir) removeStaleTemps(archiveDir);
  // Where it goes first (refusals cost nothing), then the plain source (a .zst is decompressed beside it).
  const { finalPath, output, newThreadId } = targetFor(req, f);
  let src: { path: string; cleanup?: string } | undefined;
  let zst: string | undefined;
  const sourceHash = createHash('sha256');
  try {
    src = plainSource(f, hooks.isCancelled);
    const stats: StripStats = stripRollout(
      src.path,
      output,
      { ...opts, archiveDir, newThreadId },
      {
        onProgress: progress('stripping'),
        isCancelled: hooks.isCancelled,
        // the backup manifest needs the original's sha256; other modes leave the original alone
        onSourceBytes: req.mode === 'in-place' ? (chunk) => sourceHash.update(chunk) : undefined,
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
    if (req.mode === 'in-place') {
      if (keepsZst(req, f)) zst = compressVerified(output, f.path, hooks.isCancelled);
      hooks.onProgress?.(0, 1, 'swapping');
      swapped = swapInPlace({
        req,
        f,
        meta,
        stat,
        sourceSha256: sourceHash.digest('hex'),
        output: zst ?? output,
        finalPath,
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
    const { lines: _lines, shapeDigest: _digest, threadIdInMeta: _meta, editedLines: _edited, ...counts } = stats;
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
      newThreadId,
      archiveDir: stats.imagesArchived ? archiveDir : undefined,
      projectionRowsCleared: rows,
      resumeCommand: `codex resume ${newThreadId ?? threadId}`,
      elapsedMs: Date.now() - started,
    };
  } finally {
    removeQuietly(output !== finalPath ? output : undefined);
    removeQuietly(zst);
    removeQuietly(src?.cleanup);
  }
}
