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
// On Linux a thread's writer lock goes through the kept holder of lockServer.ts instead (one process
// for lock after lock); this file's holders are its fallback and hold every other lock.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { childProcess } from '../util/lazyModules';
import { RELEASE_WAIT_MS, START_GRACE_MS, StatusFile, hasFlock, kill, running } from './holderProcess';
import { lockServer } from './lockServer';

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
  /** Still ours: not let go, and its holder process still runs (a killed holder's lock is gone). */
  held(): boolean;
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
    held: () => !released && running(child),
    release() {
      if (released) return;
      released = true;
      child.stdin?.destroy(); // EOF for the holder: it lets go and says so
      // a holder that is gone (killed: the lock went with it) is not waited for
      if (status.word(2, Date.now() + RELEASE_WAIT_MS, () => running(child)) !== 'released') kill(child);
      status.remove();
    },
  };
}
