// Our folder in the user's cache (XDG_CACHE_HOME, else ~/.cache): the CLI's indexes and the compile
// cache. Its own small module: the CLI's launcher (cli/cli.ts) needs it before anything else is loaded.
import * as os from 'node:os';
import * as path from 'node:path';

export function cacheFolder(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_CACHE_HOME?.trim() || path.join(os.homedir(), '.cache'), 'codex-session-rescue');
}
