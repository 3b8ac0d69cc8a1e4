#!/usr/bin/env node
// UI test: drives the real VS Code workbench (code-server + headless chromium via playwright-core) with
// the extension loaded in development mode: opens the Codex Rescue view, sees the stuck thread flagged,
// opens its details panel, runs Preview repair, then Repair in place from the panel (confirming the
// dialog), photographs the run's report in the light, dark and high-contrast themes, searches the threads'
// text (Search Sessions…) and opens the conversation at the hit, opens the Getting Started walkthrough
// (every step, its images loaded from the extension), and last reclaims idle threads' space from the storage
// row (plan, confirmation, report). Screenshots go to test/vscode/screenshots/.
// Env: CODEX_HOME (a Codex home with the fixture threads), CODEX_RESCUE_TEST_IDLE_HOME (a Codex home with
// idle threads: makeIdleThreads.ts), CODEX_RESCUE_TEST_MANIFEST, CODE_SERVER_VERSION.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, startCodeServer, workbenchUrl } from './code-server-launch.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const shots = path.join(ROOT, 'test', 'vscode', 'screenshots');
fs.mkdirSync(shots, { recursive: true });
const manifest = JSON.parse(fs.readFileSync(process.env.CODEX_RESCUE_TEST_MANIFEST, 'utf8'));
const stuck = manifest.threads.stuck;
const workspace = process.env.CODEX_RESCUE_TEST_WORKSPACE || stuck.cwd;
fs.mkdirSync(workspace, { recursive: true });
const theme = process.env.UI_THEME || 'Default Dark Modern';

/** Hover the flagged thread so its Markdown tooltip shows in the screenshot. */
async function row0Hover(page) {
  const r = page
    .locator('.monaco-list-row', { hasText: /Stuck|Critical|High/ })
    .filter({ hasNotText: 'Needs attention' })
    .first();
  await r.hover();
  await page
    .locator('.monaco-hover, .workbench-hover')
    .first()
    .waitFor({ timeout: 5000 })
    .catch(() => undefined);
}

/** Whether the promise resolves (rather than rejects). */
function succeeds(promise) {
  return promise.then(
    () => true,
    () => false,
  );
}

/** Whether the locator reaches the state in time. */
function within(locator, state, timeout) {
  return succeeds(locator.waitFor({ state, timeout }));
}

/** How much step 1 widens the side bar. */
const SIDEBAR_WIDER = 230;

/** Drags the side bar's right edge by dx pixels. */
async function dragSidebarEdge(page, dx) {
  const box = await page.locator('.part.sidebar').boundingBox();
  if (!box) return;
  const x = box.x + box.width - 1;
  await page.mouse.move(x, 400);
  await page.mouse.down();
  await page.mouse.move(x + dx, 400, { steps: 8 });
  await page.mouse.up();
}

/** Runs a command from the palette, as a person does: F1, its name, Enter. */
async function palette(page, name) {
  // The last pick closed first (F1 while it closes opens nothing), then focus the workbench (not a webview,
  // which keeps F1 to itself), then the command palette.
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  const input = page.locator('.quick-input-widget input');
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first();
  // Right after the walkthrough opens, F1 can open no palette, or one that closes at once (the walkthrough
  // then has the focus): again, then.
  for (let tries = 1; ; tries++) {
    await page.locator('.part.sidebar .composite.title').first().click();
    await page.keyboard.press('F1');
    if (
      (await within(input, 'visible', 10000)) &&
      (await succeeds(input.fill(`>${name}`, { timeout: 5000 }))) &&
      (await within(row, 'attached', 10000))
    )
      break;
    if (tries === 3) throw new Error(`the command palette did not offer ${name}`);
  }
  // A click, as a person does; after the walkthrough the row can be laid out (and focused) but never
  // count as visible, and then Enter runs it.
  await row.click({ timeout: 5000 }).catch(() => page.keyboard.press('Enter'));
  return input;
}

/** Preferences: Color Theme, then the theme (the list: "Browse Additional Color Themes…", then the theme). */
async function colorTheme(page, name) {
  const input = await palette(page, 'Preferences: Color Theme');
  await input.fill(name);
  await page.locator('.quick-input-list .monaco-list-row').nth(1).waitFor();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
}

/**
 * Search Sessions… from the palette, a command the tools thread ran typed in (the first row must be
 * that command), the hit chosen: its conversation must open at that message, command and output unfolded.
 */
async function searchAndOpen(page, tag, step) {
  const query = 'tools-fixture-ok';
  const input = await palette(page, 'Codex Rescue: Search Sessions');
  await page.locator('.quick-input-widget', { hasText: 'Search Sessions' }).waitFor();
  await input.fill(query);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: query }).first().waitFor({ timeout: 60000 });
  const rows = await page.locator('.quick-input-list .monaco-list-row').allInnerTexts();
  step(`search (${tag}): ${rows.length} row(s): ${rows[0].replace(/\s+/g, ' ')}`);
  if (!rows[0].includes('command')) throw new Error(`the first hit is not the command: ${rows[0]}`);
  await page.waitForTimeout(500);
  await page.screenshot({ path: path.join(shots, `search-${tag}.png`) });
  await page.keyboard.press('Enter');
  const conversation = page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');
  const hit = conversation.locator('.entry.hit');
  await hit.waitFor({ timeout: 60000 });
  if (!(await hit.innerText()).includes(query))
    throw new Error(`the conversation opened elsewhere: ${await hit.innerText()}`);
  await hit
    .locator('details')
    .first()
    .evaluate((d) => (d.open = true));
  await conversation
    .locator('.entry.tool-output details')
    .first()
    .evaluate((d) => (d.open = true));
  await page.waitForTimeout(500);
  step(`conversation (${tag}): open at the hit, ${await conversation.locator('.entry').count()} entries on the page`);
  await page.screenshot({ path: path.join(shots, `conversation-${tag}.png`) });
}

/**
 * Idle threads full of image copies join the home (kept apart until now: every step above saw the fixture
 * home alone) and the storage row says what is reclaimable; its inline Reclaim Space… asks which threads
 * (30 days: these, not today's fixture threads), shows the plan in an editor, asks in a modal, runs and
 * opens the report. Screenshots of the row, the plan under its question, and the report.
 */
async function reclaimFromStorageRow(page, viewButton, step) {
  await page.keyboard.press('Escape');
  await viewButton.click();
  await page.locator('.part.sidebar').waitFor();
  await palette(page, 'View: Close All Editors');
  await page.locator('.part.editor .tab').first().waitFor({ state: 'detached' });
  await palette(page, 'Notifications: Clear All Notifications');

  const idleHome = process.env.CODEX_RESCUE_TEST_IDLE_HOME;
  const idle = fs
    .readdirSync(path.join(idleHome, 'sessions'), { recursive: true })
    .filter((f) => f.endsWith('.jsonl'))
    .map((f) => path.join(process.env.CODEX_HOME, 'sessions', f));
  // Their old mtimes are what makes them idle.
  fs.cpSync(path.join(idleHome, 'sessions'), path.join(process.env.CODEX_HOME, 'sessions'), {
    recursive: true,
    preserveTimestamps: true,
  });
  await palette(page, 'Codex Rescue: Scan Sessions');
  const storage = page.locator('.monaco-list-row', { hasText: 'Codex home:' }).first();
  await storage.filter({ hasText: 'reclaimable ~' }).waitFor({ timeout: 60000 });
  step(`storage row: ${(await storage.innerText()).replace(/\s+/g, ' ')}`);
  // The idle threads shown (under Older); the side bar wide enough for the whole storage row (reclaimable is
  // its last part), the row hovered: its action and tooltip show.
  // A click while the tree redraws after the scan can be lost (seen once in CI): click again until open.
  const olderOpen = page.locator('.monaco-list-row[aria-expanded="true"]', { hasText: 'Older' });
  for (let i = 0; i < 3 && !(await olderOpen.isVisible()); i++) {
    const closed = page.locator('.monaco-list-row[aria-expanded="false"]', { hasText: 'Older' });
    if (await within(closed, 'visible', 5000)) await closed.click();
    if (await within(olderOpen, 'visible', 5000)) break;
  }
  await olderOpen.waitFor();
  await dragSidebarEdge(page, 300);
  const action = storage.locator('.action-label[aria-label^="Reclaim Space"]');
  const tooltip = page.locator('.monaco-hover, .workbench-hover').first();
  // The tooltip can miss a hover (seen here): move away and hover again.
  for (let i = 0; i < 3; i++) {
    await page.mouse.move(900, 700);
    await storage.hover();
    if (await within(tooltip, 'visible', 5000)) break;
  }
  await action.waitFor();
  await page.waitForTimeout(800);
  // The side bar and the tooltip, not the empty editor beside them.
  const side = await page.locator('.part.sidebar').boundingBox();
  const tip = (await tooltip.boundingBox()) ?? side;
  const last = await page.locator('.part.sidebar .monaco-list-row').last().boundingBox();
  await page.screenshot({
    path: path.join(shots, 'reclaim-row.png'),
    clip: {
      x: 0,
      y: 0,
      width: Math.max(side.x + side.width, tip.x + tip.width) + 16,
      height: Math.max(last.y + last.height, tip.y + tip.height) + 24,
    },
  });

  // Back to the side bar's first width (before step 1 widened it): the plan's lines are long.
  await page.mouse.move(900, 700);
  await dragSidebarEdge(page, -300 - SIDEBAR_WIDER);
  await storage.hover();
  await action.click();
  const input = page.locator('.quick-input-widget input[placeholder^="Reclaim disk space"]');
  await input.waitFor();
  await input.fill('30 days');
  await page
    .locator('.quick-input-list .monaco-list-row', { hasText: '30 days' })
    .first()
    .waitFor({ state: 'attached' });
  await page.keyboard.press('Enter');
  const dialog = page.locator('.monaco-dialog-box', { hasText: `Reclaim ${idle.length} thread(s)` });
  await dialog.waitFor({ timeout: 60000 });
  await page.locator('.part.editor .view-lines', { hasText: 'Reclaim plan' }).waitFor();
  await page.waitForTimeout(800);
  step(`reclaim asks: ${(await dialog.innerText()).replace(/\s+/g, ' ')}`);
  await page.screenshot({ path: path.join(shots, 'reclaim-plan.png') });

  await dialog.locator('.monaco-button', { hasText: 'Reclaim Space' }).first().click();
  const done = page.locator('.notification-toast', { hasText: `${idle.length} done, 0 not` });
  await done.waitFor({ timeout: 120000 });
  await page.locator('.part.editor .view-lines', { hasText: `${idle.length} done, 0 not` }).waitFor();
  for (const f of idle)
    if (fs.readFileSync(f, 'latin1').includes('data:image/')) throw new Error(`${f} still holds images`);
  await storage
    .filter({ hasNotText: 'reclaimable ~' })
    .waitFor({ timeout: 30000 })
    .catch(() => step('the storage row still says reclaimable'));
  await page.waitForTimeout(800);
  step(`reclaim done: ${(await done.innerText()).replace(/\s+/g, ' ')}`);
  // The report and the notification over it, as the run's report is photographed in step 6.
  await page.locator('.part.editor').screenshot({ path: path.join(shots, 'reclaim-report.png') });
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vscode-ui-'));
const t0 = Date.now();
let cs;
let context;
let code = 1;
const step = (s) => process.stderr.write(`[ui-test] ${((Date.now() - t0) / 1000).toFixed(1)} s ${s}\n`);
try {
  cs = await startCodeServer({
    root,
    env: { CODEX_HOME: process.env.CODEX_HOME, XDG_CACHE_HOME: path.join(root, 'cache') },
    settings: { 'workbench.colorTheme': theme },
    // Of machine scope, so read from the remote's settings only. Off: no notification that a thread crossed
    // into high (step 9's idle threads do) covers a screenshot.
    machineSettings: { 'codexRescue.autoHandoff': 'off' },
  });
  step(`code-server ${cs.version} at ${cs.url}`);
  context = await launchBrowser(path.join(root, 'chromium'), { viewport: { width: 1440, height: 900 } });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(30000);
  await page.goto(workbenchUrl(cs, { folder: workspace, extensionDevelopmentPath: ROOT }));
  await page.waitForSelector('.monaco-workbench .part.activitybar', { timeout: 60000 });
  step('workbench up');

  // 1. The Codex Rescue view, with the stuck thread under "Needs attention".
  const viewButton = page
    .locator(
      '.activitybar a[aria-label^="Codex Rescue"], .activitybar .action-item[aria-label^="Codex Rescue"] a, .activitybar li[aria-label^="Codex Rescue"]',
    )
    .first();
  await viewButton.waitFor({ timeout: 60000 });
  await viewButton.click();
  const attention = page.locator('.monaco-list-row', { hasText: 'Needs attention' });
  await attention.first().waitFor({ timeout: 60000 });
  const stuckName = (await page.locator('.monaco-list-row').allInnerTexts()).find(
    (t) => /Stuck|Critical|High/.test(t) && !/Needs attention/.test(t),
  );
  if (!stuckName) throw new Error('no flagged thread in the Sessions view');
  step(`flagged row: ${stuckName.replace(/\s+/g, ' ')}`);
  const status = page.locator('.statusbar-item', { hasText: 'Codex:' }).first();
  await status.waitFor();
  step(`status bar: ${(await status.innerText()).trim()}`);
  // Widen the side bar so names and badges show in full.
  await dragSidebarEdge(page, SIDEBAR_WIDER);
  await row0Hover(page);
  await page.waitForTimeout(800);
  await page.screenshot({ path: path.join(shots, 'explorer.png') });

  // 2. Details panel of the flagged thread (clicking the row runs Open Session Details).
  const row = page
    .locator('.monaco-list-row', { hasText: /Stuck|Critical|High/ })
    .filter({ hasNotText: 'Needs attention' })
    .first();
  await row.click();
  const webview = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
  await webview.locator('h1').waitFor({ timeout: 30000 });
  await webview.locator('#action-preview').waitFor();
  await webview.locator('.stack > span').first().waitFor();
  // Lazily loaded thumbnails: scroll to them and wait for at least one.
  await webview
    .locator('.images')
    .scrollIntoViewIfNeeded()
    .catch(() => undefined);
  await webview
    .locator('.thumb img')
    .first()
    .waitFor({ timeout: 15000 })
    .catch(() => step('no thumbnail loaded'));
  await webview.locator('h1').scrollIntoViewIfNeeded();
  step(`details panel: ${await webview.locator('h1').innerText()}`);
  await page.screenshot({ path: path.join(shots, 'details.png') });
  // The whole panel, scrolled: the charts and images.
  await webview.locator('#h-img').scrollIntoViewIfNeeded();
  await webview
    .locator('.thumb img')
    .first()
    .waitFor({ timeout: 10000 })
    .catch(() => undefined);
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(shots, 'details-charts.png') });

  // 3. Preview repair from the panel: keyboard (focus the button, Enter) — the diff opens.
  await webview.locator('#action-preview').focus();
  await page.keyboard.press('Enter');
  const diff = page.locator('.monaco-diff-editor');
  await diff.first().waitFor({ timeout: 60000 });
  await page.locator('.tab', { hasText: 'original ↔ repaired' }).first().waitFor();
  await page.waitForTimeout(1500);
  const changes = await page.locator('.monaco-diff-editor .line-delete, .monaco-diff-editor .char-delete').count();
  step(`diff editor open (${changes} deleted ranges visible)`);
  await page.screenshot({ path: path.join(shots, 'diff.png') });

  // 4. Back to the panel: the preview's report.
  await page.locator('.tab', { hasText: 'Codex:' }).first().click();
  const wv2 = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
  await wv2.locator('#run-summary').waitFor({ timeout: 30000 });
  const summary = await wv2.locator('#run-summary').innerText();
  step(`panel report: ${summary}`);
  if (!/Preview/.test(summary)) throw new Error(`unexpected report: ${summary}`);
  if ((await wv2.locator('#run-report').count()) !== 1) throw new Error('no readable report under the summary');
  await wv2.locator('#h-actions').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(shots, 'details-report.png') });

  // 5. Repair in place from the panel: the confirm dialog, then the report with the backup and resume rows.
  await wv2.locator('#action-repairInPlace').click();
  const confirm = page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Repair In Place' });
  await confirm.first().click({ timeout: 30000 });
  await wv2.locator('#run-status', { hasText: 'Repair in place — done' }).waitFor({ timeout: 60000 });
  const rows = await wv2.locator('#run-report dt').allInnerTexts();
  step(`repair report rows: ${rows.join(', ')}`);
  for (const want of ['Size', 'Images', 'Tool outputs', 'Verified', 'Backup', 'Resume'])
    if (!rows.includes(want)) throw new Error(`report has no ${want} row (${rows.join(', ')})`);
  if (/\{|"bytesBefore"/.test(await wv2.locator('#run-report').innerText())) throw new Error('the report is raw JSON');

  // 6. The report in each theme, switched the way a person does: Preferences: Color Theme.
  const themes = [
    ['light', 'Default Light Modern', 'body.vscode-light'],
    ['dark', 'Default Dark Modern', 'body.vscode-dark'],
    ['hc', 'Default High Contrast', 'body.vscode-high-contrast:not(.vscode-high-contrast-light)'],
  ];
  for (const [tag, name, body] of themes) {
    await colorTheme(page, name);
    await wv2.locator(body).waitFor({ timeout: 30000 }); // the webview body's class checks the pick
    await wv2.locator('#h-actions').scrollIntoViewIfNeeded();
    await page.waitForTimeout(800);
    await page.locator('.part.editor').screenshot({ path: path.join(shots, `report-${tag}.png`) });
    step(`report in ${name}`);
  }

  // 7. Search Sessions… finds the thread by a command it ran, and the conversation opens at that
  // message: in the dark and light themes (light last: the switch back to the test's theme below then
  // starts from another one).
  for (const [tag, name] of [themes[1], themes[0]]) {
    await colorTheme(page, name);
    await searchAndOpen(page, tag, step);
  }

  // 8. The Getting Started walkthrough (package.json contributes.walkthroughs), in the test's theme: each
  // step, and the image of the first one loaded from the extension's own files. The side bar is closed
  // then: the walkthrough shows no media in a narrow editor.
  await colorTheme(page, theme);
  const pick = await palette(page, 'Welcome: Open Walkthrough');
  await pick.fill('Codex Session Rescue');
  await page
    .locator('.quick-input-list .monaco-list-row', { hasText: 'Get Started with Codex Session Rescue' })
    .first()
    .click();
  const walk = page.locator('.gettingStartedContainer');
  for (const title of [
    'Find a stuck thread',
    'Preview the repair',
    'Repair it, with a backup',
    'Add the rescue tools to Codex',
  ])
    await walk.locator('.step-title', { hasText: title }).first().waitFor({ timeout: 30000 });
  // Close the side bar from the palette; when its row never counts as visible there (seen after the
  // walkthrough opens), with the workbench's own key (Ctrl+B) once the palette is closed.
  await palette(page, 'View: Toggle Primary Side Bar Visibility');
  const sidebar = page.locator('.part.sidebar');
  if (!(await within(sidebar, 'hidden', 5000))) {
    await page.keyboard.press('Escape');
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
    await page.keyboard.press('Control+B');
  }
  await sidebar.waitFor({ state: 'hidden' });
  const image = walk.locator('.getting-started-media img:visible').first();
  await image.waitFor({ timeout: 30000 });
  await page.waitForFunction((img) => img.complete && img.naturalWidth > 0, await image.elementHandle(), {
    timeout: 30000,
  });
  step(`walkthrough: 4 steps, first image ${await image.evaluate((img) => img.naturalWidth)} px wide`);
  await page.locator('.part.editor').screenshot({ path: path.join(shots, 'walkthrough.png') });

  // 9. Reclaim Space… from the storage row: last, as it rewrites threads, after a reset (walkthrough and
  // notifications closed, the Sessions view back) so nothing left open above stands in its way.
  await reclaimFromStorageRow(page, viewButton, step);

  code = 0;
} catch (err) {
  process.stderr.write(`[ui-test] FAILED: ${err.stack ?? err}\n`);
  const p = context?.pages()[0];
  if (p) await p.screenshot({ path: path.join(shots, 'failure.png') }).catch(() => undefined);
  if (cs) process.stderr.write(`[ui-test] server log: ${cs.logFile}\n`);
} finally {
  await context?.close().catch(() => undefined);
  cs?.stop();
  step(`done, exit ${code}; screenshots in ${shots}`);
}
setTimeout(() => process.exit(code), 2500);
