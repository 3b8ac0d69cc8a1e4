// A small one-frame .zst that states its content size (as Codex 0.171 and zstdFile write idle threads)
// is read whole, in one call, without the helper thread (rollout/zstdWhole.ts): the same lines as the
// streaming readers give; any other .zst still goes through the helper; a damaged one is said to be so.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { readRollout } from '../../../../src/core/rollout/reader';
import { decompressZstWhole, readZstWhole } from '../../../../src/core/rollout/zstdWhole';
import { tempDir } from '../../../support/tempHome';
import { streamedZst } from '../../../support/zstd';

const z = zlib as unknown as {
  zstdCompressSync?: (b: Buffer, o?: object) => Buffer;
  constants: Record<string, number>;
};

function rollout(): Buffer {
  const lines: string[] = [];
  for (let i = 0; i < 2000; i++) {
    lines.push(JSON.stringify({ type: 'event_msg', payload: { type: 'agent_message', message: `turn ${i} é` } }));
    if (i % 400 === 0)
      lines.push(
        JSON.stringify({ type: 'response_item', payload: { output: randomBytes(300_000).toString('base64') } }),
      );
  }
  return Buffer.from(lines.join('\n') + '\n');
}

/** Where the content of a one-frame .zst's first block is: after the frame header and its block header. */
function firstBlock(zst: Buffer): [number, number] {
  const fhd = zst[4]!;
  const single = (fhd >> 5) & 1;
  const fcsFlag = fhd >> 6;
  const fcsBytes = fcsFlag === 0 ? single : [1, 2, 4, 8][fcsFlag]!;
  const header = 5 + (single ? 0 : 1) + [0, 1, 2, 4][fhd & 3]! + fcsBytes;
  const blockSize = zst.readUIntLE(header, 3) >> 3;
  return [header + 3, header + 3 + blockSize];
}

/** Every line read, and whether the decompressed pieces came from the helper (its ring is shared memory). */
function read(file: string, forceFzstd = false): { lines: string[]; helper: boolean } {
  const lines: string[] = [];
  let helper = false;
  readRollout(file, (l) => lines.push(`${l.index}:${l.start}-${l.end}:${JSON.stringify(l.value)}`), {
    onDecompressed: (piece) => (helper ||= piece.buffer instanceof SharedArrayBuffer),
    onBytes: forceFzstd ? () => undefined : undefined,
  });
  return { lines, helper };
}

describe('a small one-frame .zst read whole (zstdWhole.ts)', function () {
  before(function () {
    if (!z.zstdCompressSync) this.skip(); // Node < 22.15: no zstd of its own, fzstd reads every .zst
  });
  const dir = tempDir();
  const plain = rollout();
  const write = (name: string, bytes: Buffer) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, bytes);
    return file;
  };

  it('in one call, without the helper: the same lines as fzstd gives', () => {
    const file = write('one.jsonl.zst', z.zstdCompressSync!(plain));
    const whole = read(file);
    assert.equal(whole.helper, false);
    assert.equal(whole.lines.length, plain.toString().split('\n').length - 1);
    assert.deepEqual(whole.lines, read(file, true).lines);
    const fd = fs.openSync(file, 'r');
    try {
      const w = readZstWhole(fd, fs.fstatSync(fd).size);
      assert.equal(w?.content, plain.length);
      assert.deepEqual(decompressZstWhole(w!), plain);
    } finally {
      fs.closeSync(fd);
    }
  });

  it('several frames, or a frame that states no size (a streaming compressor): through the helper, as before', async () => {
    const frames = write(
      'frames.jsonl.zst',
      Buffer.concat([z.zstdCompressSync!(plain.subarray(0, 500_000)), z.zstdCompressSync!(plain.subarray(500_000))]),
    );
    const streamed = write('streamed.jsonl.zst', await streamedZst(plain, 333_333));
    for (const file of [frames, streamed]) {
      const fd = fs.openSync(file, 'r');
      assert.equal(readZstWhole(fd, fs.fstatSync(fd).size), undefined, file);
      fs.closeSync(fd);
      const r = read(file);
      assert.equal(r.helper, true, file);
      assert.deepEqual(r.lines, read(file, true).lines);
    }
  });

  it('a damaged one is said to be damaged (by the streaming reader, which says how)', () => {
    // with zstd's checksum (without one, damage to raw literals decodes to other bytes, in every reader)
    const packed = Buffer.from(z.zstdCompressSync!(plain, { params: { [z.constants.ZSTD_c_checksumFlag]: 1 } }));
    // inside the first block's content: damage that hit a block header (1–2 % of runs when it was spread
    // over the file) makes it no frame to read whole, and that case is the streaming reader's alone
    const [from, to] = firstBlock(packed);
    assert.ok(to - from > 100, `a first block of ${to - from} bytes`);
    for (let i = from + 7; i < to - 7; i += 3001) packed[i] ^= 0x5a;
    const file = write('damaged.jsonl.zst', packed);
    const fd = fs.openSync(file, 'r');
    const w = readZstWhole(fd, fs.fstatSync(fd).size);
    fs.closeSync(fd);
    assert.ok(w, 'one frame that states its size: read whole');
    assert.ok(decompressZstWhole(w) === undefined, 'refused by the one call');
    assert.throws(() => read(file), /could not decompress .*damaged\.jsonl\.zst.*damaged or cut short/);
  });
});
