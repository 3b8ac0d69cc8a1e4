// Ask yes/no on a terminal; anything but y/yes is no.
import { readline } from '../core/util/lazyModules';

export function confirm(question: string): Promise<boolean> {
  const rl = readline().createInterface({ input: process.stdin, output: process.stderr });
  return new Promise((resolve) => {
    rl.question(`${question} [y/N] `, (answer) => {
      rl.close();
      resolve(/^y(es)?$/i.test(answer.trim()));
    });
  });
}

/** Confirmation is asked only on an interactive terminal, and never with --yes. */
export function shouldAsk(yes: boolean): boolean {
  return !yes && Boolean(process.stdin.isTTY) && Boolean(process.stderr.isTTY);
}

/**
 * For what touches many threads or cannot be undone (reclaim, prune): asked on a terminal; elsewhere
 * it goes ahead only with --yes. True: go ahead (a refusal is said on `err`).
 */
export async function confirmOrNeedYes(err: NodeJS.WritableStream, yes: boolean, question: string): Promise<boolean> {
  if (yes) return true;
  if (!shouldAsk(false)) {
    err.write('Not on a terminal, so it cannot ask: run it again with --yes to go ahead. Nothing changed.\n');
    return false;
  }
  if (await confirm(question)) return true;
  err.write('Nothing changed.\n');
  return false;
}
