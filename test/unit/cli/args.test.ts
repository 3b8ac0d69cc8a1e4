// The command line as node:util's parseArgs reads it (strict), with the CLI's own usage messages and exit codes.
import * as assert from 'node:assert/strict';
import { ArgSpec, ParsedArgs, commandName, intOption, parseArgs } from '../../../src/cli/args';
import { main } from '../../../src/cli/main';
import { UsageError } from '../../../src/core/util/errors';
import { VERSION } from '../../../src/core/util/version';

const SPEC: ArgSpec = {
  flags: ['json', 'yes', 'no-cache'],
  values: ['out', 'budget'],
  short: { y: 'yes', o: 'out' },
};

const SPEC_ALL: ArgSpec = { ...SPEC, values: [...SPEC.values, 'codex-home'] };

function parsed(argv: string[]): { positional: string[]; flags: string[]; values: Record<string, string> } {
  const r: ParsedArgs = parseArgs(argv, SPEC);
  return { positional: r.positional, flags: [...r.flags].sort(), values: Object.fromEntries(r.values) };
}

function usageError(argv: string[]): string {
  try {
    parseArgs(argv, SPEC);
  } catch (err) {
    assert.ok(err instanceof UsageError, `a usage error, not ${String(err)}`);
    assert.equal(err.code, 'usage');
    return err.message;
  }
  assert.fail(`${argv.join(' ')} parsed without an error`);
}

/** Runs the CLI's main() with stdout and stderr captured. */
async function runMain(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const { stdout, stderr } = process;
  const writeOut = stdout.write;
  const writeErr = stderr.write;
  stdout.write = ((chunk: string) => ((out += chunk), true)) as typeof stdout.write;
  stderr.write = ((chunk: string) => ((err += chunk), true)) as typeof stderr.write;
  try {
    const code = await main(argv);
    return { code, out, err };
  } finally {
    stdout.write = writeOut;
    stderr.write = writeErr;
  }
}

describe('cli/args', () => {
  it('reads flags, values (spaced and --x=v) and operands in order', () => {
    assert.deepEqual(parsed(['strip', 'a', '--json', '--out', 'f.jsonl', '--budget=900', 'b', '--no-cache']), {
      positional: ['strip', 'a', 'b'],
      flags: ['json', 'no-cache'],
      values: { out: 'f.jsonl', budget: '900' },
    });
  });

  it('keeps what follows = whole, even another = or nothing', () => {
    assert.deepEqual(parsed(['x', '--out=a=b']).values, { out: 'a=b' });
    assert.deepEqual(parsed(['x', '--out=']).values, { out: '' });
    assert.deepEqual(parsed(['x', '--budget=-1']).values, { budget: '-1' });
  });

  it('takes the last of a repeated value', () => {
    assert.deepEqual(parsed(['x', '--out', 'a', '--out', 'b']).values, { out: 'b' });
  });

  it('reads short flags and short values, alone or grouped', () => {
    assert.deepEqual(parsed(['x', '-y', '-o', 'f']), { positional: ['x'], flags: ['yes'], values: { out: 'f' } });
    assert.deepEqual(parsed(['x', '-yo', 'f']), { positional: ['x'], flags: ['yes'], values: { out: 'f' } });
  });

  it('takes everything after -- as operands, options included', () => {
    assert.deepEqual(parsed(['x', '--json', '--', '--out', '-y', 'a']), {
      positional: ['x', '--out', '-y', 'a'],
      flags: ['json'],
      values: {},
    });
  });

  it('refuses an unknown option, long or short, as written', () => {
    assert.equal(usageError(['x', '--nope']), 'unknown option --nope');
    assert.equal(usageError(['x', '--nope=3']), 'unknown option --nope=3');
    assert.equal(usageError(['x', '-z']), 'unknown option -z');
    assert.equal(usageError(['x', '-yz']), 'unknown option -z');
  });

  it('refuses a flag given a value', () => {
    assert.equal(usageError(['x', '--json=1']), '--json takes no value');
    assert.equal(usageError(['x', '--no-cache=']), '--no-cache takes no value');
  });

  it('refuses a value option without its value', () => {
    assert.equal(usageError(['x', '--out']), '--out needs a value');
    assert.equal(usageError(['x', '-o']), '-o needs a value');
    assert.equal(usageError(['x', '--out', '--json']), '--out needs a value');
    assert.equal(
      usageError(['x', '--budget', '-1']),
      "--budget needs a value (for one that starts with '-', write --budget=-1)",
    );
  });

  it('finds the command after an option that takes a value', () => {
    assert.equal(commandName(['--codex-home', '/h', 'scan', '--json'], SPEC_ALL), 'scan');
    assert.equal(commandName(['-o', 'out.md', 'handoff', 'id'], SPEC_ALL), 'handoff');
    assert.equal(commandName(['--json', '-y', 'inspect', 'id'], SPEC_ALL), 'inspect');
    assert.equal(commandName(['--json'], SPEC_ALL), undefined);
  });

  it('reads a whole-number option, or says what is wrong with it', () => {
    const args = parseArgs(['x', '--budget', '900'], SPEC);
    assert.equal(intOption(args, 'budget'), 900);
    assert.equal(intOption(args, 'out'), undefined);
    assert.throws(
      () => intOption(parseArgs(['x', '--budget=9k'], SPEC), 'budget'),
      (err: Error) => err instanceof UsageError && err.message === "--budget must be a whole number (got '9k')",
    );
  });
});

describe('cli/main exit codes', () => {
  it('an unknown option: exit 2, the message, then the usage', async () => {
    const r = await runMain(['scan', '--bogus']);
    assert.equal(r.code, 2);
    assert.equal(r.out, '');
    assert.ok(
      r.err.startsWith(`codex-session-rescue: unknown option --bogus\n\ncodex-session-rescue ${VERSION}`),
      r.err,
    );
    assert.match(r.err, /Exit codes: 0 ok, 1 failure \(with a message\), 2 usage error\./);
  });

  it("another command's option is unknown to this one", async () => {
    const r = await runMain(['inspect', 'x', '--allow-repair']);
    assert.equal(r.code, 2);
    assert.match(r.err, /^codex-session-rescue: unknown option --allow-repair\n/);
  });

  it('a flag given a value, and a value option without one: exit 2', async () => {
    assert.deepEqual(
      [await runMain(['scan', '--json=yes']), await runMain(['scan', '--codex-home'])].map((r) => [
        r.code,
        r.err.split('\n')[0],
      ]),
      [
        [2, 'codex-session-rescue: --json takes no value'],
        [2, 'codex-session-rescue: --codex-home needs a value'],
      ],
    );
  });

  it('no command: exit 2 with the usage; --help and -h: exit 0; -V: the version', async () => {
    const none = await runMain([]);
    assert.equal(none.code, 2);
    assert.match(none.out, /^codex-session-rescue .*\n\nUsage:/);
    for (const help of [['--help'], ['-h'], ['scan', '-h']]) {
      const r = await runMain(help);
      assert.equal(r.code, 0, help.join(' '));
      assert.match(r.out, /Commands:\n/);
    }
    assert.deepEqual(await runMain(['-V']), { code: 0, out: `${VERSION}\n`, err: '' });
  });

  it('an unknown command: exit 2, named', async () => {
    const r = await runMain(['--codex-home', '/nowhere', 'frobnicate']);
    assert.equal(r.code, 2);
    assert.match(r.err, /^codex-session-rescue: unknown command 'frobnicate'\n/);
  });

  it('a failure worded for the user: exit 1', async () => {
    const r = await runMain(['--codex-home', '/nowhere/at/all', 'inspect', 'no-such-thread', '--json']);
    assert.equal(r.code, 1);
    assert.match(r.err, /^codex-session-rescue: /);
    assert.doesNotMatch(r.err, /unexpected error/);
  });
});
