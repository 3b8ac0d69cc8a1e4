// Read-only virtual documents for the repair preview: the worker writes two projections (the original
// and the repaired copy, which it deletes once projected) to a preview-* folder of the extension's
// storage; this provider serves only those, under its own scheme. A folder is removed when its diff
// editor closes, and every leftover one at startup.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PreviewRecord } from '../core/repair/previewGuard';
import type { RepairReportView, ResultOf } from '../protocol/messages';
import { Disposable } from './disposable';

export const SCHEME = 'codex-rescue';
/** The projection's language (contributed with word wrap on, so replaced values show without scrolling). */
export const PROJECTION_EXT = 'codex-projection';

/** A preview shown in a diff editor: the core's record (what Apply Repair must still match) and its documents. */
export interface OpenPreview {
  record: PreviewRecord;
  name: string;
  report: RepairReportView;
  left: vscode.Uri;
  right: vscode.Uri;
  /** The folder holding both projections. */
  dir: string;
}

export class ProjectionProvider extends Disposable implements vscode.TextDocumentContentProvider {
  private readonly files = new Map<string, string>();
  private readonly shown = new Set<OpenPreview>();
  /** Previews Apply Repair may follow (one per thread; applied ones are dropped). */
  private readonly previews = new Map<string, OpenPreview>();
  private seq = 0;

  constructor(readonly storageDir: string) {
    super();
    fs.mkdirSync(storageDir, { recursive: true });
    // Previews of earlier sessions: their diff editors are gone.
    for (const e of safeReaddir(storageDir))
      if (e.startsWith('preview-')) fs.rmSync(path.join(storageDir, e), { recursive: true, force: true });
    this._register(vscode.window.tabGroups.onDidChangeTabs((e) => e.closed.length && this.dropClosed()));
  }

  /** Serve the worker's projections; the preview replaces any earlier one of the same thread for Apply Repair. */
  add(r: ResultOf<'preview'>, name: string): OpenPreview {
    const p: OpenPreview = {
      record: r.record,
      name,
      report: r.report,
      left: this.serve(r.record.threadId, 'original', r.original, name),
      right: this.serve(r.record.threadId, 'repaired', r.repaired, name),
      dir: path.dirname(r.original),
    };
    this.previews.set(r.record.threadId, p);
    return p;
  }

  /** Its diff editor is open: from now on, closing it removes the projections. */
  opened(p: OpenPreview): void {
    this.shown.add(p);
  }

  /** The repair it previewed was applied: the same preview cannot be applied twice. */
  applied(p: OpenPreview): void {
    if (this.previews.get(p.record.threadId) === p) this.previews.delete(p.record.threadId);
  }

  private serve(threadId: string, side: 'original' | 'repaired', file: string, label: string): vscode.Uri {
    const key = `${Date.now().toString(36)}-${++this.seq}`;
    const safe = label.replace(/[^\w.\- ]+/g, '_').slice(0, 60) || threadId;
    const uri = vscode.Uri.from({ scheme: SCHEME, path: `/${threadId}/${side}/${safe}.${PROJECTION_EXT}`, query: key });
    this.files.set(uri.toString(), file);
    return uri;
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const file = this.files.get(uri.toString());
    if (!file) return '// This preview is no longer available: run "Codex Rescue: Preview Repair" again.';
    try {
      // up to ~12 MB: read without blocking the extension host
      return await fs.promises.readFile(file, 'utf8');
    } catch (err) {
      return `// The preview file is gone (${(err as Error).message}).`;
    }
  }

  /** The preview a diff document belongs to, or (no URI) the newest one; none once applied. */
  previewFor(uri: vscode.Uri | undefined): OpenPreview | undefined {
    const all = [...this.previews.values()];
    if (!uri) return all.pop();
    return all.find((p) => p.left.toString() === uri.toString() || p.right.toString() === uri.toString());
  }

  /** Remove the projections of every shown preview no tab displays any more. */
  private dropClosed(): void {
    const open = new Set<string>();
    for (const tab of vscode.window.tabGroups.all.flatMap((g) => g.tabs)) {
      if (tab.input instanceof vscode.TabInputTextDiff) {
        open.add(tab.input.original.toString());
        open.add(tab.input.modified.toString());
      } else if (tab.input instanceof vscode.TabInputText) open.add(tab.input.uri.toString());
    }
    for (const p of this.shown) {
      if (open.has(p.left.toString()) || open.has(p.right.toString())) continue;
      this.shown.delete(p);
      this.files.delete(p.left.toString());
      this.files.delete(p.right.toString());
      this.applied(p);
      fs.rm(p.dir, { recursive: true, force: true }, () => undefined);
    }
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}
