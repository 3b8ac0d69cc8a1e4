// .zst files both ways (store/zstdFile.ts): a one-frame .zst that states its content size is read
// whole and says whether zstdFile writes it back exactly (it does for what Node's zstd wrote, not for
// another level); every other .zst goes through the streaming reader and says nothing of that; a
// damaged one is refused as the streaming reader refuses it; zstdFile writes what zstdCompressSync
// writes with its default chunk size, the form Codex's own files have.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { createHash, randomBytes } from 'node:crypto';
import { decompressToTemp, zstdFile, zstdSha256 } from '../../../../src/core/store/zstdFile';
import { zstdFrames } from '../../../../src/core/rollout/nativeZstd';
import { RescueError } from '../../../../src/core/util/errors';
import { tempDir } from '../../../support/tempHome';
import { streamedZst } from '../../../support/zstd';

type Zstd = {
  zstdCompressSync(b: Buffer, o?: object): Buffer;
  zstdDecompressSync(b: Buffer): Buffer;
  constants: Record<string, number>;
};
const z = zlib as unknown as Zstd;
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** ~3 MB of rollout-like lines: text that compresses, and base64 of random bytes that does not. */
function content(): Buffer {
  const lines: string[] = [];
  for (let i = 0; i < 2000; i++) {
    lines.push(
      JSON.stringify({ type: 'event_msg', payload: { type: 'agent_message', message: `turn ${i} `.repeat(50) } }),
    );
    if (i % 400 === 0) lines.push(JSON.stringify({ image: randomBytes(300_000).toString('base64') }));
  }
  return Buffer.from(lines.join('\n') + '\n');
}

describe('store: .zst files read whole or streamed, and written back (zstdFile)', function () {
  before(function () {
    if (typeof z.zstdCompressSync !== 'function') this.skip(); // Node before 22.15: no zstd writer to test (CI runs 22.15)
  });

  let dir: string;
  const plain = content();
  beforeEach(() => (dir = tempDir('zstdfile-')));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, bytes: Buffer): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, bytes);
    return file;
  };
  const unzst = (file: string) => {
    const copy = decompressToTemp(file, file.replace(/\.zst$/, ''), undefined, { rewrite: true });
    const got = fs.readFileSync(copy.path);
    fs.rmSync(copy.path);
    return { ...copy, got };
  };

  it("writes what zstdCompressSync writes with its default chunk size (not zstd's one-pass form)", () => {
    const src = write('plain.jsonl', plain);
    const dest = path.join(dir, 'out.jsonl.zst');
    zstdFile(src, dest);
    const ours = fs.readFileSync(dest);
    assert.deepEqual(ours, z.zstdCompressSync(plain));
    // room for zstd's whole bound in one chunk takes another path, and other bytes: the reason for the default
    assert.notDeepEqual(ours, z.zstdCompressSync(plain, { chunkSize: 8 * 1024 * 1024 }));
    assert.equal(zstdSha256(src), sha(ours));
  });

  it('one frame with its content size: read whole; written back exactly, and the .zst bytes hashed', () => {
    const zst = z.zstdCompressSync(plain);
    const file = write('one.jsonl.zst', zst);
    const r = unzst(file);
    assert.deepEqual(r.got, plain);
    assert.equal(r.size, plain.length);
    assert.equal(r.sha256, sha(plain));
    assert.deepEqual(r.rewrite, { zstSha256: sha(zst), exact: true });
  });

  it('one frame at another level: read whole, and not written back exactly', () => {
    const zst = z.zstdCompressSync(plain, { params: { [z.constants.ZSTD_c_compressionLevel!]: 9 } });
    const r = unzst(write('level9.jsonl.zst', zst));
    assert.deepEqual(r.got, plain);
    assert.deepEqual(r.rewrite, { zstSha256: sha(zst), exact: false });
  });

  it('several frames, or no content size: streamed, and nothing said of a rewrite', () => {
    const half = plain.length >> 1;
    const two = Buffer.concat([z.zstdCompressSync(plain.subarray(0, half)), z.zstdCompressSync(plain.subarray(half))]);
    const r = unzst(write('two.jsonl.zst', two));
    assert.deepEqual(r.got, plain);
    assert.equal(r.rewrite, undefined);
  });

  it('no content size (a streaming compressor): streamed, and nothing said of a rewrite', async () => {
    const streamed = await streamedZst(plain, 100_000);
    assert.equal(streamed[4]! >> 6, 0, 'the header states no content size');
    const s = unzst(write('streamed.jsonl.zst', streamed));
    assert.deepEqual(s.got, plain);
    assert.equal(s.rewrite, undefined);
  });

  it('a one-frame .zst cut short, or with a broken block, is refused as the streaming reader refuses it; no temp file is left', () => {
    const zst = z.zstdCompressSync(plain);
    const cut = write('cut.jsonl.zst', zst.subarray(0, zst.length - 1000));
    assert.throws(() => unzst(cut), /damaged or cut short/);
    // a byte of the first block's content: the frame's headers still add up, Node's zstd refuses the data
    const broken = Buffer.from(zst);
    broken[16]! ^= 0xff;
    const fd = fs.openSync(write('bad.jsonl.zst', broken), 'r');
    assert.equal(zstdFrames(fd, broken.length)?.length, 1);
    fs.closeSync(fd);
    assert.throws(() => z.zstdDecompressSync(broken), /corruption/i);
    const bad = path.join(dir, 'bad.jsonl.zst');
    assert.throws(() => unzst(bad), /damaged or cut short/);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['bad.jsonl.zst', 'cut.jsonl.zst']);
  });

  it('a .zst that is gone is said to be gone (not a failed write), and no temp file is left', () => {
    const gone = path.join(dir, 'gone.jsonl.zst');
    assert.throws(
      () => decompressToTemp(gone, gone.replace(/\.zst$/, ''), undefined, { rewrite: true }),
      (e: unknown) => e instanceof RescueError && e.code === 'not-found',
    );
    assert.deepEqual(fs.readdirSync(dir), []);
  });
});
