// File names of the built bundles that load each other at run time (esbuild.mjs writes them to dist/).

/** The MCP server's bundle, beside the CLI's: the CLI loads it for `mcp`, the extension copies both. */
export const MCP_BUNDLE = 'mcp.js';

/** The CLI itself, which dist/cli.js (the launcher, cli/cli.ts) loads from beside itself. */
export const CLI_MAIN_BUNDLE = 'cliMain.js';
