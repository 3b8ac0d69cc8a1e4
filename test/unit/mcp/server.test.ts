// The MCP server over stdio, driven by the SDK's own Client: `node dist/cli.js mcp` is spawned exactly
// as Codex or VS Code would start it.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { writerLockPath } from '../../../src/core/codexHome/paths';
import { openDb } from '../../../src/core/codexHome/sqlite';
import { tempCodexHome } from '../../support/tempHome';
import { sessionMetaLine, sessionPath, writeSyntheticRollout, appendAgentMessage } from '../../support/synthetic';
import { REPO_ROOT } from '../../support/tools';
import { bundle } from '../../support/bundles';
import { holdDatabaseLock } from '../../support/dbLock';
import { writeCopiesHome } from '../../support/copiesHome';
import { REPAIR_TOOLS } from '../../support/mcpTools';

const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');
const READ_TOOLS = [
  'list_threads',
  'inspect_thread',
  'read_thread',
  'write_handoff',
  'search_threads',
  'preview_repair',
];

function makeThread(home: string, n: number, imageLines = 6) {
  const when = new Date(Date.UTC(2026, 10, 20, 10, n));
  const id = `0199a000-0000-7000-8000-${String(n).repeat(12)}`;
  const file = sessionPath(home, id, when);
  writeSyntheticRollout(file, { imageLines, imageBytes: 30_000, compactEvery: 3, threadId: id, start: when });
  const old = new Date(Date.now() - 60_000);
  fs.utimesSync(file, old, old);
  return { id, file };
}

async function connect(home: string, allowRepair: boolean): Promise<{ client: Client; stderr: () => string }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'mcp', '--codex-home', home, ...(allowRepair ? ['--allow-repair'] : [])],
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: path.dirname(home),
      XDG_CACHE_HOME: path.join(home, '.cache'),
    },
    stderr: 'pipe',
  });
  let err = '';
  transport.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const client = new Client({ name: 'csr-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, stderr: () => err };
}

type Result = Awaited<ReturnType<Client['callTool']>>;
const text = (r: Result) => (r.content as { type: string; text: string }[]).map((c) => c.text).join('\n');
const data = (r: Result) => r.structuredContent as any;

describe('MCP server (SDK client over stdio, dist/cli.js mcp)', function () {
  this.timeout(120_000);
  let home: string;
  let stuck: { id: string; file: string };
  let small: { id: string; file: string };
  const clients: Client[] = [];
  let holder: ChildProcess | undefined;

  before(() => {
    bundle('cli.js');
    home = tempCodexHome();
    stuck = makeThread(home, 1, 9);
    small = makeThread(home, 2, 1);
  });
  afterEach(() => holder?.kill('SIGKILL'));
  after(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
  });

  async function client(allowRepair: boolean): Promise<Client> {
    const { client: c } = await connect(home, allowRepair);
    clients.push(c);
    return c;
  }

  it('offers the read tools with schemas and annotations; repair and restore only with --allow-repair', async () => {
    const plain = await (await client(false)).listTools();
    assert.deepEqual(
      plain.tools.map((t) => t.name),
      [...READ_TOOLS, 'plan_reclaim'],
    );
    const full = await (await client(true)).listTools();
    assert.deepEqual(
      full.tools.map((t) => t.name),
      [...READ_TOOLS, 'repair_thread', 'restore_thread', 'plan_reclaim', 'reclaim'],
    );
    const byName = new Map(full.tools.map((t) => [t.name, t]));
    for (const t of full.tools) {
      assert.ok(t.description && t.description.length > 80, `${t.name} has a description a model can act on`);
      assert.equal(t.inputSchema.type, 'object');
      assert.equal(t.outputSchema?.type, 'object', `${t.name} declares its structured output`);
    }
    for (const n of [
      'list_threads',
      'inspect_thread',
      'read_thread',
      'preview_repair',
      'search_threads',
      'plan_reclaim',
    ])
      assert.equal(byName.get(n)!.annotations?.readOnlyHint, true, n);
    for (const n of REPAIR_TOOLS) {
      assert.equal(byName.get(n)!.annotations?.destructiveHint, true, n);
      assert.equal(byName.get(n)!.annotations?.readOnlyHint, false, n);
    }
    assert.deepEqual(byName.get('repair_thread')!.inputSchema.required, ['thread', 'previewId']);
    assert.deepEqual((byName.get('repair_thread')!.inputSchema.properties as any).mode.enum, ['in_place', 'fork']);
    assert.deepEqual(byName.get('read_thread')!.inputSchema.required, ['thread']);
    assert.deepEqual(byName.get('reclaim')!.inputSchema.required, ['planId']);
    assert.deepEqual(Object.keys(byName.get('list_threads')!.inputSchema.properties as object).sort(), [
      'level',
      'limit',
      'query',
      'workspace',
    ]);
  });

  it('answers with structured results and text: list, inspect, read (paged), handoff, preview', async () => {
    const c = await client(false);
    const list = await c.callTool({ name: 'list_threads', arguments: {} });
    assert.ok(!list.isError, text(list));
    assert.equal(data(list).total, 2);
    assert.deepEqual(
      data(list)
        .threads.map((t: any) => t.id)
        .sort(),
      [stuck.id, small.id].sort(),
    );
    assert.match(text(list), new RegExp(stuck.id));
    const filtered = await c.callTool({ name: 'list_threads', arguments: { query: 'nothing-like-this', limit: 5 } });
    assert.equal(data(filtered).matched, 0);

    const insp = await c.callTool({ name: 'inspect_thread', arguments: { thread: stuck.id.slice(0, 30) } });
    assert.ok(!insp.isError, text(insp));
    assert.equal(data(insp).thread.id, stuck.id);
    assert.ok(data(insp).images.stored >= 9);
    assert.match(text(insp), /What the file is made of/);
    assert.match(text(insp), /Next step:/);

    // read the whole conversation in small pages: every turn once, images as placeholders
    const pages: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 50; i++) {
      const page = await c.callTool({
        name: 'read_thread',
        arguments: { thread: stuck.file, maxChars: 1000, ...(cursor ? { cursor } : {}) },
      });
      assert.ok(!page.isError, text(page));
      pages.push(data(page).text);
      cursor = data(page).nextCursor;
      if (data(page).done) break;
      assert.ok(cursor);
    }
    assert.ok(pages.length > 2, `paged: ${pages.length} pages`);
    const all = pages.join('\n');
    for (let i = 0; i < 9; i++)
      assert.equal(all.split(`turn ${i}: please look at this screenshot`).length, 2, `turn ${i} once`);
    assert.match(all, /\[image: image\/png [^\]]*KB[^\]]*\]/);
    assert.doesNotMatch(all, /data:image|base64,/);
    assert.match(all, /TOOL CALL shell/);
    assert.match(all, /COMPACTION/);
    const bad = await c.callTool({ name: 'read_thread', arguments: { thread: stuck.id, cursor: 'L3@17' } });
    assert.equal(bad.isError, true);
    assert.match(text(bad), /does not point at the start of a line/);

    const h = await c.callTool({ name: 'write_handoff', arguments: { thread: stuck.id, budgetTokens: 2000 } });
    assert.ok(!h.isError, text(h));
    assert.ok(fs.existsSync(data(h).path));
    assert.ok(data(h).path.startsWith(path.join(home, 'rescue', 'handoffs')));
    assert.equal(fs.readFileSync(data(h).path, 'utf8'), data(h).markdown);

    const before = fs.readFileSync(stuck.file);
    const p = await c.callTool({ name: 'preview_repair', arguments: { thread: stuck.id, keepImages: 1 } });
    assert.ok(!p.isError, text(p));
    assert.match(data(p).previewId, /^pv-/);
    assert.ok(data(p).imagesReplaced > 0 && data(p).bytesAfter < data(p).bytesBefore);
    assert.match(text(p), /Dry run — nothing was changed/);
    assert.match(text(p), new RegExp(`previewId: ${data(p).previewId}`));
    assert.deepEqual(fs.readFileSync(stuck.file), before, 'a preview changes nothing');
  });

  it('search_threads finds a thread by what was said in it; its own cache, never the Codex home', async () => {
    const c = await client(false);
    const before = fs.readFileSync(small.file);
    fs.appendFileSync(
      small.file,
      JSON.stringify({
        timestamp: new Date().toISOString(),
        type: 'response_item',
        payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'where is the kingfisher?' }] },
      }) + '\n',
    );
    const r = await c.callTool({ name: 'search_threads', arguments: { query: 'Kingfisher', limit: 5 } });
    assert.ok(!r.isError, text(r));
    assert.deepEqual(
      data(r).hits.map((h: { threadId: string; role: string }) => [h.threadId, h.role]),
      [[small.id, 'user']],
    );
    assert.match(data(r).hits[0].snippet, /where is the \*\*kingfisher\*\*\?/);
    assert.match(text(r), new RegExp(`${small.id}.*line \\d+ \\(user\\)`));
    const none = await c.callTool({ name: 'search_threads', arguments: { query: '"layout kingfisher"' } });
    assert.deepEqual(data(none).hits, []);
    assert.ok(
      fs.readdirSync(path.join(home, '.cache', 'codex-session-rescue')).some((f) => f.startsWith('search-index-')),
    );
    fs.writeFileSync(small.file, before);
    const bad = await c.callTool({ name: 'search_threads', arguments: { query: '""' } });
    assert.equal(bad.isError, true);
    assert.match(text(bad), /no words/);
  });

  it('refusals and bad input are tool errors (isError) in plain words, not protocol errors', async () => {
    const c = await client(true);
    const missing = await c.callTool({ name: 'inspect_thread', arguments: { thread: 'ffffffff' } });
    assert.equal(missing.isError, true);
    assert.match(text(missing), /no thread 'ffffffff' under .* \(give a thread id, an id prefix, or a rollout path\)/);
    const ambiguous = await c.callTool({ name: 'inspect_thread', arguments: { thread: '0199a000' } });
    assert.equal(ambiguous.isError, true);
    assert.match(text(ambiguous), /matches 2 threads; give more of the id/);
    const badArgs = await c.callTool({ name: 'read_thread', arguments: { thread: stuck.id, maxChars: 'lots' } });
    assert.equal(badArgs.isError, true);
    assert.match(text(badArgs), /maxChars/);
  });

  it('repairs only after a valid preview of the same, unchanged thread; restore puts it back', async () => {
    const c = await client(true);
    const before = fs.readFileSync(small.file);
    const noPreview = await c.callTool({
      name: 'repair_thread',
      arguments: { thread: small.id, previewId: 'pv-made-up' },
    });
    assert.equal(noPreview.isError, true);
    assert.match(text(noPreview), /not the id of a preview made by this server.*Call preview_repair/s);

    const other = await c.callTool({ name: 'preview_repair', arguments: { thread: stuck.id } });
    const wrong = await c.callTool({
      name: 'repair_thread',
      arguments: { thread: small.id, previewId: data(other).previewId },
    });
    assert.equal(wrong.isError, true);
    assert.match(text(wrong), new RegExp(`was made for thread ${stuck.id}, not ${small.id}`));

    // the file changes after the preview (Codex appended a turn): that preview no longer counts
    const p1 = await c.callTool({ name: 'preview_repair', arguments: { thread: small.id } });
    appendAgentMessage(small.file, 'later');
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(small.file, old, old);
    const changed = await c.callTool({
      name: 'repair_thread',
      arguments: { thread: small.id, previewId: data(p1).previewId },
    });
    assert.equal(changed.isError, true);
    assert.match(
      text(changed),
      /changed since the preview — preview again.*Nothing was changed.*preview_repair again/s,
    );
    const grown = fs.readFileSync(small.file);
    assert.deepEqual(grown.subarray(0, before.length), before, 'only the appended line is new');

    // Codex holds the thread (its writer lock, flocked by another process): refused with the CLI's words
    const p2 = await c.callTool({ name: 'preview_repair', arguments: { thread: small.id } });
    assert.ok(!p2.isError, text(p2));
    const lock = writerLockPath(home, small.id);
    fs.mkdirSync(path.dirname(lock), { recursive: true });
    fs.writeFileSync(lock, '');
    holder = spawn('flock', ['--exclusive', '--no-fork', lock, 'sleep', '30'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 300));
    const held = await c.callTool({
      name: 'repair_thread',
      arguments: { thread: small.id, previewId: data(p2).previewId },
    });
    assert.equal(held.isError, true);
    assert.match(text(held), /Not touching thread .*Codex is writing this thread right now/);
    const cli = spawnSync(process.execPath, [CLI, 'strip', small.id, '--codex-home', home, '--yes'], {
      encoding: 'utf8',
    });
    assert.equal(cli.status, 1);
    assert.ok(cli.stderr.includes(text(held)), `the CLI says the same: ${cli.stderr}`);
    assert.deepEqual(fs.readFileSync(small.file), grown, 'nothing changed');
    holder.kill('SIGKILL');
    holder = undefined;
    await new Promise((r) => setTimeout(r, 200));

    // the same preview id is still good once Codex let go, and it is used once
    const done = await c.callTool({
      name: 'repair_thread',
      arguments: { thread: small.id, previewId: data(p2).previewId },
    });
    assert.ok(!done.isError, text(done));
    assert.equal(data(done).mode, 'in_place');
    assert.ok(data(done).backupPath && fs.existsSync(data(done).backupPath));
    const manifest = JSON.parse(fs.readFileSync(path.join(data(done).backupPath, 'manifest.json'), 'utf8'));
    assert.equal(manifest.sha256, createHash('sha256').update(grown).digest('hex'), 'restore data of what was there');
    assert.ok(!fs.readFileSync(small.file, 'utf8').includes('data:image'));
    assert.match(text(done), /Repaired thread .* in place/);
    const again = await c.callTool({
      name: 'repair_thread',
      arguments: { thread: small.id, previewId: data(p2).previewId },
    });
    assert.equal(again.isError, true);

    const back = await c.callTool({ name: 'restore_thread', arguments: { thread: small.id } });
    assert.ok(!back.isError, text(back));
    assert.deepEqual(fs.readFileSync(small.file), grown, 'restored byte for byte');
  });

  it('a fork repair leaves the original alone and names the new thread', async () => {
    const c = await client(true);
    const before = fs.readFileSync(stuck.file);
    const p = await c.callTool({ name: 'preview_repair', arguments: { thread: stuck.id } });
    const f = await c.callTool({
      name: 'repair_thread',
      arguments: { thread: stuck.id, previewId: data(p).previewId, mode: 'fork' },
    });
    assert.ok(!f.isError, text(f));
    assert.match(data(f).newThreadId, /^[0-9a-f-]{36}$/);
    assert.equal(data(f).resumeCommand, `codex resume ${data(f).newThreadId}`);
    assert.deepEqual(fs.readFileSync(stuck.file), before);
  });

  it('refuses in place when a Codex fork points into the thread, in the words the CLI uses', async () => {
    const c = await client(true);
    const t = makeThread(home, 3, 2);
    const forkId = '0199a000-0000-7000-8000-0000000f0f03';
    const when = new Date('2026-11-21T10:00:00Z');
    const meta = JSON.parse(sessionMetaLine(forkId, when, '/w'));
    meta.payload.history_base = { thread_id: t.id, end_ordinal_exclusive: 3, end_byte_offset: 100 };
    const forkFile = sessionPath(home, forkId, when);
    fs.mkdirSync(path.dirname(forkFile), { recursive: true });
    fs.writeFileSync(forkFile, JSON.stringify(meta) + '\n');
    const before = fs.readFileSync(t.file);
    const p = await c.callTool({ name: 'preview_repair', arguments: { thread: t.id } });
    const r = await c.callTool({ name: 'repair_thread', arguments: { thread: t.id, previewId: data(p).previewId } });
    assert.equal(r.isError, true);
    assert.match(text(r), /has 1 fork\(s\) .* Repair it as a fork instead/);
    const cli = spawnSync(process.execPath, [CLI, 'strip', t.id, '--codex-home', home, '--yes'], { encoding: 'utf8' });
    assert.ok(cli.stderr.includes(text(r)), `the CLI says the same: ${cli.stderr}`);
    assert.deepEqual(fs.readFileSync(t.file), before);
    // as a fork it goes through: the original and its Codex fork stay as they are
    const f = await c.callTool({
      name: 'repair_thread',
      arguments: { thread: t.id, previewId: data(p).previewId, mode: 'fork' },
    });
    assert.ok(!f.isError, text(f));
    assert.deepEqual(fs.readFileSync(t.file), before);
  });

  it("refuses while Codex's projection database is locked, in the words the CLI uses", async () => {
    const own = tempCodexHome();
    const t = makeThread(own, 4, 2);
    const dbPath = path.join(own, 'thread_history_1.sqlite');
    const db = openDb(dbPath, { readOnly: false });
    db.exec(
      'CREATE TABLE thread_history_projection_state (thread_id TEXT PRIMARY KEY, next_rollout_byte_offset INTEGER NOT NULL, next_rollout_ordinal INTEGER NOT NULL)',
    );
    db.prepare('INSERT INTO thread_history_projection_state VALUES (?, 1234, 7)').run(t.id);
    db.close();
    // another process holds a write lock on the database, as a running Codex would
    holder = await holdDatabaseLock(dbPath);
    const { client: c } = await connect(own, true);
    clients.push(c);
    const before = fs.readFileSync(t.file);
    const p = await c.callTool({ name: 'preview_repair', arguments: { thread: t.id } });
    const r = await c.callTool({ name: 'repair_thread', arguments: { thread: t.id, previewId: data(p).previewId } });
    assert.equal(r.isError, true);
    assert.match(text(r), /database .* is locked.*Nothing was changed/s);
    const cli = spawnSync(process.execPath, [CLI, 'strip', t.id, '--codex-home', own, '--yes'], { encoding: 'utf8' });
    assert.equal(cli.status, 1);
    assert.ok(cli.stderr.includes(text(r)), `the CLI says the same: ${cli.stderr}`);
    assert.deepEqual(fs.readFileSync(t.file), before);
  });

  it('logs only to stderr: stdout carries nothing but the protocol', async () => {
    const { client: c, stderr } = await connect(home, false);
    clients.push(c);
    await c.callTool({ name: 'list_threads', arguments: {} });
    assert.match(stderr(), /\[codex-rescue mcp\] serving/);
    assert.match(stderr(), /list_threads: ok/);
  });

  it('plan_reclaim changes nothing; reclaim needs a plan this server made, carries it out once, and every thread restores byte for byte', async () => {
    const h = tempCodexHome();
    const threads = writeCopiesHome(h, {
      threads: 2,
      forksPerThread: 1,
      distinctImages: 4,
      width: 40,
      height: 30,
      turns: 4,
      compactEvery: 2,
      archiveEvery: 3,
      zstEvery: 0,
    });
    const before = new Map(threads.map((t) => [t.id, fs.readFileSync(t.path)]));
    const readOnly = (await connect(h, false)).client;
    const full = (await connect(h, true)).client;
    clients.push(readOnly, full);
    const p0 = await readOnly.callTool({ name: 'plan_reclaim', arguments: { olderThanDays: 0 } });
    assert.ok(!p0.isError, text(p0));
    assert.equal(data(p0).threads.length, threads.length);
    assert.ok(data(p0).totals.estimatedFreedBytes > 0);
    assert.doesNotMatch(text(p0), /pass it to reclaim/, 'a read-only server does not offer the reclaim');
    for (const t of threads) assert.deepEqual(fs.readFileSync(t.path), before.get(t.id), 'a plan changes nothing');

    const foreign = await full.callTool({ name: 'reclaim', arguments: { planId: data(p0).planId } });
    assert.equal(foreign.isError, true, 'a plan made by another server is refused');
    assert.match(text(foreign), /not the id of a plan made by this server/);

    const p = await full.callTool({ name: 'plan_reclaim', arguments: { olderThanDays: 0 } });
    const r = await full.callTool({ name: 'reclaim', arguments: { planId: data(p).planId } });
    assert.ok(!r.isError, text(r));
    assert.equal(data(r).repaired, threads.length);
    assert.equal(data(r).failed, 0);
    const again = await full.callTool({ name: 'reclaim', arguments: { planId: data(p).planId } });
    assert.equal(again.isError, true, 'a plan is carried out once');
    for (const t of threads) {
      assert.ok(!fs.readFileSync(t.path, 'latin1').includes('data:image/'), `${t.id} reclaimed`);
      const back = await full.callTool({ name: 'restore_thread', arguments: { thread: t.id } });
      assert.ok(!back.isError, text(back));
      assert.deepEqual(fs.readFileSync(t.path), before.get(t.id), `${t.id} restored byte for byte`);
    }
  });
});
