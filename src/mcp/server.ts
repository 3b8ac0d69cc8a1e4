// `codex-session-rescue mcp`: the rescue tools as an MCP server over stdio, for a helper Codex thread
// (or VS Code's agent mode) to rescue another thread. Same core as the CLI. stdout is the protocol:
// every log line goes to stderr.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { registerReadTools, ToolContext } from './readTools';
import { registerRepairTools } from './repairTools';
import { registerSearchTool } from './searchTool';
import { registerReclaimTools } from './reclaimTools';
import type { Log } from './results';

export const SERVER_NAME = 'codex-session-rescue';

export interface McpOptions {
  codexHome: string;
  /** Offer repair_thread and restore_thread. */
  allowRepair: boolean;
  version: string;
  log?: Log;
}

export function createRescueServer(o: McpOptions): McpServer {
  const server = new McpServer(
    { name: SERVER_NAME, version: o.version },
    {
      capabilities: { tools: {} },
      instructions:
        'Tools to rescue OpenAI Codex threads on this machine: list, search (by what was said) and inspect threads, read a stuck thread, write a handoff a new thread can start from, preview a repair, plan freeing disk space over the whole home' +
        (o.allowRepair
          ? ', and — only after the user has seen the preview or plan — repair, restore or reclaim.'
          : '. Repairs are not enabled on this server (it runs without --allow-repair).'),
    },
  );
  const ctx: ToolContext = { codexHome: o.codexHome, allowRepair: o.allowRepair, log: o.log ?? (() => undefined) };
  registerReadTools(server, ctx);
  registerSearchTool(server, ctx);
  registerRepairTools(server, ctx);
  registerReclaimTools(server, ctx);
  return server;
}

/** Serve on stdin/stdout until the client closes the connection. */
export async function runMcpServer(o: McpOptions): Promise<void> {
  const log: Log = o.log ?? ((m) => process.stderr.write(`[codex-rescue mcp] ${m}\n`));
  const server = createRescueServer({ ...o, log });
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    server.server.onclose = () => resolve();
    process.stdin.once('end', () => resolve());
  });
  await server.connect(transport);
  log(`serving ${o.codexHome}${o.allowRepair ? ' (repairs allowed)' : ''}`);
  await closed;
  await server.close().catch(() => undefined);
}
