// The bundles (dist/) that some tests run as the product does (the worker, the CLI, its MCP server): built
// once per test process from the sources as they are now, so no test runs a stale bundle and a test file run
// alone has what it needs. esbuild builds them all in a second or two.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { REPO_ROOT } from './tools';

let built = false;

/** Builds dist/ (once per process) and returns the path of one bundle in it, e.g. `bundle('cli.js')`. */
export function bundle(file: 'cli.js' | 'worker.js' | 'scanWorker.js' | 'reclaimWorker.js'): string {
  if (!built) {
    const r = spawnSync(process.execPath, ['esbuild.mjs', '--quiet'], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, `building dist/ failed:\n${r.stderr}`);
    built = true;
  }
  return path.join(REPO_ROOT, 'dist', file);
}
