// A throw-away CODEX_HOME per test: tests never touch the real ~/.codex.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const made: string[] = [];

export function tempDir(prefix = 'csr-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function tempCodexHome(): string {
  const home = tempDir('csr-home-');
  fs.mkdirSync(path.join(home, 'sessions'), { recursive: true });
  return home;
}

process.on('exit', () => {
  if (process.env.KEEP_FIXTURES) return;
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});
