import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as nodeZlib from 'node:zlib';
import { randomUUID } from 'node:crypto';
import { tempCodexHome, tempDir } from '../../../support/tempHome';
import { sessionMetaLine, sessionPath } from '../../../support/synthetic';
import { searchThreads, searchThreadsParallel } from '../../../../src/core/search/search';
import { REPO_ROOT } from '../../../support/tools';
import { Engine, SearchStore, availableEngine } from '../../../../src/core/search/store';
import { readEntries } from '../../../../src/core/preview/transcript';

const zlib = nodeZlib as unknown as { zstdCompressSync(b: Buffer): Buffer }; // Node ≥ 22.15, the test runtime

const at = (i: number) => new Date(Date.UTC(2026, 10, 1, 10, 0, i)).toISOString();
const item = (i: number, payload: unknown) => JSON.stringify({ timestamp: at(i), type: 'response_item', payload });
const event = (i: number, payload: unknown) => JSON.stringify({ timestamp: at(i), type: 'event_msg', payload });
const user = (i: number, text: string) => [
  item(i, { type: 'message', role: 'user', content: [{ type: 'input_text', text }] }),
  event(i, { type: 'user_message', message: text, images: [] }), // the UI copy: indexed once, from the item
];
const assistant = (i: number, text: string) => [
  item(i, { type: 'message', role: 'assistant', content: [{ type: 'output_text', text }] }),
  event(i, { type: 'agent_message', message: text }),
];
const shell = (i: number, cmd: string) => [
  item(i, { type: 'function_call', name: 'exec_command', arguments: JSON.stringify({ cmd }), call_id: `c${i}` }),
  item(i, { type: 'function_call_output', call_id: `c${i}`, output: `Output:\nsecret-output-${i}` }),
];
const patch = (i: number, file: string) => [
  item(i, {
    type: 'custom_tool_call',
    name: 'apply_patch',
    call_id: `p${i}`,
    input: `*** Begin Patch\n*** Add File: ${file}\n+hello\n*** End Patch\n`,
  }),
];
const reasoning = (i: number, text: string) => [
  item(i, { type: 'reasoning', summary: [{ type: 'summary_text', text }], encrypted_content: 'x'.repeat(40) }),
];

interface Made {
  id: string;
  file: string;
}

function thread(home: string, lines: string[][], opts: { cwd?: string; day?: number; zst?: boolean } = {}): Made {
  const id = randomUUID();
  const when = new Date(2026, 10, opts.day ?? 1, 10);
  const file = sessionPath(home, id, when) + (opts.zst ? '.zst' : '');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const text = [sessionMetaLine(id, when, opts.cwd ?? '/home/dev/app'), ...lines.flat()].join('\n') + '\n';
  fs.writeFileSync(file, opts.zst ? zlib.zstdCompressSync(Buffer.from(text)) : text);
  return { id, file };
}

const engines: Engine[] = availableEngine() === 'fts5' ? ['fts5', 'plain'] : ['plain'];

for (const engine of engines) {
  describe(`search index (${engine})`, () => {
    let home: string;
    let env: NodeJS.ProcessEnv;
    const search = (q: string, o: Parameters<typeof searchThreads>[2] = {}) =>
      searchThreads(home, q, { env, engine, ...o });
    const docCount = (): number => {
      const store = SearchStore.open(home, env, engine);
      try {
        return [...store.files().values()].length;
      } finally {
        store.close();
      }
    };

    beforeEach(() => {
      home = tempCodexHome();
      env = { ...process.env, XDG_CACHE_HOME: tempDir('csr-cache-'), CODEX_SQLITE_HOME: home };
    });

    it('finds what was said and done: user, assistant, reasoning, commands, patched files', () => {
      const a = thread(home, [
        user(1, 'The Login layout is broken on mobile'),
        reasoning(2, 'Look at the flexbox wrapper'),
        shell(3, 'npm run build --workspace zebracorn'),
        patch(4, 'src/styles/quokka.css'),
        assistant(5, 'Fixed the layout; the header no longer overlaps.'),
      ]);
      const b = thread(home, [user(1, 'Write the release notes'), assistant(2, 'Done: notes written.')]);
      const found = (q: string) => search(q).hits.map((h) => `${h.threadId}:${h.role}:${h.line}`);
      assert.deepEqual(found('login LAYOUT'), [`${a.id}:user:2`]);
      assert.deepEqual(found('flexbox'), [`${a.id}:reasoning:4`]);
      assert.deepEqual(found('zebracorn'), [`${a.id}:command:5`]);
      assert.deepEqual(found('quokka.css'), [`${a.id}:patch:7`]);
      assert.deepEqual(found('"no longer overlaps"'), [`${a.id}:assistant:8`]);
      assert.deepEqual(found('release notes'), [`${b.id}:user:2`]);
      assert.deepEqual(found('secret-output'), []); // tool output is not indexed
      assert.deepEqual(found('"layout is fixed"'), []); // a phrase is one piece of text
      assert.deepEqual(found('login notes'), []); // every word must occur
      const hit = search('overlaps').hits[0];
      assert.equal(hit.snippet, 'Fixed the layout; the header no longer **overlaps**.');
      assert.equal(hit.workspace, '/home/dev/app');
      assert.equal(hit.at, at(5));
    });

    it('gives each hit a cursor that opens the conversation at that message (plain and .zst)', () => {
      for (const zst of [false, true]) {
        const a = thread(home, [user(1, 'first'), assistant(2, 'second'), user(3, `third ${zst}-osprey`)], { zst });
        const hit = search(`${zst}-osprey`).hits[0];
        assert.equal(hit.threadId, a.id);
        const page = readEntries(a.file, { cursor: hit.cursor });
        assert.equal(page.entries[0].line, hit.line);
        assert.equal(page.entries[0].kind, 'user');
        assert.match(page.entries[0].text, /osprey/);
      }
    });

    it('matches substrings, prefix* at word starts, in any case, and is not fooled by FTS syntax', () => {
      const a = thread(home, [user(1, 'Refactor the catalogue: AND OR NEAR "quoted" col:x 100%_done')]);
      thread(home, [user(1, 'something else entirely')]);
      assert.equal(search('ALOGU').hits[0]?.threadId, a.id);
      assert.equal(search('alog*').hits.length, 0);
      assert.equal(search('catal*').hits[0]?.threadId, a.id);
      for (const q of ['AND', 'NEAR', '"quoted"', 'col:x', '100%_done', 'OR )', 'a*b', '-x', '"a" "b', '{x} ^y'])
        assert.doesNotThrow(() => search(q), q);
      for (const q of ['"', '*', ' "" '])
        assert.throws(
          () => search(q),
          (e: Error & { code?: string }) => e.code === 'usage',
        );
      assert.equal(search('100%_done').hits[0]?.threadId, a.id);
      assert.equal(search('100%').hits.length, 1);
      assert.equal(search('0_d').hits.length, 0); // _ is a character, not a LIKE wildcard
    });

    it('indexes only the new lines when Codex appends, and a line still being written once it is whole', () => {
      const a = thread(home, [user(1, 'first turn about penguins')]);
      assert.equal(search('penguins').hits.length, 1);
      fs.appendFileSync(a.file, [...assistant(2, 'answer about walruses')].join('\n') + '\n');
      const r = search('walruses');
      assert.equal(r.hits[0]?.threadId, a.id);
      assert.equal(r.hits[0].line, 4);
      assert.equal(search('penguins').hits[0].matches, 1); // the first turn was not indexed twice
      const half = item(3, { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'narwhals' }] });
      fs.appendFileSync(a.file, half.slice(0, 60));
      assert.equal(search('narwhal').hits.length, 0);
      fs.appendFileSync(a.file, half.slice(60) + '\n');
      assert.equal(search('narwhals').hits[0]?.line, 6);
      assert.equal(docCount(), 1);
    });

    it('reads a replaced file again from the start (new inode, or rewritten in place)', () => {
      const a = thread(home, [user(1, 'about otters')]);
      assert.equal(search('otters').hits.length, 1);
      const tmp = a.file + '.tmp';
      fs.writeFileSync(
        tmp,
        [sessionMetaLine(a.id, new Date(), '/w'), ...user(1, 'about beavers and more')].join('\n') + '\n',
      );
      fs.renameSync(tmp, a.file);
      assert.equal(search('otters').hits.length, 0);
      assert.equal(search('beavers').hits[0]?.workspace, '/w');
      // Same inode, same or larger size, different bytes before the indexed end: read again.
      const text = fs.readFileSync(a.file, 'utf8').replace('beavers', 'badgers');
      fs.writeFileSync(a.file, text + [...assistant(2, 'yes')].join('\n') + '\n');
      assert.equal(search('beavers').hits.length, 0);
      assert.equal(search('badgers').hits.length, 1);
    });

    it('indexes .zst threads, forgets deleted ones and follows an archived one to its new path', () => {
      const z = thread(home, [user(1, 'compressed capybara')], { zst: true });
      const p = thread(home, [user(1, 'plain platypus')]);
      assert.equal(search('capybara').hits[0]?.threadId, z.id);
      fs.rmSync(z.file);
      assert.equal(search('capybara').hits.length, 0);
      const archived = path.join(home, 'archived_sessions', path.basename(p.file));
      fs.mkdirSync(path.dirname(archived), { recursive: true });
      fs.renameSync(p.file, archived);
      const hit = search('platypus').hits;
      assert.deepEqual(
        hit.map((h) => [h.path, h.archived]),
        [[archived, true]],
      );
    });

    it('ranks a thread named by the words first, then what the person typed, and filters by workspace and date', () => {
      const said = thread(home, [reasoning(1, 'kestrel migration notes')], { cwd: '/work/api' });
      const typed = thread(home, [user(1, 'plan the kestrel migration')], { cwd: '/work/web' });
      const named = thread(home, [user(1, 'go on')], { cwd: '/work/web/sub' });
      fs.writeFileSync(
        path.join(home, 'session_index.jsonl'),
        JSON.stringify({ id: named.id, thread_name: 'Kestrel migration', updated_at: at(9) }) + '\n',
      );
      assert.deepEqual(
        search('kestrel migration').hits.map((h) => h.threadId),
        [named.id, typed.id, said.id],
      );
      assert.equal(search('kestrel').hits[0].role, 'name');
      assert.deepEqual(
        search('kestrel', { workspace: '/work/web' })
          .hits.map((h) => h.threadId)
          .sort(),
        [named.id, typed.id].sort(),
      );
      const old = Date.now() / 1000 - 40 * 86400;
      fs.utimesSync(said.file, old, old);
      assert.deepEqual(
        search('kestrel', { sinceDays: 30 })
          .hits.map((h) => h.threadId)
          .includes(said.id),
        false,
      );
      assert.equal(search('kestrel', { limit: 1 }).hits.length, 1);
    });

    it('indexes alike with worker threads, and reads the files of a worker that died itself', async () => {
      const made = Array.from({ length: 9 }, (_, k) =>
        thread(home, [user(1, `thread ${k} talks about heron${k}`), shell(2, `make target-${k}`)], { zst: k === 4 }),
      );
      const dist = path.join(REPO_ROOT, 'dist', 'indexWorker.js');
      assert.ok(fs.existsSync(dist), 'run node esbuild.mjs first');
      const dead = path.join(tempDir('csr-dead-worker-'), 'dead.js');
      fs.writeFileSync(dead, 'process.exit(3)');
      for (const script of [dist, dead]) {
        env.XDG_CACHE_HOME = tempDir('csr-cache-');
        const r = await searchThreadsParallel(home, 'heron', { env, engine, script, workers: 2, minPoolBytes: 0 });
        assert.deepEqual(r.pending, { files: 0, bytes: 0 });
        assert.deepEqual(r.errors, []);
        assert.deepEqual(r.hits.map((h) => h.threadId).sort(), made.map((m) => m.id).sort());
        assert.equal(search('target-4').hits[0]?.threadId, made[4].id);
        assert.equal(docCount(), 9);
      }
    });

    it('answers from what is indexed and says what is left when another process is building the index', () => {
      thread(home, [user(1, 'indexed ibis')]);
      assert.equal(search('ibis').hits.length, 1);
      const later = thread(home, [user(1, 'pending pelican')]);
      const store = SearchStore.open(home, env, engine);
      // A live process (our parent) holds the builder's claim.
      store.transaction(() => undefined);
      (store as unknown as { db: { prepare(s: string): { run(...a: unknown[]): void } } }).db
        .prepare("INSERT OR REPLACE INTO meta(key, value) VALUES ('builder', ?)")
        .run(`${process.ppid}:${Date.now()}`);
      store.close();
      const r = search('pelican');
      assert.equal(r.busy, true);
      assert.equal(r.hits.length, 0);
      assert.deepEqual(r.pending, { files: 1, bytes: fs.statSync(later.file).size });
      assert.equal(search('ibis').hits.length, 1);
    });
  });
}
