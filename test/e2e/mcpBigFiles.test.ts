/**
 * The MCP server on a rollout no real run produces in a test's time: a 560 MB single line (past V8's
 * string limit) read with read_thread and inspect_thread by the SDK client; the server's peak memory is
 * measured with /usr/bin/time around the real `dist/cli.js mcp` process.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { REPO_ROOT } from '../support/tools';
import { tempCodexHome } from '../support/tempHome';
import { sessionPath, writeGiantLineRollout } from '../support/synthetic';

const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');
const MB = 1024 * 1024;

describe('MCP server on generated big rollouts', function () {
  this.timeout(600_000);

  it('read_thread and inspect_thread read a 560 MB single-line rollout in bounded memory; images stay placeholders', async () => {
    const b = spawnSync(process.execPath, ['esbuild.mjs', '--quiet'], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(b.status, 0, b.stderr);
    const home = tempCodexHome();
    const id = '0199a000-0000-7000-8000-000000000b17';
    const file = sessionPath(home, id, new Date('2026-11-01T10:00:00'));
    writeGiantLineRollout(file, 560 * MB, id);

    const transport = new StdioClientTransport({
      command: '/usr/bin/time',
      args: ['-v', process.execPath, CLI, 'mcp', '--codex-home', home],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, XDG_CACHE_HOME: path.join(home, '.cache') },
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const client = new Client({ name: 'csr-big', version: '1.0.0' });
    await client.connect(transport);
    const pages: string[] = [];
    let cursor: string | undefined;
    const t0 = Date.now();
    for (let i = 0; i < 10; i++) {
      const r = await client.callTool({
        name: 'read_thread',
        arguments: { thread: id, maxChars: 1000, ...(cursor ? { cursor } : {}) },
      });
      assert.ok(!r.isError, JSON.stringify(r.content));
      const page = r.structuredContent as { text: string; nextCursor?: string; done: boolean };
      pages.push(page.text);
      cursor = page.nextCursor;
      if (page.done) break;
    }
    const ms = Date.now() - t0;
    const all = pages.join('\n');
    assert.match(all, /USER: hello/);
    assert.match(all, /COMPACTION: the history was compacted \(1 items kept\)/);
    assert.doesNotMatch(all, /base64,|data:image/);
    const list = await client.callTool({ name: 'inspect_thread', arguments: { thread: id } });
    assert.ok(!list.isError);
    assert.match(JSON.stringify(list.structuredContent), /line 3 alone is 560 MB/);
    await client.close();
    for (let i = 0; i < 100 && !/Maximum resident set size/.test(stderr); i++)
      await new Promise((r) => setTimeout(r, 100));
    const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
    assert.ok(rss, `no RSS from /usr/bin/time:\n${stderr}`);
    const rssMb = Number(rss[1]) / 1024;
    assert.ok(rssMb < 256, `MCP server peak RSS ${rssMb.toFixed(0)} MB`);
    console.log(
      `      560 MB line: read_thread ${pages.length} pages in ${ms} ms; server peak RSS ${rssMb.toFixed(0)} MB`,
    );
  });
});
