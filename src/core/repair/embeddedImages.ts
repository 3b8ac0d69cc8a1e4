// Cuts base64 runs out of text (MCP result copies, data:image URLs printed in tool output). Works
// on the file's bytes: each run becomes a placeholder with no quote or backslash in it, so the
// string stays valid JSON text and a JSON document inside it stays valid JSON.
import * as fs from 'node:fs';
import { BigStr, spansOf } from '../rollout/jsonSkeleton';
import { Classified } from '../rollout/format';
import { B64, MIN_RUN, forEachTextString, runKind } from '../rollout/embeddedBase64';
import { formatBytes } from '../scan/risk';
import { hashRange, readPiece } from './imageArchive';
import { Edit } from './rangeWriter';

export interface EmbeddedStats {
  runs: number;
  bytes: number;
}

const ESC_FIRST = -1 >>> 0;
const DIGIT = 1;
const UPPER = 2;
const LOWER = 4;

function classOf(b: number): number {
  if (b >= 0x30 && b <= 0x39) return DIGIT;
  if (b >= 0x41 && b <= 0x5a) return UPPER;
  if (b >= 0x61 && b <= 0x7a) return LOWER;
  return 0;
}

/** Edits replacing every embedded base64 run in the text strings of one line. */
export function embeddedImageEdits(srcFd: number, c: Classified, stats: EmbeddedStats): Edit[] {
  const edits: Edit[] = [];
  forEachTextString(c, (v, parent, key) => {
    let range: [number, number] | undefined;
    if (v instanceof BigStr) range = [v.start, v.end];
    else if (v.length >= MIN_RUN) {
      const span = spansOf(parent)?.children.get(key);
      if (span) range = [span[0] + 1, span[1] - 1];
    }
    if (!range || range[1] - range[0] < MIN_RUN) return;
    for (const [a, b] of base64Runs(srcFd, range[0], range[1])) {
      const start = dataUrlStart(srcFd, a, range[0]);
      edits.push({ start, end: b, bytes: Buffer.from(placeholder(srcFd, a, b)) });
      stats.runs++;
      stats.bytes += b - start;
    }
  });
  return edits;
}

/** Runs [a, b) of base64 at least MIN_RUN long (with their '=' padding) in bytes [start, end). */
export function base64Runs(fd: number, start: number, end: number): [number, number][] {
  const runs: [number, number][] = [];
  const piece = readPiece();
  let runStart = -1;
  let mix = 0;
  let esc = 0; // bytes of an escape still to skip; ESC_FIRST: the character after the backslash
  const close = (at: number, next: number) => {
    if (runStart >= 0 && at - runStart >= MIN_RUN && mix === (DIGIT | UPPER | LOWER)) {
      let b = at;
      if (next === 0x3d) b++; // '=' padding, read below when there is a second one
      runs.push([runStart, b]);
    }
    runStart = -1;
    mix = 0;
  };
  for (let pos = start; pos < end;) {
    const n = fs.readSync(fd, piece, 0, Math.min(piece.length, end - pos), pos);
    if (n <= 0) break;
    for (let i = 0; i < n; i++) {
      const byte = piece[i];
      if (esc > 0) {
        // inside an escape (\n, \", \uXXXX): never part of a run
        esc = esc === ESC_FIRST && byte === 0x75 ? 4 : esc === ESC_FIRST ? 0 : esc - 1;
        continue;
      }
      if (byte === 0x5c) {
        if (runStart >= 0) close(pos + i, byte);
        esc = ESC_FIRST;
        continue;
      }
      if (B64[byte]) {
        if (runStart < 0) runStart = pos + i;
        mix |= classOf(byte);
      } else if (runStart >= 0) close(pos + i, byte);
    }
    pos += n;
  }
  close(end, -1);
  // second '=' of the padding
  for (const r of runs) if (r[1] < end && byteAt(fd, r[1] - 1) === 0x3d && byteAt(fd, r[1]) === 0x3d) r[1]++;
  return runs;
}

function byteAt(fd: number, at: number): number {
  const one = Buffer.alloc(1);
  return fs.readSync(fd, one, 0, 1, at) === 1 ? one[0] : -1;
}

/** Start of a `data:image/…;base64,` header right before the run, so the whole URL goes. */
function dataUrlStart(fd: number, a: number, min: number): number {
  const from = Math.max(min, a - 64);
  const buf = Buffer.alloc(a - from);
  fs.readSync(fd, buf, 0, buf.length, from);
  const m = /data:[a-z]+\/[a-z0-9.+-]+;base64,$/i.exec(buf.toString('latin1'));
  return m ? from + m.index : a;
}

function placeholder(fd: number, a: number, b: number): string {
  const head = Buffer.alloc(16);
  fs.readSync(fd, head, 0, 16, a);
  const kind = runKind(head.toString('latin1'));
  const sha = hashRange(fd, a, b).slice(0, 16);
  return `[${kind} omitted by codex-session-rescue: ${formatBytes(Math.floor(((b - a) * 3) / 4))}, sha256:${sha}; the original is in the rescue backup]`;
}
