// The rescue tools inside a real VS Code: the MCP server definition provider for agent mode, and
// "Add Rescue Tools to Codex", whose config.toml entry the real Codex CLI then loads.
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import * as vscode from 'vscode';
import { parse } from 'smol-toml';
import type { CodexRescueApi } from '../../../src/extension/extension';
import { FakeUi } from './fakeUi';
import { ALWAYS_OFFERED, REPAIR_TOOLS } from '../../support/mcpTools';

const EXT_ID = 'codex-session-rescue.codex-session-rescue';
const home = process.env.CODEX_HOME!;

/** Start an MCP server the way a client does and ask for its tools (newline-delimited JSON-RPC). */
async function toolsOf(
  command: string,
  args: string[],
  env: Record<string, string | number | null>,
): Promise<string[]> {
  const child = spawn(command, args, {
    env: { ...process.env, ...(env as Record<string, string>) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: any[] = [];
  let buf = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      lines.push(JSON.parse(buf.slice(0, i)));
      buf = buf.slice(i + 1);
    }
  });
  const send = (m: object) => child.stdin.write(JSON.stringify({ jsonrpc: '2.0', ...m }) + '\n');
  const reply = async (id: number) => {
    const end = Date.now() + 20000;
    for (;;) {
      const r = lines.find((l) => l.id === id);
      if (r) return r;
      if (Date.now() > end || child.exitCode !== null)
        throw new Error(`no reply ${id} from ${command} ${args.join(' ')}: ${err}`);
      await new Promise((res) => setTimeout(res, 50));
    }
  };
  try {
    send({
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'vscode-test', version: '1' } },
    });
    await reply(1);
    send({ method: 'notifications/initialized' });
    send({ id: 2, method: 'tools/list' });
    return ((await reply(2)).result.tools as { name: string }[]).map((t) => t.name).sort();
  } finally {
    child.kill();
  }
}

describe('Rescue tools (MCP) in VS Code', function () {
  this.timeout(120000);
  let api: CodexRescueApi;
  let ext: vscode.Extension<CodexRescueApi>;

  before(async () => {
    ext = vscode.extensions.getExtension<CodexRescueApi>(EXT_ID)!;
    api = await ext.activate();
    await api.ready;
  });
  after(async () => {
    await vscode.workspace
      .getConfiguration('codexRescue')
      .update('mcp.allowRepair', undefined, vscode.ConfigurationTarget.Global);
  });

  it('registers the MCP server definition provider; the server it defines starts and lists its tools', async () => {
    assert.strictEqual(api.mcp.registered, true, 'vscode.lm.registerMcpServerDefinitionProvider was called');
    const token = new vscode.CancellationTokenSource().token;
    const [def] = (await api.mcp.provider.provideMcpServerDefinitions(token)) as vscode.McpStdioServerDefinition[];
    assert.ok(def instanceof vscode.McpStdioServerDefinition);
    assert.strictEqual(def.command, process.execPath);
    assert.deepStrictEqual(def.args, [path.join(ext.extensionPath, 'dist', 'cli.js'), 'mcp', '--codex-home', home]);
    assert.deepStrictEqual(await toolsOf(def.command, def.args, def.env), ALWAYS_OFFERED);

    // the setting turns repairs on, and the provider says its servers changed
    const changed = new Promise<void>((resolve) => api.mcp.provider.onDidChangeMcpServerDefinitions!(() => resolve()));
    await vscode.workspace
      .getConfiguration('codexRescue')
      .update('mcp.allowRepair', true, vscode.ConfigurationTarget.Global);
    await changed;
    const [def2] = (await api.mcp.provider.provideMcpServerDefinitions(token)) as vscode.McpStdioServerDefinition[];
    assert.strictEqual(def2.args.at(-1), '--allow-repair');
    assert.deepStrictEqual(
      await toolsOf(def2.command, def2.args, def2.env),
      [...ALWAYS_OFFERED, ...REPAIR_TOOLS].sort(),
    );
    await vscode.workspace
      .getConfiguration('codexRescue')
      .update('mcp.allowRepair', undefined, vscode.ConfigurationTarget.Global);
  });

  it('Add Rescue Tools to Codex appends a valid entry, keeps every other byte, and the real Codex CLI loads it', async () => {
    const configPath = path.join(home, 'config.toml');
    const user =
      (fs.existsSync(configPath) ? fs.readFileSync(configPath, 'utf8') : '') +
      '\n# my own servers — keep this comment\n[mcp_servers.playwright]\ncommand = "npx"   # inline comment\nargs = ["@playwright/mcp@latest"]\n';
    fs.writeFileSync(configPath, user);
    const r = await vscode.commands.executeCommand<{ configPath: string; backupPath?: string }>(
      'codexRescue.addMcpServer',
    );
    assert.strictEqual(r.configPath, configPath);
    const after = fs.readFileSync(configPath, 'utf8');
    assert.strictEqual(after.slice(0, user.length), user, 'every byte before the new entry is unchanged');
    assert.strictEqual(fs.readFileSync(r.backupPath!, 'utf8'), user, 'backed up first');
    const entry = (parse(after) as any).mcp_servers['codex-rescue'];
    const cli = path.join(home, 'rescue', 'mcp', 'codex-session-rescue.js');
    assert.deepStrictEqual(entry.args, [cli, 'mcp', '--codex-home', home]);
    assert.strictEqual(entry.command, process.execPath);
    assert.deepStrictEqual(fs.readFileSync(cli), fs.readFileSync(path.join(ext.extensionPath, 'dist', 'cli.js')));
    for (const bundle of ['mcp.js', 'cliMain.js'])
      assert.deepStrictEqual(
        fs.readFileSync(path.join(path.dirname(cli), bundle)),
        fs.readFileSync(path.join(ext.extensionPath, 'dist', bundle)),
        `${bundle}, which the CLI copy loads, is beside it`,
      );

    // a second time: refused in plain words, nothing changed
    const again = await vscode.commands.executeCommand<{ code: string; error: string }>('codexRescue.addMcpServer');
    assert.strictEqual(again.code, 'exists');
    assert.match(again.error, /already has an MCP server named "codex-rescue"/);
    assert.strictEqual(fs.readFileSync(configPath, 'utf8'), after);

    // the real Codex CLI reads the file and lists our server next to the user's own
    const tools = JSON.parse(fs.readFileSync(path.join(ext.extensionPath, '.tools', 'tools.json'), 'utf8'));
    for (const version of ['0.169.0', '0.171.0']) {
      const listed = spawnSync(process.execPath, [tools.codex[version], 'mcp', 'list', '--json'], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, CODEX_HOME: home, HOME: path.dirname(home) },
      });
      assert.strictEqual(listed.status, 0, listed.stderr);
      const servers = JSON.parse(listed.stdout) as { name: string; transport: { command: string; args: string[] } }[];
      const ours = servers.find((s) => s.name === 'codex-rescue');
      assert.ok(ours, `Codex ${version} lists codex-rescue: ${listed.stdout}`);
      assert.strictEqual(ours.transport.command, entry.command);
      assert.deepStrictEqual(ours.transport.args, entry.args);
      assert.ok(
        servers.some((s) => s.name === 'playwright'),
        'and still the user’s own server',
      );
    }
    // and the command it names starts our server, as Codex would start it
    assert.deepStrictEqual(await toolsOf(entry.command, entry.args, entry.env ?? {}), ALWAYS_OFFERED);
  });

  it('Continue In New Thread offers "Ask Codex to summarise it first": a codex terminal prompted to use the tools', async () => {
    const stuck = api.store.threads.find((t) => t.risk.level === 'stuck');
    assert.ok(stuck, 'the fixture home has a stuck thread');
    const offered: string[] = [];
    const ui = new FakeUi();
    ui.choose = (items) => {
      offered.push(...items.map((i) => i.label));
      return items.find((i) => i.label === 'Ask Codex to summarise it first');
    };
    api.setUi(ui);
    try {
      const r = await vscode.commands.executeCommand<{ terminal: string; prompt: string }>(
        'codexRescue.continueInNewThread',
        stuck.id,
      );
      assert.deepStrictEqual(offered, ['Start from the handoff', 'Ask Codex to summarise it first']);
      assert.ok(vscode.window.terminals.some((t) => t.name === r.terminal));
      assert.ok(r.prompt.includes(stuck.id));
      assert.match(r.prompt, /codex-rescue MCP tools.*read_thread.*write_handoff/s);
    } finally {
      api.setUi(new FakeUi());
    }
  });
});
