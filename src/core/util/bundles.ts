// File names of the built bundles that load each other at run time (esbuild.mjs writes them to dist/).

/** The MCP server's bundle, beside the CLI's: the CLI loads it for `mcp`, the extension copies both. */
export const MCP_BUNDLE = 'mcp.js';
