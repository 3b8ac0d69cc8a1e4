// Holding an flock(2)-style lock from Node, which has no flock: a small child process takes the lock
// and keeps it until we close its stdin. If we die (even SIGKILL), the pipe closes, the child sees
// EOF, lets go and exits: a lock can never outlive us. The child says how it went in a status file
// that we poll synchronously (repairs run synchronously), one word a line:
//   locked   — the lock is ours until release()
//   busy     — someone else kept it for the whole wait
//   held     — (a thread's writer lock) another process holds it: Codex is running the thread
//   error    — the lock file could not be opened
//   released — after release(): the lock is let go (and a writer lock's file removed, as Codex does)
// With a coordination lock (Codex's thread-writer-locks/.coordination.lock), the child follows
// Codex 0.171's protocol: take the coordination lock, try the writer lock without waiting, let the
// coordination lock go; at release take it again, remove the lock file, let go of both.
// Linux and most Unixes: sh + util-linux flock(1). Without flock(1) (macOS): perl, whose flock()
// is flock(2), the call Codex makes. Windows: PowerShell's FileStream.Lock (LockFileEx, the call
// Rust's File::try_lock makes there) — written for Windows but not run on it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { childProcess } from '../util/lazyModules';

export type HoldOutcome = 'locked' | 'busy' | 'held' | 'error' | 'unavailable';

export interface HoldOptions {
  lockPath: string;
  /** Codex's coordination lock around taking (and removing) a thread's writer lock. */
  coordinationPath?: string;
  /** How long to wait for a lock someone else has (the writer lock itself is only tried once). */
  waitMs: number;
  /** Which holder to run (default: the platform's); tests run each Unix one. */
  holder?: 'flock' | 'perl' | 'powershell';
}

export interface HeldLock {
  readonly lockPath: string;
  /** Let the lock go; returns when it is let go (or the holder was killed, which lets it go too). */
  release(): void;
}

const SH_FLOCK = `
lock=$1; coord=$2; wait=$3
if [ -n "$coord" ]; then
  exec 8>>"$coord" || { echo error; exit 0; }
  flock -x -w "$wait" 8 || { echo busy; exit 0; }
  exec 9>>"$lock" || { echo error; exit 0; }
  flock -x -n 9 || { echo held; exit 0; }
  flock -u 8
else
  exec 9>>"$lock" || { echo error; exit 0; }
  flock -x -w "$wait" 9 || { echo busy; exit 0; }
fi
echo locked
cat >/dev/null
if [ -n "$coord" ] && flock -x -w "$wait" 8; then rm -f -- "$lock"; fi
exec 9>&- 8>&-
echo released
`;

const PERL = `
use strict; use Fcntl qw(:flock O_RDWR O_CREAT); use Time::HiRes qw(time sleep);
my ($lock, $coord, $wait) = @ARGV; $| = 1;
sub take { my ($fh) = @_; my $end = time + $wait;
  while (1) { return 1 if flock($fh, LOCK_EX | LOCK_NB); return 0 if time >= $end; sleep 0.05; } }
my ($c, $l);
if ($coord ne '') {
  sysopen($c, $coord, O_RDWR | O_CREAT) or do { print "error\\n"; exit 0 };
  take($c) or do { print "busy\\n"; exit 0 };
  sysopen($l, $lock, O_RDWR | O_CREAT) or do { print "error\\n"; exit 0 };
  flock($l, LOCK_EX | LOCK_NB) or do { print "held\\n"; exit 0 };
  flock($c, LOCK_UN);
} else {
  sysopen($l, $lock, O_RDWR | O_CREAT) or do { print "error\\n"; exit 0 };
  take($l) or do { print "busy\\n"; exit 0 };
}
print "locked\\n";
my $buf; 1 while sysread(STDIN, $buf, 4096);
unlink $lock if $coord ne '' && take($c);
close $l; print "released\\n";
`;

// Its arguments come in the environment and the script as -EncodedCommand: no quoting to get wrong.
const POWERSHELL = `
$lock = $env:CSR_LOCK; $coord = $env:CSR_COORD; $wait = [double]$env:CSR_WAIT
function Open-Locked($p, $secs) {
  $end = (Get-Date).AddSeconds($secs)
  while ($true) {
    $fs = $null
    try { $fs = [System.IO.File]::Open($p, 'OpenOrCreate', 'ReadWrite', 'ReadWrite, Delete'); $fs.Lock(0, 1); return $fs }
    catch { if ($fs) { $fs.Dispose() }; if ((Get-Date) -ge $end) { return $null }; Start-Sleep -Milliseconds 50 }
  }
}
$c = $null
if ($coord) {
  $c = Open-Locked $coord $wait; if (-not $c) { 'busy'; exit 0 }
  $l = Open-Locked $lock 0; if (-not $l) { 'held'; exit 0 }
  $c.Dispose()
} else { $l = Open-Locked $lock $wait; if (-not $l) { 'busy'; exit 0 } }
'locked'
[Console]::In.ReadToEnd() | Out-Null
if ($coord) { $c = Open-Locked $coord $wait }
$l.Dispose()
if ($c) { Remove-Item -LiteralPath $lock -ErrorAction SilentlyContinue; $c.Dispose() }
'released'
`;

// The same protocol, for one lock after another: a process kept for the life of the thread of execution
// that started it (a reclaim takes a writer lock per thread: a holder process each cost ~15 ms).
// Requests come on stdin, four lines each (op, lock, coordination lock or '', wait in seconds); the
// answer is a word on stdout as above. A lock file that cannot be opened is an answer ("error"), not
// the end of the holder. EOF (we are gone, even killed) ends it and lets every lock go.
// Perl when it is here (flock() in the process: ~0.2 ms a lock); else sh + flock(1), which runs
// flock(1) up to five times a lock (~6 ms of processes each).
const PERL_SERVER = `
use strict; use Fcntl qw(:flock O_RDWR O_CREAT); use Time::HiRes qw(time sleep);
$| = 1;
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

let flockChecked: boolean | undefined;
function hasFlock(): boolean {
  flockChecked ??= !childProcess().spawnSync('flock', ['--version'], { stdio: 'ignore', timeout: 5000 }).error;
  return flockChecked;
}

/** The holder command for this platform, and the environment it needs. */
function holderCommand(o: HoldOptions): [string, string[], NodeJS.ProcessEnv] {
  const args = [o.lockPath, o.coordinationPath ?? '', (o.waitMs / 1000).toFixed(3)];
  const holder = o.holder ?? (process.platform === 'win32' ? 'powershell' : hasFlock() ? 'flock' : 'perl');
  if (holder === 'powershell') {
    const env = { ...process.env, CSR_LOCK: args[0], CSR_COORD: args[1], CSR_WAIT: args[2] };
    const encoded = Buffer.from(POWERSHELL, 'utf16le').toString('base64');
    return ['powershell.exe', ['-NoProfile', '-NonInteractive', '-EncodedCommand', encoded], env];
  }
  if (holder === 'flock') return ['sh', ['-c', SH_FLOCK, 'sh', ...args], process.env];
  return ['perl', ['-e', PERL, ...args], process.env];
}

const nap = new Int32Array(new SharedArrayBuffer(4));
function sleepMs(ms: number): void {
  Atomics.wait(nap, 0, 0, ms);
}

function readWords(file: string): string[] {
  try {
    return fs.readFileSync(file, 'utf8').split(/\s+/).filter(Boolean);
  } catch {
    return [];
  }
}

/** Kill the holder's process group: the kernel lets its locks go as it dies. */
function kill(child: ChildProcess): void {
  try {
    if (child.pid) process.kill(process.platform === 'win32' ? child.pid : -child.pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

/** How long a holder may take to start and answer, on top of the wait for the lock. */
const START_GRACE_MS = 5000;
const RELEASE_WAIT_MS = 5000;
/**
 * How often the status file is read while the holder starts or lets go. A holder answers within a few
 * ms; a reclaim takes and lets go a lock per thread, so a coarse poll would be most of a small thread's time.
 */
const POLL_MS = 2;

/**
 * Take the lock and keep it until `release()`. Returns the outcome when the lock is not ours:
 * 'unavailable' when no holder could run here (no sh/flock/perl, no PowerShell).
 */
export function holdLock(o: HoldOptions): HeldLock | Exclude<HoldOutcome, 'locked'> {
  fs.mkdirSync(path.dirname(o.lockPath), { recursive: true });
  const server = o.holder === undefined ? lockServer(o) : undefined;
  if (server) {
    const r = server.hold(o);
    if (r !== 'unavailable') return r;
  }
  return holdOnce(o);
}

/** The status file a holder answers in, polled until the `n`th word (1-based) is there or the deadline passes. */
class StatusFile {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'csr-lock-'));
  readonly path = path.join(this.dir, 'status');
  /** Opened for the holder's stdout. */
  open(): number {
    return fs.openSync(this.path, 'w');
  }
  word(n: number, deadline: number, alive: () => boolean = () => true): string | undefined {
    // first looks soon (a kept holder answers in a ms or two), then every POLL_MS
    for (let wait = 0.25; ; wait = Math.min(POLL_MS, wait * 2)) {
      const w = readWords(this.path)[n - 1];
      if (w || Date.now() >= deadline || !alive()) return w;
      sleepMs(wait);
    }
  }
  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** One holder process for one lock (the platform's holder; see the top). */
function holdOnce(o: HoldOptions): HeldLock | Exclude<HoldOutcome, 'locked'> {
  const status = new StatusFile();
  const out = status.open();
  let child: ChildProcess;
  const [cmd, args, env] = holderCommand(o);
  try {
    // Own process group (so a stuck holder can be killed whole); stdin is the pipe that keeps it.
    child = childProcess().spawn(cmd, args, { stdio: ['pipe', out, 'ignore'], detached: true, windowsHide: true, env });
  } catch {
    fs.closeSync(out);
    status.remove();
    return 'unavailable';
  }
  fs.closeSync(out);
  child.on('error', () => undefined); // a missing program: the status file stays empty (below)
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  const word = status.word(1, Date.now() + o.waitMs + START_GRACE_MS);
  if (word !== 'locked') {
    kill(child);
    status.remove();
    if (word === 'busy' || word === 'held' || word === 'error') return word;
    return 'unavailable';
  }
  let released = false;
  return {
    lockPath: o.lockPath,
    release() {
      if (released) return;
      released = true;
      child.stdin?.destroy(); // EOF for the holder: it lets go and says so
      if (status.word(2, Date.now() + RELEASE_WAIT_MS) !== 'released') kill(child);
      status.remove();
    },
  };
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

  private alive = (): boolean => {
    if (this.dead || this.exited || !this.child.pid) return false;
    try {
      // a zombie (it exited; our event loop has not reaped it yet) is not alive
      return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${this.child.pid}/stat`, 'utf8'));
    } catch {
      return false;
    }
  };

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

  /** Send a request and wait for its answer; undefined when the server did not answer (it is stopped then). */
  private ask(op: 'take' | 'release', o: HoldOptions, deadline: number): string | undefined {
    if (!this.send(`${op}\n${o.lockPath}\n${o.coordinationPath ?? ''}\n${(o.waitMs / 1000).toFixed(3)}\n`))
      return undefined;
    const w = this.status.word(++this.answered, deadline, this.alive);
    if (!w) this.stop();
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
      release: () => {
        if (released) return;
        released = true;
        this.busy = false;
        if (this.ask('release', o, Date.now() + RELEASE_WAIT_MS) !== 'released') this.stop(); // killed: let go
      },
    };
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
function lockServer(o: HoldOptions): LockServer | undefined {
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
