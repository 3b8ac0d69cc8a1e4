import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as nodeZlib from 'node:zlib';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { stripThread } from '../../../../src/core/repair/stripThread';
import { restoreThread } from '../../../../src/core/repair/restore';
import {
  listBackups,
  newBackupDir,
  preserveOriginal,
  removeUnswappedBackups,
  writeManifest,
} from '../../../../src/core/repair/backups';
import { convertBackupToRestoreData } from '../../../../src/core/repair/convertBackup';
import { ImageStore, openStore, storeDir, storeStats } from '../../../../src/core/store/imageStore';
import { buildReversePatch } from '../../../../src/core/store/reversePatch';
import { rebuildOriginal } from '../../../../src/core/store/rebuildOriginal';
import { discardRestoreData, prepareRestoreData, referencedImages } from '../../../../src/core/store/restoreData';
import { rescueDir } from '../../../../src/core/codexHome/paths';
import { listBackups as listBackupsForPanel } from '../../../../src/worker/coreBridge';
import { estimateReclaim } from '../../../../src/core/store/estimate';
import { inspectThread } from '../../../../src/core/scan/inspect';
import { noisePng } from '../../../support/png';
import { tempCodexHome, tempDir } from '../../../support/tempHome';
import { sessionMetaLine, sessionPath } from '../../../support/synthetic';

const quiet = { growthWindowMs: 0 };
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const url = (png: Buffer) => `data:image/png;base64,${png.toString('base64')}`;
const item = (payload: unknown) =>
  JSON.stringify({ timestamp: '2026-11-20T10:00:01.000Z', type: 'response_item', payload });
const userImage = (image: string) => ({
  type: 'message',
  role: 'user',
  content: [
    { type: 'input_text', text: '<image name=[Image #1]>' },
    { type: 'input_image', image_url: image, detail: 'high' },
    { type: 'input_text', text: '</image> look' },
  ],
});

const A = noisePng(60, 40, 1);
const B = noisePng(50, 50, 2);
const C = noisePng(45, 30, 3);
const D = noisePng(30, 30, 4);
const BIG = noisePng(700, 560, 5); // ~1.2 MB: crosses the 1 MiB pieces the patch is built and read in
const SLASHED = noisePng(40, 40, 6);
const WRAPPED = noisePng(41, 40, 7);

/** A PNG whose base64 decodes but does not write back as itself (bits in the last character). */
function oddBase64(): string {
  for (let w = 30; ; w++) {
    const b64 = noisePng(w, 33, 8).toString('base64');
    // the character before '==' carries 2 bits of the image and 4 a decoder drops: set one of those
    const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    if (b64.endsWith('==')) return b64.slice(0, -3) + abc[abc.indexOf(b64[b64.length - 3]) | 1] + '==';
  }
}

/** Every kind of image a repair takes out, written as Codex (and odder writers) would. */
function rolloutLines(id: string, when: Date): string[] {
  const mcpText = JSON.stringify({ content: [{ type: 'image', data: C.toString('base64'), mimeType: 'image/png' }] });
  const slashed = url(SLASHED).replace(/\//g, '\\/').replace('data:image\\/png', 'data:image/png');
  const b64w = WRAPPED.toString('base64');
  const wrappedUrl = 'data:image/png;base64,' + (b64w.match(/.{1,76}/g) ?? []).join('\\n');
  return [
    sessionMetaLine(id, when, '/w'),
    item(userImage(url(A))),
    JSON.stringify({
      timestamp: 't',
      type: 'event_msg',
      payload: { type: 'user_message', message: 'look', images: [url(A)] },
    }),
    item({ type: 'function_call', name: 'view_image', arguments: '{"path":"b.png"}', call_id: 'c1' }),
    item({
      type: 'function_call_output',
      call_id: 'c1',
      output: [
        { type: 'input_text', text: 'the screenshot' },
        { type: 'input_image', image_url: url(B) },
      ],
    }),
    JSON.stringify({
      timestamp: 't',
      type: 'compacted',
      payload: { message: '', replacement_history: [userImage(url(A)), userImage(url(B)), userImage(url(A))] },
    }),
    JSON.stringify({
      timestamp: 't',
      type: 'event_msg',
      payload: {
        type: 'item_completed',
        item: { type: 'McpToolCall', result: { content: [{ type: 'text', text: mcpText }] } },
      },
    }),
    item({ type: 'function_call', name: 'shell', arguments: '{"command":["cat","log"]}', call_id: 'c2' }),
    item({ type: 'function_call_output', call_id: 'c2', output: 'log line é "quoted" \\ end\n'.repeat(16_000) }),
    item(userImage('SLASHED')).replace('"SLASHED"', JSON.stringify('X').replace('X', slashed)),
    item(userImage('WRAPPED')).replace('"WRAPPED"', `"${wrappedUrl}"`),
    item({ type: 'image_generation_call', id: 'ig1', status: 'completed', result: D.toString('base64') }),
    item(userImage(url(BIG))),
    item(userImage(`data:image/png;base64,${oddBase64()}`)),
    item({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'done' }] }),
  ];
}

function makeThread(home: string, when = new Date('2026-11-20T10:00:00Z')) {
  const id = '0199a000-0000-7000-8000-' + String(Math.floor(Math.random() * 1e12)).padStart(12, '0');
  const file = sessionPath(home, id, when);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, rolloutLines(id, when).join('\n') + '\n');
  const old = new Date(Date.now() - 60_000);
  fs.utimesSync(file, old, old);
  return { id, file, original: fs.readFileSync(file) };
}

const zlib = nodeZlib as unknown as { zstdCompressSync(b: Buffer): Buffer; zstdDecompressSync(b: Buffer): Buffer }; // Node ≥ 22.15

/** The thread as a .zst, compressed by Node (so Node's zstd gives back the very file). */
function makeZstThread(home: string) {
  const t = makeThread(home);
  const zst = t.file + '.zst';
  fs.writeFileSync(zst, zlib.zstdCompressSync(t.original));
  fs.rmSync(t.file);
  const old = new Date(Date.now() - 60_000);
  fs.utimesSync(zst, old, old);
  return { t, zst, zstBytes: fs.readFileSync(zst) };
}

/** Our temp files under `dir` (not Codex's own .tmp/ folder, where its locks live). */
const tempsIn = (dir: string) =>
  fs.existsSync(dir)
    ? fs
        .readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile() && e.name.endsWith('.tmp'))
        .map((e) => e.name)
    : [];

describe('restore data: a repair keeps a reverse patch and the store, not a copy', () => {
  it('round trip over every kind of image and encoding: repaired → restore gives back every byte', () => {
    const home = tempCodexHome();
    const t = makeThread(home);
    const r = stripThread({ codexHome: home, thread: t.id, mode: 'in-place' }, quiet);
    assert.equal(r.jsonErrors, 0);
    assert.equal(r.fullCopyKept, undefined);
    assert.ok(r.toolOutputsCapped >= 1 && r.embeddedImagesRemoved >= 1, JSON.stringify(r));
    const [b] = listBackups(home, t.id);
    const data = b.manifest.restoreData!;
    // one store file per distinct image, however many copies (A: 4 in the file, B: 2)
    const stored = new Set(data.images.map((i) => i.sha256));
    for (const img of [A, B, C, D, BIG, SLASHED, WRAPPED]) assert.ok(stored.has(sha(img)), 'stored once');
    assert.equal(data.images.length, 7);
    assert.deepEqual(fs.readFileSync(path.join(storeDir(home), `${sha(BIG)}.png`)), BIG);
    assert.ok(data.imageRefs >= 11, `copies referred to: ${data.imageRefs}`);
    assert.ok(data.forms.some((f) => f.slash) && data.forms.some((f) => f.wrap?.eol === '\\n'));
    assert.ok(data.forms.some((f) => f.prefix === '') && data.forms.some((f) => f.prefix === 'data:image/png;base64,'));
    // kept as it was: the odd base64 and the capped output's middle; images are not in patch.raw
    const capped = 16_000 * 30 - 256 * 1024;
    assert.ok(data.rawBytes > capped && data.rawBytes < capped + 40_000, `raw bytes ${data.rawBytes}`);
    assert.ok(!fs.existsSync(b.file), 'no copy of the original');
    assert.equal(b.manifest.sha256, sha(t.original));

    // the panel's list of backups (through the worker) shows the folder and the size a restore gives back
    const [listed] = listBackupsForPanel(home, t.id);
    assert.equal(listed.path, b.dir);
    assert.ok(listed.bytes === t.original.length && listed.mtimeMs > 0);

    const back = restoreThread({ codexHome: home, thread: t.id });
    assert.deepEqual(fs.readFileSync(t.file), t.original, 'byte for byte');
    assert.equal(back.sha256, sha(t.original));
    assert.equal(back.fromBackup, b.dir);
    assert.deepEqual(tempsIn(path.dirname(t.file)), []);
  });

  it('threads checked one after the other, with more distinct images than the encoded ones kept: each keeps restore data, each restores', () => {
    // 16 screenshots of ~360 KB (~480 KB encoded): 7.7 MB, more than the 6 MB kept between rebuilds;
    // each thread holds six, the next three of them again (as compactions and forks copy them), so the
    // kept ones go round: every rebuild compared with its original finds what it kept intact
    const home = tempCodexHome();
    const shots = Array.from({ length: 16 }, (_, i) => noisePng(400, 300, 100 + i));
    const when = new Date('2026-11-20T10:00:00Z');
    const threads = [0, 3, 6, 9, 12, 0].map((first, n) => {
      const id = `0199a000-0000-7000-8000-0000000100${String(n).padStart(2, '0')}`;
      const file = sessionPath(home, id, when);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const lines = [sessionMetaLine(id, when, '/w')];
      for (let i = 0; i < 6; i++) lines.push(item(userImage(url(shots[(first + i) % shots.length]))));
      fs.writeFileSync(file, lines.join('\n') + '\n');
      const old = new Date(Date.now() - 60_000);
      fs.utimesSync(file, old, old);
      return { id, file, original: fs.readFileSync(file) };
    });
    for (const t of threads) {
      const r = stripThread({ codexHome: home, thread: t.id, mode: 'in-place' }, quiet);
      assert.equal(r.fullCopyKept, undefined, `${t.id}: ${JSON.stringify(r)}`);
      assert.equal(r.imagesReplaced, 6);
    }
    for (const t of threads) {
      restoreThread({ codexHome: home, thread: t.id });
      assert.deepEqual(fs.readFileSync(t.file), t.original, 'byte for byte');
    }
  });

  it('a rollout that starts with a byte order mark: restore data, not a copy, and the mark comes back', () => {
    const home = tempCodexHome();
    const t = makeThread(home);
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), t.original]);
    fs.writeFileSync(t.file, withBom);
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(t.file, old, old);
    const r = stripThread({ codexHome: home, thread: t.id, mode: 'in-place' }, quiet);
    assert.equal(r.fullCopyKept, undefined, 'restore data stands for the original');
    assert.ok(r.imagesReplaced > 0);
    restoreThread({ codexHome: home, thread: t.id });
    assert.deepEqual(fs.readFileSync(t.file), withBom, 'byte for byte, the mark included');
  });

  it('a repair removes the folder an earlier swap of the thread left when killed before its rename', () => {
    const home = tempCodexHome();
    const t = makeThread(home);
    const left = newBackupDir(home, t.id);
    preserveOriginal(t.file, left); // killed here: a link of the live rollout, no manifest yet
    const r = stripThread({ codexHome: home, thread: t.id, mode: 'in-place' }, quiet);
    assert.equal(r.fullCopyKept, undefined);
    assert.equal(fs.existsSync(left), false, 'the leftover folder is gone');
    assert.equal(listBackups(home, t.id).length, 1);
    assert.equal(fs.readdirSync(path.join(rescueDir(home), 'backups', t.id)).length, 1, 'nothing keeps the original');
    restoreThread({ codexHome: home, thread: t.id });
    assert.deepEqual(fs.readFileSync(t.file), t.original);
  });

  it('keeps a backup whose copy is a live .zst when the thread has another file (a .jsonl repaired beside it)', () => {
    const home = tempCodexHome();
    const { t, zst } = makeZstThread(home);
    const dir = newBackupDir(home, t.id);
    preserveOriginal(zst, dir);
    writeManifest(dir, {
      kind: 'before-repair',
      threadId: t.id,
      originalPath: zst,
      fileName: path.basename(zst),
      size: fs.statSync(zst).size,
      sha256: sha(fs.readFileSync(zst)),
      mtimeMs: 0,
      mode: 0o644,
      createdAt: new Date().toISOString(),
      toolVersion: 'test',
    });
    // the swap put the repaired .jsonl in place and was killed before the .zst went; Codex then archived it
    const moved = path.join(home, 'archived_sessions', path.basename(t.file));
    fs.mkdirSync(path.dirname(moved), { recursive: true });
    fs.writeFileSync(moved, t.original);
    assert.equal(removeUnswappedBackups(home), 0);
    assert.ok(fs.existsSync(dir), 'kept: the thread was swapped');
    fs.rmSync(moved);
    assert.equal(removeUnswappedBackups(home), 1, 'with the .zst its only file, the swap never happened');
    assert.deepEqual(fs.readFileSync(zst).length > 0, true);
  });

  it('a copy left beside restore data (a run killed before it went) is dropped even after Codex appended to the thread', () => {
    const home = tempCodexHome();
    const t = makeThread(home);
    stripThread({ codexHome: home, thread: t.id, mode: 'in-place' }, quiet);
    const [b] = listBackups(home, t.id);
    assert.ok(b.manifest.restoreData && !fs.existsSync(b.file));
    fs.writeFileSync(b.file, t.original); // as the kill left it
    fs.appendFileSync(
      t.file,
      item({ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'more' }] }) + '\n',
    );
    const c = convertBackupToRestoreData(home, t.id, b.dir);
    assert.equal(c.freedBytes, t.original.length);
    assert.equal(fs.existsSync(b.file), false, 'the copy went, the restore data checked first');
  });

  it('the patch needs no hint: comparing every line gives the same rebuild (how old backups are converted)', () => {
    const dir = tempDir();
    const home = path.join(dir, 'home');
    const t = makeThread(home);
    const repaired = path.join(dir, 'repaired.jsonl');
    const hinted = stripThread({ codexHome: home, thread: t.id, mode: 'copy', out: repaired }, quiet);
    assert.ok(hinted.imagesReplaced > 0);
    const store = new ImageStore(home);
    const index = buildReversePatch({
      original: t.file,
      repaired,
      patchPath: path.join(dir, 'p.jsonl'),
      rawPath: path.join(dir, 'p.raw'),
      store,
    });
    store.sync();
    const out: Buffer[] = [];
    const rebuilt = rebuildOriginal({
      codexHome: home,
      repaired,
      patchPath: path.join(dir, 'p.jsonl'),
      rawPath: path.join(dir, 'p.raw'),
      index,
      sink: (b) => out.push(Buffer.from(b)),
    });
    assert.equal(rebuilt.sha256, sha(t.original));
    assert.deepEqual(Buffer.concat(out), t.original);
    assert.equal(index.images.length, 7);
  });

  it('a .zst original: the patch is against its content, and the restore gives back the very .zst', () => {
    const home = tempCodexHome();
    const { t, zst, zstBytes } = makeZstThread(home);
    const r = stripThread({ codexHome: home, thread: t.id, mode: 'in-place' }, quiet);
    assert.ok(r.restoreData && !r.fullCopyKept);
    const [b] = listBackups(home, t.id);
    assert.equal(b.manifest.restoreData?.plain.sha256, sha(t.original));
    assert.equal(b.manifest.sha256, sha(zstBytes));
    restoreThread({ codexHome: home, thread: t.id });
    assert.deepEqual(fs.readFileSync(zst), zstBytes);
    assert.ok(!fs.existsSync(t.file));
  });

  it("a .zst Node's zstd cannot write back (streamed, as Codex writes them): the .zst itself is kept, and restored", async () => {
    const home = tempCodexHome();
    const t = makeThread(home);
    const zst = t.file + '.zst';
    // A streaming compressor states no content size in the frame; zstdFile's one-shot frames always do.
    const parts: Buffer[] = [];
    const streaming = (nodeZlib as unknown as { createZstdCompress(): NodeJS.ReadWriteStream }).createZstdCompress();
    await pipeline(Readable.from([t.original]), streaming, async (src: AsyncIterable<string | Buffer>) => {
      for await (const b of src) parts.push(Buffer.from(b));
    });
    const streamed = Buffer.concat(parts);
    fs.writeFileSync(zst, streamed);
    fs.rmSync(t.file);
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(zst, old, old);
    const r = stripThread({ codexHome: home, thread: t.id, mode: 'in-place', keepCompressed: true }, quiet);
    assert.ok(!r.restoreData && /the \.zst itself is kept/.test(r.fullCopyKept ?? ''), r.fullCopyKept);
    restoreThread({ codexHome: home, thread: t.id });
    assert.deepEqual(fs.readFileSync(zst), streamed);
  });

  it('a .zst thread kept compressed (reclaim): stays .zst without its images, and restores to the very .zst', () => {
    const home = tempCodexHome();
    const { t, zst, zstBytes } = makeZstThread(home);
    const r = stripThread({ codexHome: home, thread: t.id, mode: 'in-place', keepCompressed: true }, quiet);
    assert.equal(r.outputPath, zst);
    assert.ok(!fs.existsSync(t.file), 'no plain .jsonl beside it');
    const content = zlib.zstdDecompressSync(fs.readFileSync(zst));
    assert.equal(content.length, r.bytesAfter);
    assert.ok(!content.includes('data:image/png;base64,iVBOR'), 'its images are gone');
    assert.ok(r.restoreData && !r.fullCopyKept);
    assert.deepEqual(tempsIn(path.dirname(zst)), []);
    restoreThread({ codexHome: home, thread: t.id });
    assert.deepEqual(fs.readFileSync(zst), zstBytes);
  });

  it('restores a repaired thread that Codex compressed since (idle threads become .zst), and keeps its time', () => {
    const home = tempCodexHome();
    const t = makeThread(home);
    const before = fs.statSync(t.file);
    stripThread({ codexHome: home, thread: t.id, mode: 'in-place' }, quiet);
    assert.equal(fs.statSync(t.file).mtimeMs, before.mtimeMs, 'a repair is not news: the thread keeps its time');
    // What Codex 0.171 does to an idle thread with compression on: a .zst of the same bytes, the .jsonl gone.
    fs.writeFileSync(t.file + '.zst', zlib.zstdCompressSync(fs.readFileSync(t.file)));
    fs.rmSync(t.file);
    restoreThread({ codexHome: home, thread: t.id });
    assert.deepEqual(fs.readFileSync(t.file), t.original);
    assert.ok(!fs.existsSync(t.file + '.zst'), 'the compressed repaired form went: the original is the thread again');
    assert.deepEqual(tempsIn(path.dirname(t.file)), []);
  });

  it('restore refuses, naming the image, when a store file is missing or damaged; nothing is written', () => {
    const home = tempCodexHome();
    const t = makeThread(home);
    stripThread({ codexHome: home, thread: t.id, mode: 'in-place' }, quiet);
    const repaired = fs.readFileSync(t.file);
    const victim = path.join(storeDir(home), `${sha(B)}.png`);
    const saved = fs.readFileSync(victim);
    fs.rmSync(victim);
    assert.throws(
      () => restoreThread({ codexHome: home, thread: t.id }),
      new RegExp(`the image ${sha(B)}\\.png is missing from the image store.*nothing was restored`),
    );
    assert.deepEqual(fs.readFileSync(t.file), repaired);
    const damaged = Buffer.from(saved);
    damaged[damaged.length >> 1] ^= 0xff;
    fs.writeFileSync(victim, damaged);
    assert.throws(
      () => restoreThread({ codexHome: home, thread: t.id }),
      new RegExp(`the image ${sha(B)}\\.png in the image store .* is damaged`),
    );
    assert.deepEqual(fs.readFileSync(t.file), repaired);
    assert.deepEqual(tempsIn(path.dirname(t.file)), []);
    // a later repair that meets the same image puts the good bytes back
    const u = makeThread(home, new Date('2026-11-21T10:00:00Z'));
    stripThread({ codexHome: home, thread: u.id, mode: 'in-place' }, quiet);
    assert.deepEqual(fs.readFileSync(victim), saved);
    restoreThread({ codexHome: home, thread: t.id });
    assert.deepEqual(fs.readFileSync(t.file), t.original);
  });

  /**
   * A thread stripped into a copy (its images in the store), and a restore-data check of that copy
   * whose store image B is harmed by `damage` after the patch was built and the store synced, before
   * the rebuild reads it.
   */
  function checkWithStoreHarmed(home: string) {
    const t = makeThread(home);
    const repaired = path.join(tempDir(), 'r.jsonl');
    stripThread(
      { codexHome: home, thread: t.id, mode: 'copy', out: repaired, options: { archiveImages: true } },
      quiet,
    );
    const victim = path.join(storeDir(home), `${sha(B)}.png`);
    const prepare = (damage: () => void) => {
      const store = openStore(home);
      const sync = store.sync.bind(store);
      store.sync = () => {
        sync();
        damage();
      };
      const made = prepareRestoreData({ codexHome: home, threadId: t.id, original: t.file, repaired, store });
      discardRestoreData(made.prepared);
      return made;
    };
    return { t, victim, good: fs.readFileSync(victim), prepare };
  }

  it('the check before a swap reads store images unhashed (its comparison catches a damaged one), and keeps nothing unchecked from a failed check', () => {
    const { t, victim, good, prepare } = checkWithStoreHarmed(tempCodexHome());
    const damaged = Buffer.from(good);
    damaged[damaged.length >> 1] ^= 0xff; // same size: only a hash or the comparison sees it
    const failed = prepare(() => fs.writeFileSync(victim, damaged));
    assert.equal(failed.prepared, undefined);
    assert.match(failed.notKept ?? '', /did not give back the original, so a full copy is kept/);
    // the image is whole again: the next check reads it again, not what the failed one encoded
    fs.writeFileSync(victim, good);
    const made = prepare(() => undefined);
    assert.ok(made.prepared, made.notKept);
    assert.equal(made.prepared.data.plain.sha256, sha(t.original));
  });

  it('the check before a swap, finding a store image cut short or gone since it was written: a full copy is kept, nothing thrown, no temp file', () => {
    const home = tempCodexHome();
    const { victim, good, prepare } = checkWithStoreHarmed(home);
    for (const [what, damage] of [
      ['damaged', () => fs.writeFileSync(victim, good.subarray(0, good.length >> 1))],
      ['missing', () => fs.rmSync(victim)],
    ] as const) {
      const made = prepare(damage);
      assert.equal(made.prepared, undefined, what);
      assert.match(
        made.notKept ?? '',
        new RegExp(
          `could not read back what it needs \\(the image ${sha(B)}\\.png .*${what}.*\\), so a full copy is kept`,
        ),
      );
      assert.deepEqual(tempsIn(rescueDir(home)), []);
      fs.writeFileSync(victim, good);
    }
  });

  /** A thread repaired in place as an older version left it: the original's copy, no restore data, no store. */
  function oldStyleRepair(home: string) {
    const t = makeThread(home);
    stripThread({ codexHome: home, thread: t.id, mode: 'in-place' }, quiet);
    const [b] = listBackups(home, t.id);
    const { restoreData: _drop, ...m } = b.manifest;
    for (const f of ['patch.jsonl', 'patch.raw']) fs.rmSync(path.join(b.dir, f));
    fs.writeFileSync(b.file, t.original);
    // its own placeholder wording
    const older = fs
      .readFileSync(t.file, 'utf8')
      .replace(/saved as [^\]]*\]/g, 'the original is in the rescue backup]');
    fs.writeFileSync(t.file, older);
    m.repaired = { size: Buffer.byteLength(older), sha256: sha(Buffer.from(older)) };
    writeManifest(b.dir, m);
    fs.rmSync(storeDir(home), { recursive: true });
    return { t, b };
  }

  it('an old full backup still restores, byte for byte', () => {
    const home = tempCodexHome();
    const { t, b } = oldStyleRepair(home);
    const r = restoreThread({ codexHome: home, thread: t.id });
    assert.equal(r.fromBackup, b.file);
    assert.deepEqual(fs.readFileSync(t.file), t.original);
  });

  it('no restore data stands in for the original unless its rebuild gives back the original', () => {
    const home = tempCodexHome();
    const t = makeThread(home);
    const repaired = path.join(tempDir(), 'r.jsonl');
    stripThread({ codexHome: home, thread: t.id, mode: 'copy', out: repaired }, quiet);
    const made = prepareRestoreData({
      codexHome: home,
      threadId: t.id,
      original: t.file,
      plainSha256: sha(Buffer.from('another original')),
      repaired,
      store: openStore(home),
    });
    assert.equal(made.prepared, undefined);
    assert.match(made.notKept ?? '', /did not give back the original, so a full copy is kept/);
    assert.deepEqual(tempsIn(rescueDir(home)), []);
  });

  it('converts an old full backup (placeholders in older words) into restore data, checked, then drops the copy', () => {
    const home = tempCodexHome();
    const { t, b } = oldStyleRepair(home);
    const c = convertBackupToRestoreData(home, t.id, b.dir);
    assert.equal(c.freedBytes, t.original.length);
    assert.ok(c.restoreDataBytes < 60_000 + 16_000 * 30, `restore data ${c.restoreDataBytes}`);
    assert.ok(c.storeBytesAdded >= BIG.length);
    assert.ok(!fs.existsSync(b.file));
    assert.equal(referencedImages(home).size, 7);
    assert.throws(() => convertBackupToRestoreData(home, t.id, b.dir), /already holds restore data/);
    restoreThread({ codexHome: home, thread: t.id });
    assert.deepEqual(fs.readFileSync(t.file), t.original);
  });

  it('the old archive (files named by the stored base64) becomes the store: store names as hard links, old names kept', () => {
    const home = tempCodexHome();
    const dir = storeDir(home);
    fs.mkdirSync(dir, { recursive: true });
    const oldName = `${sha(Buffer.from(url(A)))}.png`;
    fs.writeFileSync(path.join(dir, oldName), A);
    openStore(home);
    const canonical = path.join(dir, `${sha(A)}.png`);
    assert.deepEqual(fs.readFileSync(canonical), A);
    assert.equal(fs.statSync(canonical).ino, fs.statSync(path.join(dir, oldName)).ino, 'no bytes copied');
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'aliases.json'), 'utf8')), {
      [oldName]: `${sha(A)}.png`,
    });
    assert.deepEqual(storeStats(home), { images: 1, bytes: A.length, dir });
  });
});

describe('restore data on a full disk (a real tmpfs)', () => {
  let mnt: string | undefined;
  afterEach(() => {
    if (mnt) spawnSync('umount', [mnt]);
    mnt = undefined;
  });

  /** Leave about `free` bytes free on the tmpfs. */
  function fillTo(dir: string, free: number): string {
    const st = fs.statfsSync(dir);
    const filler = path.join(dir, 'filler');
    fs.writeFileSync(filler, Buffer.alloc(Math.max(0, st.bavail * st.bsize - free)));
    return filler;
  }

  it('a repair that cannot write the store stops with a clear message and loses nothing; a restore too', function () {
    // Mounting needs root (CI and this project's machines run as root); as root, a failed mount is a failure.
    if (process.getuid?.() !== 0) this.skip();
    mnt = tempDir('csr-full-');
    const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mnt], { encoding: 'utf8' });
    assert.equal(m.status, 0, `could not mount a tmpfs for the full-disk test: ${m.stderr}`);
    const home = path.join(mnt, 'home');
    const t = makeThread(home);
    // room for the repaired copy (~300 KB), not for the images the store needs (~1.3 MB)
    let filler = fillTo(mnt, 700 * 1024);
    assert.throws(
      () => stripThread({ codexHome: home, thread: t.id, mode: 'in-place' }, quiet),
      /disk is full while writing .*rescue\/images\/.*nothing was changed/s,
    );
    assert.deepEqual(fs.readFileSync(t.file), t.original);
    assert.deepEqual(listBackups(home, t.id), []);
    assert.deepEqual(tempsIn(home), []);
    fs.rmSync(filler);

    stripThread({ codexHome: home, thread: t.id, mode: 'in-place' }, quiet);
    const repaired = fs.readFileSync(t.file);
    // the rebuilt original (~1.9 MB) does not fit beside the repaired file
    filler = fillTo(mnt, 500 * 1024);
    assert.throws(
      () => restoreThread({ codexHome: home, thread: t.id }),
      (e: Error) => {
        assert.match(e.message, /disk is full while writing .*\.jsonl.*nothing was changed/s);
        return true;
      },
    );
    assert.deepEqual(fs.readFileSync(t.file), repaired);
    assert.deepEqual(tempsIn(home), []);
    fs.rmSync(filler);
    restoreThread({ codexHome: home, thread: t.id });
    assert.deepEqual(fs.readFileSync(t.file), t.original);
  });
});

describe('store: a plan figure from the scan (estimateReclaim)', () => {
  it('is near what an in-place repair then frees, and counts an image once across threads', () => {
    const home = tempCodexHome();
    const a = makeThread(home);
    const b = makeThread(home, new Date('2026-11-21T10:00:00Z'));
    const inStore = new Set<string>();
    const ea = estimateReclaim(a.original.length, inspectThread(home, a.id).metrics, inStore);
    const eb = estimateReclaim(b.original.length, inspectThread(home, b.id).metrics, inStore);
    assert.ok(eb.storeBytes < ea.storeBytes / 2, 'the second thread brings (almost) no new image');
    const storeBefore = storeStats(home).bytes;
    const r = stripThread({ codexHome: home, thread: a.id, mode: 'in-place' }, quiet);
    const after = r.bytesAfter + r.restoreData!.bytes;
    const storeGrowth = storeStats(home).bytes - storeBefore;
    const freed = a.original.length - after - storeGrowth;
    // within a fifth: the plan's figure, not the run's
    assert.ok(Math.abs(ea.freedBytes - freed) < freed / 5, `estimated ${ea.freedBytes}, freed ${freed}`);
    assert.ok(Math.abs(ea.storeBytes - storeGrowth) < storeGrowth / 5, `store ${ea.storeBytes} vs ${storeGrowth}`);
  });
});
