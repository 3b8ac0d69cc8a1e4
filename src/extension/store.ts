// The session catalog as the extension holds it: the last scan (done in the worker), a change event,
// a debounced watcher over CODEX_HOME that rescans incrementally, and risk-crossing detection.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RiskLevelName, ScanResultView, ThreadView } from '../protocol/messages';
import { WorkerClient, CancelledError } from './workerClient';
import { riskCrossings } from './logic';
import { Settings } from './settings';

export class SessionStore implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly crossed = new vscode.EventEmitter<ThreadView[]>();
  readonly onDidCross = this.crossed.event;
  result: ScanResultView | undefined;
  scanning = false;
  lastError: string | undefined;
  private levels = new Map<string, RiskLevelName>();
  private watchers: fs.FSWatcher[] = [];
  private poll: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private inFlight: Promise<ScanResultView | undefined> | undefined;
  private again = false;

  constructor(private readonly worker: WorkerClient, private settings: () => Settings, private readonly log: vscode.LogOutputChannel) {}

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
  refresh(opts: { token?: vscode.CancellationToken; onProgress?: (done: number, total: number) => void; reset?: boolean } = {}): Promise<ScanResultView | undefined> {
    if (this.inFlight) {
      this.again = true;
      return this.inFlight;
    }
    this.scanning = true;
    const s = this.settings();
    const run = async (): Promise<ScanResultView | undefined> => {
      try {
        const r = await this.worker.call('scan', { codexHome: s.codexHome, thresholds: s.thresholds, reset: opts.reset }, { token: opts.token, onProgress: opts.onProgress });
        const crossings = this.result ? riskCrossings(this.levels, r.threads) : [];
        this.levels = new Map(r.threads.map((t) => [t.id, t.risk.level]));
        this.result = r;
        this.lastError = undefined;
        this.log.info(`scan of ${r.codexHome}: ${r.threads.length} threads, ${r.stats.fullScans} read, ${r.stats.resumed} resumed, ${r.stats.reused} unchanged, ${r.ms} ms`);
        for (const e of r.errors) this.log.warn(`${e.path}: ${e.message}`);
        if (crossings.length) this.crossed.fire(crossings);
        return r;
      } catch (err) {
        if (err instanceof CancelledError) return this.result;
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

  /** Watch CODEX_HOME/sessions and archived_sessions; rescans after `delayMs` of quiet. */
  startWatching(delayMs = 750): void {
    this.stopWatching();
    const home = this.codexHome;
    const kick = (): void => {
      if (this.debounce) clearTimeout(this.debounce);
      this.debounce = setTimeout(() => void this.refresh().catch(() => undefined), delayMs);
    };
    for (const sub of ['sessions', 'archived_sessions', '']) {
      const dir = path.join(home, sub);
      try {
        const w = fs.watch(dir, { recursive: sub !== '', persistent: false }, (_ev, name) => {
          if (!name || String(name).includes('rollout-') || String(name).startsWith('session_index') || sub !== '') kick();
        });
        w.on('error', () => undefined);
        this.watchers.push(w);
      } catch {
        // folder missing (yet): the poll below notices it appearing
      }
    }
    // fs.watch misses events on some file systems (network mounts, WSL /mnt): a cheap periodic stat scan.
    this.poll = setInterval(() => kick(), 15000);
    this.poll.unref?.();
  }

  stopWatching(): void {
    for (const w of this.watchers) w.close();
    this.watchers = [];
    if (this.poll) clearInterval(this.poll);
    if (this.debounce) clearTimeout(this.debounce);
    this.poll = undefined;
    this.debounce = undefined;
  }

  dispose(): void {
    this.stopWatching();
    this.changed.dispose();
    this.crossed.dispose();
  }
}
