// Saving images out of a rollout: each image's sha256, and (with the image store) the decoded image
// written there once, named by the sha256 of its decoded bytes, however often it was copied.
import * as fs from 'node:fs';
import { createHash } from 'node:crypto';
import { BigStr } from '../rollout/jsonSkeleton';
import { dataUrlHeaderLength } from '../rollout/images';
import { ImageStore, StoreImage } from '../store/imageStore';
import { StoredForm, decodeStored } from '../store/storedForm';

let piece: Buffer | undefined;
/** One reusable read buffer: fresh multi-MB buffers per image cost page faults. */
export function readPiece(): Buffer {
  return (piece ??= Buffer.allocUnsafe(1024 * 1024));
}

/** Images bigger than this (stored) are not read whole into memory to be saved; their placeholder says so. */
const MAX_SAVED = 256 * 1024 * 1024;

export interface SavedImage {
  sha256: string;
  savedAs?: string;
  img?: StoreImage;
  /** The form that writes the decoded image back as it was stored; none: it does not (restore data keeps it verbatim). */
  form?: StoredForm;
}

/**
 * What earlier repairs in this thread of execution saved, by store folder and stored id: a reclaim
 * worker repairs thread after thread holding the same screenshots (compactions and forks copy them),
 * and each is decoded, checked and hashed once per worker instead of once per thread.
 */
const remembered = new Map<string, SavedImage>();
const REMEMBERED_MAX = 50_000;

/**
 * The image's id: with the store, the sha256 of its decoded bytes (the store's name for it, the image
 * written there once, and the form it was stored in found); without, the scanner's fingerprint of the
 * image as stored (small bare ones: their sha256, read here). `saved` remembers, per stored id, what
 * this run saved: later copies of an image are not decoded again.
 */
export function digestImage(
  srcFd: number,
  s: BigStr,
  store: ImageStore | undefined,
  saved: Map<string, SavedImage>,
): SavedImage {
  const storedId = s.hash ?? hashRange(srcFd, s.start, s.end);
  if (!store || s.byteLength > MAX_SAVED) return { sha256: storedId };
  const known = saved.get(storedId);
  if (known) return known;
  const key = `${store.dir}\0${storedId}`;
  const earlier = remembered.get(key);
  if (earlier?.img && store.adopt(earlier.img)) {
    saved.set(storedId, earlier);
    return earlier;
  }
  const prefixLen = dataUrlHeaderLength(s);
  const raw = Buffer.allocUnsafe(s.byteLength);
  fs.readSync(srcFd, raw, 0, raw.length, s.start);
  const d = decodeStored(raw, prefixLen);
  const img = d && store.put(d.decoded, d.sha256);
  const r: SavedImage =
    d && img ? { sha256: d.sha256, savedAs: store.path(img), img, form: d.form } : { sha256: storedId };
  saved.set(storedId, r);
  if (r.img) {
    if (remembered.size >= REMEMBERED_MAX) remembered.clear();
    remembered.set(key, r);
  }
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
