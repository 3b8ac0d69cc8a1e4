import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'smol-toml';
import {
  RESCUE_SERVER_NAME,
  addMcpServerToConfig,
  appendMcpServer,
  hasMcpServer,
  mcpServerToml,
} from '../../../../src/core/codexHome/codexConfig';
import { sqliteHome } from '../../../../src/core/codexHome/sqlite';
import { RescueError } from '../../../../src/core/util/errors';
import { tempDir } from '../../../support/tempHome';

const entry = {
  name: RESCUE_SERVER_NAME,
  command: '/opt/Visual Studio Code/code',
  args: ['/home/me/.codex/rescue/mcp/cli.js', 'mcp', '--codex-home', '/home/me/.codex'],
  env: { ELECTRON_RUN_AS_NODE: '1' },
};

const USER_CONFIG = `# my Codex settings
model = "gpt-5.5"   # the one I like
approval_policy = "on-request"

[mcp_servers.playwright]
command = "npx"
args = ["@playwright/mcp@latest"] # screenshots

# trailing comment, no newline at the end`;

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof RescueError, String(err));
    return err.code;
  }
  return 'no error';
}

describe('codexConfig: our MCP server in config.toml', () => {
  it('appends the entry after the original bytes, which stay exactly as they were', () => {
    const out = appendMcpServer(USER_CONFIG, entry);
    assert.equal(out.slice(0, USER_CONFIG.length), USER_CONFIG);
    assert.equal(out.slice(USER_CONFIG.length), '\n\n' + mcpServerToml(entry));
    const cfg = JSON.parse(JSON.stringify(parse(out)));
    assert.deepEqual(cfg.mcp_servers.playwright, { command: 'npx', args: ['@playwright/mcp@latest'] });
    assert.deepEqual(cfg.mcp_servers[RESCUE_SERVER_NAME], {
      command: entry.command,
      args: entry.args,
      env: entry.env,
    });
    assert.equal(cfg.model, 'gpt-5.5');
    assert.ok(hasMcpServer(out, RESCUE_SERVER_NAME));
    assert.ok(!hasMcpServer(USER_CONFIG, RESCUE_SERVER_NAME));
  });

  it("keeps the file's CRLF line endings and works on an empty file", () => {
    const crlf = 'model = "gpt-5"\r\n';
    const out = appendMcpServer(crlf, entry);
    assert.ok(out.startsWith(crlf));
    assert.doesNotMatch(out.slice(crlf.length), /[^\r]\n/);
    assert.equal(appendMcpServer('', entry), mcpServerToml(entry));
  });

  it('quotes paths with quotes, backslashes and non-ASCII so they read back as written', () => {
    const odd = { name: RESCUE_SERVER_NAME, command: 'C:\\Program Files\\Código "VS"\\Code.exe', args: ['a\tb', 'ü'] };
    const cfg = parse(appendMcpServer('', odd)) as any;
    assert.equal(cfg.mcp_servers[RESCUE_SERVER_NAME].command, odd.command);
    assert.deepEqual(cfg.mcp_servers[RESCUE_SERVER_NAME].args, odd.args);
  });

  it('refuses an entry of that name (table or dotted keys), invalid TOML, and an inline mcp_servers table', () => {
    assert.equal(
      code(() => appendMcpServer(appendMcpServer(USER_CONFIG, entry), entry)),
      'exists',
    );
    assert.equal(
      code(() => appendMcpServer('mcp_servers.codex-rescue.command = "x"\n', entry)),
      'exists',
    );
    assert.equal(
      code(() => appendMcpServer('model = "gpt-5\n[oops', entry)),
      'bad-input',
    );
    assert.equal(
      code(() => appendMcpServer('mcp_servers = { other = { command = "x" } }\n', entry)),
      'bad-input',
    );
  });

  it('writes config.toml atomically with a backup of the old one, keeping its mode', () => {
    const home = tempDir('csr-config-');
    const file = path.join(home, 'config.toml');
    fs.writeFileSync(file, USER_CONFIG, { mode: 0o640 });
    fs.chmodSync(file, 0o640);
    const r = addMcpServerToConfig(home, entry);
    assert.equal(r.configPath, file);
    assert.equal(fs.readFileSync(r.backupPath!, 'utf8'), USER_CONFIG);
    assert.equal(fs.readFileSync(file, 'utf8'), appendMcpServer(USER_CONFIG, entry));
    assert.equal(fs.statSync(file).mode & 0o777, 0o640);
    assert.deepEqual(
      fs.readdirSync(home).filter((n) => n.endsWith('.tmp')),
      [],
    );
    // a second time: refused, nothing changed
    const now = fs.readFileSync(file);
    assert.equal(
      code(() => addMcpServerToConfig(home, entry)),
      'exists',
    );
    assert.deepEqual(fs.readFileSync(file), now);
  });

  it('creates config.toml when there is none (no backup needed)', () => {
    const home = path.join(tempDir('csr-config-'), 'fresh-home');
    const r = addMcpServerToConfig(home, entry);
    assert.equal(r.backupPath, undefined);
    assert.ok(hasMcpServer(fs.readFileSync(r.configPath, 'utf8'), RESCUE_SERVER_NAME));
  });
});

describe("Codex's sqlite_home (config.toml, read with the TOML parser)", () => {
  it('is read from config.toml whatever its layout; broken TOML or none leaves the Codex home', () => {
    const home = tempDir();
    const cfg = path.join(home, 'config.toml');
    assert.equal(sqliteHome(home, {}), home, 'no config.toml');
    fs.writeFileSync(
      cfg,
      "model = 'o3' # sqlite_home = 'not-this'\nsqlite_home = \"db\" # comment\n[profiles.x]\nsqlite_home = 'nor-this'\n",
    );
    assert.equal(sqliteHome(home, {}), path.join(home, 'db'));
    fs.writeFileSync(cfg, '[profiles.x]\nsqlite_home = "/elsewhere"\n');
    assert.equal(sqliteHome(home, {}), home, 'a key inside another table is not the top-level setting');
    fs.writeFileSync(cfg, 'sqlite_home = "/abs/db"\n');
    assert.equal(sqliteHome(home, {}), '/abs/db');
    assert.equal(sqliteHome(home, { CODEX_SQLITE_HOME: '/from/env' }), '/from/env');
    fs.writeFileSync(cfg, 'sqlite_home = "unclosed\n');
    assert.equal(sqliteHome(home, {}), home, 'broken TOML: the default');
  });
});
