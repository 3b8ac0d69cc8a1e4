// The threads the extension shows, assembled from a progressive scan (no `vscode` import): rows from
// cheap facts first (marked pending), badges replacing them as threads are measured, and at the end
// of each scan the rows the scan did not list (deleted, archived away) dropped. Keyed by rollout
// path, so a thread appended or archived mid-scan is never listed twice.
import type { ScanPartial, ScanResultView, ThreadView } from '../protocol/messages';

export class ThreadList {
  private readonly byPath = new Map<string, ThreadView>();
  private readonly pendingPaths = new Set<string>();
  /** Rows a cancelled or failed scan left unmeasured: shown without a spinner, still to be measured. */
  private readonly unmeasured = new Set<string>();
  private listedThisScan: Set<string> | undefined;
  private cache: ThreadView[] | undefined;
  measured = 0;
  total = 0;

  /** Every thread, newest activity first among equals (callers group and sort). */
  get threads(): ThreadView[] {
    return (this.cache ??= [...this.byPath.values()]);
  }

  get pendingCount(): number {
    return this.pendingPaths.size;
  }

  isPending(path: string): boolean {
    return this.pendingPaths.has(path);
  }

  /** A scan is starting: remember what it lists, to drop the rest when it ends. */
  begin(): void {
    this.listedThisScan = new Set();
  }

  apply(p: ScanPartial): void {
    this.total = p.total;
    this.measured = p.measured;
    if (p.kind === 'listed') {
      this.listedThisScan ??= new Set();
      for (const path of p.paths ?? []) this.listedThisScan.add(path);
      const pending = new Set(p.pending ?? []);
      for (const t of p.threads) {
        this.listedThisScan.add(t.path);
        const known = this.byPath.get(t.path);
        // A listed row never hides a badge already measured for the same bytes.
        const measured = known && !this.pendingPaths.has(t.path) && !this.unmeasured.has(t.path);
        if (pending.has(t.path) && measured && known.sizeBytes === t.sizeBytes) continue;
        this.byPath.set(t.path, t);
        this.unmeasured.delete(t.path);
        if (pending.has(t.path)) this.pendingPaths.add(t.path);
        else this.pendingPaths.delete(t.path);
      }
    } else {
      for (const t of p.threads) {
        this.byPath.set(t.path, t);
        this.pendingPaths.delete(t.path);
        this.unmeasured.delete(t.path);
      }
    }
    this.cache = undefined;
  }

  /** The scan ended. Streamed: drop rows it did not list or could not read; otherwise take its threads. */
  finish(r: ScanResultView & { streamed?: boolean }): void {
    if (!r.streamed) {
      this.byPath.clear();
      this.pendingPaths.clear();
      this.unmeasured.clear();
      for (const t of r.threads) this.byPath.set(t.path, t);
    } else {
      const listed = this.listedThisScan ?? new Set<string>();
      const failed = new Set(r.errors.map((e) => e.path));
      for (const p of [...this.byPath.keys()]) {
        if (listed.has(p) && !failed.has(p)) continue;
        this.byPath.delete(p);
        this.pendingPaths.delete(p);
        this.unmeasured.delete(p);
      }
    }
    this.listedThisScan = undefined;
    this.measured = this.total = this.byPath.size;
    this.cache = undefined;
  }

  /** A scan failed or was cancelled: keep what is known; no row keeps a spinner (the next scan measures them). */
  abort(): void {
    this.listedThisScan = undefined;
    for (const p of this.pendingPaths) this.unmeasured.add(p);
    this.pendingPaths.clear();
  }

  clear(): void {
    this.byPath.clear();
    this.pendingPaths.clear();
    this.unmeasured.clear();
    this.cache = undefined;
  }
}
