// Read-only virtual documents for the repair preview: the extension writes projections (in the
// worker) to its own storage folder and serves only those, under its own scheme.
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { RepairReportView } from '../protocol/messages';

export const SCHEME = 'codex-rescue';
/** The projection's language (contributed with word wrap on, so replaced values show without scrolling). */
export const PROJECTION_EXT = 'codex-projection';

export interface PreviewRecord {
  threadId: string;
  threadPath: string;
  name: string;
  left: vscode.Uri;
  right: vscode.Uri;
  report: RepairReportView;
}

export class ProjectionProvider implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly files = new Map<string, string>();
  private readonly emitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.emitter.event;
  readonly previews = new Map<string, PreviewRecord>();
  private seq = 0;

  /** Register a projection file; returns the URI that serves it. */
  add(threadId: string, side: 'original' | 'repaired', file: string, label: string): vscode.Uri {
    const key = `${Date.now().toString(36)}-${++this.seq}`;
    const safe = label.replace(/[^\w.\- ]+/g, '_').slice(0, 60) || threadId;
    const uri = vscode.Uri.from({ scheme: SCHEME, path: `/${threadId}/${side}/${safe}.${PROJECTION_EXT}`, query: key });
    this.files.set(uri.toString(), file);
    return uri;
  }

  has(uri: vscode.Uri): boolean {
    return this.files.has(uri.toString());
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

  previewFor(uri: vscode.Uri | undefined): PreviewRecord | undefined {
    if (!uri) return [...this.previews.values()].pop();
    for (const p of this.previews.values())
      if (p.left.toString() === uri.toString() || p.right.toString() === uri.toString()) return p;
    return undefined;
  }

  dispose(): void {
    this.emitter.dispose();
  }
}
