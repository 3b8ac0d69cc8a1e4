// Adding our MCP server to Codex's config.toml: the entry is appended as a new table, so every byte
// already in the file (comments, other servers, layout) stays as it was. The file is parsed with a
// TOML library before and after, so a broken file or an entry of that name is refused, never guessed at.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, stringify } from 'smol-toml';
import { RescueError } from '../util/errors';

/** The name under which Codex knows our server (`[mcp_servers.codex-rescue]`). */
export const RESCUE_SERVER_NAME = 'codex-rescue';

export interface McpServerEntry {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
}

/** The TOML text of one `[mcp_servers.<name>]` table. */
export function mcpServerToml(e: McpServerEntry): string {
  const table: Record<string, unknown> = { command: e.command, args: e.args };
  if (e.env && Object.keys(e.env).length) table.env = e.env;
  return stringify({ mcp_servers: { [e.name]: table } });
}

function parseConfig(text: string, what: string): Record<string, unknown> {
  try {
    return parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new RescueError(
      'bad-input',
      `${what} is not valid TOML (${(err as Error).message.split('\n')[0]}), so it was left as it is. Fix it (Codex cannot read it either), then try again.`,
    );
  }
}

function serverIn(config: Record<string, unknown>, name: string): unknown {
  const servers = config.mcp_servers;
  return servers && typeof servers === 'object' ? (servers as Record<string, unknown>)[name] : undefined;
}

/** Whether `text` (a config.toml) already names an MCP server `name`. */
export function hasMcpServer(text: string, name: string): boolean {
  return serverIn(parseConfig(text, 'config.toml'), name) !== undefined;
}

/**
 * `text` with the server appended: the original bytes first, unchanged, then a blank line and the new
 * table (in the file's own line endings). Refuses invalid TOML, an existing entry of that name, and a
 * file whose layout cannot take a new table (e.g. `mcp_servers = { … }` written inline).
 */
export function appendMcpServer(text: string, e: McpServerEntry): string {
  const before = parseConfig(text, 'config.toml');
  if (serverIn(before, e.name) !== undefined)
    throw new RescueError(
      'exists',
      `config.toml already has an MCP server named "${e.name}" ([mcp_servers.${e.name}]), so nothing was changed. Edit or remove that entry to change it.`,
    );
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const entry = mcpServerToml(e).replace(/\n/g, eol);
  const sep = text.length === 0 ? '' : text.endsWith('\n') ? eol : eol + eol;
  const result = text + sep + entry;
  let after: Record<string, unknown>;
  try {
    after = parse(result) as Record<string, unknown>;
  } catch (err) {
    throw new RescueError(
      'bad-input',
      `config.toml cannot take a new [mcp_servers.${e.name}] table as it is written (${(err as Error).message.split('\n')[0]}); nothing was changed. Add this entry by hand:${eol}${mcpServerToml(e)}`,
    );
  }
  const added = serverIn(after, e.name) as { command?: unknown; args?: unknown } | undefined;
  if (added?.command !== e.command || JSON.stringify(added?.args) !== JSON.stringify(e.args))
    throw new RescueError(
      'internal',
      `the new [mcp_servers.${e.name}] entry did not read back as written; nothing was changed`,
    );
  return result;
}

export interface AddServerResult {
  configPath: string;
  /** A copy of config.toml as it was (absent when there was no config.toml). */
  backupPath?: string;
  entry: string;
}

/** Append the server to `<codexHome>/config.toml`: backup → temp file beside it → verify → atomic rename. */
export function addMcpServerToConfig(codexHome: string, e: McpServerEntry, now = new Date()): AddServerResult {
  const configPath = path.join(codexHome, 'config.toml');
  let text = '';
  let mode = 0o600;
  try {
    text = fs.readFileSync(configPath, 'utf8');
    mode = fs.statSync(configPath).mode & 0o7777;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const result = appendMcpServer(text, e);
  fs.mkdirSync(codexHome, { recursive: true });
  let backupPath: string | undefined;
  if (fs.existsSync(configPath)) {
    const dir = path.join(codexHome, 'rescue', 'config-backups');
    fs.mkdirSync(dir, { recursive: true });
    backupPath = path.join(dir, `config.toml.${now.toISOString().replace(/[:.]/g, '-')}`);
    fs.copyFileSync(configPath, backupPath, fs.constants.COPYFILE_EXCL);
  }
  const tmp = path.join(codexHome, `.config.toml.${process.pid}.${now.getTime()}.tmp`);
  try {
    fs.writeFileSync(tmp, result, { flag: 'wx', mode });
    if (fs.readFileSync(tmp, 'utf8') !== result)
      throw new RescueError('write-failed', `${tmp} did not read back as written`);
    // The file must still be what we read: another program may have written it meanwhile.
    const current = fs.existsSync(configPath) ? fs.readFileSync(configPath, 'utf8') : '';
    if (current !== text)
      throw new RescueError(
        'changed-during-run',
        `${configPath} changed while it was being edited; nothing was changed. Try again.`,
      );
    fs.renameSync(tmp, configPath);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  return { configPath, backupPath, entry: mcpServerToml(e) };
}
