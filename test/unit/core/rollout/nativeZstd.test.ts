// .zst rollouts read by Node's own zstd through the helper thread (rollout/nativeZstd.ts): the same
// lines as fzstd gives, for every way a .zst is written (one shot, streamed without a content size,
// with a checksum, several frames); a file cut short or damaged is said to be so;
// a read stopped early leaves the helper ready for the next file.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { readRollout } from '../../../../src/core/rollout/reader';
import { zstdFrames } from '../../../../src/core/rollout/nativeZstd';
import { tempDir } from '../../../support/tempHome';
import { streamedZst } from '../../../support/zstd';

type Zstd = {
  zstdCompressSync(b: Buffer, o?: object): Buffer;
  constants: Record<string, number>;
};
const z = zlib as unknown as Zstd;

/**
 * A rollout of ~4 MB: lines of every length, a few long ones (escapes, non-ASCII, base64 of random
 * bytes, so that the .zst is big enough to be read by Node's zstd rather than fzstd).
 */
function rollout(): Buffer {
  const lines: string[] = [];
  for (let i = 0; i < 3000; i++) {
    const text = `turn ${i}: ${'é∂ "quoted" \\ back'.repeat(i % 40)}`;
    lines.push(
      JSON.stringify({ timestamp: `t${i}`, type: 'event_msg', payload: { type: 'agent_message', message: text } }),
    );
    if (i % 500 === 0)
      lines.push(
        JSON.stringify({
          type: 'response_item',
          payload: {
            type: 'message',
            role: 'user',
            content: [
              {
                type: 'input_image',
                image_url: 'data:image/png;base64,' + randomBytes(200_000).toString('base64'),
              },
            ],
          },
        }),
      );
  }
  return Buffer.from(lines.join('\n') + '\n');
}

/** Every line's bytes and parsed value, read with fzstd (onBytes forces it) or with Node's zstd. */
function linesOf(file: string, engine: 'fzstd' | 'native'): string[] {
  const out: string[] = [];
  const fd = fs.openSync(file, 'r');
  try {
    readRollout(file, (l) => out.push(`${l.index}:${l.start}-${l.end}:${l.eolBytes}:${JSON.stringify(l.value)}`), {
      fd,
      hashDataUrls: 'fingerprint',
      onBytes: engine === 'fzstd' ? () => undefined : undefined,
    });
  } finally {
    fs.closeSync(fd);
  }
  return out;
}

describe("rollouts read with Node's own zstd (a helper thread)", () => {
  const dir = tempDir();
  const plain = rollout();
  const forms: Record<string, () => Promise<Buffer>> = {
    'one shot (content size in the header)': async () => z.zstdCompressSync(plain),
    'with a checksum': async () => z.zstdCompressSync(plain, { params: { [z.constants.ZSTD_c_checksumFlag]: 1 } }),
    'several frames (as zstdFile writes a big file)': async () =>
      Buffer.concat([z.zstdCompressSync(plain.subarray(0, 1_000_000)), z.zstdCompressSync(plain.subarray(1_000_000))]),
    'streamed, no content size (a streaming compressor)': () => streamedZst(plain, 777_777),
  };

  for (const [name, make] of Object.entries(forms)) {
    it(`${name}: the same lines as fzstd, and the file is whole`, async () => {
      const file = path.join(dir, `${name.replace(/\W+/g, '-')}.jsonl.zst`);
      fs.writeFileSync(file, await make());
      const fd = fs.openSync(file, 'r');
      assert.ok(zstdFrames(fd, fs.fstatSync(fd).size)?.length);
      fs.closeSync(fd);
      const native = linesOf(file, 'native');
      assert.equal(native.length, plain.toString().split('\n').length - 1);
      assert.deepEqual(native, linesOf(file, 'fzstd'));
    });
  }

  it('a file cut short, or damaged, is said to be so; the next read is whole again', () => {
    const good = path.join(dir, 'good.jsonl.zst');
    const packed = z.zstdCompressSync(plain, { params: { [z.constants.ZSTD_c_checksumFlag]: 1 } });
    fs.writeFileSync(good, packed);
    const bad = path.join(dir, 'bad.jsonl.zst');
    for (const cut of [packed.length - 1, packed.length - 4, packed.length >> 1, 1000]) {
      fs.writeFileSync(bad, packed.subarray(0, cut));
      assert.throws(
        () => readRollout(bad, () => undefined),
        /the \.zst file is (damaged or )?cut short/,
        `cut at ${cut}`,
      );
    }
    const flipped = Buffer.from(packed);
    for (let i = 2000; i < flipped.length - 100; i += 4099) flipped[i] ^= 0xa5;
    fs.writeFileSync(bad, flipped);
    assert.throws(() => readRollout(bad, () => undefined), /could not decompress .*bad\.jsonl\.zst/);
    assert.equal(linesOf(good, 'native').length, plain.toString().split('\n').length - 1);
  });

  it('a .zst read inside the visitor of another (a pass within a pass) gets its own reader', () => {
    const outer = path.join(dir, 'outer.jsonl.zst');
    const inner = path.join(dir, 'inner.jsonl.zst');
    fs.writeFileSync(outer, z.zstdCompressSync(plain));
    fs.writeFileSync(inner, z.zstdCompressSync(plain.subarray(0, 2_000_000)));
    const expected = linesOf(inner, 'fzstd');
    let outerLines = 0;
    readRollout(outer, (l) => {
      outerLines++;
      if (l.index === 1000) assert.deepEqual(linesOf(inner, 'native'), expected);
    });
    assert.equal(outerLines, plain.toString().split('\n').length - 1);
  });

  it('a read stopped early (enough lines, or the visitor threw) leaves the helper ready for the next file', () => {
    const file = path.join(dir, 'early.jsonl.zst');
    fs.writeFileSync(file, z.zstdCompressSync(plain));
    let n = 0;
    readRollout(file, () => n++, { maxLines: 2 });
    assert.equal(n, 2);
    assert.throws(
      () =>
        readRollout(file, (l) => {
          if (l.index === 1500) throw new Error('stop here');
        }),
      /stop here/,
    );
    assert.deepEqual(linesOf(file, 'native'), linesOf(file, 'fzstd'));
  });
});
