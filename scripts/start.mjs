#!/usr/bin/env node
// npm start: builds the extension, installs code-server when missing, and opens the extension in a real
// VS Code for the web on this machine, with your Codex home ($CODEX_HOME or ~/.codex) — or, when there is
// none, a demo Codex home with threads made by the real Codex CLI (one of them stuck). Prints the URL.
//   npm start [-- --demo] [--port 8080] [--host 127.0.0.1] [--version oldest|newest]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCodeServer, workbenchUrl } from '../test/vscode/harness/code-server-launch.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(ROOT);
const argv = process.argv.slice(2);
const opt = (name, dflt) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : dflt);
const log = (s) => process.stderr.write(`[start] ${s}\n`);

function must(cmd, args, o = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...o });
  if (r.status !== 0) {
    log(`${cmd} ${args.join(' ')} failed`);
    process.exit(r.status ?? 1);
  }
  return r;
}

function userCodexHome() {
  const h = process.env.CODEX_HOME?.trim() || path.join(os.homedir(), '.codex');
  return fs.existsSync(path.join(h, 'sessions')) || fs.existsSync(path.join(h, 'archived_sessions')) ? h : undefined;
}

function demoHome() {
  const dir = path.join(ROOT, '.cache', 'demo');
  const manifest = path.join(dir, 'manifest.json');
  if (!fs.existsSync(manifest)) {
    log('no Codex home here: making a demo one with the real Codex CLI (about a minute)…');
    if (fs.existsSync('scripts/ensure-tools.mjs')) must(process.execPath, ['scripts/ensure-tools.mjs']);
    const tools = path.join(ROOT, '.tools', 'tools.json');
    const node22 = fs.existsSync(tools) ? JSON.parse(fs.readFileSync(tools, 'utf8')).node22 : process.execPath;
    must(node22, ['--import', 'tsx', 'test/vscode/harness/makeFixtures.ts', dir], {
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
    });
  }
  const m = JSON.parse(fs.readFileSync(manifest, 'utf8'));
  fs.mkdirSync(m.threads.stuck.cwd, { recursive: true });
  return { home: m.codexHome, folder: m.threads.stuck.cwd };
}

must(process.execPath, ['esbuild.mjs']);
let home = argv.includes('--demo') ? undefined : userCodexHome();
let folder = process.cwd();
if (!home) ({ home, folder } = demoHome());
log(`Codex home: ${home}`);
const cs = await startCodeServer({
  version: opt('version', process.env.CODE_SERVER_VERSION),
  root: fs.mkdtempSync(path.join(os.tmpdir(), 'codex-rescue-start-')),
  port: opt('port') ? Number(opt('port')) : undefined,
  host: opt('host'),
  env: { CODEX_HOME: home },
});
const url = workbenchUrl(cs, { folder, extensionDevelopmentPath: ROOT });
process.stdout.write(
  `\nCodex Session Rescue is running in VS Code ${cs.vscode} (code-server ${cs.version}).\nOpen: ${url}\n(Ctrl-C stops it; server log: ${cs.logFile})\n\n`,
);
const stop = () => {
  cs.stop();
  setTimeout(() => process.exit(0), 500);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
cs.proc.on('exit', (c) => {
  log(`code-server exited (${c})`);
  process.exit(c ?? 1);
});
