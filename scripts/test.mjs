// The test suite, whole or in parts.
//   npm test                  everything, what CI runs: installs the pinned tools it needs (idempotent), builds
//                             the bundles, lints, runs the unit and end-to-end tests with mocha under Node 22.15.1
//                             (the Node of VS Code 1.101's extension host, with node:sqlite), then the tests inside
//                             a real VS Code (scripts/vscode-test.mjs: oldest and newest)
//   npm test -- --no-vscode   the same without VS Code
//   npm run test:unit         the fast loop: test/unit only; no installs, no lint, no real Codex CLI, no VS Code
//                             (the tests that run a bundle build dist/ once, with esbuild, in a second or two)
//   npm run test:e2e          test/e2e only: the real Codex CLIs against the mock Responses server (installs them)
// Mocha arguments may follow any of these (`npm run test:unit -- --grep scan`).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

const UNIT = 'test/unit/**/*.test.ts';
const E2E = 'test/e2e/**/*.test.ts';

function run(cmd, args, opts = {}) {
  return spawnSync(cmd, args, { stdio: 'inherit', ...opts }).status ?? 1;
}
function must(cmd, args) {
  const code = run(cmd, args);
  if (code !== 0) process.exit(code);
}

/** Node 22.15.1 from .tools when it is installed; else this Node, if it has node:sqlite (22.13+). */
function testNode() {
  if (existsSync('.tools/tools.json')) return JSON.parse(readFileSync('.tools/tools.json', 'utf8')).node22;
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major > 22 || (major === 22 && minor >= 13)) return process.execPath;
  console.error(
    `The tests need Node 22.13 or newer (node:sqlite); this is ${process.version}. ` +
      'Run `node scripts/ensure-tools.mjs` once (it installs Node 22.15.1 into .tools/), or use a newer Node.',
  );
  process.exit(1);
}

function mocha(specs, extra) {
  return run(testNode(), ['node_modules/mocha/bin/mocha.js', ...specs, ...extra], {
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
}

/**
 * Mocha as `mocha()`, its output passed through and its failures kept: the VS Code tests print a lot
 * after it, and a CI log's tail must still say which test failed and why.
 */
function mochaKeepingFailures(specs, extra) {
  return new Promise((resolve) => {
    const child = spawn(testNode(), ['node_modules/mocha/bin/mocha.js', ...specs, ...extra], {
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
      stdio: ['inherit', 'pipe', 'inherit'],
    });
    let text = '';
    child.stdout.on('data', (b) => {
      process.stdout.write(b);
      text += b.toString('utf8');
      if (text.length > 4_000_000) text = text.slice(-2_000_000);
    });
    child.on('close', (code) => {
      const at = text.search(/^\s+\d+ failing/m);
      resolve({ code: code ?? 1, failures: at >= 0 ? text.slice(at, at + 20_000) : '' });
    });
  });
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const args = process.argv.slice(2);
const part = args.includes('--unit') ? 'unit' : args.includes('--e2e') ? 'e2e' : 'all';
const vscode = part === 'all' && !args.includes('--no-vscode');
const mochaArgs = args.filter((a) => !['--no-vscode', '--unit', '--e2e'].includes(a));

if (part === 'unit') process.exit(mocha([UNIT], mochaArgs));

if (process.platform === 'linux') must('bash', ['scripts/ensure-system.sh']);
must(process.execPath, ['scripts/ensure-tools.mjs']);
if (part === 'e2e') process.exit(mocha([E2E], mochaArgs));

must(process.execPath, ['esbuild.mjs', '--quiet']);
must(npm, ['run', '--silent', 'lint']);
const { code: core, failures } = await mochaKeepingFailures([UNIT, E2E], mochaArgs);
const editor = vscode ? run(process.execPath, ['scripts/vscode-test.mjs']) : 0;
if (core !== 0) console.error(`\nunit + end-to-end tests failed (exit ${core})${failures ? `:\n${failures}` : ''}`);
if (editor !== 0) console.error(`\ntests inside VS Code failed (exit ${editor})`);
process.exit(core || editor);
