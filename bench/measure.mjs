// One timed run of a command: wall time (hrtime around the spawn) and peak RSS
// (`/usr/bin/time -v`, "Maximum resident set size"; fallback: a --require hook for node commands).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const TIME = '/usr/bin/time';
export const haveTime = fs.existsSync(TIME) && spawnSync(TIME, ['-v', 'true'], { stdio: 'ignore' }).status === 0;
const haveTimeout = spawnSync('timeout', ['--version'], { stdio: 'ignore' }).status === 0;
let seq = 0;

/**
 * @param {string} cmd
 * @param {string[]} args
 * @param {{ stdoutNull?: boolean, timeoutS?: number, node?: boolean, env?: Record<string, string> }} [opts]
 * @returns {{ ok: boolean, wallS: number, rssMB: number|null, status: number|null, signal: string|null, stdout: string, stderr: string, reason?: string }}
 */
export function timedRun(cmd, args, opts = {}) {
  const rssFile = path.join(os.tmpdir(), `bench-rss-${process.pid}-${seq++}.txt`);
  let argv = [cmd, ...args];
  const env = { ...process.env, ...opts.env };
  if (haveTime) argv = [TIME, '-v', '-o', rssFile, ...argv];
  else if (opts.node) {
    argv = [argv[0], '--require', path.join(here, 'rss-hook.cjs'), ...argv.slice(1)];
    env.BENCH_RSS_FILE = rssFile;
  }
  // `timeout` signals its whole process group, so /usr/bin/time's child dies with it.
  const timeoutS = opts.timeoutS ?? 300;
  if (haveTimeout) argv = ['timeout', '-k', '5', String(timeoutS), ...argv];
  const devnull = opts.stdoutNull ? fs.openSync('/dev/null', 'w') : undefined;
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), {
    env,
    stdio: ['ignore', devnull ?? 'pipe', 'pipe'],
    maxBuffer: 256 * 1024 * 1024,
    encoding: 'utf8',
    timeout: haveTimeout ? undefined : timeoutS * 1000,
  });
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  if (devnull !== undefined) fs.closeSync(devnull);
  let rssMB = null;
  let signal = r.signal ?? null;
  try {
    const txt = fs.readFileSync(rssFile, 'utf8');
    const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(txt);
    if (m) rssMB = Number(m[1]) / 1024;
    else if (/^\d+$/.test(txt.trim())) rssMB = Number(txt.trim()) / 1024;
    const s = /Command terminated by signal (\d+)/.exec(txt);
    if (s) signal = signalName(Number(s[1]));
  } catch {
    // no RSS figure (the command died before writing it): reported as unknown
  }
  fs.rmSync(rssFile, { force: true });
  const stderr = r.stderr ?? '';
  const ok = r.status === 0 && !r.error;
  let reason;
  if (!ok) {
    if (r.status === 124) reason = `timed out after ${timeoutS} s`;
    else reason = summarizeFailure(stderr, r.status, signal, r.error);
  }
  return { ok, wallS, rssMB, status: r.status, signal, stdout: r.stdout ?? '', stderr, reason };
}

function signalName(n) {
  return Object.entries(os.constants.signals).find(([, v]) => v === n)?.[0] ?? `signal ${n}`;
}

/** One line saying why a run failed: the JS error, V8's fatal message, or the exit signal. */
function summarizeFailure(stderr, status, signal, error) {
  if (error) return String(error.message ?? error);
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const v8 = lines.find((l) =>
    /FATAL ERROR|heap out of memory|Invalid string length|Cannot create a string|RangeError|ERR_STRING_TOO_LONG/i.test(
      l,
    ),
  );
  const err = v8 ?? lines.find((l) => /Error|error:/.test(l)) ?? lines[0];
  return `${err ?? 'no message'} (exit ${status ?? '-'}${signal ? `, ${signal}` : ''})`;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return null;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
