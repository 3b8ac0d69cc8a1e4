// The Sessions tree: groups (Needs attention / by day or workspace / Archived) holding thread items.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RiskLevelName, ThreadView } from '../protocol/messages';
import { Group, LEVEL_ICON, describeThread, groupThreads, tooltipMarkdown } from './logic';
import { SessionStore } from './store';
import { Disposable } from './disposable';

export class GroupItem extends vscode.TreeItem {
  constructor(readonly group: Group) {
    super(group.label, vscode.TreeItemCollapsibleState.Expanded);
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

export class ThreadItem extends vscode.TreeItem {
  constructor(
    readonly thread: ThreadView,
    groupKey: string,
  ) {
    super(thread.name || thread.id, vscode.TreeItemCollapsibleState.None);
    this.id = `${groupKey}:${thread.id}:${thread.path}`;
    const look = LEVEL_ICON[thread.risk.level];
    this.iconPath = new vscode.ThemeIcon(look.icon, new vscode.ThemeColor(look.color));
    this.description = describeThread(thread);
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

export type SessionNode = GroupItem | ThreadItem;

export class SessionsTreeProvider extends Disposable implements vscode.TreeDataProvider<SessionNode> {
  private readonly emitter = this._register(new vscode.EventEmitter<SessionNode | undefined | void>());
  readonly onDidChangeTreeData = this.emitter.event;
  byWorkspace = false;
  minLevel: RiskLevelName | undefined;

  constructor(private readonly store: SessionStore) {
    super();
    this._register(store.onDidChange(() => this.refresh()));
  }

  refresh(): void {
    this.emitter.fire();
  }

  getTreeItem(e: SessionNode): vscode.TreeItem {
    return e;
  }

  groups(): Group[] {
    return groupThreads(this.store.threads, { byWorkspace: this.byWorkspace, minLevel: this.minLevel });
  }

  getChildren(e?: SessionNode): SessionNode[] {
    if (!e) return this.groups().map((g) => new GroupItem(g));
    if (e instanceof GroupItem) return e.group.threads.map((t) => new ThreadItem(t, e.group.key));
    return [];
  }

  getParent(): SessionNode | undefined {
    return undefined;
  }
}
