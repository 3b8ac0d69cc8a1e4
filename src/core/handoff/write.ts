// Writing a handoff: into CODEX_HOME/rescue/handoffs/<threadId>/<time>.md, atomically and never
// overwriting, plus an optional copy where the user asked.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveThread } from '../codexHome/rolloutFiles';
import { handoffDir } from '../codexHome/paths';
import { writeFileAtomic, writeNewFileAtomic } from '../util/atomicWrite';
import { collectThread } from './build';
import { renderHandoff } from './budget';
import { HandoffOptions, WriteResult } from './types';

function stamp(d: Date): string {
  return d
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-');
}

/** A path in `dir` for `base` that does not exist yet (base, base-2, base-3 …). */
function freeName(dir: string, base: string, ext: string): string {
  for (let i = 1; ; i++) {
    const p = path.join(dir, `${base}${i > 1 ? `-${i}` : ''}${ext}`);
    if (!fs.existsSync(p)) return p;
  }
}

export interface WriteOptions extends HandoffOptions {
  /** Also write a copy here (a file path; an existing folder gets a generated name inside it). */
  out?: string;
}

/** Build and write a handoff: into CODEX_HOME/rescue/handoffs/<threadId>/<timestamp>.md (never overwriting), and to `out` if given. */
export function writeHandoff(codexHome: string, ref: string, opts: WriteOptions = {}): WriteResult {
  const f = resolveThread(codexHome, ref);
  const now = opts.now ?? new Date();
  const dir = handoffDir(codexHome, f.id);
  const planned = freeName(dir, stamp(now), '.md');
  let outPath: string | undefined;
  if (opts.out) {
    outPath = path.resolve(opts.out);
    if (fs.existsSync(outPath) && fs.statSync(outPath).isDirectory())
      outPath = path.join(outPath, `codex-handoff-${f.id.slice(0, 8)}-${stamp(now)}.md`);
  }
  const { data, thread } = collectThread(codexHome, f, opts);
  // The seeded-thread command points at the copy the user chose, else the one in CODEX_HOME.
  const r = renderHandoff(data, thread, { ...opts, now, handoffPath: outPath ?? planned });
  const written = writeNewFileAtomic(planned, r.markdown);
  if (written !== planned && !outPath) {
    // Someone took the planned name meanwhile: re-render so the command names the real file.
    const again = renderHandoff(data, thread, { ...opts, now, handoffPath: written });
    writeFileAtomic(written, again.markdown);
  }
  if (outPath) writeFileAtomic(outPath, r.markdown);
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
