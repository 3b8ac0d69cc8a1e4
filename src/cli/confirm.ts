// Ask yes/no on a terminal; anything but y/yes is no.
import * as readline from 'node:readline';

export function confirm(question: string): Promise<boolean> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
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
