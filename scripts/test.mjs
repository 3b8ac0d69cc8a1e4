// The whole test suite: installs the pinned tools it needs (idempotent), builds the bundles, runs the
// core/CLI tests with mocha under Node 22.15.1 (the Node of VS Code 1.101's extension host, with
// node:sqlite), then the tests inside a real VS Code (scripts/vscode-test.mjs: oldest and newest).
//   npm test                 everything
//   npm test -- --no-vscode  only unit + end-to-end (mocha arguments may follow)
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

function run(cmd, args, opts = {}) {
  return spawnSync(cmd, args, { stdio: 'inherit', ...opts }).status ?? 1;
}
function must(cmd, args) {
  const code = run(cmd, args);
  if (code !== 0) process.exit(code);
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const args = process.argv.slice(2);
const vscode = !args.includes('--no-vscode');
const mochaArgs = args.filter((a) => a !== '--no-vscode');

if (process.platform === 'linux') must('bash', ['scripts/ensure-system.sh']);
must(process.execPath, ['scripts/ensure-tools.mjs']);
must(process.execPath, ['esbuild.mjs', '--quiet']);
must(npm, ['run', '--silent', 'lint']);
const tools = JSON.parse(readFileSync('.tools/tools.json', 'utf8'));
const core = run(tools.node22, ['node_modules/mocha/bin/mocha.js', ...mochaArgs], {
  env: { ...process.env, NODE_NO_WARNINGS: '1' },
});
const editor = vscode ? run(process.execPath, ['scripts/vscode-test.mjs']) : 0;
if (core !== 0) console.error(`\nunit + end-to-end tests failed (exit ${core})`);
if (editor !== 0) console.error(`\ntests inside VS Code failed (exit ${editor})`);
process.exit(core || editor);
