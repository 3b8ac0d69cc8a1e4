// The session catalog as the extension holds it: the last scan (done in the worker), a change event,
// the core's SessionWatcher over CODEX_HOME (here in the extension host: it only watches and stats;
// its batches trigger an incremental rescan in the worker), and the core's RiskMonitor (one
// notification per crossing into high/critical/stuck).
import * as fs from 'node:fs';
import { sessionIndexPath } from '../core/codexHome/paths';
import * as vscode from 'vscode';
import type { ScanResultView, ThreadView } from '../protocol/messages';
import { SessionWatcher } from '../core/codexHome/sessionWatcher';
import { RiskMonitor } from '../core/scan/riskMonitor';
import { errorCode } from '../core/util/errors';
import { WorkerClient } from './workerClient';
import { Disposable } from './disposable';
import { Settings } from './settings';

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
  private inFlight: Promise<ScanResultView | undefined> | undefined;
  private again = false;

  constructor(
    private readonly worker: WorkerClient,
    private settings: () => Settings,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this._register({ dispose: () => this.monitor.stop() });
  }

  get threads(): ThreadView[] {
    return this.result?.threads ?? [];
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
        const r = await this.worker.call(
          'scan',
          { codexHome: s.codexHome, thresholds: s.thresholds, reset: opts.reset },
          { token: opts.token, onProgress: opts.onProgress },
        );
        // The first scan of a home only records the levels: threads already at risk don't notify.
        const first = !this.result || this.result.codexHome !== r.codexHome;
        this.result = r;
        this.lastError = undefined;
        this.log.info(
          `scan of ${r.codexHome}: ${r.threads.length} threads, ${r.stats.fullScans} read, ${r.stats.resumed} resumed, ${r.stats.reused} unchanged, ${r.ms} ms`,
        );
        for (const e of r.errors) this.log.warn(`${e.path}: ${e.message}`);
        this.monitor.assess(this.threads, first);
        return r;
      } catch (err) {
        if (errorCode(err) === 'cancelled') return this.result;
        this.lastError = (err as Error).message;
        this.log.error(`scan failed: ${this.lastError}`);
        throw err;
      } finally {
        this.scanning = false;
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

  /** Watch CODEX_HOME's rollouts (core SessionWatcher); a batch of changes (quiet for `delayMs`) triggers a rescan. */
  startWatching(delayMs = 750): void {
    const home = this.codexHome;
    this.monitor.watch((changed) => {
      // fs.watch plus a poll every 15 s for file systems where fs.watch misses events (network mounts, WSL /mnt).
      const w = new SessionWatcher(home, { debounceMs: delayMs, pollMs: 15000 });
      const off = w.onEvents((batch) => {
        this.log.debug(`watcher: ${batch.length} change(s), e.g. ${batch[0].kind} ${batch[0].path}`);
        changed();
      });
      w.start();
      // Thread names come from session_index.jsonl, which SessionWatcher does not report on (it only
      // tracks rollouts): a cheap stat poll of that one file, debounced like the rollouts.
      const indexFile = sessionIndexPath(home);
      let debounce: NodeJS.Timeout | undefined;
      fs.watchFile(indexFile, { persistent: false, interval: 2000 }, (cur, prev) => {
        if (cur.mtimeMs === prev.mtimeMs && cur.size === prev.size) return;
        if (debounce) clearTimeout(debounce);
        debounce = setTimeout(changed, delayMs);
      });
      return () => {
        off();
        w.stop();
        fs.unwatchFile(indexFile);
        if (debounce) clearTimeout(debounce);
      };
    });
  }
}
