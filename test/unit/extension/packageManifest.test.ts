// What the Marketplace and Open VSX read from package.json: a PNG icon, where the project lives, and a Getting
// Started walkthrough whose media and command links all resolve inside the package.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../../support/tools';

const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
const REPO = 'https://github.com/codex-session-rescue/codex-session-rescue';

/** Width and height of a PNG, from its IHDR chunk. */
function pngSize(file: string): { width: number; height: number } {
  const b = fs.readFileSync(file);
  assert.equal(b.subarray(1, 4).toString('latin1'), 'PNG', `${file} is a PNG`);
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

/** The files .vscodeignore lets into the package: everything is out, then `!path` lets one in. */
function packaged(file: string): boolean {
  const rules = fs
    .readFileSync(path.join(REPO_ROOT, '.vscodeignore'), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('!'))
    .map((l) => l.slice(1));
  return rules.some((r) => (r.endsWith('/**') ? file.startsWith(r.slice(0, -2)) : file === r));
}

describe('package manifest (Marketplace, Open VSX)', () => {
  it('has a square PNG icon of 128 or 256 px, in the package', () => {
    assert.match(manifest.icon, /\.png$/);
    const { width, height } = pngSize(path.join(REPO_ROOT, manifest.icon));
    assert.equal(width, height);
    assert.ok([128, 256].includes(width), `icon is ${width} px`);
    assert.ok(packaged(manifest.icon));
  });

  it('says where the project, its issues and its home page are, and has categories beyond Other', () => {
    assert.equal(manifest.repository.url, `${REPO}.git`);
    assert.equal(manifest.bugs.url, `${REPO}/issues`);
    assert.ok(manifest.homepage.startsWith(REPO));
    assert.ok(manifest.categories.some((c: string) => c !== 'Other'));
  });

  it("packages what the webviews load, the workers' bundles and the CLI's", () => {
    for (const file of [
      'media/page.css',
      'media/details.css',
      'media/conversation.css',
      'dist/webview.js',
      'dist/conversation.js',
      'dist/worker.js',
      'dist/scanWorker.js',
      'dist/indexWorker.js',
      'dist/reclaimWorker.js',
      'dist/cli.js',
      'dist/cliMain.js',
      'dist/mcp.js',
    ])
      assert.ok(packaged(file), `${file} is in the package`);
    // and every bundle the build makes (a new worker must not be left out of the .vsix)
    const dist = path.join(REPO_ROOT, 'dist');
    for (const f of fs.existsSync(dist) ? fs.readdirSync(dist).filter((n) => n.endsWith('.js')) : [])
      assert.ok(packaged(`dist/${f}`), `dist/${f} is in the package`);
  });

  it('has a walkthrough whose media are packaged and whose command links are contributed', () => {
    const [walk] = manifest.contributes.walkthroughs;
    assert.deepEqual(
      walk.steps.map((s: { id: string }) => s.id),
      ['findStuck', 'preview', 'repair', 'mcp'],
    );
    const ours = new Set(manifest.contributes.commands.map((c: { command: string }) => c.command));
    const views = manifest.contributes.views.codexRescue.map((v: { id: string }) => `${v.id}.focus`);
    for (const step of walk.steps) {
      for (const file of [step.media.image, step.media.markdown].filter(Boolean)) {
        assert.ok(fs.existsSync(path.join(REPO_ROOT, file)), `${step.id}: ${file} exists`);
        assert.ok(packaged(file), `${step.id}: ${file} is in the package`);
      }
      for (const [, command] of String(step.description).matchAll(/\(command:([\w.]+)/g)) {
        const known = ours.has(command) || views.includes(command) || command.startsWith('workbench.');
        assert.ok(known, `${step.id}: command ${command} exists`);
      }
      for (const event of step.completionEvents) {
        const [kind, id] = event.split(':');
        if (kind === 'onCommand') assert.ok(ours.has(id), `${step.id}: ${event}`);
        else assert.equal(event, 'onView:codexRescue.sessions');
      }
    }
  });
});
