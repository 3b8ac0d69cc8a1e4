// One esbuild config for every bundle: the extension, the workers, the CLI and its MCP server (Node),
// and the details panel's webview script (browser).
import * as esbuild from 'esbuild';
import { chmodSync, existsSync, readFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: process.argv.includes('--quiet') ? 'warning' : 'info',
  // node:sqlite is loaded at run time where the host has it; vscode is provided by the editor.
  external: ['vscode', 'node:sqlite'],
  // The version, from package.json, written into the bundles (src/core/util/version.ts).
  define: { __CSR_VERSION__: JSON.stringify(version) },
};

const builds = [
  { entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js' },
  { entryPoints: ['src/worker/worker.ts'], outfile: 'dist/worker.js' },
  { entryPoints: ['src/worker/scanWorker.ts'], outfile: 'dist/scanWorker.js' },
  { entryPoints: ['src/worker/indexWorker.ts'], outfile: 'dist/indexWorker.js' },
  { entryPoints: ['src/worker/reclaimWorker.ts'], outfile: 'dist/reclaimWorker.js' },
  // The CLI: a small launcher (turns the compile cache on) and the CLI itself, which it loads.
  { entryPoints: ['src/cli/cli.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  { entryPoints: ['src/cli/main.ts'], outfile: 'dist/cliMain.js' },
  // The MCP server (SDK, schema validators): loaded by cli.js at run time for `mcp` only (mcpCommand.ts).
  { entryPoints: ['src/mcp/server.ts'], outfile: 'dist/mcp.js' },
  {
    entryPoints: ['src/webview/main.ts'],
    outfile: 'dist/webview.js',
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    external: [],
  },
  {
    entryPoints: ['src/webview/conversation.ts'],
    outfile: 'dist/conversation.js',
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    external: [],
  },
].filter((b) => existsSync(b.entryPoints[0]));

if (watch) {
  for (const b of builds) await (await esbuild.context({ ...common, ...b })).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build({ ...common, ...b })));
  if (existsSync('dist/cli.js')) chmodSync('dist/cli.js', 0o755);
}
