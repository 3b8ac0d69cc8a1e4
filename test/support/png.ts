/**
 * Random-noise RGB PNGs for "screenshots": noise doesn't compress, so a 600×400 image is ~720 KB
 * on disk and ~960 KB as a base64 data URL — like a real screenshot's weight in a rollout.
 */
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(...bufs: Buffer[]): number {
  let c = 0xffffffff;
  for (const b of bufs) for (let i = 0; i < b.length; i++) c = CRC_TABLE[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const t = Buffer.from(type, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(t, data));
  return Buffer.concat([len, t, data, crc]);
}

/** xorshift32: deterministic per seed. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/** A valid 8-bit RGB PNG of random pixels (deterministic for a given seed). */
export function noisePng(width: number, height: number, seed = 1): Buffer {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`bad PNG size ${width}x${height}`);
  }
  const next = rng(seed);
  const stride = width * 3 + 1;
  const raw = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    raw[row] = 0; // filter: none
    for (let i = 1; i < stride; i += 4) {
      const v = next();
      raw[row + i] = v & 0xff;
      if (i + 1 < stride) raw[row + i + 1] = (v >>> 8) & 0xff;
      if (i + 2 < stride) raw[row + i + 2] = (v >>> 16) & 0xff;
      if (i + 3 < stride) raw[row + i + 3] = (v >>> 24) & 0xff;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  ihdr[10] = 0; // compression
  ihdr[11] = 0; // filter
  ihdr[12] = 0; // no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw, { level: 1 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Write `noisePng(...)` to `file`; returns the file path. */
export function writeNoisePng(file: string, width: number, height: number, seed = 1): string {
  fs.writeFileSync(file, noisePng(width, height, seed));
  return file;
}
