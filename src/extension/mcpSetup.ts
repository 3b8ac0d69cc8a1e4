// Our MCP server for Codex and for VS Code's agent mode: how to launch it, its registration as an MCP
// server definition provider (VS Code ≥ 1.101), and "Add Rescue Tools to Codex" (the config.toml entry).
//
// Which Node runs it: the extension host's own `process.execPath`. In desktop VS Code that is the
// Electron binary, which behaves as plain Node with ELECTRON_RUN_AS_NODE=1 (how VS Code itself starts
// Node helpers); over Remote-SSH/WSL/code-server it already is Node. No Node on PATH is needed.
// Codex's config.toml outlives extension updates, so it points at a copy of the CLI bundle in
// CODEX_HOME/rescue/mcp/ (refreshed when the extension changes), not at the versioned extension folder;
// the bundles the CLI loads from beside itself (dist/cliMain.js, the CLI behind its launcher, and
// dist/mcp.js, the MCP server) are copied with it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { RESCUE_SERVER_NAME, addMcpServerToConfig, hasMcpServer } from '../core/codexHome/codexConfig';
import { CLI_MAIN_BUNDLE, MCP_BUNDLE } from '../core/util/bundles';
import { Settings } from './settings';

export const PROVIDER_ID = 'codexRescue.mcp';

export interface McpLaunch {
  command: string;
  args: string[];
  env: Record<string, string>;
}

export function mcpLaunch(cliPath: string, codexHome: string, allowRepair: boolean): McpLaunch {
  return {
    command: process.execPath,
    args: [cliPath, 'mcp', '--codex-home', codexHome, ...(allowRepair ? ['--allow-repair'] : [])],
    env: process.versions.electron ? { ELECTRON_RUN_AS_NODE: '1' } : {},
  };
}

/** The stable copy of the CLI that Codex's config.toml names. */
export function stableCliPath(codexHome: string): string {
  return path.join(codexHome, 'rescue', 'mcp', 'codex-session-rescue.js');
}

/**
 * Copy the bundled CLI to its stable place, with the MCP server bundle beside it, each when missing or
 * different (temp file, then rename). The server bundle goes first: the CLI copy loads it.
 */
export function refreshCliCopy(bundled: string, codexHome: string, create: boolean): string | undefined {
  const target = stableCliPath(codexHome);
  if (!fs.existsSync(target) && !create) return undefined;
  fs.mkdirSync(path.dirname(target), { recursive: true });
  // The bundles the launcher loads first, the launcher (what config.toml runs) last.
  for (const b of [MCP_BUNDLE, CLI_MAIN_BUNDLE])
    copyWhenDifferent(path.join(path.dirname(bundled), b), path.join(path.dirname(target), b));
  copyWhenDifferent(bundled, target);
  return target;
}

function copyWhenDifferent(from: string, to: string): void {
  if (fs.existsSync(to) && fs.readFileSync(to).equals(fs.readFileSync(from))) return;
  const tmp = `${to}.${process.pid}.tmp`;
  fs.copyFileSync(from, tmp);
  fs.renameSync(tmp, to);
}

export interface McpRegistration {
  /** False where this VS Code has no MCP server definition API. */
  registered: boolean;
  provider: vscode.McpServerDefinitionProvider;
  launch(): McpLaunch;
}

/** Offer the server to VS Code's agent mode; `codexRescue.mcp.allowRepair` decides --allow-repair. */
export function registerMcpProvider(
  ctx: vscode.ExtensionContext,
  settings: () => Settings,
  log: vscode.LogOutputChannel,
): McpRegistration {
  const cli = path.join(ctx.extensionPath, 'dist', 'cli.js');
  const launch = () => mcpLaunch(cli, settings().codexHome, allowRepair());
  const changed = new vscode.EventEmitter<void>();
  ctx.subscriptions.push(
    changed,
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('codexRescue.mcp') || e.affectsConfiguration('codexRescue.codexHome')) changed.fire();
    }),
  );
  const version = String((ctx.extension?.packageJSON as { version?: string } | undefined)?.version ?? '');
  const provider: vscode.McpServerDefinitionProvider = {
    onDidChangeMcpServerDefinitions: changed.event,
    provideMcpServerDefinitions: () => {
      const l = launch();
      return [new vscode.McpStdioServerDefinition('Codex Session Rescue', l.command, l.args, l.env, version)];
    },
  };
  const lm = vscode.lm as Partial<typeof vscode.lm> | undefined;
  if (
    typeof lm?.registerMcpServerDefinitionProvider !== 'function' ||
    typeof vscode.McpStdioServerDefinition !== 'function'
  ) {
    log.info('this VS Code has no MCP server definition API: rescue tools not offered to agent mode');
    return { registered: false, provider, launch };
  }
  ctx.subscriptions.push(lm.registerMcpServerDefinitionProvider(PROVIDER_ID, provider));
  return { registered: true, provider, launch };
}

export function allowRepair(): boolean {
  return vscode.workspace.getConfiguration('codexRescue').get<boolean>('mcp.allowRepair', false);
}

/** Whether the user's Codex config already names our server. */
export function codexHasRescueTools(codexHome: string): boolean {
  try {
    return hasMcpServer(fs.readFileSync(path.join(codexHome, 'config.toml'), 'utf8'), RESCUE_SERVER_NAME);
  } catch {
    return false;
  }
}

/** "Add Rescue Tools to Codex": append `[mcp_servers.codex-rescue]` to `$CODEX_HOME/config.toml`. */
export function addRescueToolsToCodex(extensionPath: string, codexHome: string) {
  const cli = refreshCliCopy(path.join(extensionPath, 'dist', 'cli.js'), codexHome, true)!;
  const l = mcpLaunch(cli, codexHome, allowRepair());
  return addMcpServerToConfig(codexHome, { name: RESCUE_SERVER_NAME, ...l });
}
