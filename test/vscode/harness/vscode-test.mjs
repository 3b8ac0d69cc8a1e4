// @vscode/test-cli configuration: the integration tests run inside a real VS Code for the web
// (code-server + headless chromium) through the stand-in executable vscode-run.mjs (beside this file).
// One label per VS Code: `oldest` (the oldest the manifest allows) and `newest`.
// Run through `npm run test:vscode` (builds, makes fixtures, then calls vscode-test with this file).
import { defineConfig } from '@vscode/test-cli';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..', '..');
const env = (version) => ({
  CODE_SERVER_VERSION: version,
  CODEX_RESCUE_TEST_MANIFEST: process.env.CODEX_RESCUE_TEST_MANIFEST ?? '',
  CODEX_HOME: process.env.CODEX_RESCUE_TEST_HOME ?? '',
  CODEX_RESCUE_TEST_OUT: process.env.CODEX_RESCUE_TEST_OUT ?? '',
});
const common = {
  files: '../../../out/vscode-tests/**/*.test.js',
  extensionDevelopmentPath: root,
  workspaceFolder: process.env.CODEX_RESCUE_TEST_WORKSPACE || path.join(root, 'test', 'vscode', 'workspace'),
  useInstallation: { fromPath: path.join(here, 'vscode-run.mjs') },
  skipExtensionDependencies: true,
  mocha: { ui: 'bdd', timeout: 120000, color: false },
};
export default defineConfig([
  { ...common, label: 'oldest', env: env('4.103.2') },
  { ...common, label: 'newest', env: env('4.139.1') },
]);
