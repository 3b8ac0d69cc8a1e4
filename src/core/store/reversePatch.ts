// A reverse patch: what a repair replaced, so that the repaired file + the patch + the image store give
// back the original byte for byte. Built by comparing the two files (a repair never adds, drops or
// reorders lines, and keeps everything around what it replaced): each replaced stretch of the original
// is kept as its bytes (patch.raw), except its images, which become references into the store with the
// exact form they were written in (storedForm.ts). Any pairing of the two files' bytes gives a correct
// patch (equal stretches are compared, replaced ones kept whole); a good one only makes it smaller.
//
// patch.jsonl, one entry a line: {"o": offset in the repaired file, "n": bytes replaced there,
// "p": parts of the original — [0, offset in patch.raw, length] or [1, image index, form index]}.
import * as fs from 'node:fs';
import { readAt } from '../util/readAt';
import { createHash } from 'node:crypto';
import { CancelledError, RescueError } from '../util/errors';
import { describeWriteError } from '../util/atomicWrite';
import { ImageStore, StoreImage } from './imageStore';
import { StoredForm, decodeStored } from './storedForm';
import { ImageRun, imageRuns } from './imageRuns';
import { ScratchBuffer } from '../util/scratchBuffer';

export type PatchPart = [0, number, number] | [1, number, number];

/**
 * What the strip pass already learnt of the images it replaced, so that the patch reads, decodes and
 * hashes none of them again: `at` — by start offset, the end and the pass's id of the image's bytes as
 * stored (the scanner's fingerprint); `byId` — by that id, its store image and the form that writes it
 * back (no form: the bytes are kept verbatim). Runs the pass did not report are keyed by the sha256 of
 * their bytes, which never equals a fingerprint (40 hex digits, not 64).
 */
export interface KnownImages {
  at: Map<number, { end: number; prefixLen: number; id: string }>;
  byId: Map<string, { img: StoreImage; form?: StoredForm }>;
}
export interface PatchEntry {
  o: number;
  n: number;
  p: PatchPart[];
}

/** What a patch needs besides its two files; kept in the backup manifest. */
export interface PatchIndex {
  entries: number;
  /** Bytes of the original kept as they were (patch.raw). */
  rawBytes: number;
  /** Store images the patch refers to (a restore checks each before it starts). */
  images: StoreImage[];
  forms: StoredForm[];
  /** How many image copies became references, and their stored bytes. */
  imageRefs: number;
  imageRefBytes: number;
}

/** Images stored whole are read into memory; bigger ones stay in the patch as they are. */
const MAX_IMAGE = 256 * 1024 * 1024;
/** How much of a file one read takes. */
export const PIECE = 1024 * 1024;
let pieceBuf: Buffer | undefined;

/** Line ranges [start, end) of a file, end-of-line bytes included, read in pieces. */
/** The read buffers of the two files' line walks (reused from patch to patch). */
const originalLines = new ScratchBuffer(PIECE);
const repairedLines = new ScratchBuffer(PIECE);

class LineRanges {
  private readonly buf: Buffer;
  private bufStart = 0;
  private bufLen = 0;
  private pos = 0;
  constructor(
    private readonly fd: number,
    readonly size: number,
    private readonly scratch: ScratchBuffer,
  ) {
    this.buf = scratch.take();
  }
  close(): void {
    this.scratch.give(this.buf);
  }
  next(): [number, number] | undefined {
    if (this.pos >= this.size) return undefined;
    const start = this.pos;
    for (;;) {
      if (this.pos >= this.bufStart + this.bufLen) {
        this.bufStart = this.pos;
        this.bufLen = fs.readSync(this.fd, this.buf, 0, PIECE, this.pos);
        if (this.bufLen <= 0) {
          this.pos = this.size;
          return [start, this.size];
        }
      }
      const i = this.buf.subarray(0, this.bufLen).indexOf(10, this.pos - this.bufStart);
      if (i >= 0) {
        this.pos = this.bufStart + i + 1;
        return [start, this.pos];
      }
      this.pos = this.bufStart + this.bufLen;
    }
  }
}

const STEP = 64 * 1024;
const xs = Buffer.allocUnsafe(STEP);
const ys = Buffer.allocUnsafe(STEP);

/** Bytes equal from the start of a [a, a2) and b [b, b2). */
function commonPrefix(fa: number, a: number, a2: number, fb: number, b: number, b2: number): number {
  let same = 0;
  while (a + same < a2 && b + same < b2) {
    const len = Math.min(STEP, a2 - a - same, b2 - b - same);
    const x = readAt(fa, a + same, a + same + len, xs);
    const y = readAt(fb, b + same, b + same + len, ys);
    if (x.length === len && x.equals(y)) {
      same += len;
      continue;
    }
    let i = 0;
    while (i < x.length && i < y.length && x[i] === y[i]) i++;
    return same + i;
  }
  return same;
}

/** Bytes equal from the end of a [a, a2) and b [b, b2). */
function commonSuffix(fa: number, a: number, a2: number, fb: number, b: number, b2: number): number {
  let same = 0;
  while (a2 - same > a && b2 - same > b) {
    const len = Math.min(STEP, a2 - same - a, b2 - same - b);
    const x = readAt(fa, a2 - same - len, a2 - same, xs);
    const y = readAt(fb, b2 - same - len, b2 - same, ys);
    if (x.equals(y)) {
      same += len;
      continue;
    }
    let i = 0;
    while (i < len && x[len - 1 - i] === y[len - 1 - i]) i++;
    return same + i;
  }
  return same;
}

function sameBytes(fa: number, a: [number, number], fb: number, b: [number, number]): boolean {
  if (a[1] - a[0] !== b[1] - b[0]) return false;
  return commonPrefix(fa, a[0], a[1], fb, b[0], b[1]) === a[1] - a[0];
}

interface BuildInput {
  /** The original's plain bytes (a .zst decompressed). */
  original: string;
  /** The repaired file's plain bytes. */
  repaired: string;
  /** Where the patch goes (new files). */
  patchPath: string;
  rawPath: string;
  store: ImageStore;
  /**
   * The lines the repair changed, as StripStats.editedRanges: only those are compared (the rebuild's
   * check covers the rest). Absent: every line of both files is walked and compared.
   */
  editedRanges?: number[];
  known?: KnownImages;
  isCancelled?: () => boolean;
}

/** Writes the patch while the two files are compared. */
class PatchWriter {
  readonly index: PatchIndex = { entries: 0, rawBytes: 0, images: [], forms: [], imageRefs: 0, imageRefBytes: 0 };
  private readonly imageIdx = new Map<string, number>();
  private readonly formIdx = new Map<string, number>();
  /** Stored bytes' id (see KnownImages) → what they became (a reference, or null: kept as they are). */
  private readonly seen = new Map<string, [number, number] | null>();
  private readonly patchFd: number;
  private readonly rawFd: number;
  private lines: string[] = [];

  constructor(
    private readonly input: BuildInput,
    private readonly srcFd: number,
  ) {
    try {
      this.patchFd = fs.openSync(input.patchPath, 'wx', 0o600);
      this.rawFd = fs.openSync(input.rawPath, 'wx', 0o600);
    } catch (err) {
      throw describeWriteError(err, input.patchPath);
    }
  }

  entry(o: number, n: number, parts: PatchPart[]): void {
    this.lines.push(JSON.stringify({ o, n, p: parts }));
    this.index.entries++;
    if (this.lines.length >= 512) this.flushLines();
  }

  /** The original's bytes [start, end), kept as they are. */
  verbatim(parts: PatchPart[], start: number, end: number): void {
    if (end <= start) return;
    const last = parts[parts.length - 1];
    const at = this.index.rawBytes;
    for (let pos = start; pos < end; pos += PIECE)
      this.writeRaw(readAt(this.srcFd, pos, Math.min(end, pos + PIECE), (pieceBuf ??= Buffer.allocUnsafe(PIECE))));
    if (last && last[0] === 0 && last[1] + last[2] === at) last[2] += end - start;
    else parts.push([0, at, end - start]);
  }

  /** An image run: a reference into the store when its form writes it back exactly, else its bytes. */
  image(parts: PatchPart[], run: ImageRun): void {
    if (run.end - run.start > MAX_IMAGE) return this.verbatim(parts, run.start, run.end);
    const at = this.input.known?.at.get(run.start);
    const key =
      at?.end === run.end
        ? at.id
        : createHash('sha256')
            .update(readAt(this.srcFd, run.start, run.end))
            .digest('hex');
    let ref = this.seen.get(key);
    if (ref === undefined) {
      let saved = this.input.known?.byId.get(key);
      if (!saved) {
        const d = decodeStored(readAt(this.srcFd, run.start, run.end), run.prefixLen);
        if (d?.form) saved = { img: this.input.store.put(d.decoded, d.sha256), form: d.form };
      }
      ref = saved?.form
        ? [this.intern(this.imageIdx, saved.img.sha256, saved.img, this.index.images), this.internForm(saved.form)]
        : null;
      this.seen.set(key, ref);
    }
    if (!ref) return this.verbatim(parts, run.start, run.end);
    parts.push([1, ref[0], ref[1]]);
    this.index.imageRefs++;
    this.index.imageRefBytes += run.end - run.start;
  }

  private internForm(form: StoredForm): number {
    return this.intern(this.formIdx, JSON.stringify(form), form, this.index.forms);
  }

  private intern<T>(map: Map<string, number>, key: string, value: T, list: T[]): number {
    let i = map.get(key);
    if (i === undefined) {
      i = list.push(value) - 1;
      map.set(key, i);
    }
    return i;
  }

  private writeRaw(b: Buffer): void {
    try {
      for (let off = 0; off < b.length;) off += fs.writeSync(this.rawFd, b, off, b.length - off);
    } catch (err) {
      throw describeWriteError(err, this.input.rawPath);
    }
    this.index.rawBytes += b.length;
  }

  private flushLines(): void {
    if (!this.lines.length) return;
    const b = Buffer.from(this.lines.join('\n') + '\n');
    this.lines = [];
    try {
      for (let off = 0; off < b.length;) off += fs.writeSync(this.patchFd, b, off, b.length - off);
    } catch (err) {
      throw describeWriteError(err, this.input.patchPath);
    }
  }

  finish(): void {
    this.flushLines();
    try {
      fs.fsyncSync(this.patchFd);
      fs.fsyncSync(this.rawFd);
    } catch (err) {
      throw describeWriteError(err, this.input.patchPath);
    }
  }

  close(): void {
    fs.closeSync(this.patchFd);
    fs.closeSync(this.rawFd);
  }
}

/**
 * Compare the original with its repaired copy and write the reverse patch (new files at patchPath and
 * rawPath); the images it refers to are put in the store (not yet synced: the caller syncs it).
 */
export function buildReversePatch(input: BuildInput): PatchIndex {
  const oFd = fs.openSync(input.original, 'r');
  const rFd = fs.openSync(input.repaired, 'r');
  let w: PatchWriter | undefined;
  try {
    w = new PatchWriter(input, oFd);
    const known = knownRuns(input.known);
    const e = input.editedRanges;
    if (e) {
      for (let k = 0; k < e.length; k += 4) {
        if ((k & 4095) === 0 && input.isCancelled?.()) throw new CancelledError();
        diffLine(w, oFd, [e[k], e[k + 1]], rFd, [e[k + 2], e[k + 3]], known);
      }
    } else walkLines(w, oFd, rFd, known, input.isCancelled);
    w.finish();
    return w.index;
  } finally {
    w?.close();
    fs.closeSync(oFd);
    fs.closeSync(rFd);
  }
}

/** Every line of both files side by side (a backup converted: which lines changed is not known). */
function walkLines(
  w: PatchWriter,
  oFd: number,
  rFd: number,
  known: ImageRun[],
  isCancelled: (() => boolean) | undefined,
): void {
  const ol = new LineRanges(oFd, fs.fstatSync(oFd).size, originalLines);
  const rl = new LineRanges(rFd, fs.fstatSync(rFd).size, repairedLines);
  try {
    for (let i = 0; ; i++) {
      const o = ol.next();
      const r = rl.next();
      if (!o && !r) break;
      if (!o || !r)
        throw new RescueError(
          'internal',
          'the repaired file does not have the lines of the original; nothing was changed',
        );
      if ((i & 1023) === 0 && isCancelled?.()) throw new CancelledError();
      if (!sameBytes(oFd, o, rFd, r)) diffLine(w, oFd, o, rFd, r, known);
    }
  } finally {
    ol.close();
    rl.close();
  }
}

/** The images the strip pass replaced, in file order. */
function knownRuns(known: KnownImages | undefined): ImageRun[] {
  if (!known) return [];
  return [...known.at]
    .map(([start, k]) => ({ start, end: k.end, prefixLen: k.prefixLen }))
    .sort((a, b) => a.start - b.start);
}

/**
 * The image runs in [start, end) of a line: the ones the strip pass reported, and between them (in the
 * text, not the images: most of the bytes) those only the byte scan finds.
 */
function runsIn(fd: number, start: number, end: number, known: ImageRun[]): ImageRun[] {
  let lo = 0;
  let hi = known.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (known[mid].start < start) lo = mid + 1;
    else hi = mid;
  }
  const runs: ImageRun[] = [];
  let pos = start; // where the lines differ, then each image's end (a string's end: no escape open)
  for (let i = lo; i < known.length && known[i].end <= end; i++) {
    if (known[i].start < pos) continue;
    runs.push(...imageRuns(fd, pos, known[i].start), known[i]);
    pos = known[i].end;
  }
  runs.push(...imageRuns(fd, pos, end));
  return runs;
}

/** One changed line: entries for what differs, images inside as store references. */
function diffLine(
  w: PatchWriter,
  oFd: number,
  o: [number, number],
  rFd: number,
  r: [number, number],
  known: ImageRun[],
): void {
  const p = commonPrefix(oFd, o[0], o[1], rFd, r[0], r[1]);
  const q = commonSuffix(oFd, o[0] + p, o[1], rFd, r[0] + p, r[1]);
  const ob = o[1] - q;
  const rb = r[1] - q;
  // The scan starts where the lines differ, not at the line's start (a kept image before it would be
  // scanned for nothing); a repair changes values whole, so no escape is open there — and were one open,
  // a run would only be found wrong and kept verbatim (the rebuild checks every patch).
  const runs = runsIn(oFd, o[0] + p, ob, known);
  let oPos = o[0] + p;
  let rPos = r[0] + p;
  let j = 0;
  while (oPos < ob || rPos < rb) {
    const c = commonPrefix(oFd, oPos, ob, rFd, rPos, rb);
    oPos += c;
    rPos += c;
    if (oPos >= ob && rPos >= rb) break;
    while (j < runs.length && runs[j].start < oPos) j++;
    // this entry runs from here to the first place after one of the next images where both files go on alike
    const inEntry: ImageRun[] = [];
    let end: { x: number; y: number } | undefined;
    while (j < runs.length && !end) {
      const run = runs[j++];
      inEntry.push(run);
      end = anchor(oFd, run.end, j < runs.length ? runs[j].start : ob, rFd, rPos, rb);
    }
    end ??= { x: ob, y: rb };
    const parts: PatchPart[] = [];
    let at = oPos;
    for (const run of inEntry) {
      w.verbatim(parts, at, run.start);
      w.image(parts, run);
      at = run.end;
    }
    w.verbatim(parts, at, end.x);
    w.entry(rPos, end.y - rPos, parts);
    oPos = end.x;
    rPos = end.y;
  }
}

/**
 * Where, after an image that ends at `e`, the original goes on as the repaired file does: a few bytes of
 * the original (before `limit`, the next image) found in the repaired file after `rPos` — the first such.
 */
function anchor(
  oFd: number,
  e: number,
  limit: number,
  rFd: number,
  rPos: number,
  rb: number,
): { x: number; y: number } | undefined {
  const win = readAt(oFd, e, Math.min(limit, e + 512 + 32));
  for (const span of [4096, 256 * 1024]) {
    const rwin = readAt(rFd, rPos, Math.min(rb, rPos + span));
    for (let dx = 0; dx < Math.min(512, win.length); dx++) {
      const len = Math.min(32, win.length - dx);
      if (len < 12 && e + dx + len < limit) break; // too little to go by before the next image
      const k = rwin.indexOf(win.subarray(dx, dx + len));
      if (k >= 0) return { x: e + dx, y: rPos + k };
    }
    if (rPos + span >= rb) break;
  }
  return undefined;
}
