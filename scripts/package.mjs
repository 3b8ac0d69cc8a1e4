// npm run package: a .vsix with the production bundles only (.vscodeignore), for the Marketplace and Open VSX.
// The README's images and links become absolute URLs into the repository: listing pages show a README's
// images only from https URLs, and the screenshots (1.2 MB) need not ride in every install. The walkthrough's
// images are files in the package (VS Code shows them offline).
// vsce comes through npx (one pinned version, fetched once into npm's cache), not as a devDependency.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(ROOT);
const REPO = 'https://github.com/codex-session-rescue/codex-session-rescue';
const VSCE = '@vscode/vsce@3.9.2';

const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
run(process.execPath, ['esbuild.mjs', '--production', '--quiet']);
run('npx', [
  '--yes',
  VSCE,
  'package',
  '--no-dependencies',
  '--baseContentUrl',
  `${REPO}/blob/HEAD/`,
  '--baseImagesUrl',
  `${REPO}/raw/HEAD/`,
]);
