// Where a run reads from and writes to: a .zst rollout is decompressed beside itself first (the pass
// copies by byte offset), and each mode has its final path with a temp file beside it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RolloutFile } from '../codexHome/rolloutFiles';
import { newThreadId, sessionPath } from '../codexHome/paths';
import { describeWriteError, tempBeside } from '../util/atomicWrite';
import { PlainCopy, decompressToTemp } from '../store/zstdFile';
import { RescueError } from '../util/errors';
import { checkOutPath } from './refusals';
import { canWriteZstd } from '../store/zstdFile';
import { StripRequest } from './types';

export interface Target {
  /** Where the repaired file ends up. */
  finalPath: string;
  /** The temp file beside it that the pass writes. */
  output: string;
  /** The new thread's id (fork). */
  newThreadId?: string;
}

function makeFolder(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw describeWriteError(err, dir);
  }
}

/** An in-place repair of a .zst thread writes it back as .zst (when asked, and this Node can). */
export function keepsZst(req: StripRequest, f: RolloutFile): boolean {
  return req.mode === 'in-place' && f.compressed && Boolean(req.keepCompressed) && canWriteZstd();
}

export function targetFor(req: StripRequest, f: RolloutFile): Target {
  const beside = (finalPath: string, extra: Partial<Target> = {}): Target => ({
    finalPath,
    output: tempBeside(finalPath, 'rescue'),
    ...extra,
  });
  switch (req.mode) {
    case 'in-place':
      // A repaired .zst becomes a plain .jsonl, which Codex prefers, unless asked to stay .zst (then the
      // plain pass writes a temp file that is compressed after verification); the .zst goes into the backup.
      return beside(f.compressed && !keepsZst(req, f) ? f.path.replace(/\.zst$/, '') : f.path);
    case 'fork': {
      const id = newThreadId();
      const finalPath = sessionPath(req.codexHome, id, new Date());
      makeFolder(path.dirname(finalPath));
      return beside(finalPath, { newThreadId: id });
    }
    case 'copy': {
      if (!req.out) throw new RescueError('usage', 'a copy needs an output path (--out FILE)');
      checkOutPath(req.out, f);
      const finalPath = path.resolve(req.out);
      makeFolder(path.dirname(finalPath));
      return beside(finalPath);
    }
    case 'dry-run': {
      if (req.out) checkOutPath(req.out, f);
      const dir = req.out ? path.dirname(path.resolve(req.out)) : path.join(os.tmpdir(), 'codex-session-rescue');
      makeFolder(dir);
      return beside(req.out ? path.resolve(req.out) : path.join(dir, `${f.id}-${Date.now()}-preview.jsonl`));
    }
  }
}

/**
 * The plain bytes the pass reads: the rollout itself, or a decompressed temp copy of a .zst (with
 * `rewrite`, also whether zstdFile writes that .zst back exactly, when that was cheap to learn).
 */
export function plainSource(
  f: Pick<RolloutFile, 'path' | 'compressed'>,
  isCancelled?: () => boolean,
  o: { rewrite?: boolean } = {},
): { path: string; cleanup?: string; rewrite?: PlainCopy['rewrite'] } {
  if (!f.compressed) return { path: f.path };
  // no hash of it: the restore data's rebuild is compared with these bytes, and hashed
  const copy = decompressToTemp(f.path, f.path.replace(/\.zst$/, ''), isCancelled, { hash: false, rewrite: o.rewrite });
  return { path: copy.path, cleanup: copy.path, ...(copy.rewrite ? { rewrite: copy.rewrite } : {}) };
}
