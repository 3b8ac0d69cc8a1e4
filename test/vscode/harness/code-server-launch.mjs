// Starts a pinned code-server (from .tools/, see code-server-install.mjs) on a free port in its own
// process group with throw-away user-data/extensions dirs, and drives Debian's chromium with
// playwright-core. Used by the stand-in VS Code executable (vscode-run.mjs), the UI test and npm start.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, install, isInstalled, resolveVersion } from './code-server-install.mjs';

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitHealthy(url, proc, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`code-server exited early (code ${proc.exitCode})`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`code-server did not answer ${url}/healthz within ${timeoutMs} ms`);
}

/**
 * machineSettings: the remote side's settings (Machine/settings.json). The extension runs on the "remote" here,
 * where settings of machine scope are read only from there, never from the user's settings.
 * @param {{version?: string, root?: string, env?: Record<string,string>, settings?: object, machineSettings?: object, log?: (s: string) => void, port?: number, host?: string, quiet?: boolean}} o
 */
export async function startCodeServer(o = {}) {
  const version = resolveVersion(o.version ?? process.env.CODE_SERVER_VERSION);
  if (!isInstalled(version)) install(version);
  const d = describe(version);
  const root = o.root ?? fs.mkdtempSync(path.join(os.tmpdir(), `cs-${version}-`));
  const dirs = {
    root,
    userData: path.join(root, 'user-data'),
    extensions: path.join(root, 'extensions'),
    tmp: path.join(root, 'tmp'),
    xdg: path.join(root, 'xdg'),
  };
  for (const p of Object.values(dirs)) fs.mkdirSync(p, { recursive: true });
  const userDir = path.join(dirs.userData, 'User');
  fs.mkdirSync(userDir, { recursive: true });
  const settingsFile = path.join(userDir, 'settings.json');
  if (!fs.existsSync(settingsFile)) {
    fs.writeFileSync(
      settingsFile,
      JSON.stringify(
        {
          'workbench.startupEditor': 'none',
          'workbench.tips.enabled': false,
          'workbench.enableExperiments': false,
          'telemetry.telemetryLevel': 'off',
          'update.mode': 'none',
          'extensions.autoCheckUpdates': false,
          'extensions.autoUpdate': false,
          'security.workspace.trust.enabled': false,
          'window.commandCenter': false,
          'chat.disableAIFeatures': true,
          ...o.settings,
        },
        null,
        2,
      ),
    );
  }
  if (o.machineSettings) {
    fs.mkdirSync(path.join(dirs.userData, 'Machine'), { recursive: true });
    fs.writeFileSync(path.join(dirs.userData, 'Machine', 'settings.json'), JSON.stringify(o.machineSettings, null, 2));
  }
  const port = o.port ?? (await freePort());
  const host = o.host ?? '127.0.0.1';
  const args = [
    d.entry,
    '--auth',
    'none',
    '--bind-addr',
    `${host}:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--user-data-dir',
    dirs.userData,
    '--extensions-dir',
    dirs.extensions,
  ];
  if (d.smokeOption) args.push('--vscode-option', 'enable-smoke-test-driver');
  const env = {
    ...process.env,
    PATH: `${path.join(d.nodeDir, 'bin')}:${process.env.PATH}`,
    TMPDIR: dirs.tmp,
    XDG_CONFIG_HOME: path.join(dirs.xdg, 'config'),
    XDG_DATA_HOME: path.join(dirs.xdg, 'data'),
    XDG_CACHE_HOME: path.join(dirs.xdg, 'cache'),
    XDG_RUNTIME_DIR: path.join(dirs.xdg, 'run'),
    ...o.env,
  };
  delete env.ELECTRON_RUN_AS_NODE;
  delete env.VSCODE_IPC_HOOK_CLI;
  const logFile = path.join(root, 'code-server.log');
  const out = fs.openSync(logFile, 'a');
  const proc = spawn(d.node, args, { env, detached: true, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  const url = `http://${host}:${port}`;
  const stop = () => {
    try {
      process.kill(-proc.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    setTimeout(() => {
      try {
        process.kill(-proc.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }, 2000).unref();
  };
  try {
    await waitHealthy(url, proc, 60000);
  } catch (err) {
    stop();
    const tail = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').slice(-3000) : '';
    throw new Error(`${err.message}\n${tail}`);
  }
  return { url, port, host, proc, stop, dirs, logFile, version, vscode: d.vscode };
}

/** The workbench URL that loads an extension in development mode (and optionally runs its tests). */
export function workbenchUrl(cs, { folder, extensionDevelopmentPath, extensionTestsPath }) {
  const remote = (p) => `vscode-remote://${cs.host}:${cs.port}${p}`;
  const payload = [];
  if (extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', remote(extensionDevelopmentPath)]);
  if (extensionTestsPath) payload.push(['extensionTestsPath', remote(extensionTestsPath)]);
  const q = new URLSearchParams();
  if (folder) q.set('folder', folder);
  if (payload.length) q.set('payload', JSON.stringify(payload));
  return `${cs.url}/?${q.toString()}`;
}

export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export async function launchBrowser(profileDir, { viewport = { width: 1400, height: 900 } } = {}) {
  const { chromium } = await import('playwright-core');
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
  });
  return context;
}
