// `mcp`: serve the rescue tools to a helper Codex thread (or VS Code's agent mode) over stdio.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { VERSION } from '../core/util/version';
import { MCP_BUNDLE } from '../core/util/bundles';
import { RescueError, UsageError } from '../core/util/errors';
import { Command } from './command';

export const mcpCommand: Command = {
  name: 'mcp',
  usage: 'mcp [--codex-home DIR] [--allow-repair]',
  summary: 'serve these tools over MCP (stdio) to a helper Codex thread; repairs only with --allow-repair',
  options: { flags: ['allow-repair'], values: [] },
  async run(ctx) {
    if (ctx.operands.length) throw new UsageError(`mcp takes no arguments (got '${ctx.operands[0]}')`);
    if (ctx.args.flags.has('json')) throw new UsageError('mcp speaks JSON-RPC on stdout; it takes no --json');
    const { runMcpServer } = loadMcpServer();
    await runMcpServer({
      codexHome: ctx.codexHome,
      allowRepair: ctx.args.flags.has('allow-repair'),
      version: VERSION,
    });
    return 0;
  },
};

/**
 * The server from its own bundle beside this one (dist/mcp.js, MCP_BUNDLE): the SDK and its schema
 * validators are most of the CLI's code, which every other command would otherwise compile at start.
 * From sources (tsx in tests) there is no bundle: the module itself. Both paths are computed so that
 * esbuild leaves them out of cli.js.
 */
function loadMcpServer(): typeof import('../mcp/server') {
  const bundled = path.join(__dirname, MCP_BUNDLE);
  const fromSources = __filename.endsWith('.ts');
  if (!fromSources && !fs.existsSync(bundled))
    throw new RescueError(
      'not-found',
      `the MCP server (${MCP_BUNDLE}) is missing beside ${__filename}; copy it from the package's dist/ folder (or run "Add Rescue Tools to Codex" again in VS Code)`,
    );
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(fromSources ? path.join(__dirname, '..', 'mcp', 'server') : bundled);
}
