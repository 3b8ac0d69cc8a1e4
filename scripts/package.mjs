// npm run package: a .vsix with the production bundles only. The packaged README leaves out the
// screenshots (they live in the repository, and vsce needs absolute image URLs).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(ROOT);
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
run(process.execPath, ['esbuild.mjs', '--production', '--quiet']);
const readme = path.join('.cache', 'README.vsix.md');
fs.mkdirSync('.cache', { recursive: true });
fs.writeFileSync(readme, fs.readFileSync('README.md', 'utf8').replace(/^!\[[^\]]*\]\([^)]*\)\n/gm, ''));
run('npx', ['--yes', '@vscode/vsce', 'package', '--no-dependencies', '--readme-path', readme]);
