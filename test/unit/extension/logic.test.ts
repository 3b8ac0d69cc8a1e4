// Plain-mocha tests of the extension's pure parts: tree grouping, status-bar pick, tooltips,
// quick-pick order, the projection used by the diff preview, and the worker client with the real worker.
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { filterThreads } from '../../../src/core/scan/threadFilter';
import {
  currentThread,
  escapeMarkdown,
  groupThreads,
  statusBackground,
  tooltipMarkdown,
  byUrgency,
  seedCommand,
  plain,
} from '../../../src/extension/logic';
import { writeProjection } from '../../../src/core/preview/projection';
import { WorkerClient } from '../../../src/extension/workerClient';
import { CancelledError } from '../../../src/core/util/errors';
import { isFromWebview } from '../../../src/protocol/messages';
import { bundle } from '../../support/bundles';
import { threadView } from '../../support/threadView';
import { tempCodexHome, tempDir } from '../../support/tempHome';
import { sessionPath } from '../../support/synthetic';

const t = threadView;

describe('extension logic', () => {
  it('groups: Needs attention first (most severe first), then by day, archived last', () => {
    const g = groupThreads([
      t('a', 'ok', 0),
      t('b', 'stuck', 3),
      t('c', 'high', 0),
      t('d', 'watch', 1.5),
      t('e', 'ok', 30),
      t('f', 'critical', 0, { archived: true }),
    ]);
    const order = ['attention', 'today', 'yesterday', 'week', 'older', 'archived'];
    assert.deepStrictEqual(
      g.map((x) => x.key),
      order.filter((k) => g.some((y) => y.key === k)),
    );
    assert.ok(g.some((x) => x.key === 'today') && g.some((x) => x.key === 'older'));
    assert.deepStrictEqual(
      g[0].threads.map((x) => x.id),
      ['b', 'c'],
    );
    assert.strictEqual(g[g.length - 1].key, 'archived');
  });

  it('groups by workspace on request, and filters by level', () => {
    const g = groupThreads(
      [t('a', 'ok', 0, { cwd: '/w1' }), t('b', 'ok', 0.01, { cwd: '/w2' }), t('c', 'watch', 0.02, { cwd: '/w1' })],
      { byWorkspace: true },
    );
    assert.deepStrictEqual(
      g.map((x) => x.key),
      ['ws:/w1', 'ws:/w2'],
    );
    const byLevel = filterThreads([t('a', 'ok', 0), t('c', 'watch', 0), t('d', 'stuck', 0)], { level: 'watch' });
    assert.deepStrictEqual(
      byLevel.map((x) => x.id),
      ['c', 'd'],
    );
  });

  it('status bar: the newest thread of the workspace, else the newest', () => {
    const ts = [
      t('a', 'ok', 0, { cwd: '/other' }),
      t('b', 'high', 1, { cwd: '/repo/sub' }),
      t('c', 'ok', 2, { cwd: '/repo' }),
    ];
    assert.strictEqual(currentThread(ts, ['/repo'])?.id, 'b');
    assert.strictEqual(currentThread(ts, ['/nowhere'])?.id, 'a');
    assert.strictEqual(currentThread(ts, ['/rep'])?.id, 'a', 'a prefix is not a parent folder');
    assert.strictEqual(statusBackground('stuck'), 'statusBarItem.errorBackground');
    assert.strictEqual(statusBackground('high'), 'statusBarItem.warningBackground');
    assert.strictEqual(statusBackground('ok'), undefined);
  });

  it('tooltips escape transcript text', () => {
    const md = tooltipMarkdown(t('a', 'high', 0, { name: '[click](command:evil) **x** <img>' }));
    assert.ok(!md.includes('[click](command:evil)'));
    assert.strictEqual(escapeMarkdown('a*b'), 'a\\*b');
  });

  it('quick-pick order: most urgent first, then newest', () => {
    const now = [t('a', 'high', 0), t('b', 'high', 1), t('c', 'watch', 0), t('new', 'stuck', 0)];
    assert.deepStrictEqual(
      byUrgency(now).map((x) => x.id),
      ['new', 'a', 'b', 'c'],
    );
  });

  it('webview messages are validated', () => {
    assert.ok(isFromWebview({ type: 'action', action: 'preview' }));
    assert.ok(!isFromWebview({ type: 'action', action: 'rm -rf' }));
    assert.ok(!isFromWebview({ type: 'loadImage', index: '1' }));
    assert.ok(isFromWebview({ type: 'revealPath', path: '/h/rescue/backups/x' }));
    assert.ok(!isFromWebview({ type: 'revealPath', path: 1 }));
    assert.ok(isFromWebview({ type: 'copyResumeCommand' }));
    assert.ok(!isFromWebview({ type: 'action', action: 'refresh' }), 'no such panel action');
  });
});

describe('projection for the diff preview', () => {
  it('abbreviates big strings, keeps one line per rollout line, caps line length', () => {
    const dir = tempDir('proj-');
    const src = path.join(dir, 'r.jsonl');
    const img = 'data:image/png;base64,' + Buffer.alloc(200000, 7).toString('base64');
    fs.writeFileSync(
      src,
      [
        JSON.stringify({ type: 'session_meta', payload: { id: 'x' } }),
        JSON.stringify({
          type: 'response_item',
          payload: { type: 'message', content: [{ type: 'input_image', image_url: img }] },
        }),
        '',
        '{"broken": ',
        JSON.stringify({ type: 'event_msg', payload: { text: 'y'.repeat(100000) } }),
      ].join('\n') + '\n',
    );
    const out = path.join(dir, 'p.txt');
    const s = writeProjection(src, out, { title: 'T' });
    const lines = fs.readFileSync(out, 'utf8').split('\n');
    assert.strictEqual(s.lines, 5);
    assert.strictEqual(lines.length, 1 + 5 + 1); // header + lines + final newline
    assert.match(lines[2], /<image\/png [^>]*KB[^>]*>/);
    assert.strictEqual(lines[3], '');
    assert.match(lines[4], /unreadable line/);
    assert.match(lines[5], /<97\.7 KB text/);
    assert.ok(fs.statSync(out).size < 5000);
  });
});

describe('worker client with the real worker bundle', function () {
  this.timeout(20000);
  let workerJs: string;
  before(() => {
    workerJs = bundle('worker.js');
  });

  it('answers, reports progress, and cancels a synchronous pass through the shared flag', async () => {
    const w = new WorkerClient(workerJs);
    try {
      const pong = await w.call('ping', { echo: 'hi' });
      assert.strictEqual(pong.pong, 'hi');
      let cancel: () => void = () => undefined;
      const token = {
        isCancellationRequested: false,
        onCancellationRequested: (l: () => void) => ((cancel = l), { dispose() {} }),
      };
      const home = tempCodexHome();
      const big = sessionPath(home, '0199a000-0000-7000-8000-00000000c0de', new Date());
      fs.mkdirSync(path.dirname(big), { recursive: true });
      const line = JSON.stringify({ type: 'response_item', payload: { text: 'z'.repeat(1 << 20) } }) + '\n';
      fs.writeFileSync(big, line.repeat(200));
      let progress = 0;
      const p = w.call('images', { codexHome: home, thread: big }, { token, onProgress: () => progress++ });
      setTimeout(() => cancel(), 5);
      await assert.rejects(p, CancelledError);
      const again = await w.call('ping', {});
      assert.ok(again.pid);
      void progress;
    } finally {
      w.dispose();
    }
  });

  it("seeds a new Codex thread with the handoff in the terminal's own shell", () => {
    assert.equal(seedCommand("/h/it's.md", '/bin/bash'), `codex "$(cat '/h/it'\\''s.md')"`);
    const ps = seedCommand("C:\\h\\it's.md", 'C:\\Program Files\\PowerShell\\7\\pwsh.exe');
    assert.match(ps, /^codex 'Read the handoff file C:\\h\\it''s\.md /);
    const cmd = seedCommand('C:\\h\\a&b%x%.md', 'C:\\Windows\\System32\\cmd.exe');
    assert.ok(
      cmd.startsWith('codex "Read the handoff file C:\\h\\a&bx.md') && cmd.endsWith('stopped."') && !/%/.test(cmd),
    );
  });

  it('keeps transcript text in notifications plain: no command links, no line breaks', () => {
    const name = 'Fix it [Repair now](command:workbench.action.terminal.sendSequence?{"text":"x"})\nmore';
    const shown = plain(`Thread "${name}" is stuck`);
    assert.doesNotMatch(shown, /\]\(command:/);
    assert.doesNotMatch(shown, /\n/);
    assert.match(shown, /Repair now/);
  });
});
