// Durable handoff: a Markdown document built from the rollout alone (no model), so it works on a
// stuck or multi-GB thread. One streaming pass (the collector + the risk metrics), then a render
// that fills a token budget by priority (budget.ts). Synchronous: call it from the CLI or a worker.
import * as fs from 'node:fs';
import { RolloutFile, resolveThread } from '../codexHome/rolloutFiles';
import { ThreadSummary, summarize, threadSources } from '../scan/catalog';
import { MetricsCollector } from '../scan/metrics';
import { readRollout } from '../rollout/reader';
import { BigTextReader } from '../rollout/bigText';
import { HandoffCollector, HandoffData } from './collect';
import { renderHandoff } from './budget';
import { HandoffOptions, HandoffResult } from './types';

/** Read the thread once and collect everything the handoff needs, plus its risk summary. */
export function collectThread(
  codexHome: string,
  f: RolloutFile,
  opts: HandoffOptions = {},
): { data: HandoffData; thread: ThreadSummary } {
  const big = new BigTextReader(f.path, f.compressed || f.path.endsWith('.zst'));
  try {
    const collector = new HandoffCollector(big);
    const metrics = new MetricsCollector();
    const summary = readRollout(
      f.path,
      (l) => {
        metrics.line(l);
        collector.line(l);
      },
      { hashDataUrls: 'fingerprint', onProgress: opts.onProgress, isCancelled: opts.isCancelled },
    );
    const data = collector.result();
    data.compressed = summary.compressed;
    let st = { size: f.size, mtimeMs: f.mtimeMs };
    try {
      const s = fs.statSync(f.path);
      st = { size: s.size, mtimeMs: s.mtimeMs };
    } catch {
      // vanished meanwhile: keep what we had
    }
    const thread = summarize({ ...f, ...st }, metrics.result(), threadSources(codexHome, opts.env));
    return { data, thread };
  } finally {
    big.close();
  }
}

/** Build the handoff Markdown for a thread (by id, id prefix or path) without writing it. */
export function buildHandoff(codexHome: string, ref: string, opts: HandoffOptions = {}): HandoffResult {
  const f = resolveThread(codexHome, ref, { outside: opts.outside });
  const { data, thread } = collectThread(codexHome, f, opts);
  return renderHandoff(data, thread, opts);
}
