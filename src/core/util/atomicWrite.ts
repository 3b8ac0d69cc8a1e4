// Writing files so that a reader never sees half of one and a crash never leaves one half-written:
// a temp file beside the target (same file system, so the rename is atomic), fsync, rename.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { RescueError } from './errors';

/** A temp name beside `file`, tagged with our pid so a later run can clean up after a killed one. */
export function tempBeside(file: string, tag: string): string {
  const name = `.${path.basename(file)}.${tag}-${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  return path.join(path.dirname(file), name);
}

const TEMP_NAME = /^\..+\.[a-z]+-(\d+)-[0-9a-f]{8}\.tmp$/;

/** Our temp files in `dir` left by a run that was killed (Ctrl-C, a crash): removed once their process is gone. */
export function removeStaleTemps(dir: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    const m = TEMP_NAME.exec(n);
    if (m && !processAlive(Number(m[1]))) removeQuietly(path.join(dir, n));
  }
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Best-effort cleanup: a temp file that cannot be removed must not hide the error that matters. */
export function removeQuietly(file: string | undefined): void {
  if (!file) return;
  try {
    fs.rmSync(file, { force: true });
  } catch {
    // see above
  }
}

/** Make a rename durable. Not supported everywhere (Windows): the rename is atomic all the same. */
export function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // see above
  }
}

/** Turn a failed write into plain words: disk full and permissions are the usual causes. */
export function describeWriteError(err: unknown, file: string): RescueError {
  if (err instanceof RescueError) return err;
  const e = err as NodeJS.ErrnoException;
  const fail = (msg: string) => new RescueError('write-failed', `${msg} (nothing was changed)`);
  switch (e?.code) {
    case 'ENOSPC':
      return fail(`the disk is full while writing ${file}; free some space and try again`);
    case 'EDQUOT':
      return fail(`your disk quota is used up while writing ${file}; free some space and try again`);
    case 'EACCES':
    case 'EPERM':
      return fail(`no permission to write ${file}; check the folder's owner and mode`);
    case 'EROFS':
      return fail(`${file} is on a read-only file system`);
    case 'ENOTDIR':
      return fail(`could not write ${file}: a part of that path is a file, not a folder; choose another path`);
    case 'EISDIR':
      return fail(`could not write ${file}: it is a folder; give a file name`);
    case 'ENOENT':
      return fail(`could not write ${file}: its folder does not exist or was removed meanwhile`);
    default:
      return fail(`could not write ${file}: ${e?.message ?? String(err)}`);
  }
}

/**
 * What writeFileAtomic syncs (both by default): a caller that writes several files into one folder
 * syncs the folder once after the last (each sync is a journal commit), and one whose file is only a
 * hint (a lost one costs a label) may skip the data's.
 */
export interface SyncOptions {
  data?: boolean;
  dir?: boolean;
}

function writeTemp(tmp: string, data: string | Buffer, mode?: number, sync = true): void {
  const fd = fs.openSync(tmp, 'wx', mode ?? 0o644);
  try {
    fs.writeFileSync(fd, data);
    if (sync) fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Replace (or create) `target` atomically. */
export function writeFileAtomic(target: string, data: string | Buffer, mode?: number, sync: SyncOptions = {}): void {
  const tmp = tempBeside(target, 'write');
  try {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    writeTemp(tmp, data, mode, sync.data ?? true);
    fs.renameSync(tmp, target);
  } catch (err) {
    removeQuietly(tmp);
    throw describeWriteError(err, target);
  }
  if (sync.dir ?? true) fsyncDir(path.dirname(target));
}

/** A path in `dir` for `base` that does not exist yet (base, base-2, base-3 …), trying from the `from`-th. */
export function freeName(dir: string, base: string, ext: string, from = 1): { p: string; n: number } {
  for (let i = from; ; i++) {
    const p = path.join(dir, `${base}${i > 1 ? `-${i}` : ''}${ext}`);
    if (!fs.existsSync(p)) return { p, n: i };
  }
}

/**
 * Write `data` to a file that did not exist before, named like `target` (or target-2, -3 … when taken):
 * temp file beside it, then a hard link, which fails if the name was taken meanwhile; where hard links
 * are not supported, a rename. Never overwrites anything. Returns the final path.
 */
export function writeNewFileAtomic(target: string, data: string | Buffer): string {
  const dir = path.dirname(target);
  const ext = path.extname(target);
  const base = path.basename(target, ext);
  const tmp = tempBeside(target, 'write');
  try {
    fs.mkdirSync(dir, { recursive: true });
    writeTemp(tmp, data);
    for (let n = 1; n < 10_000; n++) {
      const free = freeName(dir, base, ext, n);
      n = free.n;
      try {
        fs.linkSync(tmp, free.p);
        return free.p;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
        fs.renameSync(tmp, free.p);
        return free.p;
      }
    }
    throw new RescueError('write-failed', `Could not find a free file name for ${target}.`);
  } catch (err) {
    throw describeWriteError(err, target);
  } finally {
    removeQuietly(tmp);
  }
}

/**
 * Put `from`'s bytes at `to` atomically. `link`: a hard link when possible (no second copy of a big
 * file) — only where `from` is thrown away right after, since whatever later appends to `to` appends to
 * `from` too. Otherwise a copy (a reflink where the file system has them).
 */
export function replaceWithCopyOf(from: string, to: string, mode: number, opts: { link?: boolean } = {}): void {
  const tmp = tempBeside(to, 'restore');
  try {
    let linked = false;
    if (opts.link) {
      try {
        fs.linkSync(from, tmp);
        linked = true;
      } catch {
        // another file system: copy
      }
    }
    if (!linked) {
      fs.copyFileSync(from, tmp, fs.constants.COPYFILE_EXCL | fs.constants.COPYFILE_FICLONE);
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
