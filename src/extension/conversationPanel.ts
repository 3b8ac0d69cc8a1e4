// Open Conversation: a thread as people read it, in a webview (like the details panel; src/webview/
// conversation.ts renders it). Pages come from the worker (readEntries: one streaming read from a
// cursor, so a 1 GB thread opens at once), starting at a search hit when there is one.
import * as vscode from 'vscode';
import type { FromConversation, ToConversation, ConversationPage } from '../protocol/conversation';
import { isFromConversation } from '../protocol/conversation';
import type { ResultOf } from '../protocol/messages';
import type { WorkerClient } from './workerClient';
import { Disposable } from './disposable';
import { errorMessage } from '../core/util/errors';
import { webviewHtml, webviewOptions } from './webviewHtml';

export const CONVERSATION_VIEW = 'codexRescue.conversation';

export interface ConversationTarget {
  path: string;
  threadId: string;
  name: string;
  /** Open at this entry (a search hit's cursor) and show its line. */
  cursor?: string;
  line?: number;
}

/** Characters of text in one page; a page holds at least one entry. */
const PAGE_CHARS = 40_000;
/** "Show more" of a shortened tool output: this much of it. */
const MORE_CHARS = 200_000;

export class ConversationPanel extends Disposable {
  static readonly panels = new Map<string, ConversationPanel>();

  static show(
    ctx: vscode.ExtensionContext,
    worker: WorkerClient,
    codexHome: () => string,
    target: ConversationTarget,
  ): ConversationPanel {
    const existing = ConversationPanel.panels.get(target.path);
    if (existing) {
      existing.target = target;
      existing.panel.reveal();
      void existing.load(target.cursor, target.line);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(
      CONVERSATION_VIEW,
      target.name,
      vscode.ViewColumn.Active,
      webviewOptions(ctx.extensionUri),
    );
    return new ConversationPanel(ctx, panel, worker, codexHome, target);
  }

  private constructor(
    ctx: vscode.ExtensionContext,
    readonly panel: vscode.WebviewPanel,
    private readonly worker: WorkerClient,
    /** The Codex home whose image archive thumbnails may come from. */
    private readonly codexHome: () => string,
    private target: ConversationTarget,
  ) {
    super();
    ConversationPanel.panels.set(target.path, this);
    panel.iconPath = vscode.Uri.joinPath(ctx.extensionUri, 'media', 'icon.svg');
    panel.webview.html = webviewHtml(panel.webview, ctx.extensionUri, {
      title: 'Codex conversation',
      css: 'conversation.css',
      script: 'conversation.js',
    });
    this._register(panel.onDidDispose(() => this.dispose()));
    this._register(
      panel.webview.onDidReceiveMessage((m: unknown) => {
        if (isFromConversation(m)) void this.onMessage(m);
      }),
    );
  }

  private post(m: ToConversation): void {
    if (!this.isDisposed) void this.panel.webview.postMessage(m);
  }

  private async page(cursor: string | undefined, maxChars = PAGE_CHARS, toolChars?: number) {
    const where = { codexHome: this.codexHome(), thread: this.target.path };
    return this.worker.call('conversation', { ...where, cursor, maxChars, toolChars });
  }

  private static view(r: ResultOf<'conversation'>, cursor: string | undefined): ConversationPage {
    return { entries: r.entries, nextCursor: r.nextCursor, fromStart: !cursor };
  }

  private async load(cursor: string | undefined, focusLine?: number): Promise<void> {
    try {
      const r = await this.page(cursor);
      this.post({
        type: 'thread',
        name: this.target.name,
        threadId: this.target.threadId,
        fileBytes: r.fileBytes,
        focusLine,
        page: ConversationPanel.view(r, cursor),
      });
    } catch (err) {
      this.post({ type: 'error', message: errorMessage(err) });
    }
  }

  private async onMessage(m: FromConversation): Promise<void> {
    try {
      switch (m.type) {
        case 'ready':
          return await this.load(this.target.cursor, this.target.line);
        case 'from-start':
          return await this.load(undefined);
        case 'next': {
          const r = await this.page(m.cursor);
          return this.post({ type: 'more-pages', page: ConversationPanel.view(r, m.cursor) });
        }
        case 'expand': {
          const r = await this.page(m.cursor, MORE_CHARS, MORE_CHARS);
          if (r.entries[0]) this.post({ type: 'entry', entry: r.entries[0] });
          return;
        }
        case 'archived-thumb': {
          const r = await this.worker.call('archivedThumbnail', { codexHome: this.codexHome(), file: m.file });
          return this.post({ type: 'thumb', key: m.key, dataUrl: r.dataUrl, reason: r.reason });
        }
        case 'thumb': {
          const r = await this.worker.call('thumbnail', {
            codexHome: this.codexHome(),
            thread: this.target.path,
            start: m.start,
            end: m.end,
          });
          return this.post({ type: 'thumb', key: m.key, dataUrl: r.dataUrl, reason: r.reason });
        }
      }
    } catch (err) {
      this.post({ type: 'error', message: errorMessage(err) });
    }
  }

  override dispose(): void {
    if (this.isDisposed) return;
    if (ConversationPanel.panels.get(this.target.path) === this) ConversationPanel.panels.delete(this.target.path);
    super.dispose();
    this.panel.dispose();
  }
}
