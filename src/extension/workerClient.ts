// The extension host's side of the worker: created on first use, terminated on dispose. Each call gets
// an id, progress callbacks and a SharedArrayBuffer cancel flag the synchronous core pass polls.
// No `vscode` import: cancellation comes in as a plain `onCancel` registration (a CancellationToken fits).
import { Worker } from 'node:worker_threads';
import type { FromWorker, ParamsOf, ResultOf, ScanPartial, ToWorker, WorkerMethod } from '../protocol/messages';
import { CancelledError, RescueError } from '../core/util/errors';
import { Disposable } from './disposable';

export interface CallOptions {
  onProgress?: (done: number, total: number, phase?: string) => void;
  /** A progressive scan's threads, as they come. */
  onPartial?: (p: ScanPartial) => void;
  /** A CancellationToken or anything with the same shape. */
  token?: { isCancellationRequested: boolean; onCancellationRequested(listener: () => void): { dispose(): void } };
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  onProgress?: CallOptions['onProgress'];
  onPartial?: CallOptions['onPartial'];
  flag: Int32Array;
}

export class WorkerClient extends Disposable {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly eventListeners = new Set<(e: Extract<FromWorker, { type: 'event' }>) => void>();
  /** Counts worker starts: state kept in the worker (the watcher) must be set up again after a restart. */
  generation = 0;

  constructor(
    private readonly script: string,
    private readonly log: (level: 'info' | 'warn' | 'error', msg: string) => void = () => undefined,
  ) {
    super();
    this._register({ dispose: () => this.shutdown() });
  }

  get started(): boolean {
    return this.worker !== undefined;
  }

  get busy(): number {
    return this.pending.size;
  }

  private ensure(): Worker {
    if (this.isDisposed) throw new RescueError('internal', 'The Codex Rescue worker was shut down.');
    if (this.worker) return this.worker;
    const w = new Worker(this.script, { name: 'codex-rescue-worker' });
    this.generation++;
    w.on('message', (m: FromWorker) => this.onMessage(m));
    w.on('error', (err) => {
      this.log('error', `worker error: ${err.message}`);
      this.failAll(err);
    });
    w.on('exit', (code) => {
      if (this.worker === w) this.worker = undefined;
      if (this.pending.size)
        this.failAll(new RescueError('internal', `The Codex Rescue worker stopped (exit code ${code}).`));
    });
    w.unref();
    this.worker = w;
    this.log('info', `worker started (${this.script})`);
    return w;
  }

  call<M extends WorkerMethod>(method: M, params: ParamsOf<M>, opts: CallOptions = {}): Promise<ResultOf<M>> {
    if (opts.token?.isCancellationRequested) return Promise.reject(new CancelledError());
    const w = this.ensure();
    const id = this.nextId++;
    const sab = new SharedArrayBuffer(4);
    const flag = new Int32Array(sab);
    return new Promise<ResultOf<M>>((resolve, reject) => {
      const sub = opts.token?.onCancellationRequested(() => this.cancel(id));
      this.pending.set(id, {
        resolve: (v) => {
          sub?.dispose();
          resolve(v as ResultOf<M>);
        },
        reject: (e) => {
          sub?.dispose();
          reject(e);
        },
        onProgress: opts.onProgress,
        onPartial: opts.onPartial,
        flag,
      });
      const msg = { type: 'request', id, method, params, cancel: sab } as ToWorker;
      w.postMessage(msg);
    });
  }

  cancel(id: number): void {
    const p = this.pending.get(id);
    if (!p) return;
    Atomics.store(p.flag, 0, 1);
    this.worker?.postMessage({ type: 'cancel', id } satisfies ToWorker);
  }

  cancelAll(): void {
    for (const id of this.pending.keys()) this.cancel(id);
  }

  /** Unsolicited worker events (the session watcher's); returns the unsubscribe function. */
  onEvent(listener: (e: Extract<FromWorker, { type: 'event' }>) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  private onMessage(m: FromWorker): void {
    if (m.type === 'log') {
      this.log(m.level, m.message);
      return;
    }
    if (m.type === 'event') {
      for (const l of this.eventListeners) l(m);
      return;
    }
    if (m.type === 'partial') {
      this.pending.get(m.id)?.onPartial?.(m);
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    if (m.type === 'progress') {
      p.onProgress?.(m.done, m.total, m.phase);
      return;
    }
    this.pending.delete(m.id);
    if (m.ok) p.resolve(m.value);
    else
      p.reject(
        m.error.code === 'cancelled'
          ? new CancelledError(m.error.message)
          : new RescueError(m.error.code, m.error.message),
      );
  }

  private failAll(err: Error): void {
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(err);
    }
  }

  private shutdown(): void {
    this.failAll(new CancelledError());
    const w = this.worker;
    this.worker = undefined;
    if (w) void w.terminate(); // resolves only; the pending calls were failed above
  }
}
