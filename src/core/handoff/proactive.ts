// Proactive handoffs: watch CODEX_HOME, re-assess changed threads incrementally, and write a
// handoff for each thread that crosses the risk threshold — before it breaks. Used by
// `codex-session-rescue watch`; the loop itself is the core RiskMonitor.
//
//   const p = new ProactiveHandoffs(codexHome, { level: 'high' });
//   p.onEvent((e) => log(e));   // 'handoff' | 'change' | 'error' | 'assessed'
//   p.start();                  // or: await p.runOnce()
//   …
//   p.stop();
//
// State (which threads already got their handoff for the current crossing) is kept in
// CODEX_HOME/rescue/watch-state.json, so a restart doesn't write the same handoff again.
import * as fs from 'node:fs';
import { ScanIndex, ThreadSummary, emptyIndex, scanCatalog } from '../scan/catalog';
import { RISK_ORDER, RiskLevel } from '../scan/risk';
import { Crossing, CrossingState } from '../scan/riskCrossing';
import { RiskMonitor } from '../scan/riskMonitor';
import { watchStatePath } from '../codexHome/paths';
import { errorMessage } from '../util/errors';
import { SessionChange, SessionWatcher, SessionWatcherOptions } from '../codexHome/sessionWatcher';
import { writeFileAtomic } from '../util/atomicWrite';
import { WriteResult } from './types';
import { writeHandoff } from './write';

export interface ProactiveOptions extends SessionWatcherOptions {
  level?: RiskLevel;
  /** Quiet time before a thread at the threshold is handed off (default 3000 ms). */
  quietMs?: number;
  budgetTokens?: number;
  /** Where to keep the crossing state (default CODEX_HOME/rescue/watch-state.json; null: memory only). */
  statePath?: string | null;
}

export type ProactiveEvent =
  | {
      type: 'handoff';
      at: string;
      id: string;
      path: string;
      from?: RiskLevel;
      to: RiskLevel;
      handoff: WriteResult;
      reasons: string[];
    }
  | { type: 'change'; at: string; change: SessionChange }
  | { type: 'assessed'; at: string; threads: number; atOrAbove: number; pending: boolean }
  | { type: 'error'; at: string; message: string; id?: string };

export class ProactiveHandoffs {
  readonly watcher: SessionWatcher;
  readonly monitor: RiskMonitor<ThreadSummary>;
  private index: ScanIndex = emptyIndex();
  private listeners = new Set<(e: ProactiveEvent) => void>();
  private readonly statePath: string | null;

  constructor(
    readonly codexHome: string,
    private readonly opts: ProactiveOptions = {},
  ) {
    this.statePath = opts.statePath === undefined ? watchStatePath(codexHome) : opts.statePath;
    this.monitor = new RiskMonitor<ThreadSummary>({
      level: opts.level,
      quietMs: opts.quietMs,
      state: this.loadState(),
      rescan: () => this.assess(),
      onCrossings: (crossings) => this.handOff(crossings),
    });
    this.watcher = new SessionWatcher(codexHome, opts);
    this.watcher.onEvents((batch) => {
      for (const change of batch) this.emit({ type: 'change', at: new Date().toISOString(), change });
    });
  }

  onEvent(l: (e: ProactiveEvent) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** Assess every thread now, then keep watching. */
  start(): void {
    this.monitor.watch((changed) => {
      const off = this.watcher.onEvents(() => changed());
      this.watcher.start();
      return () => {
        off();
        this.watcher.stop();
      };
    });
    this.assess();
  }

  stop(): void {
    this.monitor.stop();
  }

  /** One assessment (no watching): writes handoffs for threads at the threshold that are quiet. Returns what it wrote. */
  runOnce(): ProactiveEvent[] {
    const out: ProactiveEvent[] = [];
    const off = this.onEvent((e) => out.push(e));
    try {
      this.assess();
    } finally {
      off();
    }
    return out;
  }

  private assess(): void {
    let res;
    try {
      res = scanCatalog(this.codexHome, { index: this.index });
    } catch (err) {
      this.emit({ type: 'error', at: new Date().toISOString(), message: `scan failed: ${errorMessage(err)}` });
      return;
    }
    this.monitor.assess(res.threads);
    this.saveState();
    const min = RISK_ORDER.indexOf(this.monitor.level);
    const atOrAbove = res.threads.filter((t) => RISK_ORDER.indexOf(t.risk.level) >= min).length;
    this.emit({
      type: 'assessed',
      at: new Date().toISOString(),
      threads: res.threads.length,
      atOrAbove,
      pending: this.monitor.pending,
    });
  }

  private handOff(crossings: Crossing<ThreadSummary>[]): void {
    for (const c of crossings) {
      try {
        const h = writeHandoff(this.codexHome, c.path, { budgetTokens: this.opts.budgetTokens });
        this.emit({
          type: 'handoff',
          at: new Date().toISOString(),
          id: c.id,
          path: c.path,
          from: c.from,
          to: c.to,
          handoff: h,
          reasons: c.thread.risk.reasons.map((r) => r.text),
        });
      } catch (err) {
        // Let it try again on the next change.
        this.monitor.rearm(c.id);
        this.emit({
          type: 'error',
          at: new Date().toISOString(),
          id: c.id,
          message: `handoff for ${c.id} failed: ${errorMessage(err)}`,
        });
      }
    }
  }

  private emit(e: ProactiveEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // a listener's failure is its own
      }
    }
  }

  private loadState(): CrossingState | undefined {
    if (!this.statePath) return undefined;
    try {
      return JSON.parse(fs.readFileSync(this.statePath, 'utf8')) as CrossingState;
    } catch {
      return undefined;
    }
  }

  private saveState(): void {
    if (!this.statePath) return;
    try {
      writeFileAtomic(this.statePath, JSON.stringify(this.monitor.state()));
    } catch (err) {
      this.emit({
        type: 'error',
        at: new Date().toISOString(),
        message: `could not save ${this.statePath}: ${errorMessage(err)}`,
      });
    }
  }
}
