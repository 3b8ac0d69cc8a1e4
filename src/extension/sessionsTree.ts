// The Sessions tree: a storage summary row, then groups (Needs attention / by day or workspace /
// Archived) holding thread items; rows not measured yet say so until their badge arrives.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ThreadView } from '../protocol/messages';
import {
  Group,
  LEVEL_ICON,
  SortKey,
  describeThread,
  groupThreads,
  storageSummary,
  storageText,
  tooltipMarkdown,
} from './logic';
import { SessionStore } from './store';
import { Disposable } from './disposable';
import { TextFilter, TextSearch } from './textFilter';

export class GroupItem extends vscode.TreeItem {
  constructor(readonly group: Group) {
    // Long groups (a year of older threads, the archive) start collapsed: nothing to build until opened.
    super(
      group.label,
      group.key === 'older' || group.key === 'archived'
        ? vscode.TreeItemCollapsibleState.Collapsed
        : vscode.TreeItemCollapsibleState.Expanded,
    );
    this.id = `group:${group.key}`;
    this.contextValue = 'codexRescue.group';
    this.description = `${group.threads.length}`;
    this.iconPath = new vscode.ThemeIcon(
      group.key === 'attention'
        ? 'alert'
        : group.key === 'archived'
          ? 'archive'
          : group.key.startsWith('ws:')
            ? 'folder'
            : 'calendar',
    );
    if (group.key.startsWith('ws:')) this.label = path.basename(group.label) || group.label;
    if (group.key.startsWith('ws:')) this.tooltip = group.label;
  }
}

/** The storage summary: what the Codex home takes; its children are the largest threads. */
export class SummaryItem extends vscode.TreeItem {
  constructor(
    readonly largest: ThreadView[],
    text: { label: string; description: string },
  ) {
    super(text.label, vscode.TreeItemCollapsibleState.Collapsed);
    this.id = 'storage-summary';
    this.description = text.description;
    this.tooltip = `${text.label}\n${text.description}\nExpand for the largest threads; Reclaim Space… (right-click) gives the disk back, every thread restorable.`;
    this.contextValue = 'codexRescue.summary';
    this.iconPath = new vscode.ThemeIcon('database');
  }
}

export class ThreadItem extends vscode.TreeItem {
  constructor(
    readonly thread: ThreadView,
    groupKey: string,
    pending = false,
  ) {
    super(thread.name || thread.id, vscode.TreeItemCollapsibleState.None);
    this.id = `${groupKey}:${thread.id}:${thread.path}`;
    const look = LEVEL_ICON[thread.risk.level];
    // Not measured yet: a spinner unless the size alone already puts it at risk.
    this.iconPath =
      pending && thread.risk.level === 'ok'
        ? new vscode.ThemeIcon('loading~spin')
        : new vscode.ThemeIcon(look.icon, new vscode.ThemeColor(look.color));
    this.description = pending ? `${describeThread(thread).split(' · ')[0]} · measuring…` : describeThread(thread);
    const md = new vscode.MarkdownString(tooltipMarkdown(thread));
    md.isTrusted = false;
    md.supportHtml = false;
    this.tooltip = md;
    // contextValue drives inline and context-menu actions: codexRescue.thread.<level>[.archived]
    this.contextValue = `codexRescue.thread.${thread.risk.level}${thread.archived ? '.archived' : ''}`;
    this.resourceUri = undefined;
    this.accessibilityInformation = { label: `${thread.name}, ${thread.risk.level}, ${describeThread(thread)}` };
    this.command = { command: 'codexRescue.openDetails', title: 'Open Session Details', arguments: [this] };
  }
}

export type SessionNode = GroupItem | ThreadItem | SummaryItem;

export class SessionsTreeProvider extends Disposable implements vscode.TreeDataProvider<SessionNode> {
  private readonly emitter = this._register(new vscode.EventEmitter<SessionNode | undefined | void>());
  readonly onDidChangeTreeData = this.emitter.event;
  byWorkspace = false;
  /** Quick filter: name, workspace, id, level, and the threads' text. */
  readonly filter: TextFilter;
  sortBy: SortKey = 'activity';
  attentionDays: number | undefined;

  constructor(
    private readonly store: SessionStore,
    search: TextSearch,
  ) {
    super();
    this.filter = this._register(new TextFilter(search));
    this._register(this.filter.onDidChange(() => this.refresh()));
    this._register(store.onDidChange(() => this.refresh()));
  }

  refresh(): void {
    this.emitter.fire();
  }

  getTreeItem(e: SessionNode): vscode.TreeItem {
    return e;
  }

  groups(): Group[] {
    return groupThreads(this.store.threads, {
      byWorkspace: this.byWorkspace,
      query: this.filter.query,
      textMatches: this.filter.textMatches,
      sortBy: this.sortBy,
      attentionDays: this.attentionDays,
    });
  }

  getChildren(e?: SessionNode): SessionNode[] {
    const pending = (t: ThreadView) => this.store.list.isPending(t.path);
    if (!e) {
      const groups = this.groups().map((g) => new GroupItem(g));
      if (!this.store.threads.length) return groups;
      const s = storageSummary(this.store.threads);
      return [new SummaryItem(s.largest, storageText(s)), ...groups];
    }
    if (e instanceof GroupItem) return e.group.threads.map((t) => new ThreadItem(t, e.group.key, pending(t)));
    if (e instanceof SummaryItem) return e.largest.map((t) => new ThreadItem(t, 'largest', pending(t)));
    return [];
  }

  getParent(): SessionNode | undefined {
    return undefined;
  }
}
