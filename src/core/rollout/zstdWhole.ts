// A small .zst read whole: one frame at the start of the file that states a content size of at most
// WHOLE_MAX (Codex 0.171 compresses its idle threads in one shot, and so does store/zstdFile.ts), read
// in one read and decompressed in one call of Node's zstd (22.15+). No helper thread (nativeZstd.ts)
// is started or waited for: the scan of six 28 MB .zst threads waited ~0.4 s on it. The frame's
// window is its content size, so a streaming decompressor held as much as this output anyway.
import * as fs from 'node:fs';
import { zlib } from '../util/lazyModules';
import { bigBuffer, bigChunk, freeNow } from '../util/freeBuffer';
import { readAt } from '../util/readAt';
import { zstdFrames } from './nativeZstd';

/** The biggest .zst (and content) read whole: one frame of store/zstdFile.ts's. */
export const WHOLE_MAX = 32 * 1024 * 1024;

type ZstdSync = { zstdDecompressSync?: (b: Buffer, o?: { chunkSize?: number }) => Buffer };

/** A .zst's bytes read whole, and the content size its frame states. */
export interface WholeZst {
  bytes: Buffer;
  size: number;
  content: number;
}

/**
 * The bytes of the .zst open as `fd` (`size` bytes) when it is one frame at its start stating a content
 * size of at most WHOLE_MAX; undefined for any other file, or one that cannot be read (the streaming
 * reader then says why, in the words it has for each case). Hand `bytes` to freeNow after.
 */
export function readZstWhole(fd: number, size: number): WholeZst | undefined {
  let bytes: Buffer | undefined;
  try {
    if (size > WHOLE_MAX || size < 6) return undefined;
    const frames = zstdFrames(fd, size);
    const content = frames?.length === 1 && frames[0]!.start === 0 ? statedContentSize(fd) : undefined;
    if (content === undefined || content > WHOLE_MAX) return undefined;
    bytes = bigBuffer(size);
    if (readAt(fd, 0, size, bytes).length !== size) return undefined; // cut short since the walk
    const whole = bytes;
    bytes = undefined;
    return { bytes: whole, size, content };
  } catch {
    return undefined;
  } finally {
    if (bytes) freeNow(bytes);
  }
}

/**
 * The content of a WholeZst, or undefined when this Node has no zstd or it refuses the bytes (damaged:
 * the streaming reader says how). `bytes` is freed either way. Hand the result to freeNow after.
 */
export function decompressZstWhole(w: WholeZst): Buffer | undefined {
  const decompress = (zlib() as unknown as ZstdSync).zstdDecompressSync;
  let plain: Buffer | undefined;
  try {
    if (!decompress) return undefined;
    // one more byte than stated: the output never fills Node's one chunk, so it is not copied again
    plain = decompress(w.bytes, { chunkSize: bigChunk(w.content + 1) });
    if (plain.length !== w.content) return undefined;
    const out = plain;
    plain = undefined;
    return out;
  } catch {
    return undefined;
  } finally {
    freeNow(w.bytes);
    if (plain) freeNow(plain);
  }
}

/** The content size a zstd frame's header states (the file open as `fd`, its frame at 0). */
function statedContentSize(fd: number): number | undefined {
  const h = Buffer.alloc(14);
  const n = fs.readSync(fd, h, 0, 14, 0);
  if (n < 6) return undefined;
  const fhd = h[4]!;
  const single = (fhd >> 5) & 1;
  const fcsFlag = fhd >> 6;
  const fcsBytes = fcsFlag === 0 ? single : [1, 2, 4, 8][fcsFlag]!;
  if (fcsBytes === 0) return undefined; // not stated
  const at = 5 + (single ? 0 : 1) + [0, 1, 2, 4][fhd & 3]!;
  if (at + fcsBytes > n) return undefined;
  if (fcsBytes === 1) return h[at];
  if (fcsBytes === 2) return h.readUInt16LE(at) + 256;
  if (fcsBytes === 4) return h.readUInt32LE(at);
  const big = h.readBigUInt64LE(at);
  return big > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(big);
}
