// Saving images out of a rollout: each image's sha256, and (with the image store) the decoded image
// written there once, named by the sha256 of its decoded bytes, however often it was copied.
import * as fs from 'node:fs';
import { createHash } from 'node:crypto';
import { BigStr } from '../rollout/jsonSkeleton';
import { ImageStore } from '../store/imageStore';
import { decodeStored } from '../store/storedForm';

let piece: Buffer | undefined;
/** One reusable read buffer: fresh multi-MB buffers per image cost page faults. */
export function readPiece(): Buffer {
  return (piece ??= Buffer.allocUnsafe(4 * 1024 * 1024));
}

/** Images bigger than this (stored) are not read whole into memory to be saved; their placeholder says so. */
const MAX_SAVED = 256 * 1024 * 1024;

/**
 * The image's sha256: with the store, of its decoded bytes (the store's name for it, the image written
 * there once); without, of the image as stored (the scanner hashed data URLs while they streamed by;
 * small bare ones are read here). `saved` remembers, per stored form, what this run saved.
 */
export function digestImage(
  srcFd: number,
  s: BigStr,
  store: ImageStore | undefined,
  saved: Map<string, { sha256: string; savedAs?: string }>,
): { sha256: string; savedAs?: string } {
  const storedSha = s.hash ?? hashRange(srcFd, s.start, s.end);
  if (!store || s.byteLength > MAX_SAVED) return { sha256: storedSha };
  const known = saved.get(storedSha);
  if (known) return known;
  const comma = s.prefix.indexOf(',');
  const prefixLen = s.prefix.startsWith('data:') && comma >= 0 ? comma + 1 : 0;
  const raw = Buffer.allocUnsafe(s.byteLength);
  fs.readSync(srcFd, raw, 0, raw.length, s.start);
  const d = decodeStored(raw, prefixLen, false);
  const r = d ? { sha256: d.sha256, savedAs: store.path(store.put(d.decoded, d.sha256)) } : { sha256: storedSha };
  saved.set(storedSha, r);
  return r;
}

export function hashRange(fd: number, start: number, end: number): string {
  const hash = createHash('sha256');
  const piece = readPiece();
  for (let pos = start; pos < end;) {
    const n = fs.readSync(fd, piece, 0, Math.min(piece.length, end - pos), pos);
    if (n <= 0) break;
    hash.update(piece.subarray(0, n));
    pos += n;
  }
  return hash.digest('hex');
}
