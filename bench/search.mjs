// Full-text search figures on the heavy home (issue 18), as one part of `npm run bench` or on their own:
//   node bench/search.mjs [--runs N]      (the heavy home must exist: npm run bench makes it)
// A copy of the home made of hard links, with rare words planted in a dozen threads (a user message,
// an agent answer, a shell command; one word in three threads) as Codex would append them: each must
// find its threads in the top 3, a word planted once only its thread. Then, against `cat` of every
// rollout: the first search with no index (it builds the index), a warm search as a whole CLI process,
// a turn appended and found by the next search, and the index's size against the home's non-image bytes.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { median, timedRun } from './measure.mjs';

const DAY_WORDS = ['quillwort', 'marzipanic', 'glimmerfax', 'tundrabell'];
const SHARED = 'harborlightzq';

/** Every rollout under the home's sessions and archived_sessions. */
function rollouts(home) {
  const out = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/^rollout-.*\.jsonl$/.test(e.name)) out.push(p);
    }
  };
  for (const d of ['sessions', 'archived_sessions']) if (fs.existsSync(path.join(home, d))) walk(path.join(home, d));
  return out.sort();
}

const item = (payload) => JSON.stringify({ timestamp: new Date().toISOString(), type: 'response_item', payload });
const line = {
  user: (w) => item({ type: 'message', role: 'user', content: [{ type: 'input_text', text: `why does ${w} break?` }] }),
  agent: (w) =>
    item({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: `Fixed: ${w} was stale.` }] }),
  shell: (w) =>
    item({
      type: 'function_call',
      name: 'exec_command',
      arguments: JSON.stringify({ cmd: `grep -rn ${w} src` }),
      call_id: `call_${w}`,
    }),
};

/** Append to a hard-linked file without touching the original: copy it first, then append. */
function appendOwn(file, text) {
  const tmp = `${file}.tmp`;
  fs.copyFileSync(file, tmp);
  fs.renameSync(tmp, file);
  fs.appendFileSync(file, text);
}

/** The planted home (hard links) and what was planted where. */
export function plantedHome(home, work) {
  const planted = path.join(work, 'planted-home');
  fs.rmSync(planted, { recursive: true, force: true });
  // Hard links (the work folder on another file system: a copy).
  let r = spawnSync('cp', ['-al', home, planted]);
  if (r.status !== 0) {
    fs.rmSync(planted, { recursive: true, force: true });
    r = spawnSync('cp', ['-a', '--reflink=auto', home, planted]);
  }
  if (r.status !== 0) throw new Error(`could not copy the heavy home: ${r.stderr}`);
  const files = rollouts(planted);
  const kinds = ['user', 'agent', 'shell'];
  const plants = [];
  for (let k = 0; k < 12; k++) {
    const file = files[Math.floor(((k + 0.5) * files.length) / 12)];
    const word = `${DAY_WORDS[k % DAY_WORDS.length]}${k}zq`;
    const kind = kinds[k % 3];
    const id = /([0-9a-f]{8}-[0-9a-f-]{27})\.jsonl$/.exec(file)[1];
    appendOwn(file, [line[kind](word), ...(k < 3 ? [line.user(SHARED)] : [])].join('\n') + '\n');
    plants.push({ word, kind, id, file });
  }
  return { planted, plants };
}

/** Bytes of the home that are not images (scan --json: file sizes less the image categories). */
function nonImageBytes(node, cli, home, xdg) {
  const r = spawnSync(node, [cli, 'scan', '--json', '--codex-home', home], {
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
    env: { ...process.env, XDG_CACHE_HOME: xdg },
  });
  const threads = JSON.parse(r.stdout);
  let total = 0;
  for (const t of threads) {
    const b = t.metrics.bytes;
    total += t.sizeBytes - (b.imagesLive ?? 0) - (b.imagesDead ?? 0) - (b.imagesUi ?? 0);
  }
  return total;
}

/**
 * Run the search figures. `catS`: the median `cat` of every rollout (measured here when not given).
 * Returns { rows: [{ op, median, min, rssMB, runs }], targets: [{ name, pass, detail }], lines: [text] }.
 */
export function searchBench({ node, cli, home, work, runs = 3, log = () => {}, catS }) {
  const { planted, plants } = plantedHome(home, work);
  const search = (xdg, ...args) =>
    timedRun(node, [cli, 'search', '--codex-home', planted, '--json', ...args], {
      node: true,
      timeoutS: 600,
      env: { XDG_CACHE_HOME: xdg },
    });
  if (catS === undefined) {
    const cats = [];
    for (let i = 0; i < runs; i++)
      cats.push(
        timedRun(
          'sh',
          [
            '-c',
            `find '${planted}/sessions' '${planted}/archived_sessions' -type f -name '*.jsonl' -exec cat {} + > /dev/null`,
          ],
          { stdoutNull: true },
        ).wallS,
      );
    catS = median(cats);
    log(`  cat of every rollout   ${catS.toFixed(3)} s`);
  }
  const rows = [];
  const row = (op, rs) => {
    const ok = rs.filter((r) => r.ok);
    const r = {
      op,
      median: ok.length ? median(ok.map((x) => x.wallS)) : null,
      min: ok.length ? Math.min(...ok.map((x) => x.wallS)) : null,
      rssMB: ok.length ? Math.max(...ok.map((x) => x.rssMB ?? 0)) : null,
      failed: ok.length < rs.length ? rs.find((x) => !x.ok).reason : undefined,
    };
    rows.push(r);
    log(`  ${op.padEnd(34)} ${r.median?.toFixed(3) ?? 'FAILED'} s ${r.rssMB?.toFixed(0) ?? '?'} MB`);
    return r;
  };
  // The first search, no index: it reads every rollout.
  const colds = [];
  let xdg;
  for (let i = 0; i < runs; i++) {
    xdg = path.join(work, `xdg-search-${i}`);
    fs.rmSync(xdg, { recursive: true, force: true });
    colds.push(search(xdg, plants[0].word));
  }
  const cold = row('search, no index (builds it)', colds);
  // Every planted word, on the index the last cold run left.
  const found = plants.map((p) => {
    const hits = JSON.parse(search(xdg, p.word).stdout);
    return { ...p, rank: hits.findIndex((h) => h.threadId === p.id), count: hits.length, role: hits[0]?.role };
  });
  const shared = JSON.parse(search(xdg, SHARED).stdout).map((h) => h.threadId);
  const warm = row(
    'search, warm (whole CLI process)',
    Array.from({ length: runs }, () => search(xdg, plants[1].word)),
  );
  // Codex appends a turn; the next search must find it.
  const appends = [];
  for (let i = 0; i < runs; i++) {
    const word = `freshturn${i}zq${process.pid}`;
    fs.appendFileSync(plants[2].file, line.agent(word) + '\n');
    const r = search(xdg, word);
    const hits = r.ok ? JSON.parse(r.stdout) : [];
    appends.push({ ...r, ok: r.ok && hits[0]?.threadId === plants[2].id });
  }
  const append = row('search after a turn is appended', appends);
  const indexFile = fs
    .readdirSync(path.join(xdg, 'codex-session-rescue'))
    .find((f) => f.startsWith('search-index-') && f.endsWith('.sqlite'));
  const indexBytes = fs.statSync(path.join(xdg, 'codex-session-rescue', indexFile)).size;
  const textBytes = nonImageBytes(node, cli, planted, xdg);
  const fmt = (s) => (s == null ? '—' : s.toFixed(3));
  const targets = [
    {
      name: 'search: each planted word finds its thread in the top 3 (user message, agent answer, shell command)',
      pass: found.every((f) => f.rank >= 0 && f.rank < 3),
      detail: found.map((f) => `${f.kind}:${f.rank + 1}`).join(' '),
    },
    {
      name: 'search: a word planted once finds only its thread',
      pass: found.every((f) => f.count === 1),
      detail: `hits ${found.map((f) => f.count).join(',')}`,
    },
    {
      name: 'search: a word planted in three threads finds those three',
      pass: shared.length === 3 && plants.slice(0, 3).every((p) => shared.includes(p.id)),
      detail: `${shared.length} hits`,
    },
    {
      name: 'search: first search with no index ≤ 5× cat of every rollout',
      pass: cold.median != null && cold.median <= 5 * catS,
      detail: `${fmt(cold.median)} s = ${cold.median ? (cold.median / catS).toFixed(2) : '—'}× cat (${fmt(catS)} s)`,
    },
    {
      name: 'search: first search peak RSS ≤ 200 MB',
      pass: cold.rssMB != null && cold.rssMB <= 200,
      detail: `${cold.rssMB?.toFixed(0)} MB`,
    },
    {
      name: 'search: warm search (whole CLI process) ≤ 0.25 s',
      pass: warm.median != null && warm.median <= 0.25,
      detail: `${fmt(warm.median)} s, min ${fmt(warm.min)} s`,
    },
    {
      name: 'search: a turn Codex appends is found by the next search in ≤ 0.5 s',
      pass: append.median != null && !append.failed && append.median <= 0.5,
      detail: append.failed ?? `${fmt(append.median)} s`,
    },
    {
      name: "search: index ≤ 15 % of the home's non-image bytes",
      pass: indexBytes <= 0.15 * textBytes,
      detail: `${(indexBytes / 1024 / 1024).toFixed(1)} MiB of ${(textBytes / 1024 / 1024).toFixed(0)} MiB = ${((100 * indexBytes) / textBytes).toFixed(2)} %`,
    },
  ];
  fs.rmSync(planted, { recursive: true, force: true });
  return { rows, targets, catS, indexBytes, textBytes };
}

// Standalone: node bench/search.mjs [--runs N]
if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const { cliNode } = await import('../scripts/cliNode.mjs');
  const i = process.argv.indexOf('--runs');
  const runs = i >= 0 ? Number(process.argv[i + 1]) : 3;
  const home = path.join(root, '.cache', 'heavy-home', 'codex-home');
  if (!fs.existsSync(home))
    throw new Error(`no heavy home at ${home}: run npm run bench (or tsx bench/heavyHome.ts) first`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'codex-rescue-search-bench-'));
  try {
    const r = searchBench({
      node: cliNode(),
      cli: path.join(root, 'dist', 'cli.js'),
      home,
      work,
      runs,
      log: (s) => process.stderr.write(`${s}\n`),
    });
    process.stdout.write(
      `\n${r.targets.map((t) => `  ${t.pass ? 'PASS' : 'FAIL'}  ${t.name}  [${t.detail}]`).join('\n')}\n`,
    );
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
