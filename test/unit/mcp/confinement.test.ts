// Tools a model calls reach only the threads of their own Codex home: every tool, through the SDK's
// client over stdio (as a prompt-injected helper would call them), with files outside the home, a path
// that climbs out with `..`, /etc/passwd and a symlink inside sessions/ that points out of the home.
// Each is refused in words that say what can be reached, and the file is byte-identical afterwards.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { tempCodexHome, tempDir } from '../../support/tempHome';
import { sessionPath, writeSyntheticRollout } from '../../support/synthetic';
import { REPO_ROOT } from '../../support/tools';
import { bundle } from '../../support/bundles';

const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');
const SECRET = 'hunter2-password-of-the-victim';

type Result = Awaited<ReturnType<Client['callTool']>>;
const text = (r: Result) => (r.content as { type: string; text: string }[]).map((c) => c.text).join('\n');
const sha = (f: string) => createHash('sha256').update(fs.readFileSync(f)).digest('hex');

/** Every file below `dir`, relative, sorted: to show that nothing was written. */
function tree(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).sort();
}

describe('MCP tools stay inside their Codex home', function () {
  this.timeout(120_000);
  let home: string;
  let outside: string;
  let inside: { id: string; file: string };
  const victims: Record<string, string> = {};
  const refs: Record<string, string> = {};
  let client: Client;

  before(async () => {
    bundle('cli.js');
    home = tempCodexHome();
    outside = tempDir('csr-outside-');
    const when = new Date(Date.UTC(2026, 10, 20, 10, 0));
    inside = { id: '0199a000-0000-7000-8000-111111111111', file: '' };
    inside.file = sessionPath(home, inside.id, when);
    writeSyntheticRollout(inside.file, { imageLines: 2, imageBytes: 20_000, threadId: inside.id, start: when });

    // A real-looking rollout (images, a rollout file name) outside the home, with a secret in it.
    const victimId = '0199a000-0000-7000-8000-999999999999';
    victims.rollout = path.join(outside, path.basename(sessionPath(outside, victimId, when)));
    writeSyntheticRollout(victims.rollout, { imageLines: 2, imageBytes: 20_000, threadId: victimId, start: when });
    fs.appendFileSync(
      victims.rollout,
      JSON.stringify({
        timestamp: when.toISOString(),
        type: 'event_msg',
        payload: { type: 'agent_message', message: SECRET },
      }) + '\n',
    );
    victims.plain = path.join(outside, 'victim.jsonl');
    fs.writeFileSync(victims.plain, `{"password":"${SECRET}"}\n`);
    for (const f of [victims.rollout, victims.plain]) {
      const old = new Date(Date.now() - 60_000);
      fs.utimesSync(f, old, old);
    }
    refs.rollout = victims.rollout;
    refs.plain = victims.plain;
    refs.passwd = '/etc/passwd';
    refs.climb = path.join(home, 'sessions', '..', '..', path.basename(outside), path.basename(victims.rollout));
    // A link inside sessions/, with a rollout's name, to the file outside.
    refs.symlink = path.join(path.dirname(inside.file), path.basename(victims.rollout));
    fs.symlinkSync(victims.rollout, refs.symlink);

    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI, 'mcp', '--codex-home', home, '--allow-repair'],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: path.dirname(home), XDG_CACHE_HOME: outside + '-cache' },
      stderr: 'pipe',
    });
    client = new Client({ name: 'csr-confinement-test', version: '1.0.0' });
    await client.connect(transport);
  });
  after(async () => {
    await client?.close().catch(() => undefined);
    fs.rmSync(outside + '-cache', { recursive: true, force: true });
  });

  const calls: [string, (thread: string) => Record<string, unknown>][] = [
    ['inspect_thread', (thread) => ({ thread })],
    ['read_thread', (thread) => ({ thread })],
    ['write_handoff', (thread) => ({ thread })],
    ['preview_repair', (thread) => ({ thread })],
    ['repair_thread', (thread) => ({ thread, previewId: 'pv-forged-000000' })],
    ['repair_thread', (thread) => ({ thread, previewId: 'pv-forged-000000', mode: 'fork' })],
    ['restore_thread', (thread) => ({ thread })],
  ];

  for (const kind of ['rollout', 'plain', 'passwd', 'climb', 'symlink'])
    it(`refuses every tool on ${kind === 'passwd' ? '/etc/passwd' : `a ${kind} path`} and leaves it untouched`, async () => {
      const target = kind === 'passwd' ? '/etc/passwd' : kind === 'plain' ? victims.plain : victims.rollout;
      const before = sha(target);
      const rescueBefore = tree(path.join(home, 'rescue'));
      for (const [name, args] of calls) {
        const r = await client.callTool({ name, arguments: args(refs[kind]) });
        assert.equal(r.isError, true, `${name} on ${refs[kind]}: ${text(r)}`);
        assert.match(text(r), /is not a Codex thread of .*only rollout files .* inside .*sessions.* can be reached/s);
        assert.ok(!text(r).includes(SECRET), `${name} leaked the file's text`);
        assert.ok(!text(r).includes('root:'), `${name} leaked /etc/passwd`);
      }
      assert.equal(sha(target), before, 'the file is byte-identical');
      assert.deepEqual(tree(path.join(home, 'rescue')), rescueBefore, 'nothing was written under rescue/');
      assert.deepEqual(
        fs.readdirSync(outside).sort(),
        [path.basename(victims.rollout), 'victim.jsonl'].sort(),
        'nothing was written beside the file',
      );
    });

  it('lists only the home’s own threads (not the linked file) and still reaches them by id and path', async () => {
    const list = await client.callTool({ name: 'list_threads', arguments: {} });
    assert.ok(!list.isError, text(list));
    const ids = (list.structuredContent as { threads: { id: string }[] }).threads.map((t) => t.id);
    assert.deepEqual(ids, [inside.id]);
    for (const thread of [
      inside.id,
      inside.file,
      path.join(home, 'sessions', '.', path.relative(path.join(home, 'sessions'), inside.file)),
    ]) {
      const r = await client.callTool({ name: 'inspect_thread', arguments: { thread } });
      assert.ok(!r.isError, `${thread}: ${text(r)}`);
    }
  });
});

describe('the CLI reads a rollout anywhere but rewrites only those of a Codex home', function () {
  this.timeout(60_000);
  let home: string;
  let victim: string;
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [CLI, ...args, '--codex-home', home], {
      encoding: 'utf8',
      env: { ...process.env, XDG_CACHE_HOME: path.join(home, '.cache') },
    });

  before(() => {
    home = tempCodexHome();
    const dir = tempDir('csr-outside-');
    const id = '0199a000-0000-7000-8000-222222222222';
    const when = new Date(Date.UTC(2026, 10, 21, 9, 0));
    victim = path.join(dir, path.basename(sessionPath(dir, id, when)));
    writeSyntheticRollout(victim, { imageLines: 2, imageBytes: 20_000, threadId: id, start: when });
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(victim, old, old);
  });

  it('inspects, previews and copies a file outside the home; refuses to repair or restore it in place', () => {
    const before = sha(victim);
    assert.equal(run('inspect', victim).status, 0);
    assert.equal(run('strip', victim, '--dry-run').status, 0);
    const copy = path.join(path.dirname(victim), 'repaired.jsonl');
    const out = run('strip', victim, '--out', copy);
    assert.equal(out.status, 0, out.stderr);
    assert.ok(fs.statSync(copy).size < fs.statSync(victim).size);
    fs.rmSync(copy);

    const inPlace = run('strip', victim, '--yes');
    assert.equal(inPlace.status, 1);
    assert.match(inPlace.stderr, /is not a Codex thread of .* to repair a copy of this file, use --out FILE/s);
    const restore = run('restore', victim, '--yes');
    assert.equal(restore.status, 1);
    assert.match(restore.stderr, /is not a Codex thread of/);
    assert.equal(sha(victim), before);
    assert.ok(!fs.existsSync(path.join(home, 'rescue', 'backups')), 'no backup was taken');
  });

  it('writes the handoff of a file without a thread id only where --out says', () => {
    const plain = path.join(path.dirname(victim), 'notes.jsonl');
    fs.copyFileSync(victim, plain);
    const refused = run('handoff', plain);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /has no Codex thread id in its name.*give --out FILE/s);
    const md = path.join(path.dirname(victim), 'handoff.md');
    const ok = run('handoff', plain, '--out', md);
    assert.equal(ok.status, 0, ok.stderr);
    assert.ok(fs.readFileSync(md, 'utf8').length > 100);
    assert.ok(!fs.existsSync(path.join(home, 'rescue', 'handoffs')), 'no folder named after the file');
  });
});
