#!/usr/bin/env node
// UI test of full-text search and the conversation view, in the real workbench (code-server + headless
// chromium): Search Sessions… from the command palette, a command one thread ran typed in, the hit
// chosen, and its conversation opened at that message — photographed in the light and dark themes
// (test/vscode/screenshots/search-*.png, conversation-*.png).
// Env: CODEX_HOME (a Codex home with the fixture threads), CODEX_RESCUE_TEST_MANIFEST.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, startCodeServer, workbenchUrl } from './code-server-launch.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const shots = path.join(ROOT, 'test', 'vscode', 'screenshots');
fs.mkdirSync(shots, { recursive: true });
const manifest = JSON.parse(fs.readFileSync(process.env.CODEX_RESCUE_TEST_MANIFEST, 'utf8'));
const tools = manifest.threads.tools;
const workspace = tools.cwd;
fs.mkdirSync(workspace, { recursive: true });
const QUERY = 'tools-fixture-ok';

const t0 = Date.now();
const step = (s) => process.stderr.write(`[search-ui] ${((Date.now() - t0) / 1000).toFixed(1)} s ${s}\n`);
let code = 1;
for (const [tag, theme] of [
  ['light', 'Default Light Modern'],
  ['dark', 'Default Dark Modern'],
]) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vscode-search-ui-'));
  let cs;
  let context;
  code = 1;
  try {
    cs = await startCodeServer({
      root,
      env: { CODEX_HOME: process.env.CODEX_HOME, XDG_CACHE_HOME: path.join(root, 'cache') },
      settings: { 'workbench.colorTheme': theme, 'codexRescue.autoHandoff': 'off' },
    });
    context = await launchBrowser(path.join(root, 'chromium'), { viewport: { width: 1280, height: 800 } });
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(30000);
    await page.goto(workbenchUrl(cs, { folder: workspace, extensionDevelopmentPath: ROOT }));
    await page.waitForSelector('.monaco-workbench .part.activitybar', { timeout: 60000 });
    step(`${tag}: workbench up`);
    // The command palette, as a person opens it; the command may need a moment to be registered.
    const input = page.locator('.quick-input-widget input');
    for (let i = 0; ; i++) {
      await page.keyboard.press('F1');
      await input.waitFor({ state: 'visible' });
      await input.fill('>Codex Rescue: Search Sessions');
      const row = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Search Sessions' }).first();
      if (await row.isVisible().catch(() => false)) {
        await row.click();
        break;
      }
      if (i > 20) throw new Error('Search Sessions… is not in the command palette');
      await page.keyboard.press('Escape');
      await page.waitForTimeout(1000);
    }
    await page.locator('.quick-input-widget', { hasText: 'Search Sessions' }).waitFor();
    await input.fill(QUERY);
    const hit = page.locator('.quick-input-list .monaco-list-row', { hasText: QUERY }).first();
    await hit.waitFor({ timeout: 60000 });
    const rows = await page.locator('.quick-input-list .monaco-list-row').allInnerTexts();
    step(`${tag}: ${rows.length} row(s): ${rows[0].replace(/\s+/g, ' ')}`);
    if (!rows[0].includes('command')) throw new Error(`the first hit is not the command: ${rows[0]}`);
    await page.waitForTimeout(500);
    await page.screenshot({ path: path.join(shots, `search-${tag}.png`) });
    await page.keyboard.press('Enter');
    const webview = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    const focused = webview.locator('.entry.hit');
    await focused.waitFor({ timeout: 60000 });
    const text = await focused.innerText();
    if (!text.includes(QUERY)) throw new Error(`the conversation opened elsewhere: ${text}`);
    const entries = await webview.locator('.entry').count();
    step(`${tag}: conversation open at the hit (${entries} entries on the page)`);
    // Unfold the command and its output, as a reader would.
    await webview
      .locator('.entry.hit details')
      .first()
      .evaluate((d) => (d.open = true));
    await webview
      .locator('.entry.tool-output details')
      .first()
      .evaluate((d) => (d.open = true));
    await page.waitForTimeout(500);
    await page.screenshot({ path: path.join(shots, `conversation-${tag}.png`) });
    code = 0;
  } catch (err) {
    process.stderr.write(`[search-ui] ${tag} FAILED: ${err.stack ?? err}\n`);
    const p = context?.pages()[0];
    if (p) await p.screenshot({ path: path.join(shots, 'failure.png') }).catch(() => undefined);
    if (cs) process.stderr.write(`[search-ui] server log: ${cs.logFile}\n`);
  } finally {
    await context?.close().catch(() => undefined);
    cs?.stop();
  }
  if (code !== 0) break;
}
step(`done, exit ${code}`);
setTimeout(() => process.exit(code), 2500);
