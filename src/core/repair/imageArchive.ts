// Saving images out of a rollout: each image's sha256 as stored, and (with an archive folder)
// the decoded image written once under that hash, streamed piece by piece from the source file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { BigStr } from '../rollout/jsonSkeleton';
import { describeWriteError, removeQuietly, tempBeside } from '../util/atomicWrite';

const EXT: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/jpg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/bmp': 'bmp',
  'image/svg+xml': 'svg',
};

let piece: Buffer | undefined;
/** One reusable read buffer: fresh multi-MB buffers per image cost page faults. */
export function readPiece(): Buffer {
  return (piece ??= Buffer.allocUnsafe(4 * 1024 * 1024));
}

/**
 * The image's sha256 as stored in the rollout (the scanner hashed data URLs while they streamed
 * by; small bare ones are read here). With `archiveDir`, the decoded image is also written there
 * once, named by that hash, so the same image is saved once however often it was copied.
 */
export function digestImage(
  srcFd: number,
  s: BigStr,
  mediaType: string,
  archiveDir: string | undefined,
  archived: Map<string, string>,
): { sha256: string; savedAs?: string } {
  const sha256 = s.hash ?? hashRange(srcFd, s.start, s.end);
  if (!archiveDir) return { sha256 };
  const known = archived.get(sha256);
  if (known) return { sha256, savedAs: known };
  const final = path.join(archiveDir, `${sha256}.${EXT[mediaType] ?? 'bin'}`);
  const comma = s.prefix.indexOf(',');
  const payload = s.start + (s.prefix.startsWith('data:') && comma >= 0 ? comma + 1 : 0);
  if (!fs.existsSync(final)) writeDecoded(srcFd, payload, s.end, archiveDir, final);
  archived.set(sha256, final);
  return { sha256, savedAs: final };
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

/** Decode base64 bytes [start, end) of the source into `final` (temp file beside it, then rename). */
function writeDecoded(srcFd: number, start: number, end: number, dir: string, final: string): void {
  const tmp = tempBeside(final, 'archive'); // our temp name: a killed run's leftover is swept later
  let out: number | undefined;
  try {
    fs.mkdirSync(dir, { recursive: true });
    out = fs.openSync(tmp, 'wx');
    const piece = readPiece(); // 4 MiB, a multiple of 4: base64 decodes piece by piece
    let carry = '';
    for (let pos = start; pos < end;) {
      const n = fs.readSync(srcFd, piece, 0, Math.min(piece.length, end - pos), pos);
      if (n <= 0) break;
      pos += n;
      // JSON may escape '/' as '\/': drop the backslashes, keep base64 aligned to 4 characters.
      let text = carry + piece.toString('latin1', 0, n).replace(/\\/g, '');
      const usable = pos >= end ? text.length : text.length - (text.length % 4);
      carry = text.slice(usable);
      text = text.slice(0, usable);
      fs.writeSync(out, Buffer.from(text, 'base64'));
    }
    fs.fsyncSync(out);
    fs.closeSync(out);
    out = undefined;
    fs.renameSync(tmp, final);
  } catch (err) {
    if (out !== undefined) fs.closeSync(out);
    removeQuietly(tmp);
    throw describeWriteError(err, final);
  }
}
