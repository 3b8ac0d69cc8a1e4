// The one action runner, driven from both surfaces: the command palette's (a notification) and a
// details panel's (its run area). Each action asks the same questions, makes the same retry and ends
// with the same summary whichever surface runs it. The actions do their real work on a temp Codex
// home, in process (the core functions the worker would call); the Ui is a recording fake.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { ActionRunner, NotificationSurface, Outcome, Surface } from '../../../src/extension/actionRunner';
import { TableDeps, actionTable } from '../../../src/extension/actionTable';
import type { Run } from '../../../src/extension/actions';
import type { OpenPreview } from '../../../src/extension/diffPreview';
import type { PickItem, Ui } from '../../../src/extension/ui';
import { PANEL_ACTIONS, type ThreadView } from '../../../src/protocol/messages';
import { scanCatalog } from '../../../src/core/scan/catalog';
import { threadJson } from '../../../src/core/scan/threadJson';
import { writeHandoff } from '../../../src/core/handoff/write';
import { checkPreview, previewRepair } from '../../../src/core/repair/previewGuard';
import { stripThread } from '../../../src/core/repair/stripThread';
import { restoreThread } from '../../../src/core/repair/restore';
import { listBackups } from '../../../src/core/repair/backups';
import { resumeCommand } from '../../../src/core/util/display';
import { tempCodexHome } from '../../support/tempHome';
import { appendAgentMessage, sessionPath, writeSyntheticRollout } from '../../support/synthetic';

type Said = { level: 'info' | 'warn' | 'error' | 'confirm' | 'pick'; text: string };

/** Records every message and question; confirms (or not) as told; picks the first item. */
class RecordingUi implements Ui {
  said: Said[] = [];
  answer = true;
  info(text: string): Thenable<string | undefined> {
    this.said.push({ level: 'info', text });
    return Promise.resolve(undefined);
  }
  warn(text: string): Thenable<string | undefined> {
    this.said.push({ level: 'warn', text });
    return Promise.resolve(undefined);
  }
  error(text: string): Thenable<string | undefined> {
    this.said.push({ level: 'error', text });
    return Promise.resolve(undefined);
  }
  confirm(text: string): Thenable<boolean> {
    this.said.push({ level: 'confirm', text });
    return Promise.resolve(this.answer);
  }
  pick<T extends PickItem>(items: T[], opts: { placeHolder?: string }): Thenable<T | undefined> {
    this.said.push({ level: 'pick', text: `${opts.placeHolder}: ${items.length}` });
    return Promise.resolve(items[0]);
  }
  withProgress<T>(_title: string, fn: (run: Run) => Promise<T>): Thenable<T> {
    return fn(run());
  }
}

function run(cancelled = false): Run {
  return {
    token: {
      isCancellationRequested: cancelled,
      onCancellationRequested: () => ({ dispose: () => undefined }),
    } as unknown as Run['token'],
    progress: () => undefined,
  };
}

/** What the details panel does as a surface, recorded: its busy state around the run, then the outcome. */
class PanelLikeSurface implements Surface {
  posts: { type: string; action: string; summary?: string; code?: string; busy?: string }[] = [];
  cancelNext = false;
  async track<T>(action: string, _title: string, fn: (r: Run) => Promise<T>): Promise<T> {
    this.posts.push({ type: 'thread', action, busy: action });
    try {
      return await fn(run(this.cancelNext));
    } finally {
      this.posts.push({ type: 'thread', action });
    }
  }
  done(action: string, out: Outcome): void {
    this.posts.push({ type: 'done', action, summary: out.summary });
  }
  failed(action: string, _title: string, err: unknown): void {
    this.posts.push({ type: 'failed', action, code: (err as { code?: string }).code });
  }
}

/** The actions over the real core, in process (what the worker runs for the extension). */
function coreActions(home: string, copied: string[]): TableDeps['actions'] {
  const hooks = (r: Run) => ({ isCancelled: () => r.token.isCancellationRequested, growthWindowMs: 0 });
  return {
    handoff: async (t, r) => {
      const w = writeHandoff(home, t.path, { isCancelled: hooks(r).isCancelled });
      const { sections: _s, ...report } = w;
      return { report, path: w.path };
    },
    preview: async (t, r) => {
      const { record, report } = previewRepair({ codexHome: home, thread: t.path }, hooks(r));
      return { report, preview: { record, name: t.name, report } as OpenPreview };
    },
    repair: async (t, mode, r, preview) => {
      if (preview) checkPreview(preview.record, t.path, {}, 'Preview again.');
      return { report: stripThread({ codexHome: home, thread: t.path, mode }, hooks(r)) };
    },
    restore: async (t, r, backupPath, force) => ({
      report: restoreThread({ codexHome: home, thread: t.path, backupPath, force }, hooks(r)),
    }),
    backups: async (t) =>
      listBackups(home, t.id).map((b) => ({
        path: b.dir,
        bytes: b.manifest.size,
        mtimeMs: Date.parse(b.manifest.createdAt),
      })),
    resumeCommand: (t) => {
      copied.push(resumeCommand(t.id));
      return resumeCommand(t.id);
    },
  };
}

function makeHome(): { home: string; threads: ThreadView[] } {
  const home = tempCodexHome();
  for (const n of [1, 2]) {
    const id = `0199a000-0000-7000-8000-00000000000${n}`;
    const when = new Date(Date.UTC(2026, 10, 20, 10, n));
    writeSyntheticRollout(sessionPath(home, id, when), {
      imageLines: 4,
      imageBytes: 20_000,
      threadId: id,
      start: when,
    });
    // a second apart: the list's order (newest first) is the same in every home made (within one
    // millisecond the two tied, and the palette's and the panel's runs could take different threads)
    const old = new Date(Date.now() - 60_000 - n * 1000);
    fs.utimesSync(sessionPath(home, id, when), old, old);
  }
  return { home, threads: scanCatalog(home).threads.map(threadJson) };
}

function setup() {
  const { home, threads } = makeHome();
  const ui = new RecordingUi();
  const copied: string[] = [];
  const revealed: string[] = [];
  const table = actionTable({
    actions: coreActions(home, copied),
    ui: () => ui,
    openFile: () => undefined,
    applyPreview: () => undefined,
    copy: async () => undefined,
    reveal: async (file) => void revealed.push(file),
  });
  const runner = new ActionRunner(table, () => ui, { error: () => undefined });
  return { home, threads, ui, runner, palette: new NotificationSurface(() => ui), revealed, copied };
}

/** What the user was asked, without the paths that differ between two runs. */
const questions = (said: Said[]) =>
  said.filter((s) => s.level === 'confirm' || s.level === 'pick').map((s) => s.text.replace(/\/[^\s)]+/g, '<path>'));

describe('the action runner: the palette and the panel run the same code', function () {
  this.timeout(60_000);

  it('every panel action has an entry in the table, with its command', () => {
    const { runner } = setup();
    for (const a of PANEL_ACTIONS) {
      assert.ok(runner.table[a.id], a.id);
      assert.match(runner.table[a.id].command, /^codexRescue\./);
      assert.equal(runner.isLong(a.id), a.long, `${a.id} long`);
    }
  });

  for (const a of PANEL_ACTIONS) {
    it(`${a.id}: the same questions and the same outcome from the palette and from the panel`, async () => {
      const ends: { said: Said[]; questions: string[]; summary?: string; value: unknown }[] = [];
      for (const surface of ['palette', 'panel'] as const) {
        const s = setup();
        const t = s.threads[0];
        // a restore needs a repair before it (made directly: the runner's question list is the restore's)
        if (a.id === 'restore')
          stripThread({ codexHome: s.home, thread: t.path, mode: 'in-place' }, { growthWindowMs: 0 });
        const panel = new PanelLikeSurface();
        const value = await s.runner.run(a.id, t, surface === 'palette' ? s.palette : panel);
        await new Promise((r) => setImmediate(r));
        const summary =
          surface === 'panel'
            ? (panel.posts.find((p) => p.type === 'done')?.summary ?? s.ui.said.find((m) => m.level === 'info')?.text)
            : s.ui.said.find((m) => m.level === 'info')?.text;
        if (surface === 'panel' && a.long) {
          assert.deepEqual(
            panel.posts.map((p) => [p.type, p.busy]),
            [
              ['thread', a.id],
              ['thread', undefined],
              ['done', undefined],
            ],
            'busy while it runs, then the outcome',
          );
        }
        assert.ok(!s.ui.said.some((m) => m.level === 'error'), JSON.stringify(s.ui.said));
        // a quick action's value names the thread's file: the same once each run's own home is taken out
        const same = typeof value === 'string' ? value.replace(s.home, '<home>') : value;
        if (a.id === 'openRollout') assert.deepEqual(s.revealed, [t.path], 'the rollout is revealed');
        ends.push({ said: s.ui.said, questions: questions(s.ui.said), summary, value: same });
      }
      const [palette, panel] = ends;
      assert.deepEqual(panel.questions, palette.questions, 'the same questions');
      assert.ok(panel.value, 'the action ran');
      if (a.long) {
        // the notification adds the figures the panel's report shows
        assert.ok(palette.summary && panel.summary, 'both say how it ended');
        assert.ok(palette.summary.startsWith(panel.summary), `"${palette.summary}" starts with "${panel.summary}"`);
        assert.equal(typeof panel.value, typeof palette.value);
      } else {
        assert.equal(panel.summary, palette.summary);
        assert.deepEqual(panel.value, palette.value);
      }
    });
  }

  it('restore: "changed since the repair" asks, and restores anyway only when told — from both surfaces', async () => {
    for (const surface of ['palette', 'panel'] as const) {
      const s = setup();
      const t = s.threads[1];
      const original = fs.readFileSync(t.path);
      stripThread({ codexHome: s.home, thread: t.path, mode: 'in-place' }, { growthWindowMs: 0 });
      appendAgentMessage(t.path, 'a turn after the repair');
      const panel = new PanelLikeSurface();
      const on = surface === 'palette' ? s.palette : panel;

      s.ui.answer = false;
      assert.equal(await s.runner.run('restore', t, on), undefined);
      assert.deepEqual(
        questions(s.ui.said),
        [
          `Restore "${t.name}" from its backup (<path>)? The current file is replaced by the backup; it is saved as a backup itself first.`,
        ],
        'declining the first question stops before any run',
      );

      s.ui.said = [];
      let asked = 0;
      s.ui.confirm = (text: string) => {
        s.ui.said.push({ level: 'confirm', text });
        return Promise.resolve(asked++ === 0);
      };
      assert.equal(await s.runner.run('restore', t, on), undefined, 'declined the second question');
      assert.match(
        questions(s.ui.said)[1],
        /changed since it was repaired: Codex added new turns\. Restore the backup anyway\?/,
      );
      assert.ok(!s.ui.said.some((m) => m.level === 'error'), 'declining says nothing more');
      assert.notDeepEqual(fs.readFileSync(t.path), original);

      s.ui.said = [];
      s.ui.confirm = (text: string) => {
        s.ui.said.push({ level: 'confirm', text });
        return Promise.resolve(true);
      };
      const r = (await s.runner.run('restore', t, on)) as { report: { savedCurrentAs?: string } };
      assert.ok(r?.report.savedCurrentAs && fs.existsSync(r.report.savedCurrentAs), 'the later turns are saved');
      assert.deepEqual(fs.readFileSync(t.path), original, 'restored byte for byte');
    }
  });

  it('a cancelled run says nothing was changed on its surface; a failure is an error there', async () => {
    const s = setup();
    const t = s.threads[0];
    const before = fs.readFileSync(t.path);
    const panel = new PanelLikeSurface();
    panel.cancelNext = true;
    assert.equal(await s.runner.run('repairInPlace', t, panel), undefined);
    assert.deepEqual(panel.posts.at(-1), { type: 'failed', action: 'repairInPlace', code: 'cancelled' });
    assert.deepEqual(fs.readFileSync(t.path), before);

    // a restore of a thread never repaired: the core's refusal, as an error in the notification
    assert.equal(await s.runner.run('restore', t, s.palette), undefined);
    const err = s.ui.said.find((m) => m.level === 'error');
    assert.match(err?.text ?? '', /^Restoring .* failed: /);
  });

  it('Apply Repair after a preview refuses once the thread grew, and runs when it has not', async () => {
    const s = setup();
    const t = s.threads[0];
    const shown = (await s.runner.run('preview', t, s.palette)) as { preview: OpenPreview };
    appendAgentMessage(t.path, 'Codex wrote after the preview');
    const grown = fs.readFileSync(t.path);
    assert.equal(await s.runner.run('repairInPlace', t, s.palette, { preview: shown.preview }), undefined);
    assert.match(s.ui.said.find((m) => m.level === 'error')?.text ?? '', /changed since the preview — preview again/);
    assert.deepEqual(fs.readFileSync(t.path), grown, 'nothing changed');

    const again = (await s.runner.run('preview', t, s.palette)) as { preview: OpenPreview };
    const r = (await s.runner.run('repairInPlace', t, s.palette, { preview: again.preview })) as {
      report: { backupPath?: string };
    };
    assert.ok(r.report.backupPath, 'repaired with a backup');
  });
});
