// A repaired .zst thread written back as .zst (reclaim): the verified plain output compressed beside
// the original with Node's zstd (store/zstdFile.ts), then read back through the reader's own
// decompression and compared by sha256 before anything is swapped.
import { createHash } from 'node:crypto';
import { readRollout } from '../rollout/reader';
import { removeQuietly, tempBeside } from '../util/atomicWrite';
import { RescueError } from '../util/errors';
import { zstdFile } from '../store/zstdFile';
import { sha256File } from '../util/fileHash';

/** Compress `plain` into a temp file beside `target` and prove it decompresses to the same bytes. */
export function compressVerified(plain: string, target: string, isCancelled?: () => boolean): string {
  const tmp = tempBeside(target, 'rezst');
  try {
    zstdFile(plain, tmp);
    const got = createHash('sha256');
    readRollout(tmp, () => undefined, { hashDataUrls: false, isCancelled, onDecompressed: (c) => got.update(c) });
    if (got.digest('hex') !== sha256File(plain))
      throw new RescueError(
        'verify-failed',
        'The compressed repaired copy did not read back as the verified one, so the original was left untouched. Please report this.',
      );
    return tmp;
  } catch (err) {
    removeQuietly(tmp);
    throw err;
  }
}
