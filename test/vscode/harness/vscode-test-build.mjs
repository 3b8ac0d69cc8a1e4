// Bundles the VS Code integration tests (test/vscode/suite/*.test.ts) into out/vscode-tests/ for the
// test-cli runner inside the extension host (vscode and mocha stay external).
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';

const dir = 'test/vscode/suite';
const entries = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => path.join(dir, f));
fs.rmSync('out/vscode-tests', { recursive: true, force: true });
await esbuild.build({
  entryPoints: entries,
  outdir: 'out/vscode-tests',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'inline',
  external: ['vscode', 'mocha', 'playwright-core'],
  logLevel: 'warning',
});
