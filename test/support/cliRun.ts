// The built CLI (dist/cli.js) run as a user runs it: its exit code, output, and stdout parsed as JSON
// when it is JSON.
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { REPO_ROOT } from './tools';

export const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
  json: any; // whatever the command printed, when JSON
}

export function runCli(args: string[], env?: NodeJS.ProcessEnv): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env, maxBuffer: 64 * 1024 * 1024 });
  let json: any;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    json = undefined;
  }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, json };
}
