// The commands of full-text search and the conversation view: Search Sessions… and Open Conversation
// (from the tree, a thread id, or a search hit).
import * as vscode from 'vscode';
import type { WorkerClient } from './workerClient';
import type { SessionStore } from './store';
import { ThreadItem } from './sessionsTree';
import { showSearchPick } from './searchPick';
import { ConversationPanel, ConversationTarget } from './conversationPanel';

export const SEARCH_COMMANDS = {
  searchSessions: 'codexRescue.searchSessions',
  openConversation: 'codexRescue.openConversation',
} as const;

export function registerSearchCommands(
  ctx: vscode.ExtensionContext,
  worker: WorkerClient,
  store: SessionStore,
): vscode.Disposable[] {
  const open = (t: ConversationTarget): ConversationPanel =>
    ConversationPanel.show(ctx, worker, () => store.codexHome, t);
  return [
    vscode.commands.registerCommand(SEARCH_COMMANDS.searchSessions, (query?: unknown) =>
      showSearchPick(
        worker,
        store.codexHome,
        async (h) => void open({ path: h.path, threadId: h.threadId, name: h.name, cursor: h.cursor, line: h.line }),
        typeof query === 'string' ? query : '',
      ),
    ),
    vscode.commands.registerCommand(SEARCH_COMMANDS.openConversation, (arg?: unknown) => {
      const t = targetOf(arg, store);
      if (t) return open(t);
      return vscode.commands.executeCommand(SEARCH_COMMANDS.searchSessions);
    }),
  ];
}

/** A tree item, a thread id or path, or a target as it is (a search hit's). */
function targetOf(arg: unknown, store: SessionStore): ConversationTarget | undefined {
  if (arg && typeof arg === 'object' && 'path' in arg && 'threadId' in arg) return arg as ConversationTarget;
  const t = arg instanceof ThreadItem ? arg.thread : typeof arg === 'string' ? store.find(arg) : undefined;
  return t && { path: t.path, threadId: t.id, name: t.name };
}
