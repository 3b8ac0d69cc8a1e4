// Which threads just crossed *up* into a risk level, once per crossing. Fed successive
// ThreadSummary lists (from scanCatalog); the state is plain JSON so it survives restarts.
//
//   const rc = new RiskCrossing({ level: 'high', quietMs: 3000 }, savedState);
//   const { crossings, recheckInMs } = rc.update(threads);
//   // act on crossings; call update again after recheckInMs if given (a thread still being written)
//   save(rc.state());
//
// Rules: a thread at or above `level` fires once, when it has been quiet (no write) for
// `quietMs` — a thread Codex is still appending to is assessed when it stops. It fires again only
// after it has been seen below `level` (re-armed), e.g. after a strip. Threads are keyed by id, so
// archiving (a move) doesn't re-fire; a thread that disappears is forgotten.
import { ThreadSummary } from './catalog';
import { RISK_ORDER, RiskLevel } from './risk';
import { levelRank } from '../util/display';

export interface CrossingOptions {
  /** Threshold level (default 'high'). */
  level?: RiskLevel;
  /** A thread must be unwritten this long before it is assessed (default 3000 ms). */
  quietMs?: number;
}

/** What the tracker reads of a thread: a ThreadSummary, or any view of one (e.g. the extension's). */
export interface CrossingThread {
  id: string;
  path: string;
  mtimeMs: number;
  risk: { level: RiskLevel };
}

export interface Crossing<T extends CrossingThread = ThreadSummary> {
  id: string;
  path: string;
  /** Level last seen below the threshold (undefined: first time seen). */
  from: RiskLevel | undefined;
  to: RiskLevel;
  thread: T;
}

export interface ThreadCrossingState {
  /** True while the thread may fire (it has not fired since it was last below the threshold). */
  armed: boolean;
  level: RiskLevel;
  /** Level before the last crossing. */
  below?: RiskLevel;
  firedAt?: number;
}

export interface CrossingState {
  version: 1;
  level: RiskLevel;
  threads: Record<string, ThreadCrossingState>;
}

export class RiskCrossing<T extends CrossingThread = ThreadSummary> {
  readonly level: RiskLevel;
  readonly quietMs: number;
  private s: CrossingState;

  constructor(opts: CrossingOptions = {}, state?: CrossingState) {
    this.level = opts.level ?? 'high';
    this.quietMs = opts.quietMs ?? 3000;
    if (levelRank(this.level) < 1) throw new Error(`threshold level must be one of ${RISK_ORDER.slice(1).join(', ')}`);
    // A saved state for another threshold means something else: start over.
    this.s =
      state && state.version === 1 && state.level === this.level
        ? state
        : { version: 1, level: this.level, threads: {} };
  }

  state(): CrossingState {
    return this.s;
  }

  /**
   * Assess the latest summaries. Returns the threads that crossed up into the threshold now,
   * and, if some thread is at the threshold but still being written, when to check again.
   */
  update(threads: T[], nowMs = Date.now()): { crossings: Crossing<T>[]; recheckInMs?: number } {
    const crossings: Crossing<T>[] = [];
    let recheck: number | undefined;
    const present = new Set<string>();
    for (const t of threads) {
      present.add(t.id);
      const prev = this.s.threads[t.id];
      const above = levelRank(t.risk.level) >= levelRank(this.level);
      if (!above) {
        this.s.threads[t.id] = { armed: true, level: t.risk.level };
        continue;
      }
      const st: ThreadCrossingState = prev ?? { armed: true, level: t.risk.level };
      if (!prev) st.below = undefined;
      else if (levelRank(prev.level) < levelRank(this.level)) st.below = prev.level;
      st.level = t.risk.level;
      this.s.threads[t.id] = st;
      if (!st.armed) continue;
      const quietFor = nowMs - t.mtimeMs;
      if (quietFor < this.quietMs) {
        const wait = this.quietMs - quietFor;
        recheck = recheck === undefined ? wait : Math.min(recheck, wait);
        continue;
      }
      st.armed = false;
      st.firedAt = nowMs;
      crossings.push({ id: t.id, path: t.path, from: st.below, to: t.risk.level, thread: t });
    }
    for (const id of Object.keys(this.s.threads)) if (!present.has(id)) delete this.s.threads[id];
    return { crossings, recheckInMs: recheck };
  }
}
