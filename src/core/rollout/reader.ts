// The one streaming engine: reads a rollout (plain or .zst) in chunks, splits lines on bytes,
// and hands each line's skeleton to a visitor. Every pass (measure, strip, handoff) uses it.
import * as fs from 'node:fs';
import { Decompress } from 'fzstd';
import { JsonValue } from './jsonSkeleton';
import { LineProblem, LineScanner, MAX_DEPTH, MAX_LITERAL_BYTES, ScannerOptions, utf8Slice } from './lineScanner';
import { CancelledError, RescueError } from '../util/errors';
import { hasNativeZstd, readZstdNative, zstdFrames } from './nativeZstd';
import { decompressZstWhole, readZstWhole } from './zstdWhole';
import { freeNow } from '../util/freeBuffer';

export interface RolloutLine {
  /** 0-based line index; the line number people see is index + 1. */
  index: number;
  /** Absolute byte offsets of the line without its end-of-line bytes. */
  start: number;
  end: number;
  /** 0 (last line without newline), 1 (\n) or 2 (\r\n). */
  eolBytes: number;
  /** The parsed skeleton; undefined for blank or broken lines. */
  value?: JsonValue;
  problem?: LineProblem;
  blank: boolean;
  /**
   * Raw bytes of the line's longest string value, or at most that: a line parsed whole (see
   * ReadOptions.parseShortLines) gives its own length. Undefined for blank lines.
   */
  longestString?: number;
  /**
   * The piece of a plain (not .zst) file read last, `chunk[0]` being its byte `chunkStart`: holds the
   * line when the line started in it. A view of the read buffer, valid only during the onLine call.
   */
  chunk?: Buffer;
  chunkStart?: number;
}

export interface ReadOptions extends ScannerOptions {
  /** Start at this byte offset (must be the start of a line); line indexes continue from `startLine`. */
  startOffset?: number;
  startLine?: number;
  chunkBytes?: number;
  onProgress?: (bytesDone: number, bytesTotal: number) => void;
  /** Checked between chunks; return true to stop with a CancelledError. */
  isCancelled?: () => boolean;
  /** Sees every raw byte of the file as read (e.g. to hash the original while stripping it). */
  onBytes?: (chunk: Buffer) => void;
  /** For .zst files: sees every decompressed byte (e.g. to write a plain copy). */
  onDecompressed?: (chunk: Uint8Array) => void;
  /** Stop after this many lines (e.g. 1 to read only the session_meta). */
  maxLines?: number;
  /** `path` already open: read this descriptor (left open) instead of opening the file again. */
  fd?: number;
  /** Return up to this many bytes just before resumeOffset (ReadSummary.before) when still in memory. */
  keepBefore?: number;
  /**
   * Hand lines of at most SHORT_LINE_BYTES that hold no `data:` to JSON.parse whole: V8's parser
   * reads such small objects about twice as fast as the byte scanner, and gives the same values and
   * problems. But their strings are plain strings, also under rangeOnlyKeys, and their longestString
   * is the line's length. Lines with `\/` or `\u` escapes stay with the scanner (a string's bytes and
   * its decoded text then hold the same base64 runs). Plain files only (not .zst), not with `spans`.
   */
  parseShortLines?: boolean;
}

/**
 * The longest line parseShortLines hands to JSON.parse: no line this short can nest deeper than
 * MAX_DEPTH (each level takes two bytes) or hold a number longer than MAX_LITERAL_BYTES, so JSON.parse
 * accepts exactly the lines the scanner accepts. (Longer lines gain nothing: they hold long strings,
 * which the scanner skips instead of decoding.)
 */
export const SHORT_LINE_BYTES = Math.min(2 * MAX_DEPTH, MAX_LITERAL_BYTES);

/**
 * Default read size. Measured on the 640 MB bench rollout (page cache warm, Node 20/22/24, one reused
 * buffer): 128–512 KiB reads are fastest (71–75 ms); 4–16 MiB cost 5–15 % more (the issue saw 4×
 * on another Node 24 build), and a fresh multi-MiB buffer per file costs GC time over thousands of files.
 */
export const DEFAULT_CHUNK_BYTES = 256 * 1024;

let shared: Buffer | undefined;
let sharedBusy = false;
/** One read buffer per thread, reused across files; a nested read (a pass inside a pass) gets its own. */
function takeBuffer(bytes: number): { buf: Buffer; release: () => void } {
  if (bytes !== DEFAULT_CHUNK_BYTES || sharedBusy) return { buf: Buffer.allocUnsafe(bytes), release: () => undefined };
  sharedBusy = true;
  shared ??= Buffer.allocUnsafeSlow(DEFAULT_CHUNK_BYTES);
  return { buf: shared, release: () => (sharedBusy = false) };
}

/** Thrown inside the splitter to stop early at maxLines; never leaves readRollout. */
class EnoughLines extends Error {}

export interface ReadSummary {
  lines: number;
  bytes: number;
  /** Offset just past the last complete (newline-terminated) line: where a rescan can resume. */
  resumeOffset: number;
  resumeLine: number;
  compressed: boolean;
  bom: boolean;
  /** Bytes just before resumeOffset (see ReadOptions.keepBefore); undefined when no longer in memory. */
  before?: Buffer;
}

/** A failure to read the file at all (not a bad line), worded for the person who sees it. */
export class RolloutReadError extends RescueError {
  constructor(
    message: string,
    readonly errno?: string,
  ) {
    super(errno === 'ENOENT' ? 'not-found' : 'unreadable', message);
    this.name = 'RolloutReadError';
  }
}

const ZSTD_MAGIC = 0xfd2fb528;
/**
 * A .zst at least this big is read by Node's zstd (nativeZstd.ts: a helper thread, started once); a
 * smaller one by fzstd, which costs less than that start.
 */
const NATIVE_ZSTD_MIN_BYTES = 256 * 1024;

export function describeFsError(err: unknown, path: string): RolloutReadError {
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'ENOENT':
      return new RolloutReadError(`${path} does not exist (was the thread deleted or archived?)`, e.code);
    case 'EACCES':
    case 'EPERM':
      return new RolloutReadError(`no permission to read ${path}; check the file's owner and mode`, e.code);
    case 'EISDIR':
      return new RolloutReadError(`${path} is a folder, not a rollout file`, e.code);
    default:
      return new RolloutReadError(`could not read ${path}: ${e?.message ?? String(err)}`, e?.code);
  }
}

/**
 * Read a rollout synchronously (call it from a worker or the CLI), calling `onLine` for each line.
 * Bounded memory: one chunk plus the skeleton of the current line.
 */
export function readRollout(path: string, onLine: (line: RolloutLine) => void, opts: ReadOptions = {}): ReadSummary {
  let fd: number;
  try {
    fd = opts.fd ?? fs.openSync(path, 'r');
  } catch (err) {
    throw describeFsError(err, path);
  }
  // Small files are read whole: the first read of the chunk loop is the whole file.
  const { buf, release } = takeBuffer(opts.chunkBytes ?? DEFAULT_CHUNK_BYTES);
  try {
    const size = opts.onProgress ? fs.fstatSync(fd).size : 0; // only progress needs it
    const head = buf.length >= 4 ? buf : Buffer.alloc(4);
    // Read from the start, the first piece shows the magic number (no read of it alone).
    let ahead = (opts.startOffset ?? 0) === 0 && head === buf ? readChunk(fd, buf, 0, path) : -1; // bytes read at 0
    const headLen = ahead >= 0 ? ahead : readChunk(fd, head, 0, path, 4);
    const compressed = headLen >= 4 && head.readUInt32LE(0) === ZSTD_MAGIC;
    const maxLines = opts.maxLines;
    const splitter = new LineSplitter(
      maxLines === undefined
        ? onLine
        : (l) => {
            onLine(l);
            if (l.index + 1 - (opts.startLine ?? 0) >= maxLines) throw new EnoughLines();
          },
      opts,
    );
    let pos = compressed ? 0 : (opts.startOffset ?? 0);
    let lastPiece = pos; // offset of the last piece read into buf
    let lastProgress = 0;
    const tick = (done: number): void => {
      if (opts.isCancelled?.()) throw new CancelledError();
      if (opts.onProgress && (done - lastProgress >= 16 * 1024 * 1024 || done === size)) {
        lastProgress = done;
        opts.onProgress(done, size);
      }
    };
    // Node's own zstd for a .zst of some size whose frames are whole, read to the end; fzstd for the rest
    // (and to say what is wrong with a damaged one), heads included: fzstd holds the frame's window (up to
    // its content size, 32 MiB at most) for the ~2 ms of the read, where the helper thread it spares stays
    // for the life of the thread — a reclaim's peak was ~35 MB lower (median of 4 runs each).
    const zstSize = compressed && opts.onBytes === undefined && maxLines === undefined ? fs.fstatSync(fd).size : 0;
    // A small one-frame .zst (Codex 0.171's idle threads) in one call, without the helper (zstdWhole.ts).
    const whole = zstSize > 0 && hasNativeZstd() ? readZstWhole(fd, zstSize) : undefined;
    const plain = whole && decompressZstWhole(whole);
    if (plain)
      try {
        for (let at = 0; at < plain.length; at += DEFAULT_CHUNK_BYTES) {
          const piece = plain.subarray(at, at + DEFAULT_CHUNK_BYTES);
          opts.onDecompressed?.(piece);
          splitter.push(piece);
          tick(Math.round((zstSize * (at + piece.length)) / plain.length));
        }
      } finally {
        freeNow(plain);
      }
    const frames = !plain && zstSize >= NATIVE_ZSTD_MIN_BYTES ? zstdFrames(fd, zstSize) : undefined;
    const native =
      frames &&
      readZstdNative(fd, frames, (piece, read) => {
        opts.onDecompressed?.(piece);
        splitter.push(piece);
        tick(read);
      });
    if (native) {
      if (!native.ok)
        throw native.code
          ? describeFsError({ code: native.code, message: native.error }, path)
          : new RolloutReadError(
              `could not decompress ${path} (${native.error}): the .zst file is damaged or cut short`,
            );
    } else if (compressed && !plain) {
      const dec = new Decompress((chunk) => {
        opts.onDecompressed?.(chunk);
        splitter.push(chunk);
      });
      try {
        for (;;) {
          const n = ahead >= 0 ? ahead : readChunk(fd, buf, pos, path);
          ahead = -1;
          if (n === 0) break;
          opts.onBytes?.(buf.subarray(0, n));
          // fzstd may keep a reference to the pushed chunk until more arrives: give it its own copy.
          dec.push(Buffer.from(buf.subarray(0, n)));
          pos += n;
          tick(pos);
        }
        dec.push(new Uint8Array(0), true);
      } catch (err) {
        // fzstd's own errors carry a numeric code ("unexpected EOF", "invalid block type", …)
        if (typeof (err as { code?: unknown }).code === 'number')
          throw new RolloutReadError(
            `could not decompress ${path} (${(err as Error).message}): the .zst file is damaged or cut short`,
          );
        throw err;
      }
    } else if (!compressed) {
      splitter.setBase(pos, opts.startLine ?? 0);
      for (;;) {
        const n = ahead >= 0 ? ahead : readChunk(fd, buf, pos, path);
        ahead = -1;
        if (n === 0) break;
        opts.onBytes?.(buf.subarray(0, n));
        splitter.push(buf.subarray(0, n));
        lastPiece = pos;
        pos += n;
        tick(pos);
      }
    }
    const end = splitter.end();
    // The last piece read is still in buf (the read that found the end put nothing there).
    let before: Buffer | undefined;
    const want = Math.min(opts.keepBefore ?? 0, end.resumeOffset);
    if (want > 0 && !compressed && end.resumeOffset - want >= lastPiece && end.resumeOffset <= pos)
      before = Buffer.from(buf.subarray(end.resumeOffset - want - lastPiece, end.resumeOffset - lastPiece));
    return { ...end, compressed, before };
  } catch (err) {
    if (err instanceof EnoughLines)
      return { lines: opts.maxLines ?? 0, bytes: 0, resumeOffset: 0, resumeLine: 0, bom: false, compressed: false };
    throw err;
  } finally {
    release();
    if (opts.fd === undefined) fs.closeSync(fd);
  }
}

function readChunk(fd: number, buf: Buffer, pos: number, path: string, len = buf.length): number {
  try {
    return fs.readSync(fd, buf, 0, len, pos);
  } catch (err) {
    throw describeFsError(err, path);
  }
}

/**
 * seg[a, b) parsed whole when it is short, valid UTF-8, holds no `data:` (whose strings the scanner
 * keeps in the file and fingerprints) and no `\/` or `\u` escape (see parseShortLines); undefined
 * when the scanner must read it (also when it is not valid JSON: the scanner says where and why).
 * Decoding replaces bytes that are not UTF-8 with U+FFFD, so a line holding one is left to the
 * scanner, which reports them.
 */
function parseShort(seg: Buffer, a: number, b: number): JsonValue | undefined {
  if (b - a > SHORT_LINE_BYTES) return undefined;
  const text = utf8Slice(seg, a, b);
  if (text.includes('data:') || text.includes('\uFFFD') || text.includes('\\/') || text.includes('\\u'))
    return undefined;
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return undefined;
  }
}

/** Splits a byte stream into lines and drives the scanner. Offsets are in the (decompressed) stream. */
class LineSplitter {
  private readonly scanner: LineScanner;
  private base = 0; // stream offset of the next byte pushed
  private lineStart = 0;
  private lineIndex = 0;
  private lineHasData = false; // any non-whitespace byte in the current line
  private lastByte = -1; // last byte of the current line so far (to detect \r\n)
  private bom = false;
  private first = true;
  private plain = false; // offsets are the file's: lines may show the piece they were read from
  private seg: Buffer | undefined; // the piece being pushed
  private readonly shortLines: boolean;

  constructor(
    private readonly onLine: (line: RolloutLine) => void,
    opts: ReadOptions,
  ) {
    this.scanner = new LineScanner(opts);
    this.shortLines = (opts.parseShortLines ?? false) && !opts.spans;
  }

  /** Reading a plain file from `offset` (line index `line`). */
  setBase(offset: number, line: number): void {
    this.plain = true;
    this.base = offset;
    this.lineStart = offset;
    this.lineIndex = line;
    this.first = offset === 0;
  }

  push(chunk: Uint8Array): void {
    const seg = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let i = 0;
    if (this.first && seg.length > 0) {
      this.first = false;
      if (seg.length >= 3 && seg[0] === 0xef && seg[1] === 0xbb && seg[2] === 0xbf) {
        this.bom = true;
        i = 3;
        this.lineStart += 3;
      }
    }
    const n = seg.length;
    if (this.plain) this.seg = seg;
    while (i < n) {
      let nl = seg.indexOf(0x0a, i);
      if (nl === -1) nl = n;
      if (nl > i) {
        this.noteData(seg, i, nl);
        this.lastByte = seg[nl - 1];
        if (nl < n && this.shortLines && this.plain && this.lineHasData && this.lineStart === this.base + i) {
          const value = parseShort(seg, i, nl);
          if (value !== undefined) {
            this.emitLine(this.base + nl, true, value);
            i = nl + 1;
            continue;
          }
        }
        this.scanner.feed(seg, i, nl, this.base);
      }
      if (nl === n) break;
      this.emitLine(this.base + nl, true);
      i = nl + 1;
    }
    this.seg = undefined;
    this.base += n;
  }

  end(): Omit<ReadSummary, 'compressed'> {
    const resumeOffset = this.lineStart;
    const resumeLine = this.lineIndex;
    if (this.base > this.lineStart) this.emitLine(this.base, false);
    return { lines: this.lineIndex, bytes: this.base, resumeOffset, resumeLine, bom: this.bom };
  }

  private noteData(seg: Buffer, a: number, b: number): void {
    if (this.lineHasData) return;
    for (let k = a; k < b; k++) {
      const c = seg[k];
      if (c !== 0x20 && c !== 0x09 && c !== 0x0d) {
        this.lineHasData = true;
        return;
      }
    }
  }

  /** `parsed`: the line's value, parsed whole (the scanner saw none of it). */
  private emitLine(nlOffset: number, hasNewline: boolean, parsed?: JsonValue): void {
    const cr = hasNewline && this.lastByte === 0x0d;
    const end = hasNewline ? nlOffset - (cr ? 1 : 0) : nlOffset;
    let value: JsonValue | undefined;
    let problem: LineProblem | undefined;
    let longestString: number | undefined;
    if (parsed !== undefined) {
      value = parsed;
      longestString = end - this.lineStart;
    } else if (this.lineHasData) {
      const r = this.scanner.finish(end);
      value = r.value;
      problem = r.problem;
      longestString = this.scanner.longestString;
    }
    const held = this.seg !== undefined && this.lineHasData;
    // Every field set, always in this order: one object shape for every line (readers stay monomorphic).
    const line: RolloutLine = {
      index: this.lineIndex,
      start: this.lineStart,
      end: Math.max(end, this.lineStart),
      eolBytes: hasNewline ? (cr ? 2 : 1) : 0,
      value,
      problem,
      blank: !this.lineHasData,
      longestString,
      chunk: held ? this.seg : undefined,
      chunkStart: held ? this.base : undefined,
    };
    this.onLine(line);
    this.scanner.reset();
    this.lineIndex++;
    this.lineStart = nlOffset + (hasNewline ? 1 : 0);
    this.lineHasData = false;
    this.lastByte = -1;
  }
}
