// `reclaim --older-than 0 --yes` over a generated home of copies (bench, once, outside the timed
// rounds): the whole CODEX_HOME's bytes before and after (rescue/ included), the run's time against
// `cp -a` of the same home measured in the same run, its peak RSS, and a restore of every thread
// compared with its original's sha256. Both timed from the page cache, after a sync and a read of the
// whole home: a `cp -a` while the generated home was still being written back, or partly out of the
// cache, took up to 8× longer, and flattered the ratio. Where the caches can be dropped (root), both
// are timed again from disk too, as on a home bigger than RAM. The floor (reclaimFloor.mjs: the
// hashing, comparing and .zst re-compression the checks need, and nothing else) and a scan of
// the home with no scan index (what a plan is made from) are timed from the page cache too, just
// before the run.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { timedRun } from './measure.mjs';
import { sha256 } from './inPlaceFootprint.mjs';

/** What a folder takes, each hard-linked file once (as `du -sb`). */
function homeBytes(dir) {
  const seen = new Set();
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const st = fs.statSync(path.join(e.parentPath, e.name));
    if (seen.has(st.ino)) continue;
    seen.add(st.ino);
    n += st.size;
  }
  return n;
}

export function reclaimHome({ node, cli, root, work, mib }) {
  const home = path.join(work, 'copies-home');
  const gen = JSON.parse(
    // the CLI's Node (22.15+): the generator writes .zst with node:zlib's zstd
    spawnSync(node, ['--import', 'tsx', path.join(root, 'bench', 'copiesHome.ts'), home, String(mib)], {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    }).stdout,
  );
  const shas = new Map(gen.threads.map((t) => [t.id, sha256(t.path)]));
  const before = homeBytes(home);
  // From the page cache: the home read through first, the better of two copies (a copy took from 0.26 s
  // to 2.9 s on this VM, slower right after GBs were written: the kernel paces writers to the disk's
  // recent speed; report.mjs holds the run against the fastest copy seen). The first is kept for the
  // run from disk.
  const copy = path.join(work, 'copies-home-cp');
  const copy2 = path.join(work, 'copies-home-cp2');
  spawnSync('sync');
  readThrough(home);
  const cps = [
    timedRun('cp', ['-a', home, copy], { timeoutS: 600 }),
    timedRun('cp', ['-a', home, copy2], { timeoutS: 600 }),
  ];
  const cp = cps[0].wallS <= cps[1].wallS ? cps[0] : cps[1];
  fs.rmSync(copy2, { recursive: true, force: true });
  spawnSync('sync');
  readThrough(home);
  const floor = floorS(node, root, home);
  // the scan every plan starts from: the one parse of every byte that finds what to take out
  const scan = timedRun(node, [cli, 'scan', '--no-cache', '--json', '--codex-home', home], {
    node: true,
    stdoutNull: true,
    env: { XDG_CACHE_HOME: path.join(work, 'scan-cache') },
  });
  const env = { XDG_CACHE_HOME: path.join(work, 'reclaim-cache') };
  const reclaimArgs = (h) => [cli, 'reclaim', '--codex-home', h, '--older-than', '0', '--yes', '--json'];
  const run = timedRun(node, reclaimArgs(home), { node: true, timeoutS: 1800, env });
  let report;
  try {
    report = JSON.parse(run.stdout).report;
  } catch {
    report = undefined;
  }
  const after = homeBytes(home);
  let identical = 0;
  const failures = [];
  for (const t of gen.threads) {
    const r = spawnSync(node, [cli, 'restore', t.id, '--codex-home', home, '--yes'], {
      encoding: 'utf8',
      env: { ...process.env, ...env },
    });
    if (r.status === 0 && sha256(t.path) === shas.get(t.id)) identical++;
    else failures.push(`${t.id}: ${r.stderr.trim().slice(0, 200)}`);
  }
  fs.rmSync(home, { recursive: true, force: true });
  const cold = fromDisk(copy, home, () =>
    timedRun(node, reclaimArgs(home), {
      node: true,
      timeoutS: 1800,
      env: { XDG_CACHE_HOME: path.join(work, 'cold-cache') },
    }),
  );
  fs.rmSync(copy, { recursive: true, force: true });
  fs.rmSync(home, { recursive: true, force: true });
  return {
    threads: gen.threads.length,
    archived: gen.threads.filter((t) => t.archived).length,
    zst: gen.threads.filter((t) => t.compressed).length,
    homeBytesBefore: before,
    homeBytesAfter: after,
    afterPct: Math.round((after / before) * 1000) / 10,
    reclaimS: run.wallS,
    cpS: cp.wallS,
    vsCp: Math.round((run.wallS / cp.wallS) * 100) / 100,
    floorS: floor,
    scanS: scan.ok ? scan.wallS : undefined,
    rssMB: run.rssMB,
    cold,
    ok: run.ok && report?.totals.failed === 0,
    repaired: report?.totals.repaired,
    restoredIdentical: identical,
    restoreFailures: failures.slice(0, 5),
    targets: { afterPctMax: 10, vsCpMax: 4, rssMBMax: 200 },
  };
}

/**
 * Seconds of reclaimFloor.mjs over the home (the checks no reclaim can skip, alone), from the page
 * cache; undefined when it failed.
 */
function floorS(node, root, home) {
  const r = spawnSync(node, [path.join(root, 'bench', 'reclaimFloor.mjs'), home], { encoding: 'utf8' });
  const s = Number(r.stdout?.trim());
  return r.status === 0 && s > 0 ? s : undefined;
}

/** Every file of `dir` read once, into the page cache. */
function readThrough(dir) {
  const buf = Buffer.allocUnsafe(1 << 20);
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const fd = fs.openSync(path.join(e.parentPath, e.name), 'r');
    try {
      while (fs.readSync(fd, buf, 0, buf.length, null) > 0);
    } finally {
      fs.closeSync(fd);
    }
  }
}

/** Whether this process may drop the kernel's page cache (root): then both runs are timed from disk. */
function dropCaches() {
  spawnSync('sync');
  try {
    fs.writeFileSync('/proc/sys/vm/drop_caches', '3');
    return true;
  } catch {
    return false;
  }
}

/**
 * `cp -a` of the home (kept at `pristine`) into `home`, then the reclaim `run` of it, each from disk
 * (caches dropped before): undefined where they cannot be dropped.
 */
function fromDisk(pristine, home, run) {
  if (!dropCaches()) return undefined;
  const cp = timedRun('cp', ['-a', pristine, home], { timeoutS: 600 });
  if (!dropCaches()) return undefined;
  const r = run();
  return {
    reclaimS: r.wallS,
    cpS: cp.wallS,
    vsCp: Math.round((r.wallS / cp.wallS) * 100) / 100,
    rssMB: r.rssMB,
    ok: r.ok,
  };
}

/**
 * `reclaim --older-than 0 --yes` of a copy of the heavy home (~3,000 real-CLI threads, a third with
 * something to free), against `cp -a` of it, from the page cache: what per-thread work costs when there
 * are thousands of threads (a figure, no target: the targets are for the home of copies).
 */
export function reclaimHeavyHome({ node, cli, home, work }) {
  const copy = path.join(work, 'heavy-reclaim');
  const cpCopy = path.join(work, 'heavy-reclaim-cp');
  spawnSync('sync');
  readThrough(home);
  const cp = timedRun('cp', ['-a', home, cpCopy], { timeoutS: 900 });
  fs.rmSync(cpCopy, { recursive: true, force: true });
  spawnSync('cp', ['-a', home, copy]);
  spawnSync('sync');
  readThrough(copy);
  const run = timedRun(node, [cli, 'reclaim', '--codex-home', copy, '--older-than', '0', '--yes', '--json'], {
    node: true,
    timeoutS: 1800,
    env: { XDG_CACHE_HOME: path.join(work, 'heavy-reclaim-cache') },
  });
  let report;
  try {
    report = JSON.parse(run.stdout).report;
  } catch {
    report = undefined;
  }
  fs.rmSync(copy, { recursive: true, force: true });
  return {
    repaired: report?.totals.repaired,
    failed: report?.totals.failed,
    ok: run.ok && report?.totals.failed === 0,
    reclaimS: run.wallS,
    cpS: cp.wallS,
    vsCp: Math.round((run.wallS / cp.wallS) * 100) / 100,
    rssMB: run.rssMB,
  };
}
