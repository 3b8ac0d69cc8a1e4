// The whole test suite: installs the pinned tools it needs (idempotent), builds the bundles,
// then runs mocha under Node 22.15.1 — the Node of VS Code 1.101's extension host, which has node:sqlite.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

run(process.execPath, ['scripts/ensure-tools.mjs']);
run(process.execPath, ['esbuild.mjs']);
const tools = JSON.parse(readFileSync('.tools/tools.json', 'utf8'));
const extra = process.argv.slice(2);
run(tools.node22, ['node_modules/mocha/bin/mocha.js', ...extra], { env: { ...process.env, NODE_NO_WARNINGS: '1' } });
