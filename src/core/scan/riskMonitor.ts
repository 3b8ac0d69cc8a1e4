// The one risk monitor: watch → rescan → crossing → act. Used by the CLI's `watch` (through
// ProactiveHandoffs) and by the extension's session store, each with its own way to rescan and act.
//
//   const m = new RiskMonitor({ level: 'high', rescan: () => scanAndAssess(), onCrossings: (cs) => act(cs) });
//   m.watch((changed) => watcher.onEvents(changed));   // a change triggers a rescan
//   // after each scan:
//   m.assess(threads);                                  // fires onCrossings, schedules a recheck if needed
//   m.stop();
//
// A thread at the threshold that is still being written is judged once it has been quiet
// (RiskCrossing's recheckInMs): the monitor asks for a rescan then, so it is judged on its latest size.
import { Crossing, CrossingState, CrossingThread, RiskCrossing } from './riskCrossing';
import { RiskLevel } from './risk';

export interface RiskMonitorOptions<T extends CrossingThread> {
  /** Threshold (default 'high'). */
  level?: RiskLevel;
  /** A thread must be unwritten this long before it is judged (default 3000 ms). */
  quietMs?: number;
  /** A saved crossing state, so a restart doesn't act on the same crossing again. */
  state?: CrossingState;
  /** Start a rescan; its result comes back through `assess`. */
  rescan(): void;
  /** Act on threads that just crossed up into the threshold. */
  onCrossings(crossings: Crossing<T>[]): void;
}

export class RiskMonitor<T extends CrossingThread> {
  private crossing: RiskCrossing<T>;
  private recheckTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private stopped = true;

  constructor(private readonly opts: RiskMonitorOptions<T>) {
    this.crossing = new RiskCrossing<T>({ level: opts.level, quietMs: opts.quietMs }, opts.state);
  }

  get level(): RiskLevel {
    return this.crossing.level;
  }

  /** Plain JSON, for saving between runs. */
  state(): CrossingState {
    return this.crossing.state();
  }

  /** Let `subscribe` report changes (a session watcher); each report starts a rescan. */
  watch(subscribe: (onChange: () => void) => () => void): void {
    this.unsubscribe?.();
    this.stopped = false;
    this.unsubscribe = subscribe(() => {
      if (!this.stopped) this.opts.rescan();
    });
  }

  /**
   * Judge the latest threads. `prime` records their levels without acting (the first scan of a home:
   * threads already at risk were not *crossing* now). Returns the crossings it acted on.
   */
  assess(threads: T[], prime = false, nowMs = Date.now()): Crossing<T>[] {
    this.clearRecheck();
    if (prime) this.crossing = new RiskCrossing<T>({ level: this.crossing.level, quietMs: this.crossing.quietMs });
    const { crossings, recheckInMs } = this.crossing.update(threads, prime ? Number.MAX_SAFE_INTEGER : nowMs);
    if (prime) return [];
    if (recheckInMs !== undefined && !this.stopped) {
      this.recheckTimer = setTimeout(() => {
        this.recheckTimer = undefined;
        if (!this.stopped) this.opts.rescan();
      }, recheckInMs + 50);
      this.recheckTimer.unref?.();
    }
    if (crossings.length) this.opts.onCrossings(crossings);
    return crossings;
  }

  /** Arm a thread again (acting on it failed: try on the next change). */
  rearm(id: string): void {
    const st = this.crossing.state().threads[id];
    if (st) st.armed = true;
  }

  /** Is a recheck pending (a thread at the threshold still being written)? */
  get pending(): boolean {
    return this.recheckTimer !== undefined;
  }

  stop(): void {
    this.stopped = true;
    this.clearRecheck();
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private clearRecheck(): void {
    if (this.recheckTimer) clearTimeout(this.recheckTimer);
    this.recheckTimer = undefined;
  }
}
