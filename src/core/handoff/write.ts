// Writing a handoff: into CODEX_HOME/rescue/handoffs/<threadId>/<time>.md, atomically and never
// overwriting, plus an optional copy where the user asked.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveThread } from '../codexHome/rolloutFiles';
import { handoffDir, isThreadId } from '../codexHome/paths';
import type { ThreadSummary } from '../scan/catalog';
import { freeName, writeFileAtomic, writeNewFileAtomic } from '../util/atomicWrite';
import { RescueError, errorMessage } from '../util/errors';
import { collectThread } from './build';
import { renderHandoff } from './budget';
import { HandoffOptions, WriteResult } from './types';

function stamp(d: Date): string {
  return d
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-');
}

export interface WriteOptions extends HandoffOptions {
  /** Also write a copy here (a file path; an existing folder gets a generated name inside it). */
  out?: string;
}

/** Build and write a handoff: into CODEX_HOME/rescue/handoffs/<threadId>/<timestamp>.md (never overwriting), and to `out` if given. */
export function writeHandoff(codexHome: string, ref: string, opts: WriteOptions = {}): WriteResult {
  const f = resolveThread(codexHome, ref, { outside: opts.outside });
  const now = opts.now ?? new Date();
  // A file without a thread id in its name (only the CLI reads such files) has no folder in the home.
  const ownFolder = isThreadId(f.id);
  if (!ownFolder && !opts.out)
    throw new RescueError(
      'usage',
      `${f.path} has no Codex thread id in its name, so its handoff has no folder under ${codexHome}/rescue/handoffs; give --out FILE (nothing was written)`,
    );
  const planned = ownFolder ? freeName(handoffDir(codexHome, f.id), stamp(now), '.md').p : undefined;
  let outPath: string | undefined;
  if (opts.out) {
    outPath = path.resolve(opts.out);
    if (fs.existsSync(outPath) && fs.statSync(outPath).isDirectory())
      outPath = path.join(outPath, `codex-handoff-${f.id.slice(0, 8)}-${stamp(now)}.md`);
    // Checked before anything is written: a handoff never replaces a file of the user's.
    if (fs.existsSync(outPath))
      throw new RescueError(
        'exists',
        `${outPath} already exists; give a new file name or a folder for --out (nothing was written)`,
      );
  }
  const { data, thread } = collectThread(codexHome, f, opts);
  // The seeded-thread command points at the copy the user chose, else the one in CODEX_HOME.
  const r = renderHandoff(data, thread, { ...opts, now, handoffPath: outPath ?? planned });
  if (!planned) {
    writeFileAtomic(outPath!, r.markdown);
    return result(outPath!, outPath, thread, r);
  }
  const written = writeNewFileAtomic(planned, r.markdown);
  if (written !== planned && !outPath) {
    // Someone took the planned name meanwhile: re-render so the command names the real file.
    const again = renderHandoff(data, thread, { ...opts, now, handoffPath: written });
    writeFileAtomic(written, again.markdown);
  }
  if (outPath) {
    try {
      writeFileAtomic(outPath, r.markdown);
    } catch (err) {
      throw new RescueError(
        'write-failed',
        `the handoff was written to ${written}, but its copy could not be: ${errorMessage(err)}`,
      );
    }
  }
  return result(written, outPath, thread, r);
}

function result(
  written: string,
  outPath: string | undefined,
  thread: ThreadSummary,
  r: ReturnType<typeof renderHandoff>,
): WriteResult {
  return {
    path: written,
    outPath,
    threadId: thread.id,
    bytes: Buffer.byteLength(r.markdown),
    tokensEstimate: r.tokensEstimate,
    sections: r.sections,
    trimmed: r.trimmed,
    riskLevel: thread.risk.level,
  };
}

/** Handoffs already written for a thread, newest first. */
export function listHandoffs(codexHome: string, threadId: string): string[] {
  const dir = handoffDir(codexHome, threadId);
  try {
    return fs
      .readdirSync(dir)
      .filter((n) => n.endsWith('.md') && !n.startsWith('.'))
      .sort()
      .reverse()
      .map((n) => path.join(dir, n));
  } catch {
    return [];
  }
}
