// The Sessions view's filter over the threads' text: the words go to the worker's search (here its very
// function, in process, on a temp Codex home) and the tree keeps a thread matching by name or by text.
import * as assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { TextFilter, TextSearch } from '../../../src/extension/textFilter';
import { groupThreads } from '../../../src/extension/logic';
import { search as workerSearch } from '../../../src/worker/coreBridge';
import { tempCodexHome, tempDir } from '../../support/tempHome';
import { sessionPath, writeSyntheticRollout } from '../../support/synthetic';
import { threadView } from '../../support/threadView';
import type { ThreadView } from '../../../src/protocol/messages';

describe('the Sessions filter searches the text too', () => {
  let home: string;
  let savedCache: string | undefined;
  let asked: string[];
  /** Time each search may spend indexing (-1: none), per call in turn; then no limit. */
  let budgets: number[];
  let filter: TextFilter;
  const search: TextSearch = async (query, token) => {
    asked.push(query);
    const p = { codexHome: home, query, limit: 500, budgetMs: budgets.shift() };
    return workerSearch(p, { isCancelled: () => token.isCancellationRequested });
  };
  /** Type the query as quick keystrokes, then wait for the text search's answer. */
  const type = (...keystrokes: string[]): Promise<void> =>
    new Promise((resolve) => {
      const sub = filter.onDidChange(() => {
        if (!filter.textMatches) return;
        sub.dispose();
        resolve();
      });
      for (const k of keystrokes) filter.set(k);
    });

  let said: { path: string; id: string };
  let other: { path: string; id: string };
  let threads: ThreadView[];
  const shown = () =>
    groupThreads(threads, { query: filter.query, textMatches: filter.textMatches }).flatMap((g) =>
      g.threads.map((t) => t.id),
    );

  beforeEach(() => {
    home = tempCodexHome();
    savedCache = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = tempDir('csr-cache-'); // the search index goes there
    asked = [];
    budgets = [];
    filter = new TextFilter(search, 20);
    const rollout = () => {
      const threadId = randomUUID();
      return writeSyntheticRollout(sessionPath(home, threadId, new Date()), {
        imageLines: 1,
        imageBytes: 64,
        threadId,
      });
    };
    said = rollout();
    other = rollout();
    // Codex goes on with one more answer (its response item; the agent_message event repeats it).
    const answer = {
      type: 'message',
      role: 'assistant',
      content: [{ type: 'output_text', text: 'The kestrel migration is done.' }],
    };
    fs.appendFileSync(
      said.path,
      JSON.stringify({ timestamp: new Date().toISOString(), type: 'response_item', payload: answer }) + '\n',
    );
    threads = [threadView(said.id, 'ok', 0), threadView(other.id, 'high', 1)];
  });
  afterEach(() => {
    filter.dispose();
    if (savedCache === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = savedCache;
  });

  it('keeps a thread by a word said only in its conversation; a word nowhere empties the tree', async () => {
    await type('k', 'kes', 'kestrel migration');
    assert.deepEqual(asked, ['kestrel migration'], 'keystrokes are debounced into one search');
    assert.deepEqual(shown(), [said.id]);
    assert.equal(filter.statusText(), undefined);

    // A name or level match still shows its thread: either match is enough.
    await type('high');
    assert.deepEqual(shown(), [other.id]);

    await type('kestrel nowhere-said');
    assert.deepEqual(shown(), []);
    await type('zzqqxx');
    assert.deepEqual(shown(), []);

    filter.set('');
    assert.deepEqual(shown().sort(), [said.id, other.id].sort());
  });

  it('says the text is still being indexed, and asks again until it is', async () => {
    budgets = [-1]; // the first search indexes nothing: the home's two threads are left
    const messages: string[] = [];
    const sub = filter.onDidChange(() => messages.push(filter.statusText() ?? ''));
    filter.set('kestrel');
    await new Promise<void>((resolve) => {
      const done = filter.onDidChange(() => {
        if (filter.statusText() || !filter.textMatches) return;
        done.dispose();
        resolve();
      });
    });
    sub.dispose();
    assert.match(messages.find(Boolean) ?? '', /^Indexing text: 2 thread file\(s\), .+ left…$/);
    assert.deepEqual(asked, ['kestrel', 'kestrel']);
    assert.deepEqual(shown(), [said.id]);
  });
});
