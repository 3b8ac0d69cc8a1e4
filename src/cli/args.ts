// The command line, read by node:util's parseArgs in strict mode: unknown options are usage errors (exit 2),
// not guesses. Its errors are reworded in the CLI's own words, naming the option as the user wrote it.

import { parseArgs as nodeParseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../core/util/errors';

export interface ParsedArgs {
  positional: string[];
  flags: Set<string>;
  values: Map<string, string>;
}

export interface ArgSpec {
  flags: string[];
  values: string[];
  /** One-letter aliases: `{ y: 'yes' }` makes `-y` mean `--yes`. */
  short?: Record<string, string>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

function nodeOptions(spec: ArgSpec): Options {
  const options: Options = {};
  for (const name of spec.flags) options[name] = { type: 'boolean' };
  for (const name of spec.values) options[name] = { type: 'string' };
  for (const [letter, name] of Object.entries(spec.short ?? {})) {
    const option = options[name];
    if (!option) throw new Error(`short option -${letter} names no option (${name})`); // a bug in a command's spec
    option.short = letter;
  }
  return options;
}

export function parseArgs(argv: string[], spec: ArgSpec): ParsedArgs {
  const options = nodeOptions(spec);
  let tokens;
  try {
    ({ tokens } = nodeParseArgs({ args: argv, options, strict: true, allowPositionals: true, tokens: true }));
  } catch (err) {
    if (!String((err as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS_')) throw err;
    throw new UsageError(usageProblem(argv, spec) ?? (err as Error).message);
  }
  const out: ParsedArgs = { positional: [], flags: new Set(), values: new Map() };
  for (const t of tokens) {
    if (t.kind === 'positional') out.positional.push(t.value);
    else if (t.kind === 'option') {
      if (t.value === undefined) out.flags.add(t.name);
      else out.values.set(t.name, t.value);
    }
  }
  return out;
}

/** What strict parsing refused, in our words: the first option that is unknown, or has or lacks a value. */
function usageProblem(argv: string[], spec: ArgSpec): string | undefined {
  // Lenient this time, to see each option as written; strict parsing has already said something is wrong.
  const { tokens } = nodeParseArgs({
    args: argv,
    options: nodeOptions(spec),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  for (const t of tokens) {
    if (t.kind !== 'option') continue;
    if (spec.flags.includes(t.name)) {
      if (t.value !== undefined) return `${t.rawName} takes no value`;
    } else if (spec.values.includes(t.name)) {
      if (t.value === undefined) return `${t.rawName} needs a value`;
      // Strict parsing takes no value that looks like an option after a space; `--x=-1` says it is one.
      if (!t.inlineValue && t.value.startsWith('-') && t.value.length > 1)
        return t.value.startsWith('--')
          ? `${t.rawName} needs a value`
          : `${t.rawName} needs a value (for one that starts with '-', write --${t.name}=${t.value})`;
    } else {
      return `unknown option ${t.rawName}${t.inlineValue ? `=${t.value}` : ''}`;
    }
  }
  return undefined;
}

/**
 * The command's name: the first operand, once each option that takes a value has had it (so
 * `--codex-home DIR scan` is the scan command). `spec` holds the options of every command.
 */
export function commandName(argv: string[], spec: ArgSpec): string | undefined {
  const options = nodeOptions(spec);
  const { tokens } = nodeParseArgs({ args: argv, options, strict: false, allowPositionals: true, tokens: true });
  return tokens.find((t) => t.kind === 'positional')?.value;
}

/** A non-negative integer option, or a usage error that says what was wrong. */
export function intOption(args: ParsedArgs, name: string): number | undefined {
  const v = args.values.get(name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name} must be a whole number (got '${v}')`);
  return Number(v);
}
