/**
 * A small stdio MCP server returning screenshot-like images, the way Playwright / Chrome DevTools
 * MCP servers do: newline-delimited JSON-RPC (initialize, notifications/initialized, tools/list,
 * tools/call); `screenshot` answers `{type:"image", data, mimeType}` with a random-noise PNG.
 * Run by the real Codex CLI from a test CODEX_HOME's config.toml (see `mcpServerToml`).
 */
import * as path from 'node:path';
import * as readline from 'node:readline';
import { noisePng } from './png';
import { REPO_ROOT, node22Bin } from './tools';

export const MCP_SERVER_NAME = 'shots';
export const MCP_TOOL = 'screenshot';

/** `[mcp_servers.shots]` for config.toml: this file, run by the suite's Node 22 through tsx. */
export function mcpServerToml(width = 600, height = 400): string {
  const tsx = path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cjs', 'index.cjs');
  const args = ['--require', tsx, __filename, String(width), String(height)];
  return [
    `[mcp_servers.${MCP_SERVER_NAME}]`,
    `command = ${JSON.stringify(node22Bin())}`,
    `args = [${args.map((a) => JSON.stringify(a)).join(', ')}]`,
    'startup_timeout_sec = 30',
  ].join('\n');
}

function serve(width: number, height: number): void {
  let shots = 0;
  const send = (msg: unknown) => process.stdout.write(JSON.stringify(msg) + '\n');
  const rl = readline.createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    let req: { id?: number | string; method?: string; params?: { protocolVersion?: string; name?: string } };
    try {
      req = JSON.parse(line);
    } catch {
      return;
    }
    if (req.id === undefined) return; // a notification (notifications/initialized, cancelled …)
    const reply = (result: unknown) => send({ jsonrpc: '2.0', id: req.id, result });
    switch (req.method) {
      case 'initialize':
        return reply({
          protocolVersion: req.params?.protocolVersion ?? '2025-06-18',
          capabilities: { tools: { listChanged: false } },
          serverInfo: { name: MCP_SERVER_NAME, version: '1.0.0' },
        });
      case 'ping':
        return reply({});
      case 'tools/list':
        return reply({
          tools: [
            {
              name: MCP_TOOL,
              description: 'Take a screenshot of the page under test.',
              inputSchema: { type: 'object', properties: {}, additionalProperties: false },
            },
          ],
        });
      case 'tools/call': {
        const png = noisePng(width, height, 7000 + ++shots);
        return reply({
          content: [
            { type: 'text', text: `Screenshot ${shots} of the page (${width}x${height}).` },
            { type: 'image', data: png.toString('base64'), mimeType: 'image/png' },
          ],
        });
      }
      default:
        return send({ jsonrpc: '2.0', id: req.id, error: { code: -32601, message: `no method ${req.method}` } });
    }
  });
}

if (require.main === module) serve(Number(process.argv[2]) || 600, Number(process.argv[3]) || 400);
