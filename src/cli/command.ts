// What every CLI command provides; main.ts dispatches to them and assembles the help text.
import { ArgSpec, ParsedArgs } from './args';

export interface CliContext {
  codexHome: string;
  args: ParsedArgs;
  /** Positional arguments after the command name. */
  operands: string[];
  out: NodeJS.WriteStream;
  err: NodeJS.WriteStream;
}

export interface Command {
  name: string;
  /** One usage line, e.g. `inspect <id|path> [--json]`. */
  usage: string;
  summary: string;
  /** Options beyond the common ones (--codex-home, --json, --help). */
  options: ArgSpec;
  /** Returns the exit code: 0 ok, 1 failure, 2 usage. May be async (e.g. confirmation prompts). */
  run(ctx: CliContext): number | Promise<number>;
}

export function fail(ctx: CliContext, message: string): number {
  ctx.err.write(`codex-session-rescue: ${message}\n`);
  return 1;
}
