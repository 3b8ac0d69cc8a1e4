// Search and the conversation view's pages through the real worker bundle (dist/worker.js), on real
// Codex CLI threads: what the extension host asks for, and gets, when the person types a search and
// opens a hit.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { WorkerClient } from '../../../src/extension/workerClient';
import { stripThread } from '../../../src/core/repair/stripThread';
import { makeFixtureSet, type FixtureSet } from '../../support/fixtures';
import { tempDir } from '../../support/tempHome';
import { CODEX_NEWEST_VERSION, REPO_ROOT } from '../../support/tools';

describe('search and conversation pages in the worker', function () {
  this.timeout(300_000);
  let set: FixtureSet;
  let worker: WorkerClient;
  let savedCache: string | undefined;

  before(async () => {
    const r = spawnSync(process.execPath, ['esbuild.mjs', '--quiet'], { cwd: REPO_ROOT, stdio: 'inherit' });
    assert.equal(r.status, 0, 'building dist/worker.js');
    set = await makeFixtureSet(CODEX_NEWEST_VERSION);
    savedCache = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = tempDir('csr-search-worker-'); // the worker's index goes there
    worker = new WorkerClient(path.join(REPO_ROOT, 'dist', 'worker.js'), () => undefined);
  });
  after(() => {
    worker?.dispose();
    if (savedCache === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = savedCache;
  });

  it('finds a thread by a command it ran and opens its conversation at that message', async () => {
    const r = await worker.call('search', { codexHome: set.codexHome, query: 'tools-fixture-ok', budgetMs: 60_000 });
    assert.deepEqual(r.pending, { files: 0, bytes: 0 });
    const hit = r.hits[0];
    assert.equal(hit?.threadId, set.tools.threadId);
    assert.equal(hit.role, 'command');
    const page = await worker.call('conversation', { codexHome: set.codexHome, thread: hit.path, cursor: hit.cursor });
    assert.equal(page.entries[0].line, hit.line);
    assert.equal(page.entries[0].kind, 'tool-call');
    assert.match(page.entries[0].text, /tools-fixture-ok/);
    // The tool's big output is shortened, and whole enough when asked again with more room.
    const from = await worker.call('conversation', { codexHome: set.codexHome, thread: hit.path });
    const all = [...from.entries];
    for (let c = from.nextCursor; c;) {
      const p = await worker.call('conversation', { codexHome: set.codexHome, thread: hit.path, cursor: c });
      all.push(...p.entries);
      c = p.nextCursor;
    }
    const big = all.find((e) => e.kind === 'tool-output' && e.shortened);
    assert.ok(big, 'the seq 1 60000 output is shortened');
    const more = await worker.call('conversation', {
      codexHome: set.codexHome,
      thread: hit.path,
      cursor: big.cursor,
      maxChars: 200_000,
      toolChars: 200_000,
    });
    assert.ok(more.entries[0].text.length > big.text.length * 10);
    assert.deepEqual(
      all.map((e) => e.line),
      [...new Set(all.map((e) => e.line))].sort((a, b) => a - b),
      'pages neither repeat nor skip',
    );
  });

  it("shows an image a repair archived from the home's image archive, and nothing from elsewhere", async () => {
    const home = path.join(tempDir('csr-archived-'), 'codex-home');
    fs.cpSync(set.codexHome, home, { recursive: true });
    const rollout = path.join(home, path.relative(set.codexHome, set.screenshots.rolloutPath));
    stripThread({
      codexHome: home,
      thread: set.screenshots.threadId,
      mode: 'in-place',
      options: { archiveImages: true, keepImages: 0 },
    });
    const page = await worker.call('conversation', { codexHome: home, thread: rollout, maxChars: 200_000 });
    const archived = page.entries.flatMap((e) => e.images).filter((i) => i.archived);
    assert.ok(archived.length > 0, 'placeholders name the archived files');
    const t = await worker.call('archivedThumbnail', { codexHome: home, file: archived[0].archived! });
    assert.match(t.dataUrl ?? '', /^data:image\/png;base64,iVBOR/);
    // A placeholder is rollout text: a path outside the archive (or another home's) is never read.
    const outside = path.join(tempDir('csr-outside-'), path.basename(archived[0].archived!));
    fs.copyFileSync(archived[0].archived!, outside);
    for (const file of [outside, '/etc/passwd', path.join(home, 'rescue', 'images', '..', 'config.toml')]) {
      const r = await worker.call('archivedThumbnail', { codexHome: home, file });
      assert.equal(r.dataUrl, undefined, file);
      assert.ok(r.reason, file);
    }
    const other = await worker.call('archivedThumbnail', { codexHome: set.codexHome, file: archived[0].archived! });
    assert.equal(other.dataUrl, undefined);
  });

  it("reads conversations of the home's own threads only", async () => {
    const elsewhere = path.join(tempDir('csr-elsewhere-'), path.basename(set.small.rolloutPath));
    fs.copyFileSync(set.small.rolloutPath, elsewhere);
    await assert.rejects(worker.call('conversation', { codexHome: set.codexHome, thread: elsewhere }));
    await assert.rejects(worker.call('conversation', { codexHome: set.codexHome, thread: '/etc/passwd' }));
  });

  it("gives a screenshot's byte range, and the thumbnail from it", async () => {
    const page = await worker.call('conversation', {
      codexHome: set.codexHome,
      thread: set.screenshots.rolloutPath,
      maxChars: 200_000,
    });
    const img = page.entries.flatMap((e) => e.images).find((i) => i.start !== undefined);
    assert.ok(img, 'an image with its byte range');
    const t = await worker.call('thumbnail', {
      codexHome: set.codexHome,
      thread: set.screenshots.rolloutPath,
      start: img.start!,
      end: img.end!,
    });
    assert.match(t.dataUrl ?? '', /^data:image\/png;base64,iVBOR/);
    assert.equal(fs.existsSync(set.screenshots.rolloutPath), true);
  });
});
