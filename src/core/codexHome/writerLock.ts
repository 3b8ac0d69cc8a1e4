// Is Codex (CLI, or the app-server behind Desktop / the IDE extension) writing this thread now?
// Codex holds an exclusive file lock on thread-writer-locks/<threadId>.lock while it writes.
import * as fs from 'node:fs';
import { childProcess } from '../util/lazyModules';
import { writerCoordinationLockPath, writerLockPath } from './paths';
import { HeldLock, holdLock } from './lockHolder';
import { noOneHasOpen } from './lockServer';
import { RescueError } from '../util/errors';

export interface LockState {
  held: boolean;
  /** Plain words for the person: what holds it, or why we could not tell. */
  detail: string;
  lockPath: string;
}

/** Try to take the lock ourselves without waiting; if we can't, someone holds it. */
function probeWithFlock(lockPath: string): boolean | undefined {
  const r = childProcess().spawnSync('flock', ['--nonblock', '--exclusive', lockPath, 'true'], {
    stdio: 'ignore',
    timeout: 5000,
  });
  if (r.error) return undefined; // no flock(1) here
  if (r.status === 0) return false;
  if (r.status === 1) return true;
  return undefined;
}

function probeWithLsof(lockPath: string): boolean | undefined {
  const r = childProcess().spawnSync('lsof', ['-t', lockPath], { encoding: 'utf8', timeout: 5000 });
  if (r.error) return undefined;
  return r.stdout.trim().length > 0;
}

/** Windows: a byte-range lock (LockFileEx) makes reads fail with EBUSY. */
function probeByRead(lockPath: string): boolean | undefined {
  try {
    const fd = fs.openSync(lockPath, 'r');
    try {
      fs.readSync(fd, Buffer.alloc(1), 0, 1, 0);
      return false;
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'EBUSY' || code === 'EAGAIN' ? true : undefined;
  }
}

/** Every other process's open files (target → its holders' pids), as /proc showed them at `at`. */
let openFiles: { at: number; holders: Map<string, number[]> } | undefined;

/** One walk over /proc: every fd of every process we may look at (as many reads as one file's check). */
function readOpenFiles(): Map<string, number[]> | undefined {
  let pids: string[];
  try {
    pids = fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  } catch {
    return undefined;
  }
  const holders = new Map<string, number[]>();
  for (const pid of pids) {
    if (Number(pid) === process.pid) continue;
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // another user's process, or gone
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      if (target[0] !== '/') continue; // pipes, sockets, anon inodes
      const list = holders.get(target);
      if (!list) holders.set(target, [Number(pid)]);
      else if (!list.includes(Number(pid))) list.push(Number(pid));
    }
  }
  return holders;
}

/**
 * A child of ours (a lock holder another worker thread just started): until it has exec'd, it has every
 * file this process has open, our rollouts included — never Codex holding one.
 */
function ourChild(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // pid (comm) state ppid …; comm may hold spaces and parentheses: read after the last ')'
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === process.pid;
  } catch {
    return true; // gone: it holds nothing
  }
}

/**
 * Processes that have `file` open (older Codex versions write rollouts without a lock file, but
 * keep the file open for the whole session). Linux: /proc; macOS: lsof; elsewhere: unknown.
 * `maxAgeMs`: a look at /proc taken that recently will do (a plan checks thousands of threads with
 * one walk); by default /proc is read now.
 */
export function processesHolding(
  file: string,
  o: { maxAgeMs?: number } = {},
): { pid: number; name: string }[] | undefined {
  let real: string;
  try {
    real = fs.realpathSync(file);
  } catch {
    return [];
  }
  if (process.platform === 'linux') {
    // A fresh look: first the kept perl holder's lease probe (instant), the walk only when it says the
    // file is open (to name who) or cannot tell.
    if (!o.maxAgeMs && noOneHasOpen(real) === true) return [];
    const now = Date.now();
    if (!openFiles || !o.maxAgeMs || now - openFiles.at > o.maxAgeMs) {
      const holders = readOpenFiles();
      if (!holders) return undefined;
      openFiles = { at: now, holders };
    }
    return (openFiles.holders.get(real) ?? [])
      .filter((pid) => !ourChild(pid))
      .map((pid) => {
        let name = '';
        try {
          name = fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
        } catch {
          // gone meanwhile
        }
        return { pid, name };
      });
  }
  if (process.platform === 'darwin') {
    const r = childProcess().spawnSync('lsof', ['-F', 'pc', '--', real], { encoding: 'utf8', timeout: 5000 });
    if (r.error) return undefined;
    const out: { pid: number; name: string }[] = [];
    let pid = 0;
    for (const line of r.stdout.split('\n')) {
      if (line.startsWith('p')) pid = Number(line.slice(1));
      else if (line.startsWith('c') && pid && pid !== process.pid) out.push({ pid, name: line.slice(1) });
    }
    return out;
  }
  return undefined;
}

export function threadLockState(codexHome: string, threadId: string): LockState {
  const lockPath = writerLockPath(codexHome, threadId);
  if (!fs.existsSync(lockPath)) return { held: false, detail: 'no writer lock', lockPath };
  const held =
    process.platform === 'win32' ? probeByRead(lockPath) : (probeWithFlock(lockPath) ?? probeWithLsof(lockPath));
  if (held === false) return { held: false, detail: 'a stale writer lock file, not held by any process', lockPath };
  if (held === true) {
    return {
      held: true,
      detail: `Codex is writing this thread right now (it holds ${lockPath}). Close the Codex CLI session, the Codex IDE extension or Codex Desktop that has this thread open, then try again.`,
      lockPath,
    };
  }
  return {
    held: true,
    detail: `a writer lock exists at ${lockPath} and this system cannot tell whether Codex still holds it. Close every Codex window and CLI session; if the file is still there afterwards, delete it and try again.`,
    lockPath,
  };
}

/**
 * Hold the thread's writer lock ourselves, the way Codex 0.171 takes it (under its coordination
 * lock), so no Codex can open the thread until release(): Codex then says the thread "already has
 * an active writer". Throws RescueError 'held-by-codex' when Codex holds it.
 */
export function holdThreadWriterLock(codexHome: string, threadId: string, o: { waitMs?: number } = {}): HeldLock {
  const lockPath = writerLockPath(codexHome, threadId);
  const coordinationPath = writerCoordinationLockPath(codexHome);
  const r = holdLock({ lockPath, coordinationPath, waitMs: o.waitMs ?? 5000 });
  if (typeof r !== 'string') return r;
  if (r === 'held')
    throw new RescueError(
      'held-by-codex',
      `Codex is writing thread ${threadId} right now (it holds ${lockPath}). Nothing was changed. Close the Codex CLI session, the Codex IDE extension or Codex Desktop that has this thread open, then try again.`,
    );
  if (r === 'busy')
    throw new RescueError(
      'held-by-codex',
      `Another process kept Codex's lock ${coordinationPath} (taken while Codex opens or closes a thread) for several seconds; a Codex process may be stopped or hung. Nothing was changed. Close Codex and try again.`,
    );
  if (r === 'error')
    throw new RescueError(
      'write-failed',
      `Could not open the thread's writer lock ${lockPath} (check that the Codex home is writable). Nothing was changed.`,
    );
  throw new RescueError(
    'unsupported',
    `Could not take thread ${threadId}'s writer lock: this system has no way to hold a file lock from here (flock(1) or perl; PowerShell on Windows). Nothing was changed.`,
  );
}
