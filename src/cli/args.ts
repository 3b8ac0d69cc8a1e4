// A small, strict argument parser: unknown options are usage errors (exit 2), not guesses.

import { UsageError } from '../core/util/errors';

export interface ParsedArgs {
  positional: string[];
  flags: Set<string>;
  values: Map<string, string>;
}

export interface ArgSpec {
  flags: string[];
  values: string[];
  short?: Record<string, string>;
}

export function parseArgs(argv: string[], spec: ArgSpec): ParsedArgs {
  const out: ParsedArgs = { positional: [], flags: new Set(), values: new Map() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      out.positional.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = a.slice(2, eq === -1 ? undefined : eq);
      if (spec.flags.includes(name)) {
        if (eq !== -1) throw new UsageError(`--${name} takes no value`);
        out.flags.add(name);
      } else if (spec.values.includes(name)) {
        const v = eq !== -1 ? a.slice(eq + 1) : argv[++i];
        if (v === undefined || (eq === -1 && v.startsWith('--'))) throw new UsageError(`--${name} needs a value`);
        out.values.set(name, v);
      } else {
        throw new UsageError(`unknown option ${a}`);
      }
    } else if (a.startsWith('-') && a.length > 1) {
      const name = spec.short?.[a.slice(1)];
      if (!name) throw new UsageError(`unknown option ${a}`);
      if (spec.values.includes(name)) {
        const v = argv[++i];
        if (v === undefined) throw new UsageError(`${a} needs a value`);
        out.values.set(name, v);
      } else out.flags.add(name);
    } else {
      out.positional.push(a);
    }
  }
  return out;
}

/** A non-negative integer option, or a usage error that says what was wrong. */
export function intOption(args: ParsedArgs, name: string): number | undefined {
  const v = args.values.get(name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name} must be a whole number (got '${v}')`);
  return Number(v);
}
