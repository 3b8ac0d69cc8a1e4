// Renders the listing icon, media/icon-listing.svg, to media/icon.png (256×256, transparent corners) with
// headless chromium (Debian's `chromium`, which the VS Code tests use too). The Marketplace takes no SVG
// icon; the PNG is committed, so this runs only when the SVG changes:  node scripts/render-icon.mjs
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const svg = pathToFileURL(path.join(ROOT, 'media', 'icon-listing.svg')).href;
const png = path.join(ROOT, 'media', 'icon.png');
const r = spawnSync(
  process.env.CHROMIUM ?? 'chromium',
  [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--hide-scrollbars',
    '--default-background-color=00000000',
    '--window-size=256,256',
    `--screenshot=${png}`,
    svg,
  ],
  { encoding: 'utf8', timeout: 60_000 },
);
if (r.status !== 0) {
  process.stderr.write(`render-icon: chromium failed (${r.error?.message ?? `exit ${r.status}`})\n${r.stderr}`);
  process.exit(1);
}
process.stdout.write(`render-icon: wrote ${path.relative(ROOT, png)}\n`);
