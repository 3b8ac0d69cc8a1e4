// How every tool answers: a text content (what a model or a person reads) plus the same facts as
// structuredContent (validated against the tool's outputSchema); refusals and failures become tool
// errors (`isError: true`) carrying the core's plain-words message, never protocol errors.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { errorCode, errorMessage } from '../core/util/errors';

export type Log = (message: string) => void;

export function ok(text: string, structured: object): CallToolResult {
  return { content: [{ type: 'text', text }], structuredContent: structured as Record<string, unknown> };
}

export function toolError(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}

/** Run a tool body; anything it throws becomes a tool error with the same words the CLI prints. */
export function guarded<A>(
  name: string,
  log: Log,
  body: (args: A) => CallToolResult | Promise<CallToolResult>,
): (args: A) => Promise<CallToolResult> {
  return async (args) => {
    const t0 = Date.now();
    try {
      const r = await body(args);
      log(`${name}: ok in ${Date.now() - t0} ms`);
      return r;
    } catch (err) {
      log(`${name}: refused (${errorCode(err)}): ${errorMessage(err)}`);
      return toolError(errorMessage(err));
    }
  };
}
