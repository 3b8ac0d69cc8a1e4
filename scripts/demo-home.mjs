// A demo Codex home for people (and machines) without one: threads made by the real Codex CLI
// against the test suite's mock Responses server — small, screenshots, tools, compacted, stuck.
// Made once into .cache/demo (about a minute), reused afterwards; the Codex home is .cache/demo/codex-home.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The user's Codex home, if it holds any threads. */
export function userCodexHome() {
  const h = process.env.CODEX_HOME?.trim() || path.join(os.homedir(), '.codex');
  return fs.existsSync(path.join(h, 'sessions')) || fs.existsSync(path.join(h, 'archived_sessions')) ? h : undefined;
}

function must(cmd, args, o = {}) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], cwd: ROOT, ...o });
  if (r.status !== 0) {
    process.stderr.write(`${cmd} ${args.join(' ')} failed\n`);
    process.exit(r.status ?? 1);
  }
}

/** Returns the demo manifest: { codexHome, version, threads: { kind: { id, path, cwd } } }. */
export function ensureDemoHome(log = (s) => process.stderr.write(`${s}\n`)) {
  const dir = path.join(ROOT, '.cache', 'demo');
  const manifest = path.join(dir, 'manifest.json');
  if (!fs.existsSync(manifest)) {
    log('No Codex home here: making a demo one with the real Codex CLI (about a minute)…');
    must(process.execPath, ['scripts/ensure-tools.mjs']);
    const node22 = JSON.parse(fs.readFileSync(path.join(ROOT, '.tools', 'tools.json'), 'utf8')).node22;
    must(node22, ['--import', 'tsx', 'test/vscode/harness/makeFixtures.ts', dir], {
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
    });
  }
  return JSON.parse(fs.readFileSync(manifest, 'utf8'));
}

// `node scripts/demo-home.mjs`: make it when missing (the F5 launch in .vscode/ runs this first), print its path.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const m = ensureDemoHome();
  fs.mkdirSync(m.threads.stuck.cwd, { recursive: true });
  process.stdout.write(`${m.codexHome}\n`);
}
