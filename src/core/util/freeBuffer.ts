// A big buffer's memory given back at once. V8 frees a dead ArrayBuffer's memory only at a full
// collection, which a worker's small heap reaches late: a reclaim worker's dead zstd inputs and outputs
// (tens of MB per .zst thread) piled up in its RSS until then. Detaching the ArrayBuffer
// (ArrayBuffer.prototype.transfer(0), ES2024: Node 22 and 24) frees its memory now.

/**
 * A block this big is one glibc serves with mmap as a rule (unless an arena happens to have that much
 * free), and freeing an mmapped block this big leaves glibc's mmap threshold alone. A freed mmapped
 * block below 32 MiB (DEFAULT_MMAP_THRESHOLD_MAX, 64-bit) raises that threshold to its size, and the
 * trim threshold to twice that: after one 28 MB zstd buffer, every buffer up to 28 MB came from the
 * threads' malloc arenas, which then kept ~40 MB each (120 MB of a reclaim's 250 MB peak). Untouched
 * pages cost no memory, so the slack is free.
 */
export const ALWAYS_MMAPPED = 32 * 1024 * 1024 + 64 * 1024;

/** Below this, a buffer is left as it is asked for (the slack would only add address space). */
const BIG = 1024 * 1024;

/** A buffer of `n` bytes for a big, short-lived use (hand it to freeNow after): see ALWAYS_MMAPPED. */
export function bigBuffer(n: number): Buffer {
  return n < BIG ? Buffer.allocUnsafeSlow(n) : Buffer.allocUnsafeSlow(Math.max(n, ALWAYS_MMAPPED)).subarray(0, n);
}

/** Node's zlib chunk size for an output of up to `n` bytes in one buffer: see ALWAYS_MMAPPED. */
export function bigChunk(n: number): number {
  return n < BIG ? Math.max(64, n) : Math.max(n, ALWAYS_MMAPPED);
}

/** Smaller ArrayBuffers are left to the collector (Node's shared 8 KiB pool among them). */
const FREE_MIN = 1024 * 1024;

/**
 * Free the memory under `b` now. Only for a buffer whose whole ArrayBuffer is the caller's (its own
 * allocation, or Node's output made for this call) and that nothing reads again: every view on that
 * ArrayBuffer becomes empty.
 */
export function freeNow(b: Buffer): void {
  const ab = b.buffer as ArrayBuffer & { transfer?: (length: number) => ArrayBuffer };
  if (ab.byteLength >= FREE_MIN && typeof ab.transfer === 'function') ab.transfer(0);
}
