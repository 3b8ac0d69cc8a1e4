// codex-session-rescue: the command-line front over the same core as the extension.
import { resolveCodexHome } from '../core/codexHome/paths';
import { VERSION } from '../core/util/version';
import { commandName, parseArgs } from './args';
import { Command } from './command';
import { RescueError, UsageError, errorMessage } from '../core/util/errors';
import { nodeVersionProblem } from './nodeVersion';
import { scanCommand } from './scanCommand';
import { inspectCommand } from './inspectCommand';
import { stripCommand } from './stripCommand';
import { restoreCommand } from './restoreCommand';
import { reclaimCommand } from './reclaimCommand';
import { pruneCommand } from './pruneCommand';
import { handoffCommand } from './handoffCommand';
import { watchCommand } from './watchCommand';
import { mcpCommand } from './mcpCommand';
import { searchCommand } from './searchCommand';

/** Every command, in the order the help lists them. */
const COMMANDS: Command[] = [
  scanCommand,
  searchCommand,
  inspectCommand,
  handoffCommand,
  stripCommand,
  restoreCommand,
  reclaimCommand,
  pruneCommand,
  watchCommand,
  mcpCommand,
];

const COMMON = { flags: ['json', 'help', 'version'], values: ['codex-home'], short: { h: 'help', V: 'version' } };

function usageText(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    `codex-session-rescue ${VERSION} — keep long OpenAI Codex threads alive`,
    '',
    'Usage:',
    ...COMMANDS.map((c) => `  codex-session-rescue ${c.usage}`),
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Common options:',
    "  --codex-home DIR   Codex's folder (default: $CODEX_HOME, else ~/.codex)",
    '  --json             machine-readable output',
    '  -h, --help         this help',
    '',
    'Exit codes: 0 ok, 1 failure (with a message), 2 usage error.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const name = commandName(argv, {
    flags: [...COMMON.flags, ...COMMANDS.flatMap((c) => c.options.flags)],
    values: [...COMMON.values, ...COMMANDS.flatMap((c) => c.options.values)],
    short: Object.assign({}, COMMON.short, ...COMMANDS.map((c) => c.options.short)),
  });
  const command = COMMANDS.find((c) => c.name === name);
  const usage = (message: string) => {
    process.stderr.write(`codex-session-rescue: ${message}\n\n${usageText()}\n`);
    return 2;
  };
  let args;
  try {
    args = parseArgs(argv, {
      flags: [...COMMON.flags, ...(command?.options.flags ?? [])],
      values: [...COMMON.values, ...(command?.options.values ?? [])],
      short: { ...COMMON.short, ...(command?.options.short ?? {}) },
    });
  } catch (err) {
    if (err instanceof UsageError) return usage(err.message);
    throw err;
  }
  if (args.flags.has('version')) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (args.flags.has('help') || !name) {
    process.stdout.write(`${usageText()}\n`);
    return name || args.flags.has('help') ? 0 : 2;
  }
  if (!command) return usage(`unknown command '${name}'`);
  try {
    return await command.run({
      codexHome: resolveCodexHome(args.values.get('codex-home')),
      args,
      operands: args.positional.slice(1),
      out: process.stdout,
      err: process.stderr,
    });
  } catch (err) {
    if (err instanceof UsageError) return usage(err.message);
    if ((err as NodeJS.ErrnoException)?.syscall === 'write' && !(err instanceof RescueError)) {
      process.stderr.write(`codex-session-rescue: ${outputError(err as NodeJS.ErrnoException)}\n`);
      return 1;
    }
    // Refusals and failures we worded for the user print as they are; anything else is a bug, with its stack.
    if (err instanceof RescueError) process.stderr.write(`codex-session-rescue: ${err.message}\n`);
    else
      process.stderr.write(
        `codex-session-rescue: unexpected error, please report it: ${errorMessage(err)}\n${(err as Error)?.stack ?? ''}\n`,
      );
    return 1;
  }
}

/** The output (stdout) could not be written: why, and what to do. */
function outputError(err: NodeJS.ErrnoException): string {
  const why = err.code === 'ENOSPC' ? 'the disk is full' : (err.code ?? err.message);
  return `could not write the output (${why}). Send it somewhere with room (or to a terminal) and run the command again.`;
}

/** The CLI as a process: dist/cli.js (cli.ts) calls this once it has turned the compile cache on. */
export function runCli(): void {
  const tooOld = nodeVersionProblem();
  if (tooOld) {
    process.stderr.write(`${tooOld}\n`);
    process.exit(1);
  }
  // The reader went away (`scan --json | head`): what it wanted is written; stop quietly. Any other
  // failure to write the output (a full disk under `> file`) is said in words, not as a stack.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') {
      process.stderr.write(`codex-session-rescue: ${outputError(err)}\n`);
      process.exit(1);
    }
    process.exit(process.exitCode ?? 0);
  });
  // main() turns every failure it can word into an exit code; only a bug rejects, and Node then prints its
  // stack and exits 1.
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
