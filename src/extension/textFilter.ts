// The Sessions view's filter over what was said too: the words go, debounced, to the worker's full-text
// search (a newer query cancels the older one), and the threads it finds are kept beside the tree's own
// match on name, workspace, id and level — a thread matching either is shown. No `vscode` import.
import type { ResultOf } from '../protocol/messages';
import type { CallOptions } from './workerClient';
import { errorMessage } from '../core/util/errors';
import { formatBytes, formatCount } from '../core/util/display';

export type TextSearch = (query: string, token: NonNullable<CallOptions['token']>) => Promise<ResultOf<'search'>>;

const DEBOUNCE_MS = 200;
/** Another process is building the index: look again this much later. */
const BUSY_RETRY_MS = 1_000;

export class TextFilter {
  query: string | undefined;
  /** Ids of the threads whose text holds every word (undefined until the search answers). */
  textMatches: ReadonlySet<string> | undefined;
  private status: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private cancel: (() => void) | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly search: TextSearch,
    private readonly debounceMs = DEBOUNCE_MS,
  ) {}

  onDidChange(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => void this.listeners.delete(listener) };
  }

  /** The view's message while the text is being searched or indexed (or the search failed). */
  statusText(): string | undefined {
    return this.status;
  }

  set(query: string | undefined): void {
    const q = query?.trim() || undefined;
    if (q === this.query) return;
    this.stop();
    this.query = q;
    this.textMatches = undefined;
    this.status = undefined;
    if (q) this.schedule(q, this.debounceMs);
    this.changed();
  }

  dispose(): void {
    this.stop();
    this.listeners.clear();
  }

  private schedule(q: string, ms: number): void {
    this.timer = setTimeout(() => void this.run(q), ms);
  }

  private stop(): void {
    clearTimeout(this.timer);
    this.cancel?.();
    this.cancel = undefined;
  }

  private async run(q: string): Promise<void> {
    const { token, cancel } = cancelSource();
    this.cancel = cancel;
    try {
      const r = await this.search(q, token);
      if (token.isCancellationRequested) return;
      this.textMatches = new Set(r.hits.map((h) => h.threadId));
      this.status = r.pending.files
        ? `Indexing text: ${formatCount(r.pending.files)} thread file(s), ${formatBytes(r.pending.bytes)} left…`
        : undefined;
      // Still indexing: ask again, so threads fill in as their text gets indexed.
      if (r.pending.files) this.schedule(q, r.busy ? BUSY_RETRY_MS : 50);
    } catch (err) {
      if (token.isCancellationRequested) return;
      // The names still filter; say why the text does not.
      this.textMatches = new Set();
      this.status = `Text search failed: ${errorMessage(err)}`;
    }
    this.changed();
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}

/** A cancellation token of the shape WorkerClient.call takes, and the function that cancels it. */
function cancelSource(): { token: NonNullable<CallOptions['token']>; cancel: () => void } {
  const listeners = new Set<() => void>();
  const token = {
    isCancellationRequested: false,
    onCancellationRequested(l: () => void) {
      listeners.add(l);
      return { dispose: () => void listeners.delete(l) };
    },
  };
  const cancel = (): void => {
    token.isCancellationRequested = true;
    for (const l of listeners) l();
  };
  return { token, cancel };
}
