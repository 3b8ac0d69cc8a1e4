// The Node to run dist/cli.js with: this one when it is 22.13+ (the CLI needs node:sqlite), else the
// suite's pinned Node 22 from .tools, installed from the npm registry when it is not there yet (if
// that fails: this one, and the CLI says what it needs).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function cliNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major >= 23 || (major === 22 && minor >= 13)) return process.execPath;
  if (!fs.existsSync(path.join(ROOT, '.tools', 'tools.json')))
    spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'ensure-tools.mjs')], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  try {
    const node22 = JSON.parse(fs.readFileSync(path.join(ROOT, '.tools', 'tools.json'), 'utf8')).node22;
    if (node22 && fs.existsSync(node22)) return node22;
  } catch {
    // no pinned tools yet
  }
  return process.execPath;
}
