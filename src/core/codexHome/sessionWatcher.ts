// Watches CODEX_HOME's rollouts (sessions/ and archived_sessions/) and reports what changed,
// in batches, while Codex appends to them. Pure Node (no vscode): the CLI's `watch` and the
// extension (in the extension host: fs.watch and stats only; scans run in the worker) both use it.
//
// Usage:
//   const w = new SessionWatcher(codexHome, { debounceMs: 1000, pollMs: 5000 });
//   const off = w.onEvents((batch) => { for (const e of batch) console.log(e.kind, e.path); });
//   w.start();      // takes a silent snapshot of the files that exist now (emitInitial: report them as 'added')
//   …
//   off(); w.stop();
//
// How it notices changes: fs.watch (recursive where the platform supports it — macOS, Windows,
// Linux on Node ≥ 20) on sessions/, archived_sessions/ and CODEX_HOME itself (to see those folders
// appear later), plus a periodic poll as the fallback for network drives, WSL mounts and watchers
// that die. Either way a change only triggers a re-listing; the events come from comparing
// (size, mtime) snapshots, so they are right whatever the watcher said.
//
// Events: 'added' (a new path), 'changed' (size or mtime differ), 'removed' (path gone). A thread
// that is archived shows up as 'removed' of its sessions/ path plus 'added' of its
// archived_sessions/ path in the same batch (`movedFrom` on the added one). A file renamed over
// (rotation, a repair's atomic swap) is 'changed'.
//
// Debounce per file (trailing edge): a file's change is reported once it has been quiet for
// `debounceMs`, but at least every `maxWaitMs` while it keeps growing. Additions and removals
// are reported at the next flush.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { listRollouts } from './rolloutFiles';

export type SessionChangeKind = 'added' | 'changed' | 'removed';

export interface SessionChange {
  kind: SessionChangeKind;
  path: string;
  /** Thread id from the file name. */
  id: string;
  archived: boolean;
  size?: number;
  mtimeMs?: number;
  /** For 'added': the path the same file name had before it moved (archive/unarchive). */
  movedFrom?: string;
}

export interface SessionWatcherOptions {
  /** Quiet time before a changed file is reported (default 1000 ms). */
  debounceMs?: number;
  /** Report a file that keeps changing at least this often (default 10 × debounceMs). */
  maxWaitMs?: number;
  /** Poll interval (default 5000 ms; 0 disables polling). */
  pollMs?: number;
  /** Use fs.watch (default true). */
  useFsWatch?: boolean;
  /** Report the files present at start() as 'added' (default false). */
  emitInitial?: boolean;
}

interface FileState {
  size: number;
  mtimeMs: number;
  id: string;
  archived: boolean;
}

interface Pending {
  kind: SessionChangeKind;
  firstAt: number;
  lastAt: number;
  movedFrom?: string;
}

export type SessionListener = (batch: SessionChange[]) => void;

export class SessionWatcher {
  private readonly debounceMs: number;
  private readonly maxWaitMs: number;
  private readonly pollMs: number;
  private readonly useFsWatch: boolean;
  private readonly emitInitial: boolean;
  private files = new Map<string, FileState>();
  private pending = new Map<string, Pending>();
  private listeners = new Set<SessionListener>();
  private watchers = new Map<string, fs.FSWatcher>();
  private pollTimer: NodeJS.Timeout | undefined;
  private scanTimer: NodeJS.Timeout | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private running = false;
  /** Errors from watchers or listings, for diagnostics (the last few). */
  readonly errors: string[] = [];

  constructor(
    readonly codexHome: string,
    opts: SessionWatcherOptions = {},
  ) {
    this.debounceMs = opts.debounceMs ?? 1000;
    this.maxWaitMs = opts.maxWaitMs ?? this.debounceMs * 10;
    this.pollMs = opts.pollMs ?? 5000;
    this.useFsWatch = opts.useFsWatch ?? true;
    this.emitInitial = opts.emitInitial ?? false;
  }

  /** Subscribe to batches of changes; returns the unsubscribe function. */
  onEvents(listener: SessionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const now = Date.now();
    for (const f of this.list()) {
      this.files.set(f.path, { size: f.size, mtimeMs: f.mtimeMs, id: f.id, archived: f.archived });
      if (this.emitInitial) this.pending.set(f.path, { kind: 'added', firstAt: now, lastAt: now - this.debounceMs });
    }
    this.arm();
    if (this.pollMs > 0) {
      this.pollTimer = setInterval(() => this.rescan(), this.pollMs);
      this.pollTimer.unref?.();
    }
    if (this.emitInitial) this.scheduleFlush(0);
  }

  stop(): void {
    this.running = false;
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
    for (const t of [this.pollTimer, this.scanTimer, this.flushTimer]) if (t) clearTimeout(t);
    this.pollTimer = this.scanTimer = this.flushTimer = undefined;
  }

  /** Current snapshot: path → size/mtime of every rollout seen. */
  snapshot(): ReadonlyMap<string, Readonly<FileState>> {
    return this.files;
  }

  /** Re-list the folders now and queue what changed (the poll and every fs.watch event end here). */
  rescan(): void {
    if (!this.running) return;
    const now = Date.now();
    const seen = new Set<string>();
    const removedByName = new Map<string, string>();
    const added: string[] = [];
    for (const f of this.list()) {
      seen.add(f.path);
      const prev = this.files.get(f.path);
      const next = { size: f.size, mtimeMs: f.mtimeMs, id: f.id, archived: f.archived };
      if (!prev) {
        this.files.set(f.path, next);
        added.push(f.path);
        this.queue(f.path, 'added', now);
      } else if (prev.size !== f.size || prev.mtimeMs !== f.mtimeMs) {
        this.files.set(f.path, next);
        this.queue(f.path, 'changed', now);
      }
    }
    for (const p of [...this.files.keys()]) {
      if (seen.has(p)) continue;
      this.files.delete(p);
      removedByName.set(path.basename(p).replace(/\.zst$/, ''), p);
      this.queue(p, 'removed', now);
    }
    for (const p of added) {
      const from = removedByName.get(path.basename(p).replace(/\.zst$/, ''));
      const pend = this.pending.get(p);
      if (from && pend) pend.movedFrom = from;
    }
    this.arm();
    if (this.pending.size) this.scheduleFlush(this.debounceMs);
  }

  private list() {
    try {
      return listRollouts(this.codexHome);
    } catch (err) {
      this.note(`listing ${this.codexHome}: ${(err as Error).message}`);
      return [];
    }
  }

  private queue(p: string, kind: SessionChangeKind, now: number): void {
    const prev = this.pending.get(p);
    if (!prev) {
      this.pending.set(p, { kind, firstAt: now, lastAt: now });
      return;
    }
    prev.lastAt = now;
    // added then changed → still added; added then removed → nothing; removed then added → changed.
    if (prev.kind === 'added' && kind === 'removed') this.pending.delete(p);
    else if (prev.kind === 'removed' && kind === 'added') prev.kind = 'changed';
    else if (kind === 'removed') prev.kind = 'removed';
  }

  private scheduleFlush(delay: number): void {
    if (!this.running || this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.flush();
    }, delay);
  }

  private flush(): void {
    const now = Date.now();
    const batch: SessionChange[] = [];
    let wait = Infinity;
    for (const [p, pend] of this.pending) {
      const quiet = now - pend.lastAt >= this.debounceMs;
      const overdue = now - pend.firstAt >= this.maxWaitMs;
      if (pend.kind === 'changed' && !quiet && !overdue) {
        wait = Math.min(wait, this.debounceMs - (now - pend.lastAt), this.maxWaitMs - (now - pend.firstAt));
        continue;
      }
      this.pending.delete(p);
      const st = this.files.get(p);
      const id = st?.id ?? idFromName(p);
      batch.push({
        kind: pend.kind,
        path: p,
        id,
        archived: st?.archived ?? p.includes(`${path.sep}archived_sessions${path.sep}`),
        size: st?.size,
        mtimeMs: st?.mtimeMs,
        ...(pend.movedFrom ? { movedFrom: pend.movedFrom } : {}),
      });
    }
    if (wait !== Infinity) this.scheduleFlush(Math.max(10, wait));
    if (!batch.length) return;
    for (const l of this.listeners) {
      try {
        l(batch);
      } catch (err) {
        this.note(`listener failed: ${(err as Error).message}`);
      }
    }
  }

  /** (Re)create fs watchers for CODEX_HOME, sessions/ and archived_sessions/ as they exist now. */
  private arm(): void {
    if (!this.useFsWatch || !this.running) return;
    const targets: [string, boolean][] = [
      [this.codexHome, false],
      [path.join(this.codexHome, 'sessions'), true],
      [path.join(this.codexHome, 'archived_sessions'), false],
    ];
    for (const [dir, recursive] of targets) {
      if (this.watchers.has(dir)) continue;
      if (!fs.existsSync(dir)) continue;
      try {
        let w: fs.FSWatcher;
        try {
          w = fs.watch(dir, { recursive, persistent: false }, () => this.onWatch());
        } catch (err) {
          // Recursive watching unsupported here: watch the top folder; the poll covers the rest.
          if (!recursive) throw err;
          w = fs.watch(dir, { persistent: false }, () => this.onWatch());
        }
        w.on('error', (err) => {
          this.note(`watcher on ${dir}: ${err.message}`);
          w.close();
          this.watchers.delete(dir);
        });
        this.watchers.set(dir, w);
      } catch (err) {
        this.note(`cannot watch ${dir}: ${(err as Error).message}`);
      }
    }
    // Folders that vanished (e.g. sessions/ deleted): drop their watchers so they are re-armed later.
    for (const [dir, w] of this.watchers) {
      if (!fs.existsSync(dir)) {
        w.close();
        this.watchers.delete(dir);
      }
    }
  }

  private onWatch(): void {
    // Coalesce bursts of watch events into one re-listing shortly after.
    if (this.scanTimer || !this.running) return;
    this.scanTimer = setTimeout(
      () => {
        this.scanTimer = undefined;
        this.rescan();
      },
      Math.min(250, this.debounceMs),
    );
  }

  private note(msg: string): void {
    this.errors.push(msg);
    if (this.errors.length > 20) this.errors.shift();
  }
}

function idFromName(p: string): string {
  const m = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:_[0-9a-f-]{36})?\.jsonl(?:\.zst)?$/i.exec(
    p,
  );
  return m ? m[1].toLowerCase() : path.basename(p);
}
