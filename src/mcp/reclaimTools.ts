// The reclaim tools: plan_reclaim (read-only: what a home-wide reclaim would free and skip) is always
// offered; reclaim only with --allow-repair, and only with the planId of a plan this server made and
// showed. Threads that changed since the plan are left alone by the run itself (run.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { scanIndexPath } from '../core/codexHome/paths';
import { loadIndex, saveIndex, scanCatalog } from '../core/scan/catalog';
import { ReclaimPlan, planReclaim } from '../core/reclaim/plan';
import { runReclaim } from '../core/reclaim/run';
import { describePlan, describeReclaimReport } from '../core/reclaim/describe';
import { RescueError } from '../core/util/errors';
import { guarded, ok } from './results';
import type { ToolContext } from './readTools';
import { REPAIR_OPTIONS } from './repairTools';

const totals = {
  threads: z.number(),
  bytesBefore: z.number(),
  estimatedFreedBytes: z.number(),
  storeGrowthBytes: z.number(),
  storeBytesNow: z.number(),
  storeBytesAfter: z.number(),
};

export function registerReclaimTools(server: McpServer, ctx: ToolContext): void {
  const plans = new Map<string, ReclaimPlan>();

  server.registerTool(
    'plan_reclaim',
    {
      title: 'Plan freeing disk space over the whole Codex home',
      description: `Dry run of a home-wide reclaim: which idle threads (not written for olderThanDays, default 7; 0 = every thread Codex does not hold, archived ones too) would be repaired in place — their embedded images moved once into the image store, the originals kept as restore data — how much each frees, which threads are skipped and why (Codex holds it, a fork points into it), and how big the image store becomes. Changes nothing. Returns a planId; show the plan to the user${ctx.allowRepair ? ' and only if they agree call reclaim with that planId' : '; they can run `codex-session-rescue reclaim` themselves'}.`,
      inputSchema: {
        olderThanDays: z
          .number()
          .int()
          .min(0)
          .max(36500)
          .optional()
          .describe('Leave threads written in the last this many days alone (default 7).'),
        ...REPAIR_OPTIONS,
      },
      outputSchema: {
        planId: z.string(),
        threads: z.array(
          z.object({
            id: z.string(),
            name: z.string(),
            sizeBytes: z.number(),
            estimatedFreedBytes: z.number(),
            archived: z.boolean(),
            compressed: z.boolean(),
          }),
        ),
        skipped: z.array(z.object({ id: z.string(), reason: z.string(), message: z.string() })),
        totals: z.object(totals),
        text: z.string(),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    guarded(
      'plan_reclaim',
      ctx.log,
      (a: { olderThanDays?: number; keepImages?: number; maxToolOutputBytes?: number }) => {
        const indexPath = scanIndexPath(ctx.codexHome);
        const index = loadIndex(indexPath);
        const scan = scanCatalog(ctx.codexHome, { index });
        saveIndex(indexPath, index);
        const plan = planReclaim(ctx.codexHome, scan.threads, a);
        plans.set(plan.id, plan);
        const text = `${describePlan(plan)}${plan.threads.length && ctx.allowRepair ? `\n\nplanId: ${plan.id} (pass it to reclaim to carry out exactly this plan)` : ''}`;
        return ok(text, {
          planId: plan.id,
          threads: plan.threads.map((c) => ({
            id: c.id,
            name: c.name,
            sizeBytes: c.sizeBytes,
            estimatedFreedBytes: c.estimatedFreedBytes,
            archived: c.archived,
            compressed: c.compressed,
          })),
          skipped: plan.skipped.map((s) => ({ id: s.id, reason: s.reason, message: s.message })),
          totals: plan.totals,
          text,
        });
      },
    ),
  );

  if (!ctx.allowRepair) return;

  server.registerTool(
    'reclaim',
    {
      title: 'Free disk space over the whole Codex home',
      description:
        'Carries out a plan made by plan_reclaim, after the user has seen it: each planned thread is repaired in place (images to the image store, restore data kept, so every thread can be restored byte for byte with restore_thread). Threads Codex holds or wrote since the plan are left alone. Needs the planId.',
      inputSchema: { planId: z.string().min(1).describe('The planId returned by plan_reclaim.') },
      outputSchema: {
        repaired: z.number(),
        failed: z.number(),
        bytesFreed: z.number(),
        storeBytesAfter: z.number(),
        threads: z.array(
          z.object({ id: z.string(), ok: z.boolean(), freedBytes: z.number(), message: z.string().optional() }),
        ),
        text: z.string(),
      },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    },
    guarded('reclaim', ctx.log, async (a: { planId: string }) => {
      const plan = plans.get(a.planId);
      if (!plan)
        throw new RescueError(
          'usage',
          `'${a.planId}' is not the id of a plan made by this server. Call plan_reclaim first, show its plan to the user, then call reclaim with the planId it returns. Nothing was changed.`,
        );
      plans.delete(a.planId); // a plan is carried out once: the files it described change
      const script = path.join(__dirname, 'reclaimWorker.js');
      const report = await runReclaim(plan, { script: fs.existsSync(script) ? script : undefined });
      const text = describeReclaimReport(report);
      return ok(text, {
        repaired: report.totals.repaired,
        failed: report.totals.failed,
        bytesFreed: report.totals.bytesFreed,
        storeBytesAfter: report.totals.storeBytesAfter,
        threads: report.threads.map((t) => ({
          id: t.id,
          ok: t.ok,
          freedBytes: t.freedBytes,
          message: t.ok ? undefined : t.message,
        })),
        text,
      });
    }),
  );
}
