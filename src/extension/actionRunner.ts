// One path for every action on a thread, whoever asks (a tree item, the command palette, a details
// panel's button): the questions before it, the run with progress and cancel, the retry the user may
// accept, the outcome. What is asked and said per action is in the table (actionTable.ts); a Surface
// only decides where progress and the outcome show: a notification, or the panel's run area (the
// panel owns its busy/cancel state). No `vscode` import: unit-tested with plain mocha.
import type { RunReport, ThreadView } from '../protocol/messages';
import { LONG_ACTIONS, PanelAction } from '../protocol/messages';
import { errorCode, errorMessage } from '../core/util/errors';
import type { Run } from './actions';
import type { OpenPreview } from './diffPreview';
import type { Ui } from './ui';

/** What an action runs with, beyond the thread: set by its command's arguments, its questions, a retry. */
export interface ActionArgs {
  backupPath?: string;
  /** Restore even though Codex wrote to the thread since the repair (its current version is saved first). */
  force?: boolean;
  /** Apply Repair: the preview the repair must still match. */
  preview?: OpenPreview;
}

export interface Question {
  message: string;
  button: string;
}

export interface Outcome {
  /** One sentence: what happened (the panel shows it above the report; a notification starts with it). */
  summary?: string;
  /** Figures and paths for a notification (the panel shows the report instead). */
  details?: string;
  report?: RunReport;
  /** What the command returns (other commands, the integration tests). */
  value: unknown;
  /** Buttons on the notification. */
  next?: { label: string; run(): unknown }[];
}

export interface ActionSpec {
  /** The command that runs it from the palette, the tree's menus, notifications. */
  command: string;
  /** The quick pick's prompt when the command is given no thread. */
  pick: string;
  /** The progress title, and the start of a failure message. */
  title(t: ThreadView): string;
  /** Runs in the worker with progress and cancel. Panel actions take it from PANEL_ACTIONS. */
  long?: boolean;
  /** The command's extra arguments (after the thread) as args. */
  argsFrom?(extra: unknown[]): ActionArgs;
  /** Questions before the run (which backup…): the args it runs with, or undefined when the user backs out. */
  prepare?(t: ThreadView, args: ActionArgs): Promise<ActionArgs | undefined>;
  /** The confirmation it needs, if any. */
  confirm?(t: ThreadView, args: ActionArgs): Question | undefined;
  run(t: ThreadView, run: Run, args: ActionArgs): Promise<Outcome>;
  /** A refusal the user may overrule: the question, and the args of the second try. */
  retry?(err: unknown, t: ThreadView, args: ActionArgs): { question: Question; args: ActionArgs } | undefined;
}

/** The actions by id: every panel action has one (actionTable.ts checks it); commands may add more. */
export type ActionTable = Record<string, ActionSpec>;

/** Where a long action's progress and outcome show. */
export interface Surface {
  track<T>(action: string, title: string, fn: (run: Run) => Promise<T>): PromiseLike<T>;
  done(action: string, outcome: Outcome): void;
  /** `err` may be a cancel: then nothing was changed. */
  failed(action: string, title: string, err: unknown): void;
}

export function isCancelled(err: unknown): boolean {
  return errorCode(err) === 'cancelled';
}

/** A run that is never cancelled and shows no progress (quick actions). */
const QUICK: Run = {
  token: { isCancellationRequested: false, onCancellationRequested: () => ({ dispose: () => undefined }) },
  progress: () => undefined,
};

export class ActionRunner {
  constructor(
    readonly table: ActionTable,
    private readonly ui: () => Ui,
    private readonly log: { error(msg: string): void },
  ) {}

  isLong(id: string): boolean {
    return LONG_ACTIONS.has(id as PanelAction) || !!this.table[id]?.long;
  }

  /** Run action `id` on `t`, showing progress and the outcome on `surface`; returns the outcome's value. */
  async run(id: string, t: ThreadView, surface: Surface, given: ActionArgs = {}): Promise<unknown> {
    const spec = this.table[id];
    if (!spec) throw new Error(`no action '${id}'`);
    const ui = this.ui();
    let args = spec.prepare ? await spec.prepare(t, given) : given;
    if (!args) return undefined;
    const q = spec.confirm?.(t, args);
    if (q && !(await ui.confirm(q.message, q.button))) return undefined;
    const title = spec.title(t);
    const long = this.isLong(id);
    for (;;) {
      const a: ActionArgs = args;
      try {
        if (!long) {
          const out = await spec.run(t, QUICK, a);
          if (out.summary) void ui.info(out.summary); // a message resolves when dismissed: never waited for
          return out.value;
        }
        const out = await surface.track(id, title, (run) => spec.run(t, run, a));
        surface.done(id, out);
        return out.value;
      } catch (err) {
        const again = spec.retry?.(err, t, a);
        if (again) {
          // The refusal explained itself in the question: declining changes nothing and needs no error.
          if (!(await ui.confirm(again.question.message, again.question.button))) return undefined;
          args = again.args;
          continue;
        }
        if (!isCancelled(err)) this.log.error(`${title}: ${errorMessage(err)}`);
        if (long) surface.failed(id, title, err);
        else void ui.error(`${title} failed: ${errorMessage(err)}`); // as above
        return undefined;
      }
    }
  }
}

/** The command palette's and the tree's surface: a cancellable progress notification, then a message. */
export class NotificationSurface implements Surface {
  constructor(private readonly ui: () => Ui) {}

  track<T>(_action: string, title: string, fn: (run: Run) => Promise<T>): PromiseLike<T> {
    return this.ui().withProgress(title, fn);
  }

  done(_action: string, out: Outcome): void {
    const text = [out.summary, out.details].filter(Boolean).join(' ');
    if (!text) return;
    const next = out.next ?? [];
    // The notification stays until dismissed: never make the command wait for it. A button's command
    // reports its own failures.
    void Promise.resolve(this.ui().info(text, ...next.map((n) => n.label))).then(
      (pick) => next.find((n) => n.label === pick)?.run(),
      () => undefined,
    );
  }

  failed(_action: string, title: string, err: unknown): void {
    // messages resolve when dismissed: never waited for
    if (isCancelled(err)) void this.ui().info(`${title}: cancelled. Nothing was changed.`);
    else void this.ui().error(`${title} failed: ${errorMessage(err)}`);
  }

  /** Long work that is not a thread action (a scan, the handoff before a new thread): the value, or undefined. */
  async attempt<T>(
    title: string,
    fn: (run: Run) => Promise<T>,
    log?: { error(msg: string): void },
  ): Promise<T | undefined> {
    try {
      return await this.track('', title, fn);
    } catch (err) {
      if (!isCancelled(err)) log?.error(`${title}: ${errorMessage(err)}`);
      this.failed('', title, err);
      return undefined;
    }
  }
}
