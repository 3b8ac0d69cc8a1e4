#!/usr/bin/env node
// A stand-in "VS Code executable" for @vscode/test-electron / @vscode/test-cli: accepts the desktop
// flags they pass (--extensionDevelopmentPath, --extensionTestsPath, a folder, …), runs the tests in
// a real VS Code for the web (code-server + headless Debian chromium via playwright-core) and exits
// with the tests' exit code. CODE_SERVER_VERSION picks the code-server (default: oldest supported).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { format } from 'node:util';
import { launchBrowser, startCodeServer, workbenchUrl } from './code-server-launch.mjs';

function parseArgs(argv) {
  const o = { positional: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    if (!m) {
      o.positional.push(a);
      continue;
    }
    const [, k, v] = m;
    if (
      ['extensionDevelopmentPath', 'extensionTestsPath', 'user-data-dir', 'extensions-dir', 'folder-uri'].includes(k)
    ) {
      o[k] = v ?? argv[++i];
    } else {
      o[k] = v ?? true;
    }
  }
  return o;
}

function toPath(p) {
  if (!p) return p;
  if (p.startsWith('file://')) return decodeURIComponent(new URL(p).pathname);
  return path.resolve(p);
}

const args = parseArgs(process.argv.slice(2));
if (args.version || args.v) {
  console.log('1.103.2\nstand-in\nx64');
  process.exit(0);
}
const dev = toPath(args.extensionDevelopmentPath);
const tests = toPath(args.extensionTestsPath);
const folder = toPath(args['folder-uri'] ?? args.positional.find((p) => !p.startsWith('-')));
const timeoutMs = Number(process.env.VSCODE_RUN_TIMEOUT_MS ?? 300000);
const verbose = !!process.env.VSCODE_RUN_VERBOSE;

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vscode-run-'));
let cs;
let context;
let exitCode = 1;
const t0 = Date.now();
try {
  cs = await startCodeServer({ root, env: { VSCODE_RUN_ROOT: root } });
  process.stderr.write(
    `[vscode-run] code-server ${cs.version} (VS Code ${cs.vscode}) at ${cs.url} in ${Date.now() - t0} ms\n`,
  );
  context = await launchBrowser(path.join(root, 'chromium'));
  const page = context.pages()[0] ?? (await context.newPage());
  let resolveExit;
  const exited = new Promise((r) => (resolveExit = r));
  await context.exposeFunction('codeAutomationLog', (type, logArgs) => {
    const text = Array.isArray(logArgs) ? format(...logArgs) : String(logArgs ?? '');
    if (
      !verbose &&
      /ENOTFOUND open-vsx|^\s+at .*workbench\.js|^Creating a socket|^Resolv(ing|ed) connection token|builtin extensions cache|\[Service Worker\]|ChatSessionStore/.test(
        text,
      )
    )
      return;
    (type === 'error' ? process.stderr : process.stdout).write(text.endsWith('\n') ? text : `${text}\n`);
  });
  await context.exposeFunction('codeAutomationExit', (code) => resolveExit(Number(code) || 0));
  if (verbose) page.on('console', (m) => process.stderr.write(`[page ${m.type()}] ${m.text()}\n`));
  page.on('pageerror', (e) => process.stderr.write(`[page error] ${e.message}\n`));
  const url = workbenchUrl(cs, { folder, extensionDevelopmentPath: dev, extensionTestsPath: tests });
  if (verbose) process.stderr.write(`[vscode-run] ${url}\n`);
  await page.goto(url);
  const timer = new Promise((r) => setTimeout(() => r('timeout'), timeoutMs));
  const r = await Promise.race([exited, timer]);
  if (r === 'timeout') {
    process.stderr.write(`[vscode-run] tests did not finish within ${timeoutMs} ms\n`);
    await page.screenshot({ path: path.join(root, 'timeout.png') }).catch(() => undefined);
    process.stderr.write(`[vscode-run] screenshot: ${path.join(root, 'timeout.png')}; server log: ${cs.logFile}\n`);
    exitCode = 1;
  } else {
    exitCode = r;
  }
} catch (err) {
  process.stderr.write(`[vscode-run] ${err.stack ?? err}\n`);
  exitCode = 1;
} finally {
  await context?.close().catch(() => undefined);
  cs?.stop();
  process.stderr.write(`[vscode-run] done in ${((Date.now() - t0) / 1000).toFixed(1)} s, exit ${exitCode}\n`);
  if (exitCode === 0 && !process.env.VSCODE_RUN_KEEP)
    setTimeout(() => fs.rmSync(root, { recursive: true, force: true }), 2500).unref();
}
setTimeout(() => process.exit(exitCode), 2600);
