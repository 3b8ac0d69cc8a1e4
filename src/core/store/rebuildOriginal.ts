// The other half of a reverse patch (reversePatch.ts builds it): the original rebuilt from the repaired
// file + patch.jsonl + patch.raw + the image store, piece by piece, checked as it goes — a restore and
// the check made before every swap both run it.
import * as fs from 'node:fs';
import { createHash } from 'node:crypto';
import { RescueError, CancelledError } from '../util/errors';
import { withStoreImage } from './imageStore';
import { encodeStored } from './storedForm';
import { EncodedRing } from './encodedRing';
import { PIECE, PatchEntry, PatchIndex } from './reversePatch';
import { readAt } from '../util/readAt';

export interface RebuildInput {
  codexHome: string;
  /** The repaired file's plain bytes (its first `repairedSize` bytes, when given: Codex appended the rest). */
  repaired: string;
  repairedSize?: number;
  patchPath: string;
  rawPath: string;
  index: PatchIndex;
  /** Sees the rebuilt original, piece by piece; a piece is valid only during the call (buffers are reused). */
  sink?: (b: Buffer) => void;
  /**
   * The sink compares every piece with the original: store images are then not hashed as they are read
   * (a damaged one is a difference there; ~0.15 s of a reclaim of the bench's home). Call
   * forgetEncoded() when the comparison fails: the encoded images kept here were not checked.
   */
  sinkCompares?: boolean;
  isCancelled?: () => boolean;
}

/**
 * Encoded images kept, from rebuild to rebuild in this thread of execution: copies repeat the same few
 * images in the same form, within a thread and (compactions, forks) across the threads a reclaim worker
 * rebuilds one after the other. Each is read from the store (and checked) and encoded once while it
 * stays here; store files never change under their name. A thread of the bench's home of copies holds
 * 8–10 distinct screenshots of ~470 KB encoded: the ring going round keeps most of what the next thread
 * needs (emptying it all when full: 461 encodes for that home; going round: 306; 24 MiB: ~70, at 12 MB
 * more peak per run).
 */
const IMAGE_CACHE_BYTES = 6 * 1024 * 1024;
const kept = new EncodedRing(IMAGE_CACHE_BYTES);

/** Drop the encoded images kept (a rebuild with `sinkCompares` found a difference: one may be damaged). */
export function forgetEncoded(): void {
  kept.forget();
}

/** The read buffer copies go through (out() uses each piece before the next read). */
let piece: Buffer | undefined;

function damaged(what: string): RescueError {
  return new RescueError('bad-input', `the restore data is damaged (${what}); nothing was restored`);
}

/** Rebuild the original from the repaired file + patch + store: its size and sha256 (and its bytes to `sink`). */
export function rebuildOriginal(input: RebuildInput): { size: number; sha256: string } {
  const hash = createHash('sha256');
  let size = 0;
  const out = (b: Buffer) => {
    hash.update(b);
    size += b.length;
    input.sink?.(b);
  };
  const formKeys = input.index.forms.map((form) => JSON.stringify(form));
  const image = (i: number, f: number): void => {
    const img = input.index.images[i];
    const form = input.index.forms[f];
    if (!img) throw damaged(`image ${i} is not listed`);
    if (!form) throw damaged(`form ${f} is not listed`);
    const key = `${input.codexHome}\0${img.sha256}\0${formKeys[f]}`;
    const known = kept.get(key);
    if (known) return out(known);
    withStoreImage(
      input.codexHome,
      img,
      (decoded) => {
        const stored = decoded.length <= IMAGE_CACHE_BYTES / 8 ? kept.keep(key, decoded, form) : undefined;
        if (stored) out(stored);
        else encodeStored(decoded, form, out); // too big to keep
      },
      { hashed: !input.sinkCompares },
    );
  };
  const rFd = fs.openSync(input.repaired, 'r');
  const rawFd = fs.openSync(input.rawPath, 'r');
  try {
    const rSize = Math.min(fs.fstatSync(rFd).size, input.repairedSize ?? Infinity);
    const copy = (fd: number, start: number, end: number, what: string) => {
      for (let pos = start; pos < end; pos += PIECE) {
        const b = readAt(fd, pos, Math.min(end, pos + PIECE), (piece ??= Buffer.allocUnsafe(PIECE)));
        if (b.length !== Math.min(end, pos + PIECE) - pos) throw damaged(`${what} is shorter than recorded`);
        out(b);
      }
    };
    let pos = 0;
    let count = 0;
    for (const line of fs.readFileSync(input.patchPath, 'utf8').split('\n')) {
      if (!line) continue;
      let e: PatchEntry;
      try {
        e = JSON.parse(line) as PatchEntry;
      } catch {
        throw damaged('patch.jsonl does not parse');
      }
      if (!(e.o >= pos && e.o + e.n <= rSize)) throw damaged('an entry points outside the repaired file');
      if ((count++ & 255) === 0 && input.isCancelled?.()) throw new CancelledError();
      copy(rFd, pos, e.o, 'the repaired file');
      for (const part of e.p) {
        if (part[0] === 0) copy(rawFd, part[1], part[1] + part[2], 'patch.raw');
        else image(part[1], part[2]);
      }
      pos = e.o + e.n;
    }
    if (count !== input.index.entries) throw damaged('patch.jsonl has fewer entries than recorded');
    copy(rFd, pos, rSize, 'the repaired file');
  } finally {
    fs.closeSync(rFd);
    fs.closeSync(rawFd);
  }
  return { size, sha256: hash.digest('hex') };
}
