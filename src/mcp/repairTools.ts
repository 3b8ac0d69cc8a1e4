// The repair tools. preview_repair (a dry run: nothing changes) is always offered; repair_thread and
// restore_thread only when the server runs with --allow-repair, and a repair only follows a preview
// of the same thread, made with the options it will use, while the file is still what was previewed.
import { z } from 'zod';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StripReport } from '../core/repair/types';
import { restoreThread } from '../core/repair/restore';
import { stripThread } from '../core/repair/stripThread';
import { refuseIfHeld } from '../core/repair/refusals';
import { describeReport } from '../core/repair/describeReport';
import { formatBytes } from '../core/util/display';
import { resolveThread } from '../core/codexHome/rolloutFiles';
import { PreviewRegistry, previewRepair } from '../core/repair/previewGuard';
import { guarded, ok } from './results';
import { THREAD, type ToolContext } from './readTools';

/** The repair options a preview and a reclaim plan take (per thread). */
export const REPAIR_OPTIONS = {
  keepImages: z
    .number()
    .int()
    .min(0)
    .max(1000)
    .optional()
    .describe('Keep this many of the newest images of a thread (default 0).'),
  maxToolOutputBytes: z
    .number()
    .int()
    .min(4096)
    .optional()
    .describe('Tool outputs longer than this many bytes keep only their head and tail (default 262144).'),
};

const report = {
  threadId: z.string(),
  bytesBefore: z.number(),
  bytesAfter: z.number(),
  imagesReplaced: z.number(),
  imagesKept: z.number(),
  imageBytesRemoved: z.number(),
  toolOutputsCapped: z.number(),
  toolOutputBytesRemoved: z.number(),
  linesVerified: z.number(),
  text: z.string(),
};

function reportFields(r: StripReport, text: string) {
  return {
    threadId: r.threadId,
    bytesBefore: r.bytesBefore,
    bytesAfter: r.bytesAfter,
    imagesReplaced: r.imagesReplaced,
    imagesKept: r.imagesKept,
    imageBytesRemoved: r.imageBytesRemoved,
    toolOutputsCapped: r.toolOutputsCapped,
    toolOutputBytesRemoved: r.toolOutputBytesRemoved,
    linesVerified: r.linesVerified,
    text,
  };
}

export function registerRepairTools(server: McpServer, ctx: ToolContext): void {
  const previews = new PreviewRegistry();

  server.registerTool(
    'preview_repair',
    {
      title: 'Preview the repair of a Codex thread',
      description: `Dry run of a repair: reports what replacing the thread's embedded images with small text placeholders (and cutting oversized tool outputs to their head and tail) would change — sizes before and after, images replaced — without changing anything. Returns a previewId. Show the report to the user; ${ctx.allowRepair ? 'only if they agree, call repair_thread with this previewId' : 'the user can then repair the thread with `codex-session-rescue strip` after closing Codex on it'}.`,
      inputSchema: {
        thread: THREAD,
        ...REPAIR_OPTIONS,
      },
      outputSchema: { previewId: z.string(), ...report },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    guarded('preview_repair', ctx.log, (a: { thread: string; keepImages?: number; maxToolOutputBytes?: number }) => {
      const f = resolveThread(ctx.codexHome, a.thread);
      const options = { keepImages: a.keepImages ?? 0, maxToolOutputBytes: a.maxToolOutputBytes };
      const { record, report: r } = previewRepair({ codexHome: ctx.codexHome, thread: f.path, options });
      const rec = previews.add(record);
      const text = `${describeReport(r, 'dry-run', false)}\n\npreviewId: ${rec.id}${ctx.allowRepair ? ` (pass it to repair_thread to apply exactly this repair)` : ''}`;
      return ok(text, { previewId: rec.id, ...reportFields(r, text) });
    }),
  );

  if (!ctx.allowRepair) return;

  server.registerTool(
    'repair_thread',
    {
      title: 'Repair a Codex thread',
      description:
        "Applies the repair shown by preview_repair: replaces the thread's embedded images with text placeholders (and cuts oversized tool outputs) so a stuck thread answers again. Needs the previewId of a preview of this thread whose report the user has seen. mode in_place (default) backs up the original first and rewrites the thread; fork writes a repaired copy as a new thread and leaves the original alone (allowed while Codex runs the original). In place is refused while Codex is running the thread (close it first) — including the thread you are running in.",
      inputSchema: {
        thread: THREAD,
        previewId: z.string().min(1).describe('The previewId returned by preview_repair for this thread.'),
        mode: z
          .enum(['in_place', 'fork'])
          .optional()
          .describe('in_place (default, with a backup) or fork (a new thread).'),
      },
      outputSchema: {
        mode: z.enum(['in_place', 'fork']),
        backupPath: z.string().optional(),
        newThreadId: z.string().optional(),
        resumeCommand: z.string(),
        ...report,
      },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    },
    guarded('repair_thread', ctx.log, (a: { thread: string; previewId: string; mode?: 'in_place' | 'fork' }) => {
      const f = resolveThread(ctx.codexHome, a.thread);
      const mode = a.mode === 'fork' ? 'fork' : 'in-place';
      // A thread Codex is running (the helper's own included) is refused first: previewing it again would not help.
      if (mode === 'in-place') refuseIfHeld(ctx.codexHome, f);
      const rec = previews.check(a.previewId, f.id, f.path);
      const r = stripThread({ codexHome: ctx.codexHome, thread: f.path, mode, options: rec.options });
      previews.consume(rec.id);
      const text = describeReport(r, mode, false);
      return ok(text, {
        mode: a.mode ?? 'in_place',
        backupPath: r.backupPath,
        newThreadId: r.newThreadId,
        resumeCommand: r.resumeCommand,
        ...reportFields(r, text),
      });
    }),
  );

  server.registerTool(
    'restore_thread',
    {
      title: 'Restore a Codex thread from its backup',
      description:
        'Puts a repaired Codex thread back exactly as it was before the repair, from the backup the repair made (the newest one, or the backup path given). The current version is saved as a backup first. Refused while Codex is running the thread, and when Codex added turns since the repair.',
      inputSchema: {
        thread: THREAD,
        backup: z
          .string()
          .optional()
          .describe('A backup folder or file (from repair_thread); default: the newest backup.'),
      },
      outputSchema: {
        threadId: z.string(),
        restoredPath: z.string(),
        fromBackup: z.string(),
        bytes: z.number(),
        sha256: z.string(),
        savedCurrentAs: z.string().optional(),
        projectionRestored: z.boolean(),
      },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    },
    guarded('restore_thread', ctx.log, (a: { thread: string; backup?: string }) => {
      const r = restoreThread({ codexHome: ctx.codexHome, thread: a.thread, backupPath: a.backup });
      const text = [
        `Restored thread ${r.threadId} (${formatBytes(r.bytes)}, sha256 ${r.sha256.slice(0, 16)}… verified) from ${r.fromBackup} to ${r.restoredPath}.`,
        r.savedCurrentAs ? `The version it replaced is saved at ${r.savedCurrentAs}.` : '',
      ]
        .filter(Boolean)
        .join(' ');
      return ok(text, { ...r });
    }),
  );
}
