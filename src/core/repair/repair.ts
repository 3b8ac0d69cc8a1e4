// Applying a strip safely: dry run, in place (backup → temp file beside → verify → atomic rename →
// projection rows cleared), or as a fork (a new thread, original untouched); and restore.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { RolloutFile, listRollouts } from '../codexHome/rolloutFiles';
import { findThread } from '../scan/catalog';
import { StripOptions, StripStats, stripRollout } from './stripPass';
import { verifyRollout, VerifyResult } from './verify';
import { processesHolding, threadLockState } from '../codexHome/writerLock';
import {
  BackupInfo,
  BackupManifest,
  listBackups,
  newBackupDir,
  preserveOriginal,
  readBackup,
  rescueDir,
  sha256File,
  writeManifest,
} from './backups';
import { DatabaseBusyError, ProjectionDump, ProjectionTxn, beginDropProjection } from '../codexHome/threadHistoryDb';
import { formatBytes } from '../scan/risk';
import { describeWriteError } from './rangeWriter';
import { readRollout, CancelledError } from '../rollout/reader';
import { sessionPath } from '../codexHome/sessionPaths';
import { sqliteHome } from '../codexHome/sqlite';
import { classify, readSessionMeta } from '../rollout/format';

export const TOOL_VERSION = '0.1.0';

export type StripMode = 'dry-run' | 'in-place' | 'fork' | 'copy';

export interface StripRequest {
  codexHome: string;
  /** Thread id, id prefix or rollout path. */
  thread: string;
  mode: StripMode;
  /** Where to write the repaired copy (mode 'copy', or to keep a dry run's output). */
  out?: string;
  options?: Omit<StripOptions, 'newThreadId' | 'archiveDir'> & { archiveImages?: boolean };
  env?: NodeJS.ProcessEnv;
}

export type Phase = 'checking' | 'stripping' | 'verifying' | 'swapping' | 'restoring';

export interface RepairHooks {
  onProgress?: (done: number, total: number, phase: Phase) => void;
  isCancelled?: () => boolean;
  /** Milliseconds to watch the file for growth before touching it (default 1500; tests use less). */
  growthWindowMs?: number;
}

export interface StripReport extends Omit<StripStats, 'lines' | 'shapeDigest' | 'threadIdInMeta' | 'editedLines'> {
  mode: StripMode;
  threadId: string;
  sourcePath: string;
  linesVerified: number;
  /** Lines that fail to parse in the copy and did not fail in the original. Always 0 in a finished repair. */
  jsonErrors: number;
  /** Edited lines re-parsed by a second parser: JSON.parse, or stream-json for lines too long for it. */
  independentlyParsed: { jsonParse: number; streaming: number };
  outputPath: string;
  backupPath?: string;
  newThreadId?: string;
  archiveDir?: string;
  projectionRowsCleared?: number;
  resumeCommand: string;
  elapsedMs: number;
}

/** A refusal or failure worded for the person; their files are as they were. */
export class RepairError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RepairError';
  }
}

function resolveThread(codexHome: string, ref: string): RolloutFile {
  const f = findThread(codexHome, ref);
  if (!f)
    throw new RepairError(`no thread '${ref}' under ${codexHome} (give a thread id, an id prefix, or a rollout path)`);
  return f;
}

/** UUID v7 (time-ordered), like the ids recent Codex versions give threads. */
export function uuidv7(now = Date.now()): string {
  const b = randomBytes(16);
  b.writeUIntBE(now, 0, 6);
  b[6] = (b[6] & 0x0f) | 0x70;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The first line's session_meta, read without reading the rest of the file. */
export function readHeadMeta(file: string): ReturnType<typeof readSessionMeta> {
  let meta: ReturnType<typeof readSessionMeta>;
  readRollout(
    file,
    (l) => {
      if (l.value) meta = readSessionMeta(classify(l.value, true));
    },
    { hashDataUrls: false, maxLines: 1 },
  );
  return meta;
}

/** Other threads whose history_base points into this thread's file (forks made by Codex). */
export function forksOf(codexHome: string, threadId: string): RolloutFile[] {
  const out: RolloutFile[] = [];
  for (const f of listRollouts(codexHome)) {
    if (f.id === threadId) continue;
    try {
      if (!f.compressed) {
        // cheap pre-check: most threads are not forks
        const fd = fs.openSync(f.path, 'r');
        const head = Buffer.alloc(Math.min(f.size, 256 * 1024));
        fs.readSync(fd, head, 0, head.length, 0);
        fs.closeSync(fd);
        if (head.indexOf('history_base') === -1 || head.indexOf(threadId) === -1) continue;
      }
      if (readHeadMeta(f.path)?.historyBase?.threadId?.toLowerCase() === threadId) out.push(f);
    } catch {
      // unreadable: not ours to judge
    }
  }
  return out;
}

/** Refuse while Codex holds the thread or the file is still growing. */
function assertQuiet(codexHome: string, f: RolloutFile, hooks: RepairHooks): fs.Stats {
  const lock = threadLockState(codexHome, f.id);
  if (lock.held) throw new RepairError(`Not touching thread ${f.id}: ${lock.detail}`);
  assertNotOpen(f);
  const before = fs.statSync(f.path);
  const windowMs = hooks.growthWindowMs ?? 1500;
  if (Date.now() - before.mtimeMs < 10_000 && windowMs > 0) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, windowMs);
    const after = fs.statSync(f.path);
    if (after.size !== before.size || after.mtimeMs !== before.mtimeMs) {
      throw new RepairError(
        `Not touching thread ${f.id}: its rollout is still growing (${before.size} → ${after.size} bytes), so something is writing it. Close Codex (CLI, IDE extension or Desktop) and try again.`,
      );
    }
  }
  return before;
}

/** Refuse while another process has the rollout open (how older Codex versions hold a thread). */
function assertNotOpen(f: RolloutFile): void {
  const holders = processesHolding(f.path);
  if (holders && holders.length) {
    const who = holders.map((h) => `${h.name || 'process'} (pid ${h.pid})`).join(', ');
    throw new RepairError(
      `Not touching thread ${f.id}: ${who} has its rollout open, so Codex is still running it. Close that Codex session (CLI, IDE extension or Desktop) and try again.`,
    );
  }
}

const TEMP_NAME = /^\..+\.(rescue|unzst|restore)-(\d+)-[0-9a-f]{8}\.tmp$/;

/** Temp files of ours left by a run that was killed (Ctrl-C, a crash): removed once their process is gone. */
function removeStaleTemps(dir: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    const m = TEMP_NAME.exec(n);
    if (!m) continue;
    const pid = Number(m[2]);
    let alive = pid === process.pid;
    if (!alive) {
      try {
        process.kill(pid, 0);
        alive = true;
      } catch (err) {
        alive = (err as NodeJS.ErrnoException).code === 'EPERM';
      }
    }
    if (!alive) removeQuietly(path.join(dir, n));
  }
}

function tempBeside(file: string, tag: string): string {
  return path.join(
    path.dirname(file),
    `.${path.basename(file)}.${tag}-${process.pid}-${randomBytes(4).toString('hex')}.tmp`,
  );
}

function removeQuietly(file: string | undefined): void {
  if (file) fs.rmSync(file, { force: true });
}

function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // not supported on every platform (Windows): the rename is still atomic
  }
}

/** A .zst rollout is decompressed beside itself first: the pass copies by byte offsets. */
function plainSource(f: RolloutFile, hooks: RepairHooks): { path: string; cleanup?: string } {
  if (!f.compressed) return { path: f.path };
  const tmp = tempBeside(f.path.replace(/\.zst$/, ''), 'unzst');
  const fd = fs.openSync(tmp, 'wx', 0o600);
  try {
    readRollout(f.path, () => undefined, {
      hashDataUrls: false,
      isCancelled: hooks.isCancelled,
      onDecompressed: (chunk) => {
        fs.writeSync(fd, chunk);
      },
    });
  } catch (err) {
    fs.closeSync(fd);
    removeQuietly(tmp);
    throw err;
  }
  fs.closeSync(fd);
  return { path: tmp, cleanup: tmp };
}

/** An --out path must be new: never the rollout itself, never an existing file. */
function checkOutPath(out: string, f: RolloutFile): void {
  const target = path.resolve(out);
  const real = (p: string) => {
    try {
      return fs.realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  if (real(target) === real(f.path))
    throw new RepairError(
      "--out must not be the thread's own rollout; leave --out away to repair in place (with a backup)",
    );
  if (fs.existsSync(target))
    throw new RepairError(`${target} already exists; choose a new --out path (nothing was changed)`);
}

function check(v: VerifyResult, what: string): void {
  if (!v.ok)
    throw new RepairError(
      `The repaired copy failed verification, so ${what}: ${v.failures.join('; ')}. Please report this with the thread's inspect output.`,
    );
}

/** Strip a thread: dry run, in place, as a fork, or into a copy at `out`. */
export function stripThread(req: StripRequest, hooks: RepairHooks = {}): StripReport {
  const started = Date.now();
  const f = resolveThread(req.codexHome, req.thread);
  const progress = (phase: Phase) => (done: number, total: number) => hooks.onProgress?.(done, total, phase);
  hooks.onProgress?.(0, f.size, 'checking');
  const meta = readHeadMeta(f.path);
  if (!meta?.id) {
    throw new RepairError(
      `${f.path} does not start with a session_meta line, so Codex cannot list or resume it and a repair would not bring it back. Write a handoff from it instead (codex-session-rescue handoff ${f.id}).`,
    );
  }
  const opts = req.options ?? {};
  const archiveDir = opts.archiveImages ? path.join(rescueDir(req.codexHome), 'images') : undefined;
  const threadId = f.id;

  if (req.mode === 'in-place') {
    const forks = forksOf(req.codexHome, threadId);
    if (forks.length) {
      throw new RepairError(
        `Thread ${threadId} has ${forks.length} fork(s) (${forks.map((x) => x.id).join(', ')}) whose history points into this file by byte offset; rewriting it in place would break them. Repair it as a fork instead (--fork): the original and its forks stay as they are.`,
      );
    }
  }
  const stat = req.mode === 'in-place' ? assertQuiet(req.codexHome, f, hooks) : fs.statSync(f.path);
  removeStaleTemps(path.dirname(f.path));
  const src = plainSource(f, hooks);
  let newThreadId: string | undefined;
  let output: string;
  let finalPath: string;
  switch (req.mode) {
    case 'in-place':
      finalPath = f.compressed ? f.path.replace(/\.zst$/, '') : f.path;
      output = tempBeside(finalPath, 'rescue');
      break;
    case 'fork': {
      newThreadId = uuidv7();
      finalPath = sessionPath(req.codexHome, newThreadId, new Date());
      fs.mkdirSync(path.dirname(finalPath), { recursive: true });
      output = tempBeside(finalPath, 'rescue');
      break;
    }
    case 'copy':
      if (!req.out) throw new RepairError('a copy needs an output path (--out FILE)');
      checkOutPath(req.out, f);
      finalPath = path.resolve(req.out);
      fs.mkdirSync(path.dirname(finalPath), { recursive: true });
      output = tempBeside(finalPath, 'rescue');
      break;
    default: {
      if (req.out) checkOutPath(req.out, f);
      const dir = req.out ? path.dirname(path.resolve(req.out)) : path.join(os.tmpdir(), 'codex-session-rescue');
      fs.mkdirSync(dir, { recursive: true });
      finalPath = req.out ? path.resolve(req.out) : path.join(dir, `${threadId}-${Date.now()}-preview.jsonl`);
      output = tempBeside(finalPath, 'rescue');
    }
  }

  let backup: { dir: string; file: string; manifest: BackupManifest } | undefined;
  const sourceHash = createHash('sha256');
  try {
    let stats: StripStats;
    try {
      stats = stripRollout(
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
    } catch (err) {
      if (err instanceof CancelledError) throw new RepairError('Cancelled. Nothing was changed.');
      throw err;
    }
    const sha256 = sourceHash.digest('hex');
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
    if (hooks.isCancelled?.()) throw new RepairError('Cancelled. Nothing was changed.');

    let projection: ProjectionDump | undefined;
    if (req.mode === 'in-place') {
      hooks.onProgress?.(0, 1, 'swapping');
      const now = fs.statSync(f.path);
      if (now.size !== stat.size || now.mtimeMs !== stat.mtimeMs) {
        throw new RepairError(
          `Thread ${threadId} changed while it was being repaired (something is writing it). Nothing was changed; close Codex and try again.`,
        );
      }
      if (threadLockState(req.codexHome, threadId).held)
        throw new RepairError(
          `Codex opened thread ${threadId} while it was being repaired. Nothing was changed; close Codex and try again.`,
        );
      assertNotOpen(f);
      const dir = newBackupDir(req.codexHome, threadId);
      const undoBackup = () => fs.rmSync(dir, { recursive: true, force: true });
      let file: string;
      let manifest: BackupManifest;
      try {
        file = preserveOriginal(f.path, dir);
        manifest = {
          kind: 'before-repair',
          threadId,
          originalPath: f.path,
          fileName: path.basename(f.path),
          size: stat.size,
          sha256: f.compressed ? sha256File(f.path) : sha256,
          mtimeMs: stat.mtimeMs,
          mode: stat.mode & 0o7777,
          createdAt: new Date().toISOString(),
          toolVersion: TOOL_VERSION,
          options: { ...opts },
          repaired: { size: stats.bytesAfter, sha256: sha256File(output) },
        };
        writeManifest(dir, manifest);
        fs.chmodSync(output, stat.mode & 0o7777);
      } catch (err) {
        undoBackup();
        throw new RepairError(`Could not back up the original, so nothing was changed: ${(err as Error).message}`);
      }
      backup = { dir, file, manifest };
      // Take Codex's projection write lock first: a running Codex is noticed before the file changes.
      let txn: ProjectionTxn | undefined;
      try {
        txn = beginDropProjection(req.codexHome, threadId, req.env);
      } catch (err) {
        undoBackup();
        const why =
          err instanceof DatabaseBusyError
            ? err.message
            : `Codex's projection database could not be updated: ${(err as Error).message}`;
        throw new RepairError(`${why} Nothing was changed.`);
      }
      if (
        !txn &&
        meta?.historyMode === 'paginated' &&
        fs.existsSync(path.join(sqliteHome(req.codexHome, req.env), 'state_5.sqlite'))
      ) {
        // Codex keeps a projection for paginated threads next to state_5.sqlite; not finding it means it lives elsewhere.
        undoBackup();
        throw new RepairError(
          `This paginated thread's projection database (thread_history_1.sqlite) was not found where state_5.sqlite is; set CODEX_SQLITE_HOME (or sqlite_home in config.toml) to its folder. Nothing was changed.`,
        );
      }
      try {
        fs.renameSync(output, finalPath);
      } catch (err) {
        txn?.rollback();
        undoBackup();
        const e = err as NodeJS.ErrnoException;
        throw new RepairError(
          `Could not put the repaired file in place (${e.code ?? e.message}): another program may have the rollout open (Codex, an editor, a virus scanner). Nothing was changed; close it and try again.`,
        );
      }
      fsyncDir(path.dirname(finalPath));
      try {
        txn?.commit();
      } catch (err) {
        // The swap happened but Codex's projection could not be cleared: put the original back.
        putBack(file, f.path, stat.mode);
        undoBackup();
        const why =
          err instanceof DatabaseBusyError
            ? err.message
            : `Codex's projection database could not be updated: ${(err as Error).message}`;
        throw new RepairError(`${why} The original rollout is back in place, unchanged.`);
      }
      if (txn) {
        projection = txn.dump;
        manifest.projection = projection;
        try {
          writeManifest(dir, manifest);
        } catch {
          // the repair stands; only a restore of the projection rows would be missing
        }
      }
      if (f.compressed) {
        // Its bytes are in the backup; the plain .jsonl now wins. If it can't go, Codex still prefers the .jsonl.
        try {
          fs.rmSync(f.path);
        } catch {
          // harmless: see above
        }
      }
    } else {
      try {
        fs.renameSync(output, finalPath);
      } catch (err) {
        throw describeWriteError(err, finalPath);
      }
    }
    const rows = projection ? Object.values(projection.tables).reduce((s, t) => s + t.rows.length, 0) : undefined;
    const id = newThreadId ?? threadId;
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
      backupPath: backup?.file,
      newThreadId,
      archiveDir: stats.imagesArchived ? archiveDir : undefined,
      projectionRowsCleared: rows,
      resumeCommand: `codex resume ${id}`,
      elapsedMs: Date.now() - started,
    };
  } finally {
    removeQuietly(output !== finalPath ? output : undefined);
    removeQuietly(src.cleanup);
  }
}

/** Put `from`'s bytes at `to` safely (temp beside, then rename): a hard link when possible, needing no space. */
function putBack(from: string, to: string, mode: number): void {
  const tmp = tempBeside(to, 'restore');
  try {
    try {
      fs.linkSync(from, tmp);
    } catch {
      fs.copyFileSync(from, tmp, fs.constants.COPYFILE_EXCL);
      fs.chmodSync(tmp, mode & 0o7777);
      const fd = fs.openSync(tmp, 'r');
      fs.fsyncSync(fd);
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, to);
    fsyncDir(path.dirname(to));
  } catch (err) {
    removeQuietly(tmp);
    throw describeWriteError(err, to);
  }
}

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
      throw new RepairError(`${req.backupPath} is not a Codex Session Rescue backup (no manifest.json beside it)`);
    return b;
  }
  const all = listBackups(req.codexHome, threadId).filter((b) => b.manifest.kind === 'before-repair');
  if (!all.length)
    throw new RepairError(`no backups of thread ${threadId} under ${path.join(req.codexHome, 'rescue', 'backups')}`);
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
  else if (/^[0-9a-f-]{36}$/i.test(req.thread)) threadId = req.thread.toLowerCase();
  else if (req.backupPath) threadId = findBackup(req, '').manifest.threadId;
  else throw new RepairError(`no thread '${req.thread}' under ${req.codexHome}`);
  const backup = findBackup(req, threadId);
  const m = backup.manifest;
  const lock = threadLockState(req.codexHome, m.threadId);
  if (lock.held) throw new RepairError(`Not restoring thread ${m.threadId}: ${lock.detail}`);
  if (current) assertNotOpen(current);
  hooks.onProgress?.(0, m.size, 'restoring');
  if (!fs.existsSync(backup.file))
    throw new RepairError(`the backup file ${backup.file} is missing; nothing was changed`);
  const sha = sha256File(backup.file, (d) => hooks.onProgress?.(d, m.size, 'verifying'));
  if (sha !== m.sha256)
    throw new RepairError(
      `the backup ${backup.file} does not match its recorded sha256 (it was changed or damaged); nothing was restored`,
    );
  const target = m.originalPath;
  const livePath = fs.existsSync(target) ? target : current?.path;
  if (livePath && fs.existsSync(livePath) && m.repaired && !req.force) {
    const st = fs.statSync(livePath);
    if (st.size !== m.repaired.size || sha256File(livePath) !== m.repaired.sha256) {
      const grown = st.size - m.repaired.size;
      throw new RepairError(
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
    const why =
      err instanceof DatabaseBusyError
        ? err.message
        : `Codex's projection database could not be updated: ${(err as Error).message}`;
    throw new RepairError(`${why} Nothing was restored.`);
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
        toolVersion: TOOL_VERSION,
      });
      savedCurrentAs = file;
    }
    fs.mkdirSync(path.dirname(target), { recursive: true });
    putBack(backup.file, target, m.mode);
  } catch (err) {
    txn?.rollback();
    throw new RepairError(`Could not restore ${target}: ${(err as Error).message}`);
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

export { listBackups };
