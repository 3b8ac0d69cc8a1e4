// search_threads: find the thread the user means by what was said or done in it (read-only). The
// index is brought up to date first, within a time budget so that a first search on a big home still
// answers; what is not indexed yet is said, and the next call goes on from there.
import { z } from 'zod';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { searchThreads } from '../core/search/search';
import { formatBytes } from '../core/scan/risk';
import { clip } from '../core/scan/inspect';
import type { ToolContext } from './readTools';
import { guarded, ok } from './results';

/** Time a call may spend indexing before it answers from what is indexed. */
const INDEX_BUDGET_MS = 20_000;

const hitRow = z.object({
  threadId: z.string(),
  name: z.string(),
  line: z.number(),
  role: z.string(),
  at: z.string().optional(),
  snippet: z.string(),
  workspace: z.string().optional(),
  updatedAt: z.string(),
  archived: z.boolean(),
  matches: z.number(),
  path: z.string(),
});

export function registerSearchTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'search_threads',
    {
      title: 'Search Codex threads by what was said',
      description:
        'Finds Codex threads by what was said or done in them: the user\'s requests, the assistant\'s answers, reasoning summaries, shell commands, patched file paths and thread names. Every word must occur in one message (case-insensitive, also inside longer words); "quoted phrases" match as written, word* matches word starts. Returns the best threads first, each with the matching message (role, rollout line) and a snippet with the match between **. Read-only. Use it to find "the thread where we fixed the login layout", then inspect_thread or read_thread it.',
      inputSchema: {
        query: z.string().min(1).max(1000).describe('Words, "phrases" or prefix* to look for.'),
        limit: z.number().int().min(1).max(100).optional().describe('Most threads to return (default 10).'),
      },
      outputSchema: {
        hits: z.array(hitRow),
        pendingFiles: z.number(),
        pendingBytes: z.number(),
        notes: z.array(z.string()),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    guarded('search_threads', ctx.log, (a: { query: string; limit?: number }) => {
      const r = searchThreads(ctx.codexHome, a.query, { limit: a.limit ?? 10, budgetMs: INDEX_BUDGET_MS });
      const notes = r.errors.map((e) => `could not index ${e.path}: ${e.message}`);
      if (r.pending.files)
        notes.push(
          `${r.pending.files} thread file(s) (${formatBytes(r.pending.bytes)}) are not indexed yet${r.busy ? ' (another process is indexing them)' : ''}: search again to include them`,
        );
      const hits = r.hits.map((h) => ({
        threadId: h.threadId,
        name: h.name,
        line: h.line,
        role: h.role,
        at: h.at,
        snippet: h.snippet,
        workspace: h.workspace,
        updatedAt: h.updatedAt,
        archived: h.archived,
        matches: h.matches,
        path: h.path,
      }));
      const text = [
        hits.length
          ? `${hits.length} thread(s) hold ${a.query}, best first:`
          : `No thread holds ${r.terms.length > 1 ? 'all of ' : ''}${a.query}.`,
        ...hits.map(
          (h) =>
            `- ${h.threadId} "${clip(h.name, 60)}"${h.workspace ? ` in ${h.workspace}` : ''}, last active ${h.updatedAt}: line ${h.line} (${h.role}): ${h.snippet}`,
        ),
        ...notes.map((n) => `Note: ${n}`),
      ].join('\n');
      return ok(text, { hits, pendingFiles: r.pending.files, pendingBytes: r.pending.bytes, notes });
    }),
  );
}
