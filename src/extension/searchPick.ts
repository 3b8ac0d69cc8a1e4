// Search Sessions…: a quick pick that searches every thread's text as you type (in the worker; the
// extension host only shows the answers) and opens the conversation at the chosen message.
import * as vscode from 'vscode';
import type { ResultOf } from '../protocol/messages';
import type { WorkerClient } from './workerClient';
import { errorCode, errorMessage } from '../core/util/errors';
import { formatBytes } from '../core/util/display';
import { ROLE_LABEL } from '../core/search/roles';

type Hit = ResultOf<'search'>['hits'][number];

interface HitItem extends vscode.QuickPickItem {
  hit?: Hit;
}

/** Time one keystroke's search may spend indexing before it answers from what is indexed. */
const INDEX_BUDGET_MS = 1_500;
const DEBOUNCE_MS = 150;

export function showSearchPick(
  worker: WorkerClient,
  codexHome: string,
  open: (hit: Hit) => Promise<void>,
  initial = '',
): Promise<void> {
  const qp = vscode.window.createQuickPick<HitItem>();
  qp.title = 'Search Sessions';
  qp.placeholder = 'Words, "a phrase" or prefix* from what was said or done in a thread';
  qp.matchOnDescription = false;
  qp.matchOnDetail = false;
  qp.value = initial;
  let cts: vscode.CancellationTokenSource | undefined;
  let timer: NodeJS.Timeout | undefined;
  let again: NodeJS.Timeout | undefined;
  const run = async (query: string): Promise<void> => {
    cts?.cancel();
    clearTimeout(again);
    if (!query.trim()) {
      qp.items = [];
      qp.busy = false;
      return;
    }
    const mine = (cts = new vscode.CancellationTokenSource());
    qp.busy = true;
    try {
      const r = await worker.call(
        'search',
        { codexHome, query, limit: 30, budgetMs: INDEX_BUDGET_MS },
        { token: mine.token },
      );
      if (mine.token.isCancellationRequested) return;
      qp.items = items(r);
      // Still indexing: ask again, so the list fills in while the person reads it.
      if (r.pending.files && !r.busy) again = setTimeout(() => void run(query), 50);
    } catch (err) {
      if (errorCode(err) === 'cancelled' || mine.token.isCancellationRequested) return;
      qp.items = [{ label: `$(error) ${errorMessage(err)}`, alwaysShow: true }];
    } finally {
      if (cts === mine) qp.busy = false;
    }
  };
  qp.onDidChangeValue((v) => {
    clearTimeout(timer);
    timer = setTimeout(() => void run(v), DEBOUNCE_MS);
  });
  return new Promise<void>((resolve) => {
    qp.onDidAccept(() => {
      const hit = qp.selectedItems[0]?.hit;
      if (!hit) return;
      qp.hide();
      void open(hit).catch((err) => void vscode.window.showErrorMessage(errorMessage(err)));
    });
    qp.onDidHide(() => {
      cts?.cancel();
      clearTimeout(timer);
      clearTimeout(again);
      qp.dispose();
      resolve();
    });
    qp.show();
    if (initial) void run(initial);
  });
}

function items(r: ResultOf<'search'>): HitItem[] {
  const out: HitItem[] = r.hits.map((h) => ({
    label: h.name,
    // alwaysShow: the quick pick must not filter our answers again by its own fuzzy match on the label.
    alwaysShow: true,
    description: [new Date(h.updatedAt).toLocaleDateString(), h.workspace, h.archived ? 'archived' : '']
      .filter(Boolean)
      .join(' · '),
    detail: `${ROLE_LABEL[h.role]}${h.line ? ` · line ${h.line}` : ''}: ${h.snippetText}`,
    hit: h,
  }));
  if (r.pending.files)
    out.push({
      label: `$(sync~spin) Indexing: ${r.pending.files} thread file(s), ${formatBytes(r.pending.bytes)} left`,
      alwaysShow: true,
    });
  else if (!out.length) out.push({ label: 'No thread holds these words', alwaysShow: true });
  return out;
}
