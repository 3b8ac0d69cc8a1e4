// The tools that only read a thread (and write_handoff, which writes a new Markdown file beside the
// Codex home's threads, never into them): list, inspect, read the conversation, write a handoff.
import * as fs from 'node:fs';
import { z } from 'zod';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ThreadSummary, ScanIndex, loadIndex, saveIndex, scanCatalog } from '../core/scan/catalog';
import { scanIndexPath } from '../core/codexHome/paths';
import { RISK_ORDER, RiskLevel, formatBytes } from '../core/scan/risk';
import { clip, describeThread, inspectThread } from '../core/scan/inspect';
import { resolveThread } from '../core/codexHome/rolloutFiles';
import { imageStats } from '../core/scan/threadJson';
import { readTranscript } from '../core/preview/transcript';
import { writeHandoff } from '../core/handoff/write';
import { filterThreads } from '../core/scan/threadFilter';
import { Log, guarded, ok } from './results';

export interface ToolContext {
  codexHome: string;
  allowRepair: boolean;
  log: Log;
}

/** The `thread` argument every tool takes. */
export const THREAD = z
  .string()
  .min(1)
  .describe('The thread: its id (as Codex prints it), a unique prefix of the id, or the path of its rollout file.');
const LEVEL = z.enum(RISK_ORDER as [RiskLevel, ...RiskLevel[]]);

const threadRow = z.object({
  id: z.string(),
  name: z.string(),
  level: LEVEL,
  sizeBytes: z.number(),
  size: z.string(),
  lastActivity: z.string().optional(),
  workspace: z.string().optional(),
  archived: z.boolean(),
  reasons: z.array(z.string()),
  recommendation: z.string(),
  path: z.string(),
});

function row(t: ThreadSummary): z.infer<typeof threadRow> {
  return {
    id: t.id,
    name: t.name,
    level: t.risk.level,
    sizeBytes: t.sizeBytes,
    size: formatBytes(t.sizeBytes),
    lastActivity: t.updatedAt,
    workspace: t.cwd,
    archived: t.archived,
    reasons: t.risk.reasons.slice(0, 3).map((r) => r.text),
    recommendation: t.risk.recommendation,
    path: t.path,
  };
}

export function registerReadTools(server: McpServer, ctx: ToolContext): void {
  const indexPath = scanIndexPath(ctx.codexHome);
  let index: ScanIndex | undefined;

  server.registerTool(
    'list_threads',
    {
      title: 'List Codex threads',
      description:
        'Lists the Codex threads (conversations) on this machine, most urgent first, with a risk level (ok, watch, high, critical, stuck), size, last activity, workspace and the top reasons. A "stuck" thread no longer answers because its history no longer fits the model\'s context window. Use it to find the thread the user means; filter by minimum level, workspace folder or words from its name or first request.',
      inputSchema: {
        level: LEVEL.optional().describe(
          'Only threads at this level or worse (e.g. "high" lists high, critical and stuck).',
        ),
        workspace: z.string().optional().describe('Only threads whose workspace (cwd) is this folder or inside it.'),
        query: z
          .string()
          .optional()
          .describe('Words that must all appear in the thread id, name, workspace or first request.'),
        limit: z.number().int().min(1).max(200).optional().describe('Most threads to return (default 20).'),
      },
      outputSchema: {
        codexHome: z.string(),
        total: z.number(),
        matched: z.number(),
        threads: z.array(threadRow),
        notes: z.array(z.string()),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    guarded('list_threads', ctx.log, (a: { level?: RiskLevel; workspace?: string; query?: string; limit?: number }) => {
      index ??= loadIndex(indexPath);
      const result = scanCatalog(ctx.codexHome, { index });
      saveIndex(indexPath, index);
      const matched = filterThreads(result.threads, a);
      const rows = matched.slice(0, a.limit ?? 20).map(row);
      const notes = [...result.notes, ...result.errors.map((e) => `${e.path}: ${e.message}`)];
      const text = rows.length
        ? [
            `${matched.length} of ${result.threads.length} threads in ${ctx.codexHome}${rows.length < matched.length ? ` (first ${rows.length})` : ''}, most urgent first:`,
            ...rows.map(
              (r) =>
                `- ${r.level.toUpperCase()} ${r.id} "${clip(r.name, 60)}" ${r.size}, last active ${r.lastActivity ?? '?'}${r.workspace ? `, in ${r.workspace}` : ''}${r.reasons[0] ? ` — ${r.reasons[0]}` : ''}`,
            ),
          ].join('\n')
        : `No Codex threads${result.threads.length ? ' match' : ''} under ${ctx.codexHome}.`;
      return ok(text, {
        codexHome: ctx.codexHome,
        total: result.threads.length,
        matched: matched.length,
        threads: rows,
        notes,
      });
    }),
  );

  server.registerTool(
    'inspect_thread',
    {
      title: 'Inspect a Codex thread',
      description:
        'Explains one Codex thread: its risk level and why, what its rollout file is made of (images, tool output, compaction snapshots…), how full the context window was, and the next step. Read-only. Use it before deciding between a handoff and a repair.',
      inputSchema: { thread: THREAD },
      outputSchema: {
        thread: threadRow,
        generation: z.string(),
        composition: z.record(z.string(), z.number()),
        images: z.object({
          stored: z.number(),
          storedBytes: z.number(),
          distinct: z.number(),
          live: z.number(),
          liveBytes: z.number(),
        }),
        context: z.object({ used: z.number(), window: z.number().optional() }).optional(),
        compactions: z.number(),
        contextErrors: z.number(),
        damagedLines: z.number(),
        text: z.string(),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    guarded('inspect_thread', ctx.log, (a: { thread: string }) => {
      const t = inspectThread(ctx.codexHome, a.thread);
      const m = t.metrics;
      const text = describeThread(t);
      const last = m.tokens.last;
      return ok(text, {
        thread: row(t),
        generation: t.generation,
        composition: { ...m.bytes },
        images: {
          stored: m.images.total,
          storedBytes: m.images.totalBytes,
          distinct: imageStats(t).distinct,
          live: m.images.live,
          liveBytes: m.bytes.imagesLive,
        },
        context: last ? { used: last.used, window: last.window } : undefined,
        compactions: m.compactions.count,
        contextErrors: m.contextErrors.count,
        damagedLines: m.problemCount,
        text,
      });
    }),
  );

  server.registerTool(
    'read_thread',
    {
      title: 'Read a Codex thread',
      description:
        "Reads a Codex thread's conversation as plain text, one page at a time: the user's requests, the assistant's answers, the tools it ran (outputs shortened), compactions and context-window errors; images appear as placeholders like [image: image/png 600×400 720 KB]. Read-only; works on stuck and multi-GB threads. Pass nextCursor back as cursor for the next page. Use it to write a summary a new thread can continue from.",
      inputSchema: {
        thread: THREAD,
        cursor: z
          .string()
          .optional()
          .describe('nextCursor from the previous page; leave out to start at the beginning.'),
        maxChars: z
          .number()
          .int()
          .min(1000)
          .max(200_000)
          .optional()
          .describe('Size of the page in characters (default 20000).'),
      },
      outputSchema: {
        threadId: z.string(),
        text: z.string(),
        nextCursor: z.string().optional(),
        fromLine: z.number(),
        toLine: z.number(),
        done: z.boolean(),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    guarded('read_thread', ctx.log, (a: { thread: string; cursor?: string; maxChars?: number }) => {
      const f = resolveThread(ctx.codexHome, a.thread);
      const page = readTranscript(f.path, { cursor: a.cursor, maxChars: a.maxChars });
      const footer = page.done
        ? '\n— end of the thread —'
        : `\n— more follows: call read_thread again with cursor "${page.nextCursor}" —`;
      return ok((page.text || '(nothing to show on this page)') + footer, {
        threadId: f.id,
        text: page.text,
        nextCursor: page.nextCursor,
        fromLine: page.fromLine,
        toLine: page.toLine,
        done: page.done,
      });
    }),
  );

  server.registerTool(
    'write_handoff',
    {
      title: 'Write a handoff for a Codex thread',
      description:
        "Writes a Markdown handoff of a Codex thread — its goal, plan, files changed, commands run, errors and where it stopped — built from the rollout file alone (works on stuck threads), into the Codex home's rescue/handoffs folder. Returns the file's path and text. It never changes the thread. A new Codex thread can start from it.",
      inputSchema: {
        thread: THREAD,
        budgetTokens: z
          .number()
          .int()
          .min(500)
          .max(200_000)
          .optional()
          .describe('Approximate size of the handoff in tokens (default 12000).'),
      },
      outputSchema: {
        threadId: z.string(),
        path: z.string(),
        bytes: z.number(),
        tokensEstimate: z.number(),
        riskLevel: z.string(),
        trimmed: z.array(z.string()),
        markdown: z.string(),
      },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    },
    guarded('write_handoff', ctx.log, (a: { thread: string; budgetTokens?: number }) => {
      const r = writeHandoff(ctx.codexHome, a.thread, { budgetTokens: a.budgetTokens });
      const markdown = fs.readFileSync(r.path, 'utf8');
      return ok(
        `Handoff for thread ${r.threadId} written to ${r.path} (${r.bytes} bytes, ~${r.tokensEstimate} tokens).\n\n${markdown}`,
        {
          threadId: r.threadId,
          path: r.path,
          bytes: r.bytes,
          tokensEstimate: r.tokensEstimate,
          riskLevel: r.riskLevel,
          trimmed: r.trimmed,
          markdown,
        },
      );
    }),
  );
}
