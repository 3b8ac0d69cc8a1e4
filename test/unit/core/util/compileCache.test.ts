// The compile cache the CLI turns on for search: in our cache folder, and harmless where that folder
// cannot be made. Each case runs in a child process (the cache is process-wide).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { REPO_ROOT } from '../../../support/tools';
import { tempDir } from '../../../support/tempHome';
import { bundle } from '../../../support/bundles';

/** enableCompileCache() with this XDG_CACHE_HOME, in a child: the cache folder Node then uses ('' for none). */
function enableIn(xdg: string): { status: number | null; dir: string } {
  const r = spawnSync(
    process.execPath,
    [
      '--require',
      'tsx/cjs',
      '-e',
      "require('./src/core/util/compileCache').enableCompileCache(); process.stdout.write(require('node:module').getCompileCacheDir?.() ?? '')",
    ],
    { cwd: REPO_ROOT, env: { ...process.env, XDG_CACHE_HOME: xdg }, encoding: 'utf8', timeout: 30_000 },
  );
  return { status: r.status, dir: r.stdout };
}

describe('util/compileCache', () => {
  it('keeps the cache in our cache folder', () => {
    const xdg = tempDir('csr-cc-');
    const r = enableIn(xdg);
    assert.equal(r.status, 0);
    // Node's folder for this Node version inside ours
    assert.equal(path.dirname(r.dir), path.join(xdg, 'codex-session-rescue', 'compile-cache'));
  });

  it('goes without it, and returns, where the folder cannot be made', function () {
    const file = path.join(tempDir('csr-cc-'), 'a-file');
    fs.writeFileSync(file, '');
    const cases = [file];
    // where mkdir fails with ENOENT under an existing parent, Node's own recursive mkdir never returns
    if (fs.existsSync('/proc/self')) cases.push('/proc/no-such-folder');
    for (const xdg of cases) {
      const r = enableIn(xdg);
      assert.equal(r.status, 0, `${xdg}: exited (no hang, no throw)`);
      assert.equal(r.dir, '', `${xdg}: no cache`);
    }
  });

  it('the CLI turns it on for search, not for scan', () => {
    const cli = bundle('cli.js');
    const home = tempDir('csr-cc-home-');
    fs.mkdirSync(path.join(home, 'sessions'));
    for (const [command, cached] of [
      ['scan', false],
      ['search', true],
    ] as const) {
      const xdg = tempDir('csr-cc-');
      const args = command === 'search' ? ['search', 'anything'] : ['scan'];
      const r = spawnSync(process.execPath, [cli, ...args, '--codex-home', home], {
        env: { ...process.env, XDG_CACHE_HOME: xdg },
        encoding: 'utf8',
      });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(fs.existsSync(path.join(xdg, 'codex-session-rescue', 'compile-cache')), cached, command);
    }
  });
});
