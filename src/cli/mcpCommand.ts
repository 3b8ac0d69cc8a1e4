// `mcp`: serve the rescue tools to a helper Codex thread (or VS Code's agent mode) over stdio.
import { VERSION } from '../core/util/version';
import { UsageError } from '../core/util/errors';
import { Command } from './command';

export const mcpCommand: Command = {
  name: 'mcp',
  usage: 'mcp [--codex-home DIR] [--allow-repair]',
  summary: 'serve these tools over MCP (stdio) to a helper Codex thread; repairs only with --allow-repair',
  options: { flags: ['allow-repair'], values: [] },
  async run(ctx) {
    if (ctx.operands.length) throw new UsageError(`mcp takes no arguments (got '${ctx.operands[0]}')`);
    if (ctx.args.flags.has('json')) throw new UsageError('mcp speaks JSON-RPC on stdout; it takes no --json');
    // Loaded here: the MCP SDK (and its schema validator) takes longer to load than a small scan.
    const { runMcpServer } = await import('../mcp/server');
    await runMcpServer({
      codexHome: ctx.codexHome,
      allowRepair: ctx.args.flags.has('allow-repair'),
      version: VERSION,
    });
    return 0;
  },
};
