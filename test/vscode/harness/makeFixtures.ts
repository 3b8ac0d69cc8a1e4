/**
 * Builds the Codex home the VS Code tests (and `npm start`'s demo) use: the real Codex CLI's fixture
 * set (small, screenshots, tools, compacted, stuck — test/support/fixtures.ts) copied to a stable
 * folder, with a manifest describing each thread. Run: node22 --import tsx test/vscode/harness/makeFixtures.ts <outDir>
 * Idempotent: an existing manifest is kept.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeFixtureSet } from '../../support/fixtures';
import { CODEX_PAGINATED_VERSION } from '../../support/tools';

export interface VscodeFixtureManifest {
  codexHome: string;
  version: string;
  threads: Record<string, { id: string; path: string; cwd: string }>;
}

async function main(): Promise<void> {
  const out = path.resolve(process.argv[2] ?? '.cache/vscode-fixtures');
  const manifestFile = path.join(out, 'manifest.json');
  if (fs.existsSync(manifestFile)) {
    process.stdout.write(`${manifestFile}\n`);
    return;
  }
  const version = process.env.FIXTURE_CODEX_VERSION ?? CODEX_PAGINATED_VERSION;
  const t0 = Date.now();
  const set = await makeFixtureSet(version);
  const home = path.join(out, 'codex-home');
  fs.rmSync(home, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  fs.cpSync(set.codexHome, home, {
    recursive: true,
    filter: (src) => !/\.lock$/.test(src) && !path.relative(set.codexHome, src).startsWith('tmp'),
  });
  const threads: VscodeFixtureManifest['threads'] = {};
  for (const t of set.all) {
    threads[t.kind] = {
      id: t.threadId,
      path: path.join(home, path.relative(set.codexHome, t.rolloutPath)),
      cwd: t.cwd,
    };
  }
  const manifest: VscodeFixtureManifest = { codexHome: home, version, threads };
  fs.writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
  process.stderr.write(`fixtures for Codex ${version} in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  process.stdout.write(`${manifestFile}\n`);
  await set.mock.close?.();
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
