// V8's compiled code of our bundles kept between runs (node:module's compile cache, Node 22.1+), in our
// cache folder; Node keeps one subfolder per Node version and checks each entry against its source.
import * as fs from 'node:fs';
import * as nodeModule from 'node:module';
import * as path from 'node:path';
import { cacheFolder } from './cacheFolder';

/** Scripts loaded after this are compiled from (or into) the cache. Never fails: without it, start-up is slower. */
export function enableCompileCache(env: NodeJS.ProcessEnv = process.env): void {
  const enable = (nodeModule as { enableCompileCache?: (dir: string) => unknown }).enableCompileCache;
  if (!enable) return; // older Node
  const dir = path.join(cacheFolder(env), 'compile-cache');
  try {
    // Made here first, one level at a time: Node's recursive mkdir (enable()'s too) never returns where
    // mkdir keeps failing with ENOENT, as under /proc (Node 22.15 and 24.22). An unwritable folder only
    // makes enable() report a failure.
    makeFolder(dir);
    enable(dir);
  } catch {
    // start-up without the cache
  }
}

function makeFolder(dir: string): void {
  try {
    fs.mkdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    if (code !== 'ENOENT' || path.dirname(dir) === dir) throw err;
    makeFolder(path.dirname(dir));
    fs.mkdirSync(dir);
  }
}
