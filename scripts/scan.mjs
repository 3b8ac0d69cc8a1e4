// npm run scan — the main job from a terminal: builds, then scans your Codex home ($CODEX_HOME or
// ~/.codex), or a demo home made by the real Codex CLI when you have none. Extra arguments go to
// `codex-session-rescue scan` (e.g. npm run scan -- --json).
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { ROOT, ensureDemoHome, userCodexHome } from './demo-home.mjs';
import { cliNode } from './cliNode.mjs';

const build = spawnSync(process.execPath, ['esbuild.mjs', '--quiet'], {
  cwd: ROOT,
  stdio: ['ignore', 'ignore', 'inherit'],
});
if (build.status !== 0) process.exit(build.status ?? 1);
let home = userCodexHome();
let demo;
if (!home) {
  demo = ensureDemoHome();
  home = demo.codexHome;
}
const node = cliNode();
const nodeCmd = node === process.execPath ? 'node' : path.relative(process.cwd(), node);
const r = spawnSync(node, ['dist/cli.js', 'scan', '--codex-home', home, ...process.argv.slice(2)], {
  cwd: ROOT,
  stdio: 'inherit',
});
if (demo && r.status === 0) {
  const stuck = demo.threads.stuck.id;
  process.stdout.write(
    `\nThis was a demo Codex home (${home}). Try, on its stuck thread:\n` +
      `  ${nodeCmd} dist/cli.js inspect ${stuck} --codex-home ${home}\n` +
      `  ${nodeCmd} dist/cli.js handoff ${stuck} --codex-home ${home}\n` +
      `  ${nodeCmd} dist/cli.js strip ${stuck} --dry-run --codex-home ${home}\n`,
  );
}
process.exit(r.status ?? 1);
