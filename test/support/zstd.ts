// A .zst as a streaming compressor writes it: Node's zstd stream fed in two pieces (cut at `cut`), so
// its frame states no content size.
import * as zlib from 'node:zlib';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export async function streamedZst(plain: Buffer, cut: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  await pipeline(
    Readable.from([plain.subarray(0, cut), plain.subarray(cut)]),
    (zlib as unknown as { createZstdCompress(): NodeJS.ReadWriteStream }).createZstdCompress(),
    async (src: AsyncIterable<string | Buffer>) => {
      for await (const b of src) parts.push(Buffer.from(b));
    },
  );
  return Buffer.concat(parts);
}
