// The session catalog as the extension holds it: threads from the worker's progressive scan (rows from
// cheap facts first, badges as they are measured — ThreadList), a change event, the worker's session
// watcher (its batches trigger an incremental rescan; no listing or stat polling on the extension host),
// and the core's RiskMonitor (one notification per crossing into high/critical/stuck).
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { ScanResultView, ThreadView } from '../protocol/messages';
import { RiskMonitor } from '../core/scan/riskMonitor';
import { errorCode } from '../core/util/errors';
import { WorkerClient } from './workerClient';
import { Disposable } from './disposable';
import { Settings } from './settings';
import { ThreadList } from './threadList';

/** Threshold of the crossing notifications: high and above (high, critical, stuck). */
const CROSSING_LEVEL = 'high';

export class SessionStore extends Disposable {
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;
  private readonly crossed = this._register(new vscode.EventEmitter<ThreadView[]>());
  readonly onDidCross = this.crossed.event;
  result: ScanResultView | undefined;
  scanning = false;
  lastError: string | undefined;
  /** Rescans (a thread at risk still being written is judged when quiet) come back through `refresh`. */
  private readonly monitor = new RiskMonitor<ThreadView>({
    level: CROSSING_LEVEL,
    rescan: () => void this.refresh().catch(() => undefined),
    onCrossings: (crossings) => this.crossed.fire(crossings.map((c) => c.thread)),
  });
  private watching = false;
  private watchedGeneration = -1;
  private watchDelayMs = 750;
  /** Threads as the progressive scan delivers them. */
  readonly list = new ThreadList();
  private changeTimer: NodeJS.Timeout | undefined;
  private lastChange = 0;
  /** The worker generation that did the last complete scan (a restarted worker knows nothing). */
  private scannedBy = -1;
  private inFlight: Promise<ScanResultView | undefined> | undefined;
  private again = false;

  constructor(
    private readonly worker: WorkerClient,
    private settings: () => Settings,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this._register({
      dispose: () => {
        this.monitor.stop();
        if (this.changeTimer) clearTimeout(this.changeTimer);
      },
    });
  }

  get threads(): ThreadView[] {
    return this.list.threads;
  }

  /** While a scan measures: how many of the listed threads have their badge. */
  get measuring(): { measured: number; total: number } | undefined {
    return this.scanning && this.list.pendingCount > 0
      ? { measured: this.list.total - this.list.pendingCount, total: this.list.total }
      : undefined;
  }

  /** Change events while a scan streams in: the first at once, then at most every 250 ms. */
  private changedSoon(): void {
    const wait = 250 - (Date.now() - this.lastChange);
    if (wait <= 0) {
      this.lastChange = Date.now();
      this.changed.fire();
      return;
    }
    this.changeTimer ??= setTimeout(() => {
      this.changeTimer = undefined;
      this.lastChange = Date.now();
      this.changed.fire();
    }, wait);
  }

  get codexHome(): string {
    return this.settings().codexHome;
  }

  homeExists(): boolean {
    try {
      return fs.statSync(this.codexHome).isDirectory();
    } catch {
      return false;
    }
  }

  find(idOrPath: string): ThreadView | undefined {
    return this.threads.find((t) => t.id === idOrPath || t.path === idOrPath);
  }

  /** Rescan (incremental in the worker). Concurrent calls share one scan; a call during a scan queues one more. */
  refresh(
    opts: {
      token?: vscode.CancellationToken;
      onProgress?: (done: number, total: number) => void;
      reset?: boolean;
    } = {},
  ): Promise<ScanResultView | undefined> {
    if (this.inFlight) {
      this.again = true;
      return this.inFlight;
    }
    this.scanning = true;
    const s = this.settings();
    const run = async (): Promise<ScanResultView | undefined> => {
      try {
        this.ensureWatching();
        if (opts.reset || (this.result && this.result.codexHome !== s.codexHome)) this.list.clear();
        // After a scan of this home (same worker), only new and changed threads need to cross over.
        const listKnown =
          this.result?.codexHome === s.codexHome &&
          this.list.threads.length > 0 &&
          this.scannedBy === this.worker.generation;
        this.list.begin();
        const r = await this.worker.call(
          'scan',
          { codexHome: s.codexHome, thresholds: s.thresholds, reset: opts.reset, progressive: true, listKnown },
          {
            token: opts.token,
            onProgress: opts.onProgress,
            onPartial: (p) => {
              this.list.apply(p);
              this.changedSoon();
            },
          },
        );
        this.list.finish(r);
        this.scannedBy = this.worker.generation;
        // The first scan of a home only records the levels: threads already at risk don't notify.
        const first = !this.result || this.result.codexHome !== r.codexHome;
        this.result = { ...r, threads: this.list.threads };
        this.lastError = undefined;
        this.log.info(
          `scan of ${r.codexHome}: ${this.list.threads.length} threads, ${r.stats.fullScans} read, ${r.stats.resumed} resumed, ${r.stats.reused} unchanged, ${r.ms} ms`,
        );
        for (const e of r.errors) this.log.warn(`${e.path}: ${e.message}`);
        this.monitor.assess(this.threads, first);
        return this.result;
      } catch (err) {
        this.list.abort();
        if (errorCode(err) === 'cancelled') return this.result;
        this.lastError = (err as Error).message;
        this.log.error(`scan failed: ${this.lastError}`);
        throw err;
      } finally {
        this.scanning = false;
        if (this.changeTimer) clearTimeout(this.changeTimer);
        this.changeTimer = undefined;
        this.changed.fire();
      }
    };
    this.inFlight = run().finally(() => {
      this.inFlight = undefined;
      if (this.again) {
        this.again = false;
        void this.refresh().catch(() => undefined);
      }
    });
    return this.inFlight;
  }

  /**
   * Watch CODEX_HOME in the worker (core SessionWatcher over the rollouts, a stat poll of
   * session_index.jsonl); each batch of changes (quiet for `delayMs`) triggers an incremental rescan.
   */
  startWatching(delayMs = 750): void {
    this.watchDelayMs = delayMs;
    this.monitor.watch((changed) => {
      const off = this.worker.onEvent((e) => {
        this.log.debug(`watcher: ${e.changes} change(s), e.g. ${e.sample ?? '?'}`);
        changed();
      });
      this.watching = true;
      this.watchedGeneration = -1;
      this.ensureWatching();
      return () => {
        off();
        this.watching = false;
        this.stopWorkerWatcher();
      };
    });
  }

  /** (Re)start the worker's watcher: after startWatching, a new home, or a worker restart. */
  private ensureWatching(): void {
    if (!this.watching || this.watchedGeneration === this.worker.generation) return;
    void this.worker
      .call('watch', { codexHome: this.codexHome, debounceMs: this.watchDelayMs, pollMs: 15000 })
      .then(() => (this.watchedGeneration = this.worker.generation))
      .catch((e) => this.log.warn(`watcher: ${(e as Error).message}`));
    this.watchedGeneration = this.worker.generation;
  }

  private stopWorkerWatcher(): void {
    try {
      if (this.watchedGeneration >= 0 && this.worker.started)
        void this.worker.call('unwatch', {}).catch(() => undefined);
    } catch {
      // the worker is already shut down: nothing is watching
    }
    this.watchedGeneration = -1;
  }
}
