// `npm run bench`: measures scan / strip / handoff on a ≥ 600 MB rollout and on a rollout with one
// 700 MB line, against `cat`/`cp` and a naive readline + JSON.parse (+ stringify) baseline; and on a
// heavy user's home (bench/heavyHome.ts: ~3,000 real-CLI threads with fresh ids over a year, a tenth
// archived, plus four 60 MB rollouts; cached in .cache/heavy-home) the cold scan (every core and one
// worker) and the warm rescan against `cat` of every rollout, and full-text search there (bench/search.mjs).
// All in one run so the ratios are fair
// (testing-notes §3). Medians of N runs, interleaved round by round; peak RSS from /usr/bin/time -v. Once,
// outside the rounds: what an in-place repair of the big rollout leaves on disk (bench/inPlaceFootprint.mjs),
// and a home-wide reclaim of a home of copies and of a copy of the heavy home (bench/reclaimHome.mjs).
// Always exits 0: it is a measurement, not a test.
//   node scripts/bench.mjs [--runs N] [--naive-runs N] [--image-lines N] [--image-bytes N] [--giant-mib N]
//                          [--threads N] [--no-heavy] [--reclaim-mib N] [--no-reclaim] [--keep]
// Defaults: 5 runs of everything but the naive baselines (3 runs; they take ~10 s each); 3,000 threads.
import { cliNode } from './cliNode.mjs';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { haveTime, median, timedRun } from '../bench/measure.mjs';
import { checkJsonl } from '../bench/validate.mjs';
import { reclaimTargets, table, targets, targetsText, withRatios } from '../bench/report.mjs';
import { inPlaceFootprint } from '../bench/inPlaceFootprint.mjs';
import { searchBench } from '../bench/search.mjs';
import { reclaimHeavyHome, reclaimHome } from '../bench/reclaimHome.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const RUNS = opt('runs', 5);
const NAIVE_RUNS = Math.min(RUNS, opt('naive-runs', 3));
const IMAGE_LINES = opt('image-lines', 520);
const IMAGE_BYTES = opt('image-bytes', 470_000);
const GIANT_BYTES = Math.round(opt('giant-mib', 700) * 1024 * 1024);
const KEEP = argv.includes('--keep');
const HEAVY = !argv.includes('--no-heavy');
const HEAVY_THREADS = opt('threads', 3000);
const RECLAIM = !argv.includes('--no-reclaim');
const RECLAIM_MIB = opt('reclaim-mib', 1024);
const node = cliNode(); // the CLI needs Node 22.13+
const cli = path.join(root, 'dist', 'cli.js');
const started = Date.now();
const log = (s) => process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(3)}s] ${s}\n`);
const mb = (b) => `${(b / 1024 / 1024).toFixed(0)} MiB`;

function must(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}`);
  return r.stdout;
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'codex-rescue-bench-'));
let exitCode = 0;
try {
  await runBench();
} catch (err) {
  process.stderr.write(`bench: aborted: ${err.stack ?? err}\n`);
  exitCode = 0; // still a measurement run; say so loudly but don't fail CI on it
} finally {
  if (KEEP) log(`kept ${work}`);
  else fs.rmSync(work, { recursive: true, force: true });
}
process.exitCode = exitCode;

async function runBench() {
  log(
    `node ${process.version} (${node}); ${os.cpus().length} cores; ${haveTime ? '/usr/bin/time -v for peak RSS' : '/usr/bin/time missing: peak RSS from a --require hook (node commands only)'}`,
  );
  log('building (node esbuild.mjs)');
  must(node, ['esbuild.mjs'], { cwd: root });

  log(`generating into ${work}: ${IMAGE_LINES} image lines × ${IMAGE_BYTES} B, and one ${mb(GIANT_BYTES)} line`);
  const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
  const gen = JSON.parse(
    must(tsx, [
      path.join(root, 'bench', 'generate.ts'),
      work,
      String(IMAGE_LINES),
      String(IMAGE_BYTES),
      String(GIANT_BYTES),
    ]),
  );
  spawnSync('sync');
  const files = {
    big: { ...gen.big, label: `big ${mb(gen.big.bytes)}`, expectedImages: IMAGE_LINES * 2 },
    giant: { ...gen.giant, label: `1-line ${mb(gen.giant.bytes)}`, expectedImages: 1 },
  };
  if (HEAVY) {
    log(`heavy home: ${HEAVY_THREADS} threads from the real-CLI fixtures (cached in .cache/heavy-home)`);
    const m = JSON.parse(
      must(tsx, [
        path.join(root, 'bench', 'heavyHome.ts'),
        path.join(root, '.cache', 'heavy-home'),
        '--threads',
        String(HEAVY_THREADS),
      ])
        .trim()
        .split('\n')
        .pop(),
    );
    const h = m.codexHome;
    files.heavy = {
      heavy: true,
      home: h,
      label: `home ${m.rollouts} threads ${(m.bytes / 1024 ** 3).toFixed(1)} GiB`,
      rollouts: m.rollouts,
      bytes: m.bytes,
      // every rollout, as `cat` reads them: the floor for a full scan
      cat: [
        'sh',
        ['-c', `find '${h}/sessions' '${h}/archived_sessions' -type f -name '*.jsonl' -exec cat {} + > /dev/null`],
      ],
      xdg: path.join(work, 'xdg-heavy'),
    };
  }
  for (const f of Object.values(files)) log(`  ${f.label}: ${f.path ?? f.home}`);

  log('warming the page cache (cat once each)');
  for (const f of Object.values(files)) {
    const [cmd, args] = f.cat ?? ['cat', [f.path]];
    timedRun(cmd, args, { stdoutNull: true });
  }
  if (files.heavy) {
    // the warm rescan's index: one scan with the cache on
    timedRun(node, [cli, 'scan', '--codex-home', files.heavy.home], {
      stdoutNull: true,
      env: { XDG_CACHE_HOME: files.heavy.xdg },
    });
  }

  const emptyHome = path.join(work, 'empty-home');
  const handoffHome = path.join(work, 'handoff-home');
  const outDir = path.join(work, 'out');
  for (const d of [emptyHome, handoffHome, outDir]) fs.mkdirSync(d, { recursive: true });
  const tmpOut = (name) => path.join(outDir, name);
  const rm = (p) => fs.rmSync(p, { force: true, recursive: true });

  // Each op: how to run it on file f, what to clean after, which baseline it is compared with.
  const ops = [
    { op: 'node startup', only: 'big', run: () => [node, ['-e', '0']], node: true, note: 'node -e 0' },
    { op: 'cli startup', only: 'big', run: () => [node, [cli, '--version']], node: true, note: 'cli.js --version' },
    { op: 'cat', all: true, run: (f) => f.cat ?? ['cat', [f.path]], stdoutNull: true },
    { op: 'cp', run: (f) => ['cp', [f.path, tmpOut('copy.jsonl')]], after: () => rm(tmpOut('copy.jsonl')) },
    {
      op: 'scan cold (every core)',
      only: 'heavy',
      run: (f) => [node, [cli, 'scan', '--no-cache', '--json', '--codex-home', f.home]],
      node: true,
      baseline: 'cat',
      check: checkHeavyScan,
    },
    {
      op: 'scan cold (1 worker)',
      only: 'heavy',
      run: (f) => [node, [cli, 'scan', '--no-cache', '--json', '--workers', '1', '--codex-home', f.home]],
      node: true,
      baseline: 'cat',
      check: checkHeavyScan,
    },
    {
      op: 'scan warm (unchanged)',
      only: 'heavy',
      run: (f) => [node, [cli, 'scan', '--json', '--codex-home', f.home]],
      env: (f) => ({ XDG_CACHE_HOME: f.xdg }),
      node: true,
      baseline: 'cat',
      check: checkHeavyScan,
    },
    {
      op: 'scan (inspect)',
      run: (f) => [node, [cli, 'inspect', f.path, '--json', '--codex-home', emptyHome]],
      node: true,
      baseline: 'cat',
      naive: 'naive scan',
      check: checkInspect,
    },
    {
      op: 'scan (scan --no-cache)',
      run: (f) => [node, [cli, 'scan', '--no-cache', '--json', '--codex-home', f.home]],
      node: true,
      baseline: 'cat',
      naive: 'naive scan',
      check: checkScan,
    },
    {
      op: 'strip --out',
      run: (f) => [node, [cli, 'strip', f.path, '--out', tmpOut('strip.jsonl'), '--json', '--codex-home', emptyHome]],
      node: true,
      baseline: 'cp',
      naive: 'naive strip',
      check: checkStrip,
      after: () => rm(tmpOut('strip.jsonl')),
    },
    {
      op: 'handoff --out',
      run: (f) => [node, [cli, 'handoff', f.path, '--out', tmpOut('handoff.md'), '--codex-home', handoffHome]],
      node: true,
      baseline: 'cat',
      naive: 'naive scan',
      check: checkHandoff,
      after: () => {
        rm(tmpOut('handoff.md'));
        rm(path.join(handoffHome, 'rescue'));
      },
    },
    {
      op: 'naive scan',
      naiveRun: true,
      run: (f) => [node, [path.join(root, 'bench', 'naive-scan.mjs'), f.path]],
      node: true,
      baseline: 'cat',
      check: checkNaiveScan,
    },
    {
      op: 'naive strip',
      naiveRun: true,
      run: (f) => [node, [path.join(root, 'bench', 'naive-strip.mjs'), f.path, tmpOut('naive.jsonl')]],
      node: true,
      baseline: 'cp',
      check: checkNaiveStrip,
      after: () => rm(tmpOut('naive.jsonl')),
    },
  ];

  const samples = new Map(); // key → { runs: [], failed, reason }
  const checks = {};
  const key = (op, fk) => `${op}|${fk}`;
  for (let round = 0; round < RUNS; round++) {
    log(`round ${round + 1}/${RUNS}`);
    for (const [fk, f] of Object.entries(files)) {
      for (const o of ops) {
        if (o.only ? o.only !== fk : f.heavy && !o.all) continue;
        const k = key(o.op, fk);
        const s = samples.get(k) ?? { runs: [], failed: false };
        samples.set(k, s);
        if (o.naiveRun && round >= NAIVE_RUNS) continue;
        if (s.failed) continue; // a failure is deterministic here (string limit, OOM, crash): don't repeat it
        const [cmd, args] = o.run(f);
        // Writers start with no dirty pages left by the previous op (else writeback throttling lands on them).
        if (o.op === 'cp' || o.baseline === 'cp') spawnSync('sync');
        // The heavy home's 13 MB of JSON goes to /dev/null like cat's bytes (a reader in this process would
        // take CPU from the scan's workers); its check reads the output of one more, untimed run.
        const r = timedRun(cmd, args, {
          stdoutNull: o.stdoutNull || f.heavy,
          node: o.node,
          timeoutS: 240,
          env: o.env?.(f),
        });
        if (!r.ok) {
          s.failed = true;
          s.reason = r.reason;
          s.rssMB = r.rssMB;
          log(
            `  ${o.op} on ${f.label}: FAILED after ${r.wallS.toFixed(1)} s, ${r.rssMB?.toFixed(0) ?? '?'} MB: ${r.reason}`,
          );
        } else {
          if (o.op === 'strip --out') r.internalS = internalStripSeconds(r);
          s.runs.push(r);
          if (round === 0 && o.check) {
            try {
              const shown = f.heavy ? timedRun(cmd, args, { node: o.node, timeoutS: 240, env: o.env?.(f) }) : r;
              checks[`${o.op} ${f.label}`] = o.check(f, shown, tmpOut);
            } catch (e) {
              checks[`${o.op} ${f.label}`] = { ok: false, detail: `check threw: ${e.message}` };
            }
          }
          log(
            `  ${o.op.padEnd(22)} ${f.label.padEnd(14)} ${r.wallS.toFixed(3).padStart(8)} s ${(r.rssMB?.toFixed(0) ?? '?').padStart(6)} MB`,
          );
        }
        o.after?.();
      }
    }
  }

  log('in place once: what the repair of the big rollout leaves on disk, and its restore');
  const footprint = inPlaceFootprint({ node, cli, work, f: files.big });
  checks[`in place ${files.big.label}`] = footprint;
  let reclaim;
  if (RECLAIM) {
    log(`reclaim once: a ${RECLAIM_MIB} MiB home of copies, against cp -a of it, then restore of every thread`);
    reclaim = reclaimHome({ node, cli, root, work, mib: RECLAIM_MIB });
    checks['reclaim home'] = {
      ok: reclaim.ok && reclaim.restoredIdentical === reclaim.threads,
      detail: `${reclaim.restoredIdentical}/${reclaim.threads} threads restored byte for byte`,
    };
  }
  let heavyReclaim;
  if (RECLAIM && files.heavy) {
    log('reclaim once: a copy of the heavy home, against cp -a of it');
    heavyReclaim = reclaimHeavyHome({ node, cli, home: files.heavy.home, work });
    checks['reclaim heavy home'] = {
      ok: heavyReclaim.ok,
      detail: `${heavyReclaim.repaired} threads repaired, ${heavyReclaim.failed} failed`,
    };
  }

  let rows = [];
  for (const [fk, f] of Object.entries(files)) {
    for (const o of ops) {
      if (o.only ? o.only !== fk : f.heavy && !o.all) continue;
      const s = samples.get(key(o.op, fk));
      rows.push({
        op: o.op,
        file: f.label,
        median: s.failed ? null : median(s.runs.map((r) => r.wallS)),
        min: s.failed ? null : Math.min(...s.runs.map((r) => r.wallS)),
        internalS: median(s.runs.map((r) => r.internalS).filter((x) => x != null)),
        rssMB: s.failed ? s.rssMB : median(s.runs.map((r) => r.rssMB).filter((x) => x != null)),
        runs: s.runs.map((r) => ({ wallS: r.wallS, rssMB: r.rssMB, internalS: r.internalS })),
        failed: s.failed,
        reason: s.reason,
        baseline: o.baseline ?? null,
        naive: o.naive ?? null,
        note: o.note ?? (o.op === 'handoff --out' ? 'naive ratio vs naive scan' : ''),
        startup: Boolean(o.node && !o.naiveRun && o.baseline),
      });
    }
  }
  rows = withRatios(rows, 'cli startup');
  // Full-text search on the heavy home (issue 18): its own planted copy (hard links), against the same cat.
  let search;
  if (files.heavy) {
    log('search: the heavy home with planted words');
    try {
      search = searchBench({
        node,
        cli,
        home: files.heavy.home,
        work,
        runs: Math.min(RUNS, 3),
        log,
        catS: rows.find((r) => r.op === 'cat' && r.file === files.heavy.label)?.median ?? undefined,
      });
    } catch (e) {
      search = { rows: [], targets: [{ name: 'search figures', pass: false, detail: `threw: ${e.message}` }] };
    }
  }
  for (const r of rows) if (r.internalS != null) r.note = `report elapsedMs median ${r.internalS.toFixed(3)} s`;
  const ts = [
    ...targets(rows, [files.big.label, files.giant.label], checks, files.heavy?.label),
    ...(search?.targets ?? []),
    ...(reclaim ? reclaimTargets(reclaim) : []),
  ];
  const out = [];
  out.push('');
  out.push(
    `Codex Session Rescue bench — node ${process.version}, ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? '?'}; median of ${RUNS} runs (naive: ${NAIVE_RUNS}; wall s, incl. node startup for node rows); peak RSS via ${haveTime ? '/usr/bin/time -v' : 'resourceUsage hook'}`,
  );
  out.push(
    'vs cat/cp = median ratio (the targets use it); net best = (min ours − min `cli.js --version`) / min baseline: what is left of ours once node startup and bundle load are taken off, on the least disturbed samples.',
  );
  out.push(
    `files: ${files.big.label} (${IMAGE_LINES} image lines, ${files.big.expectedImages} images, ${gen.big.bytes} B); ${files.giant.label} (one line of ${GIANT_BYTES} B, ${gen.giant.bytes} B total)`,
  );
  if (files.heavy)
    out.push(
      `heavy: ${files.heavy.label} (${files.heavy.bytes} B in ${files.heavy.home}; cat = every rollout; cold = --no-cache; warm = the CLI's index, nothing changed)`,
    );
  out.push('');
  out.push(table(rows));
  out.push('');
  out.push(`In-place repair of ${files.big.label} (once, outside the rounds): ${footprint.detail}`);
  if (reclaim)
    out.push(
      `reclaim --older-than 0 of a home of copies (${reclaim.threads} threads, ${reclaim.archived} archived, ${reclaim.zst} .zst; once): whole home ${mb(reclaim.homeBytesBefore)} → ${mb(reclaim.homeBytesAfter)} = ${reclaim.afterPct} % (target ≤ 10 %); page cache ${reclaim.reclaimS.toFixed(1)} s, cp -a ${reclaim.cpS.toFixed(2)} s${reclaim.floorS ? ` (the floor, the hashing, comparing and .zst re-compression its checks need and nothing else: ${reclaim.floorS.toFixed(2)} s${reclaim.scanS ? `; the plan's scan, cold: ${reclaim.scanS.toFixed(2)} s` : ''})` : ''}${reclaim.cold ? `; from disk (caches dropped, as on a home bigger than RAM) ${reclaim.cold.reclaimS.toFixed(1)} s, cp -a ${reclaim.cold.cpS.toFixed(2)} s` : ''} (target ≤ 4× the fastest cp -a: see Targets); peak RSS ${reclaim.rssMB} MB (target ≤ 200)`,
    );
  if (heavyReclaim)
    out.push(
      `reclaim --older-than 0 of a copy of the heavy home (once, page cache, a figure): ${heavyReclaim.repaired} threads repaired in ${heavyReclaim.reclaimS.toFixed(1)} s, cp -a ${heavyReclaim.cpS.toFixed(1)} s (${heavyReclaim.vsCp}×); peak RSS ${Math.round(heavyReclaim.rssMB)} MB`,
    );
  out.push('');
  if (search?.rows.length) {
    out.push(`Search on the heavy home (planted copy; cat of every rollout ${search.catS.toFixed(3)} s):`);
    for (const r of search.rows)
      out.push(
        `  ${r.op.padEnd(34)} ${r.median?.toFixed(3) ?? 'FAILED'} s (min ${r.min?.toFixed(3) ?? '—'})  ${r.rssMB?.toFixed(0) ?? '?'} MB`,
      );
    out.push('');
  }
  out.push('Output checks (first run of each):');
  for (const [k, c] of Object.entries(checks)) out.push(`  ${c.ok ? 'ok  ' : 'BAD '} ${k}: ${c.detail}`);
  out.push('');
  out.push('Targets:');
  out.push(targetsText(ts));
  const failed = ts.filter((t) => !t.pass).length;
  out.push('');
  out.push(
    failed
      ? `${failed} of ${ts.length} targets FAILED (bench exits 0: this is a measurement)`
      : `all ${ts.length} targets pass`,
  );
  const resultsPath = path.join(
    os.tmpdir(),
    `codex-rescue-bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
  );
  fs.writeFileSync(
    resultsPath,
    JSON.stringify(
      {
        when: new Date().toISOString(),
        node: process.version,
        cores: os.cpus().length,
        runs: RUNS,
        files: {
          big: gen.big,
          giant: gen.giant,
          heavy: files.heavy && { home: files.heavy.home, rollouts: files.heavy.rollouts, bytes: files.heavy.bytes },
        },
        rows,
        checks,
        inPlaceFootprint: footprint,
        reclaimHome: reclaim,
        reclaimHeavyHome: heavyReclaim,
        targets: ts,
        totalS: (Date.now() - started) / 1000,
      },
      null,
      2,
    ),
  );
  out.push(`results JSON: ${resultsPath}`);
  out.push(`bench took ${((Date.now() - started) / 1000).toFixed(0)} s`);
  process.stdout.write(out.join('\n') + '\n');
}

// ---- output checks (run once, on the first round's output, outside the timing) ----

function parseJson(r) {
  try {
    return JSON.parse(r.stdout);
  } catch (e) {
    throw new Error(`stdout is not JSON: ${e.message}: ${r.stdout.slice(0, 200)}`);
  }
}

function checkInspect(f, r) {
  const j = parseJson(r);
  const got = j.metrics?.images?.total;
  const ok = j.id === f.id && got === f.expectedImages;
  return {
    ok,
    detail: `id ${j.id === f.id ? 'ok' : `WRONG (${j.id})`}, ${got} images (expected ${f.expectedImages}), ${j.metrics?.lines} lines, risk ${j.risk?.level}, problems ${j.metrics?.problemCount}`,
  };
}

function checkScan(f, r) {
  const j = parseJson(r);
  const t = Array.isArray(j) ? j.find((x) => x.id === f.id) : undefined;
  const got = t?.metrics?.images?.total;
  return {
    ok: Array.isArray(j) && j.length === 1 && got === f.expectedImages,
    detail: `${Array.isArray(j) ? j.length : '?'} thread(s), ${got} images (expected ${f.expectedImages}), risk ${t?.risk?.level}`,
  };
}

function checkStrip(f, r, tmpOut) {
  const j = parseJson(r);
  const src = f.srcCheck ?? (f.srcCheck = checkJsonl(f.path, { parse: false }));
  const o = checkJsonl(tmpOut('strip.jsonl'));
  const ok =
    j.imagesReplaced === f.expectedImages &&
    j.jsonErrors === 0 &&
    o.images === 0 &&
    o.parseErrors === 0 &&
    o.oversized === 0 &&
    o.lines === src.lines;
  return {
    ok,
    expectedImages: f.expectedImages,
    detail: `report: ${j.imagesReplaced} replaced, ${j.jsonErrors} JSON errors, ${j.bytesBefore} → ${j.bytesAfter} B, elapsedMs ${j.elapsedMs}; output: ${o.lines}/${src.lines} lines, ${o.parseErrors} unparsable, ${o.images} data:image left, longest line ${o.maxLine} B${o.firstError ? `, first error ${o.firstError}` : ''}`,
  };
}

function checkHandoff(f, r, tmpOut) {
  const p = tmpOut('handoff.md');
  const md = fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : '';
  const ok = md.length > 200 && !md.includes('data:image/') && md.includes(f.id);
  return {
    ok,
    detail: `${md.length} chars, ${md.includes('data:image/') ? 'CONTAINS data:image' : 'no image data'}, ${md.includes(f.id) ? 'names the thread' : 'does NOT name the thread id'}`,
  };
}

function checkHeavyScan(f, r) {
  const j = parseJson(r);
  const ids = new Set(j.map((t) => t.id));
  const archived = j.filter((t) => t.archived).length;
  const levels = {};
  for (const t of j) levels[t.risk.level] = (levels[t.risk.level] ?? 0) + 1;
  return {
    ok: j.length === f.rollouts && ids.size === f.rollouts,
    detail: `${j.length} threads (${ids.size} ids, expected ${f.rollouts}), ${archived} archived, levels ${JSON.stringify(levels)}`,
  };
}

function checkNaiveScan(f, r) {
  const j = parseJson(r);
  return { ok: j.images === f.expectedImages, detail: `${j.images} images, ${j.lines} lines` };
}

function checkNaiveStrip(f, r) {
  const j = parseJson(r);
  return { ok: j.replaced === f.expectedImages, detail: `${j.replaced} images replaced, ${j.lines} lines` };
}

function internalStripSeconds(r) {
  const m = /"elapsedMs":\s*(\d+)/.exec(r.stdout);
  return m ? Number(m[1]) / 1000 : undefined;
}
