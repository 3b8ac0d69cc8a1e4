// `search`: every thread's text — what was said and done — for words, "phrases" and prefix*.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SearchHit, SearchResult, searchThreads, searchThreadsParallel } from '../core/search/search';
import { formatBytes } from '../core/scan/risk';
import { markSnippet } from '../core/search/rank';
import { ROLE_LABEL } from '../core/search/roles';
import { CliContext, Command, fail } from './command';
import { UsageError } from '../core/util/errors';
import { intOption } from './args';
import { progressBar } from './progress';

export const searchCommand: Command = {
  name: 'search',
  usage: 'search QUERY [--limit N] [--workspace DIR] [--since DAYS] [--codex-home DIR] [--json]',
  summary: 'find threads by what was said and done in them: words, "phrases", prefix*',
  options: { flags: [], values: ['limit', 'workspace', 'since'] },
  run(ctx) {
    if (!ctx.operands.length) throw new UsageError('search needs something to look for, e.g. search "login layout"');
    return search(ctx, ctx.operands.join(' '));
  },
};

async function search(ctx: CliContext, query: string): Promise<number> {
  const { codexHome, args } = ctx;
  if (!fs.existsSync(codexHome))
    return fail(
      ctx,
      `no Codex home at ${codexHome}. Set --codex-home or CODEX_HOME to the folder that holds sessions/.`,
    );
  const limit = intOption(args, 'limit');
  if (limit === 0) throw new UsageError('--limit must be at least 1');
  const bar = progressBar(ctx.err, 'indexing');
  let result: SearchResult;
  try {
    const opts = {
      limit,
      workspace: args.values.get('workspace'),
      sinceDays: intOption(args, 'since'),
      onProgress: (d: number, t: number) => bar.update(d, t),
    };
    // Every core for a first index when the bundle's index worker is beside us (dist/); one thread otherwise.
    const script = path.join(__dirname, 'indexWorker.js');
    result = fs.existsSync(script)
      ? await searchThreadsParallel(codexHome, query, { ...opts, script })
      : searchThreads(codexHome, query, opts);
  } finally {
    bar.done();
  }
  for (const e of result.errors) ctx.err.write(`note: could not index ${e.path}: ${e.message}\n`);
  if (result.pending.files)
    ctx.err.write(
      `note: ${result.busy ? 'another process is building the search index; ' : ''}${result.pending.files} file(s) (${formatBytes(result.pending.bytes)}) not indexed yet: these results leave them out\n`,
    );
  if (args.flags.has('json')) {
    ctx.out.write(JSON.stringify(result.hits, null, 2) + '\n');
    return 0;
  }
  if (!result.hits.length) {
    ctx.out.write(`No thread holds ${result.terms.length > 1 ? 'all of ' : ''}${query}.\n`);
    return 0;
  }
  const bold = ctx.out.isTTY ? ['\x1b[1m', '\x1b[22m'] : ['**', '**'];
  ctx.out.write(result.hits.map((h) => describeHit(h, bold[0], bold[1])).join('\n\n') + '\n');
  return 0;
}

function describeHit(h: SearchHit, open: string, close: string): string {
  const day = (iso: string | undefined) => iso?.slice(0, 16).replace('T', ' ');
  const where = h.line ? `line ${h.line}, ${ROLE_LABEL[h.role]}${h.at ? `, ${day(h.at)}` : ''}` : ROLE_LABEL[h.role];
  const more = h.matches > 1 ? ` (+${h.matches - 1} more in this thread)` : '';
  return [
    `${h.name}  ${h.threadId}${h.archived ? '  [archived]' : ''}`,
    `  ${day(h.updatedAt)}${h.workspace ? `  ${h.workspace}` : ''}`,
    `  ${where}${more}: ${markSnippet({ text: h.snippetText, marks: h.marks }, open, close)}`,
  ].join('\n');
}
