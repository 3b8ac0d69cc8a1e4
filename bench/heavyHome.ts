// The heavy user's Codex home for the bench and the VS Code lag test: ~3,000 threads copied from the
// real Codex CLI's fixture rollouts (test/support/fixtures.ts via test/vscode/harness/makeFixtures.ts), each
// with a fresh id (file name, session_meta, every other mention), its timestamps shifted to a day in
// the last year, a tenth archived, most named in session_index.jsonl; plus a few generated ~60 MB
// rollouts (test/support/synthetic.ts). Cached: an existing home made with the same parameters is kept.
//   tsx bench/heavyHome.ts <outDir> [--threads N] [--big N] [--fixtures DIR]
// Prints one JSON line: the manifest ({ codexHome, threads, rollouts, bytes, big: [paths], … }).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { sessionPath, writeSyntheticRollout } from '../test/support/synthetic';
import { rolloutFileName } from '../src/core/codexHome/paths';
import { seededRandom as rng } from '../test/support/random';

const argv = process.argv.slice(2);
const out = path.resolve(argv[0] ?? '.cache/heavy-home');
const opt = (name: string, dflt: number): number => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const THREADS = opt('threads', 3000);
const BIG = opt('big', 4);
const fixturesArg = argv.indexOf('--fixtures');
const fixturesDir = path.resolve(fixturesArg >= 0 ? argv[fixturesArg + 1] : '.cache/vscode-fixtures');
const VERSION = 2; // bump when the layout below changes
const DAY = 86400000;

interface Manifest {
  version: number;
  params: { threads: number; big: number };
  codexHome: string;
  /** Every rollout file (threads + big ones). */
  rollouts: number;
  archived: number;
  bytes: number;
  big: string[];
  newest: string;
  madeInS: number;
}

/** A template: the fixture's bytes cut at every id, timestamp and cwd mention, so copies are concatenations. */
interface Template {
  pieces: Buffer[];
  tokens: ({ kind: 'id' } | { kind: 'ts'; ms: number } | { kind: 'cwd' })[];
  firstMs: number;
  lastMs: number;
  bytes: number;
}

function template(file: string, id: string, cwdRoot: string): Template {
  const text = fs.readFileSync(file).toString('latin1');
  const re = new RegExp(
    `${id}|\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(?:\\.\\d+)?Z|${cwdRoot.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`,
    'g',
  );
  const pieces: Buffer[] = [];
  const tokens: Template['tokens'] = [];
  let last = 0;
  let firstMs = Infinity;
  let lastMs = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    pieces.push(Buffer.from(text.slice(last, m.index), 'latin1'));
    last = m.index + m[0].length;
    if (m[0] === id) tokens.push({ kind: 'id' });
    else if (m[0] === cwdRoot) tokens.push({ kind: 'cwd' });
    else {
      const ms = Date.parse(m[0]);
      tokens.push({ kind: 'ts', ms });
      firstMs = Math.min(firstMs, ms);
      lastMs = Math.max(lastMs, ms);
    }
  }
  pieces.push(Buffer.from(text.slice(last), 'latin1'));
  return { pieces, tokens, firstMs, lastMs, bytes: text.length };
}

function uuid7(ms: number, r: () => number): string {
  const hex = (n: number) =>
    Array.from({ length: n }, () =>
      Math.floor(r() * 16)
        .toString(16)
        .toLowerCase(),
    ).join('');
  const t = ms.toString(16).padStart(12, '0');
  return `${t.slice(0, 8)}-${t.slice(8, 12)}-7${hex(3)}-8${hex(3)}-${hex(12)}`;
}

function ensureFixtures(): { codexHome: string; threads: Record<string, { id: string; path: string; cwd: string }> } {
  const manifest = path.join(fixturesDir, 'manifest.json');
  if (!fs.existsSync(manifest)) {
    const tools = JSON.parse(fs.readFileSync(path.resolve('.tools/tools.json'), 'utf8')) as { node22: string };
    const r = spawnSync(tools.node22, ['--import', 'tsx', 'test/vscode/harness/makeFixtures.ts', fixturesDir], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    if (r.status !== 0) throw new Error('could not make the real-CLI fixtures (test/vscode/harness/makeFixtures.ts)');
  }
  return JSON.parse(fs.readFileSync(manifest, 'utf8'));
}

function main(): void {
  const manifestFile = path.join(out, 'manifest.json');
  try {
    const m = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as Manifest;
    if (m.version === VERSION && m.params.threads === THREADS && m.params.big === BIG && fs.existsSync(m.codexHome)) {
      process.stdout.write(JSON.stringify(m) + '\n');
      return;
    }
  } catch {
    // not made yet
  }
  const t0 = Date.now();
  const fx = ensureFixtures();
  const kinds = Object.keys(fx.threads);
  const cwdRoot = path.dirname(fx.threads[kinds[0]].cwd);
  const templates = new Map(kinds.map((k) => [k, template(fx.threads[k].path, fx.threads[k].id, cwdRoot)]));
  // Mix chosen so the home averages ~0.65 MB a thread, like the 2.2 GB / 3,004 threads.
  const weights: Record<string, number> = { small: 0.37, tools: 0.25, compacted: 0.26, screenshots: 0.06, stuck: 0.06 };
  const home = path.join(out, 'codex-home');
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(home, { recursive: true });
  const r = rng(42);
  const now = Date.now();
  const index: string[] = [];
  let bytes = 0;
  let archived = 0;
  let newest = '';
  for (let i = 0; i < THREADS; i++) {
    let pick = r();
    let kind = kinds[kinds.length - 1];
    for (const k of kinds) {
      pick -= weights[k] ?? 0;
      if (pick <= 0) {
        kind = k;
        break;
      }
    }
    const tpl = templates.get(kind)!;
    // A year of activity, denser lately (like a real home): the newest threads are today.
    const ageMs = Math.floor(Math.pow(r(), 2) * 365 * DAY) + Math.floor(r() * 3600_000);
    const start = now - ageMs - (tpl.lastMs - tpl.firstMs);
    const shift = start - tpl.firstMs;
    const id = uuid7(start, r);
    const cwd = `/home/dev/project-${Math.floor(r() * 40)}`;
    const bufs: Buffer[] = [];
    tpl.pieces.forEach((p, k) => {
      bufs.push(p);
      const tok = tpl.tokens[k];
      if (!tok) return;
      if (tok.kind === 'id') bufs.push(Buffer.from(id));
      else if (tok.kind === 'cwd') bufs.push(Buffer.from(cwd));
      else bufs.push(Buffer.from(new Date(tok.ms + shift).toISOString()));
    });
    const isArchived = r() < 0.1;
    const when = new Date(start);
    const file = isArchived
      ? path.join(home, 'archived_sessions', rolloutFileName(id, when))
      : sessionPath(home, id, when);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const data = Buffer.concat(bufs);
    fs.writeFileSync(file, data);
    const mtime = new Date(tpl.lastMs + shift);
    fs.utimesSync(file, mtime, mtime);
    bytes += data.length;
    if (isArchived) archived++;
    if (!isArchived && (!newest || mtime.toISOString() > newest.split('|')[0]))
      newest = `${mtime.toISOString()}|${file}`;
    if (r() < 0.8)
      index.push(JSON.stringify({ id, thread_name: `${kind} thread ${i}`, updated_at: mtime.toISOString() }));
  }
  const big: string[] = [];
  for (let b = 0; b < BIG; b++) {
    const when = new Date(now - (b * 3 + 1) * DAY);
    const id = uuid7(when.getTime(), r);
    // 60 turns × (image + its UI copy) of ~490 KB base64 each ≈ 60 MB
    const w = writeSyntheticRollout(sessionPath(home, id, when), {
      imageLines: 60,
      imageBytes: 370_000,
      threadId: id,
      start: when,
      cwd: `/home/dev/big-${b}`,
    });
    big.push(w.path);
    bytes += w.bytes;
    index.push(JSON.stringify({ id, thread_name: `big generated thread ${b}`, updated_at: when.toISOString() }));
  }
  fs.writeFileSync(path.join(home, 'session_index.jsonl'), index.join('\n') + '\n');
  const m: Manifest = {
    version: VERSION,
    params: { threads: THREADS, big: BIG },
    codexHome: home,
    rollouts: THREADS + BIG,
    archived,
    bytes,
    big,
    newest: newest.split('|')[1] ?? '',
    madeInS: (Date.now() - t0) / 1000,
  };
  fs.writeFileSync(manifestFile, JSON.stringify(m, null, 2));
  process.stdout.write(JSON.stringify(m) + '\n');
}

main();
