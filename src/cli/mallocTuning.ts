// `reclaim` runs with glibc's malloc tuned, by re-executing this very process with two variables set
// (process.execve, Node 22.15+: the same pid, stdio and arguments; ~20 ms) before anything else runs:
// malloc reads them only at start-up. By default glibc raises its mmap threshold to the size of every
// big block freed (up to 32 MiB), zstd's own buffers among them, so a reclaim's buffers then came from
// per-thread arenas that never shrank; with the threshold fixed, a block of 1 MiB or more goes back to
// the system when freed, and arenas trim their free tops. Two arenas, not eight per core: the worker
// threads' small buffers share them. Measured on the bench's home of copies (3 runs each): peak RSS
// 217–225 MB → 182–187 MB, time and CPU the same. Linux only; a user's own MALLOC_* or glibc.malloc
// tunables are left as they are (and a process started with these is not started again). An execve
// that fails aborts Node 22.15 (it does not throw), so it is tried only when the running binary is
// still there to run; and not in a process with an IPC channel (a fork()ed child), which would lose it.
import * as fs from 'node:fs';

export const MALLOC_TUNING: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: String(1024 * 1024),
  MALLOC_ARENA_MAX: '2',
};

type Execve = (file: string, args: string[], env: NodeJS.ProcessEnv) => void;

/** Re-execute this process with MALLOC_TUNING, where that can be done; returns only when it is not. */
export function reexecWithMallocTuning(env: NodeJS.ProcessEnv = process.env): void {
  const execve = (process as unknown as { execve?: Execve }).execve;
  if (process.platform !== 'linux' || typeof execve !== 'function' || process.channel) return;
  if (Object.keys(env).some((k) => k.startsWith('MALLOC_')) || env.GLIBC_TUNABLES?.includes('glibc.malloc.')) return;
  try {
    // the binary this process runs, still at its path (not replaced or deleted by an upgrade meanwhile)
    if (fs.readlinkSync('/proc/self/exe') !== process.execPath) return;
    fs.accessSync(process.execPath, fs.constants.X_OK);
  } catch {
    return;
  }
  execve(process.execPath, [process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    ...env,
    ...MALLOC_TUNING,
  });
}
