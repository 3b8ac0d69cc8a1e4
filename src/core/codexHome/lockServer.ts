// The kept lock holder (Linux): one process per thread of execution that takes lock after lock — a
// reclaim takes a thread's writer lock per thread — with lockHolder.ts's protocol.
import * as fs from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { childProcess } from '../util/lazyModules';
import type { HeldLock, HoldOptions, HoldOutcome } from './lockHolder';
import { RELEASE_WAIT_MS, START_GRACE_MS, StatusFile, hasFlock, kill, running } from './holderProcess';

// Requests come on stdin, four lines each (op, lock, coordination lock or '', wait in seconds); the
// answer is a word in the status file, as lockHolder.ts's one-lock holders answer. A lock file that
// cannot be opened is an answer ("error"), not the end of the holder. EOF (we are gone, even killed)
// ends it and lets every lock go. Perl when it has Time::HiRes (flock() in the process: ~0.2 ms a
// lock); else sh + flock(1), which runs flock(1) up to five times a lock (~6 ms of processes each).
// A holder process per lock cost ~15 ms.
// Perl also answers 'lease' (the file on the lock line): whether any process has the file open, from a
// write lease (F_SETLEASE, 1024; F_WRLCK 1, F_UNLCK 2), which Linux grants only while no other open file
// refers to the inode, and which is given back at once — "free" only if it was still whole then
// (F_GETLEASE, 1025: an open meanwhile starts breaking it). A regular file only, opened O_NONBLOCK (an
// open never waits on someone else's lease). Such an open breaks ours with SIGIO, whose default ends a
// process: ignored.
const PERL_SERVER = `
use strict; use Fcntl qw(:flock O_RDWR O_CREAT O_RDONLY O_NONBLOCK); use Time::HiRes qw(time sleep);
$| = 1; $SIG{IO} = 'IGNORE';
sub take { my ($fh, $wait) = @_; my $end = time + $wait;
  while (1) { return 1 if flock($fh, LOCK_EX | LOCK_NB); return 0 if time >= $end; sleep 0.002; } }
my ($c, $l);
while (defined(my $op = <STDIN>)) {
  my $lock = <STDIN>; my $coord = <STDIN>; my $wait = <STDIN>;
  last unless defined $wait;
  chomp($op, $lock, $coord, $wait);
  if ($op eq 'take') {
    if ($coord ne '') {
      sysopen($c, $coord, O_RDWR | O_CREAT) or do { undef $c; print "error\\n"; next };
      take($c, $wait) or do { close $c; undef $c; print "busy\\n"; next };
      sysopen($l, $lock, O_RDWR | O_CREAT) or do { undef $l; close $c; undef $c; print "error\\n"; next };
      flock($l, LOCK_EX | LOCK_NB) or do { close $l; undef $l; close $c; undef $c; print "held\\n"; next };
      flock($c, LOCK_UN);
    } else {
      sysopen($l, $lock, O_RDWR | O_CREAT) or do { undef $l; print "error\\n"; next };
      take($l, $wait) or do { close $l; undef $l; print "busy\\n"; next };
    }
    print "locked\\n";
  } elsif ($op eq 'release') {
    unlink $lock if $coord ne '' && $c && take($c, $wait);
    if ($l) { close $l; undef $l; }
    if ($c) { close $c; undef $c; }
    print "released\\n";
  } elsif ($op eq 'lease') {
    my $f;
    (-f $lock && sysopen($f, $lock, O_RDONLY | O_NONBLOCK)) or do { print "error\\n"; next };
    if (fcntl($f, 1024, 1)) {
      my $still = fcntl($f, 1025, 0);
      fcntl($f, 1024, 2);
      print((($still // -1) == 1) ? "free\\n" : "open\\n");
    }
    elsif ($!{EAGAIN}) { print "open\\n"; }
    else { print "unknown\\n"; }
    close $f;
  }
}
`;

const SH_FLOCK_SERVER = `
while IFS= read -r op && IFS= read -r lock && IFS= read -r coord && IFS= read -r wait; do
  case $op in
  take)
    if [ -n "$coord" ]; then
      command exec 8>>"$coord" || { echo error; continue; }
      flock -x -w "$wait" 8 || { exec 8>&-; echo busy; continue; }
      command exec 9>>"$lock" || { exec 8>&-; echo error; continue; }
      flock -x -n 9 || { exec 9>&- 8>&-; echo held; continue; }
      flock -u 8
    else
      command exec 9>>"$lock" || { echo error; continue; }
      flock -x -w "$wait" 9 || { exec 9>&-; echo busy; continue; }
    fi
    echo locked ;;
  release)
    if [ -n "$coord" ] && flock -x -w "$wait" 8; then rm -f -- "$lock"; fi
    exec 9>&- 8>&-
    echo released ;;
  esac
done
`;

let perlChecked: boolean | undefined;
/** Perl with the modules the kept holder uses (Debian's perl-base alone has no Time::HiRes). */
function hasPerl(): boolean {
  perlChecked ??=
    childProcess().spawnSync('perl', ['-MFcntl', '-MTime::HiRes', '-e', '1'], { stdio: 'ignore', timeout: 5000 })
      .status === 0;
  return perlChecked;
}

type ServerKind = 'perl' | 'sh';

/** The kept holder of this thread of execution (PERL_SERVER or SH_FLOCK_SERVER), one lock at a time. */
class LockServer {
  private readonly status = new StatusFile();
  private readonly child: ChildProcess;
  private readonly stdin: { destroyed?: boolean; _handle?: { fd?: number } } | null;
  private readonly stdinFd: number;
  /** The pipe's inode: a descriptor number Node closed and the process reused is never written to. */
  private readonly stdinIno: number;
  /** Words answered so far. */
  private answered = 0;
  get answeredAny(): boolean {
    return this.answered > 0;
  }
  private exited = false;
  /** A lock is held through it (a second one at once gets its own holder). */
  busy = false;
  dead = false;

  constructor(readonly kind: ServerKind) {
    const out = this.status.open();
    try {
      const [cmd, args] = kind === 'perl' ? ['perl', ['-e', PERL_SERVER]] : ['sh', ['-c', SH_FLOCK_SERVER]];
      this.child = childProcess().spawn(cmd, args, {
        stdio: ['pipe', out, 'ignore'],
        detached: true,
        env: process.env,
      });
    } finally {
      fs.closeSync(out);
    }
    this.child.on('error', () => undefined);
    // Once Node has seen it exit, its pid and its stdin descriptor may belong to others.
    this.child.once('exit', () => {
      this.exited = true;
      this.stop();
    });
    this.child.unref();
    this.stdin = this.child.stdin as unknown as LockServer['stdin'];
    (this.stdin as { unref?: () => void } | null)?.unref?.();
    // The pipe's descriptor, written synchronously: a lock is taken in the middle of a synchronous repair.
    const fd = this.stdin?._handle?.fd;
    if (typeof fd !== 'number' || fd < 0) {
      this.stop();
      throw new Error('no descriptor for the lock server');
    }
    this.stdinFd = fd;
    this.stdinIno = fs.fstatSync(fd).ino;
  }

  private alive = (): boolean => !this.dead && !this.exited && running(this.child);

  /** The request written whole to the shell's own pipe; false (and the server stopped) otherwise. */
  private send(text: string): boolean {
    try {
      if (this.alive() && !this.stdin?.destroyed && fs.fstatSync(this.stdinFd).ino === this.stdinIno) {
        const b = Buffer.from(text);
        if (fs.writeSync(this.stdinFd, b) === b.length) return true;
      }
    } catch {
      // EPIPE, EBADF: it is gone
    }
    this.stop();
    return false;
  }

  /**
   * Send a request and wait for its answer; undefined when the server did not answer (then it is stopped,
   * unless `keep`: answers are counted, so a late one is never taken for the next request's).
   */
  private ask(op: 'take' | 'release' | 'lease', o: HoldOptions, deadline: number, keep = false): string | undefined {
    if (!this.send(`${op}\n${o.lockPath}\n${o.coordinationPath ?? ''}\n${(o.waitMs / 1000).toFixed(3)}\n`))
      return undefined;
    const w = this.status.word(++this.answered, deadline, this.alive);
    if (!w && !keep) this.stop();
    return w;
  }

  hold(o: HoldOptions): HeldLock | Exclude<HoldOutcome, 'locked'> {
    const word = this.ask('take', o, Date.now() + o.waitMs + START_GRACE_MS);
    if (word === 'busy' || word === 'held' || word === 'error') return word;
    if (word !== 'locked') {
      this.stop();
      return 'unavailable'; // the caller falls back to a holder of its own
    }
    this.busy = true;
    let released = false;
    return {
      lockPath: o.lockPath,
      held: () => !released && this.alive(),
      release: () => {
        if (released) return;
        released = true;
        this.busy = false;
        if (this.ask('release', o, Date.now() + RELEASE_WAIT_MS) !== 'released') this.stop(); // killed: let go
      },
    };
  }

  /**
   * Perl's 'lease' (see PERL_SERVER): true when no process has `file` open; undefined when it cannot
   * tell. A probe that gets no answer in time never stops the server: it may be holding the very writer
   * lock a swap is under.
   */
  noOneHasOpen(file: string): boolean | undefined {
    if (this.kind !== 'perl' || this.dead) return undefined;
    const word = this.ask('lease', { lockPath: file, waitMs: 0 }, Date.now() + LEASE_WAIT_MS, true);
    return word === 'free' ? true : word === 'open' ? false : undefined;
  }

  /** Kill it (unless Node has already reaped it: its pid may be another's now) and drop its status file. */
  stop(): void {
    if (!this.dead && !this.exited) kill(this.child);
    this.dead = true;
    this.status.remove();
  }

  /** Let it end by itself (EOF) and wait until Node has reaped it, so no exited shell is left behind. */
  async shutdown(): Promise<void> {
    if (this.exited) return this.stop();
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    (this.child.stdin as { destroy?: () => void } | null)?.destroy?.();
    const timer = setTimeout(() => this.stop(), RELEASE_WAIT_MS);
    await exited;
    clearTimeout(timer);
    this.stop();
  }
}

/** How long a lease probe is waited for (it answers in well under a millisecond): then /proc is read. */
const LEASE_WAIT_MS = 1000;

let server: LockServer | undefined;
/** Which kept holder runs here (tests choose; undefined: perl when it is here, else sh + flock(1)). */
let serverKind: ServerKind | undefined;

/** Tests: run the kept holder of this kind from now on (the current one is shut down). */
export async function useLockServer(kind: ServerKind | undefined): Promise<void> {
  await shutdownLockServer();
  serverKind = kind;
}

/** A perl holder died before its first answer: sh from then on (not a new perl per lock). */
let perlFailed = false;
let exitHooked = false;

function keptKind(): ServerKind | undefined {
  if (serverKind) return serverKind;
  if (!perlFailed && hasPerl()) return 'perl';
  return hasFlock() ? 'sh' : undefined;
}

/**
 * This thread's kept holder for `o`, when it can take it: a thread's writer lock (taken and let go per
 * thread; the maintenance lock is taken once per run), perl or flock(1) is here, no lock is held through
 * it now, and the paths fit on a line. Otherwise (or when it cannot start) the lock gets its own holder.
 */
export function lockServer(o: HoldOptions): LockServer | undefined {
  if (!o.coordinationPath || process.platform !== 'linux') return undefined;
  if ([o.lockPath, o.coordinationPath ?? ''].some((p) => /[\n\r]/.test(p))) return undefined;
  if (server?.dead) {
    if (server.kind === 'perl' && !server.answeredAny) perlFailed = true;
    server = undefined;
  }
  if (server?.busy) return undefined;
  try {
    if (!server) {
      const kind = keptKind();
      if (!kind) return undefined;
      server = new LockServer(kind);
      if (!exitHooked) {
        exitHooked = true;
        process.once('exit', () => server?.stop()); // its status file goes with us
      }
    }
  } catch {
    return undefined;
  }
  return server;
}

/**
 * End this thread's kept holder and wait for it to be gone: a pool worker calls this before it ends
 * (an exited child is reaped by the event loop of the thread that started it).
 */
export async function shutdownLockServer(): Promise<void> {
  const s = server;
  server = undefined;
  await s?.shutdown();
}

/**
 * Whether no process at all (this one included) has `file` open, told by this thread's kept perl holder
 * in well under a millisecond, where a walk over every descriptor in /proc takes ~4 ms on a quiet
 * machine and far more on a desktop with tens of thousands of them, once per thread a reclaim swaps.
 * Undefined when it cannot tell (no kept perl holder running here — one runs while a reclaim holds a
 * thread's writer lock —, a file system without leases, a file of another owner): then /proc is read.
 */
export function noOneHasOpen(file: string): boolean | undefined {
  if (process.platform !== 'linux' || /[\n\r]/.test(file)) return undefined;
  return server && !server.dead ? server.noOneHasOpen(file) : undefined;
}
