// What the lock holders (lockHolder.ts: one process per lock; lockServer.ts: one kept per thread of
// execution) share: the status file a holder answers in, polled synchronously; killing a holder; the
// waits; whether flock(1) is here.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { childProcess } from '../util/lazyModules';

let flockChecked: boolean | undefined;
export function hasFlock(): boolean {
  flockChecked ??= !childProcess().spawnSync('flock', ['--version'], { stdio: 'ignore', timeout: 5000 }).error;
  return flockChecked;
}

const nap = new Int32Array(new SharedArrayBuffer(4));
function sleepMs(ms: number): void {
  Atomics.wait(nap, 0, 0, ms);
}

/** Kill the holder's process group: the kernel lets its locks go as it dies. */
export function kill(child: ChildProcess): void {
  try {
    if (child.pid) process.kill(process.platform === 'win32' ? child.pid : -child.pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

/**
 * Whether a holder process still runs: the kernel lets its locks go when it ends. A zombie (it ended;
 * our event loop has not reaped it yet — it does not run while a synchronous swap goes on) does not run.
 */
export function running(child: ChildProcess): boolean {
  if (!child.pid || child.exitCode !== null || child.signalCode !== null) return false;
  if (process.platform === 'linux') {
    try {
      return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8'));
    } catch {
      return false;
    }
  }
  try {
    process.kill(child.pid, 0); // elsewhere a zombie passes this: the best a synchronous check can do
    return true;
  } catch {
    return false;
  }
}

const piece = Buffer.allocUnsafe(4096);

/** How long a holder may take to start and answer, on top of the wait for the lock. */
export const START_GRACE_MS = 5000;
export const RELEASE_WAIT_MS = 5000;
/**
 * How often the status file is read while the holder starts or lets go. A holder answers within a few
 * ms; a reclaim takes and lets go a lock per thread, so a coarse poll would be most of a small thread's time.
 */
const POLL_MS = 2;

/**
 * The status file a holder answers in, polled until the `n`th word (1-based) is there or the deadline
 * passes. Only what was added since the last look is read: a kept holder answers three words per thread
 * of a reclaim, and reading the whole file each time grew with the run.
 */
export class StatusFile {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'csr-lock-'));
  readonly path = path.join(this.dir, 'status');
  private readAt = 0;
  /** Whole words read so far, and the start of one still being written. */
  private readonly words: string[] = [];
  private rest = '';
  /** Opened for the holder's stdout. */
  open(): number {
    return fs.openSync(this.path, 'w');
  }
  word(n: number, deadline: number, alive: () => boolean = () => true): string | undefined {
    // first looks very soon (a kept holder answers in well under a ms), then every POLL_MS
    for (let wait = 0.05; ; wait = Math.min(POLL_MS, wait * 2)) {
      this.readNew();
      const w = this.words[n - 1];
      if (w || Date.now() >= deadline || !alive()) return w;
      sleepMs(wait);
    }
  }
  /** Opened for each look, not kept: a worker that dies without removing its holder leaks no descriptor. */
  private readNew(): void {
    let fd: number;
    try {
      fd = fs.openSync(this.path, 'r');
    } catch {
      return; // not there yet (or gone): no word
    }
    try {
      for (;;) {
        const n = fs.readSync(fd, piece, 0, piece.length, this.readAt);
        if (n <= 0) break;
        this.readAt += n;
        this.rest += piece.toString('latin1', 0, n);
      }
    } catch {
      // what was read stays read
    } finally {
      fs.closeSync(fd);
    }
    const parts = this.rest.split(/\s+/);
    this.rest = parts.pop() ?? ''; // a word without its line end yet
    for (const w of parts) if (w) this.words.push(w);
  }
  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
