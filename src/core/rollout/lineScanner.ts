// A resumable, byte-level JSON parser for one JSONL line fed in pieces. Structure is parsed
// byte by byte; string contents are skipped with Buffer.indexOf (memchr speed), so a 700 MB
// base64 string costs one native scan and never becomes a JS string.
import { createHash, Hash } from 'node:crypto';
import { isAscii, isUtf8 } from 'node:buffer';
import { BigStr, ContainerSpans, JsonValue, SPANS, Span } from './jsonSkeleton';

export interface ScannerOptions {
  /** Strings with more raw bytes than this stay in the file as BigStr (default 64 KiB). */
  bigStringBytes?: number;
  /** `data:` URLs at least this long are always BigStr, so every image can be located (default 64). */
  dataUrlMinBytes?: number;
  /**
   * Identify big `data:` strings so duplicates can be counted: 'fingerprint' (default) hashes the
   * length, first 8 KiB and last 8 KiB (a PNG ends with its CRC, so different pixels give a
   * different tail); 'full' is the sha256 of every byte as stored (exact, ~3x slower); false: none.
   */
  hashDataUrls?: 'fingerprint' | 'full' | false;
  /** Attach byte spans to containers (needed to splice values out of a line). */
  spans?: boolean;
  /**
   * String values of these object keys (and of an object that is such a key's value) stay in the file
   * as BigStr whatever their length (never decoded): for passes that only need their size.
   */
  rangeOnlyKeys?: ReadonlySet<string>;
}

export type LineProblemKind = 'malformed-json' | 'truncated' | 'invalid-utf8' | 'too-deep';

/**
 * Deepest nesting a line may have. Codex reads rollouts with serde_json, whose default recursion
 * limit is 128, so it never writes or reads back anything deeper; 1,000 leaves room for other
 * writers while keeping every pass over a skeleton (recursive or not) small and safe. A deeper
 * line is reported as damaged and copied as it is.
 */
export const MAX_DEPTH = 1000;

/**
 * Longest number or keyword. JSON sets no limit; a longer run of such bytes is taken for damage (e.g.
 * a hole of zero bytes after a crash). As long as the longest line the reader may hand to JSON.parse
 * instead (reader.SHORT_LINE_BYTES), so a number is read alike either way.
 */
export const MAX_LITERAL_BYTES = 2 * MAX_DEPTH;

export interface LineProblem {
  kind: LineProblemKind;
  message: string;
  /** Absolute byte offset where it was noticed. */
  offset: number;
}

const PREFIX_BYTES = 96; // a PNG data URL shows its width and height within the first 88 bytes
const EDGE_BYTES = 8192;

const enum St {
  Value, // expecting a value (top level, after ':' or after ',' in an array)
  ArrFirst, // after '[': a value or ']'
  ObjFirst, // after '{': a key or '}'
  Key, // after ',' in an object: a key
  Colon, // after a key
  After, // after a value: ',' or a closing bracket
  Str, // inside a string
  Lit, // inside a number / true / false / null
  Done, // the top-level value is complete
  Error, // the line is broken; ignore the rest
}

interface Frame {
  container: JsonValue[] | Record<string, JsonValue>;
  isArr: boolean;
  key: string | undefined;
  start: number;
  spans: ContainerSpans | undefined;
  /** This object is the value of a rangeOnlyKeys key: its own string values stay BigStr too. */
  rangeOnly: boolean;
}

const NO_CONTAINER: JsonValue[] = [];

function isWs(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0d || b === 0x0a;
}

function isLitEnd(b: number): boolean {
  return b === 0x2c || b === 0x5d || b === 0x7d || isWs(b);
}

export class LineScanner {
  private readonly bigBytes: number;
  private readonly dataMin: number;
  private readonly hashData: 'fingerprint' | 'full' | false;
  private readonly withSpans: boolean;
  private readonly rangeOnly: ReadonlySet<string> | undefined;
  private strRangeOnly = false; // the current string stays a BigStr (rangeOnlyKeys)

  private st = St.Value;
  private stack: Frame[] = []; // frames [0, depth) are open
  private depth = 0;
  private root: JsonValue | undefined;
  private problem: LineProblem | undefined;
  private utf8Bad = false;
  private longest = 0;

  // current string
  private strIsKey = false;
  private strStart = 0; // absolute offset of first content byte
  private strLen = 0;
  private strParts: Buffer[] | undefined; // small-string bytes seen so far (copied)
  private strBig = false;
  private strPrefix = Buffer.alloc(EDGE_BYTES); // first bytes: 64 for every string, 8 KiB for data URLs
  private strPrefixLen = 0;
  private strIsData = false;
  private strTail = Buffer.alloc(EDGE_BYTES); // last bytes of a data URL (fingerprint mode)
  private strTailLen = 0;
  private strHash: Hash | undefined;
  private bsCarry = 0; // parity of trailing backslashes of the content consumed so far
  private valueStart = 0; // absolute offset where the current value began (for spans)
  // the piece being fed: is it all valid UTF-8 (checked once, lazily), where is its next backslash
  private piece: Buffer | undefined;
  private pieceFrom = 0;
  private pieceTo = 0;
  private pieceText: 0 | 1 | 2 | 3 = 0; // 0 not checked yet, 1 all ASCII, 2 valid UTF-8, 3 not valid UTF-8
  private bsAt = -1;
  private bsFrom = 0;

  // current literal
  private litParts: number[] = [];

  constructor(opts: ScannerOptions = {}) {
    this.bigBytes = opts.bigStringBytes ?? 64 * 1024;
    this.dataMin = opts.dataUrlMinBytes ?? 64;
    this.hashData = opts.hashDataUrls ?? 'fingerprint';
    this.withSpans = opts.spans ?? false;
    this.rangeOnly = opts.rangeOnlyKeys?.size ? opts.rangeOnlyKeys : undefined;
  }

  /** Start a new line. */
  reset(): void {
    this.st = St.Value;
    for (let k = 0; k < this.depth; k++) {
      this.stack[k].container = NO_CONTAINER; // a broken line's frames
      this.stack[k].spans = undefined;
    }
    this.depth = 0;
    this.root = undefined;
    this.problem = undefined;
    this.utf8Bad = false;
    this.longest = 0;
    this.strParts = undefined;
    this.strHash = undefined;
    this.litParts = [];
  }

  /** Feed bytes seg[from, to) of the current line; `base` is the absolute offset of seg[0]. */
  feed(seg: Buffer, from: number, to: number, base: number): void {
    this.piece = seg;
    this.pieceFrom = from;
    this.pieceTo = to;
    this.pieceText = 0;
    this.bsFrom = Infinity;
    let i = from;
    while (i < to) {
      switch (this.st) {
        case St.Str: {
          i = this.scanString(seg, i, to, base);
          continue;
        }
        case St.Lit: {
          while (i < to && !isLitEnd(seg[i])) {
            this.litParts.push(seg[i++]);
            if (this.litParts.length > MAX_LITERAL_BYTES) {
              this.fail(
                'malformed-json',
                `a number or keyword runs past ${MAX_LITERAL_BYTES} bytes at byte ${base + i}`,
                base + i,
              );
              return;
            }
          }
          if (i < to) this.endLiteral(base + i);
          continue;
        }
        case St.Error:
          return;
        default:
          break;
      }
      const b = seg[i];
      if (isWs(b)) {
        i++;
        continue;
      }
      const at = base + i;
      switch (this.st) {
        case St.Value:
        case St.ArrFirst:
          if (b === 0x5d && this.st === St.ArrFirst) {
            this.closeContainer(true, at + 1);
            i++;
            break;
          }
          i = this.beginValue(seg, i, base);
          break;
        case St.ObjFirst:
        case St.Key:
          if (b === 0x22) {
            this.beginString(true, at + 1);
            i++;
          } else if (b === 0x7d && this.st === St.ObjFirst) {
            this.closeContainer(false, at + 1);
            i++;
          } else {
            this.fail('malformed-json', `expected a key at byte ${at}`, at);
            return;
          }
          break;
        case St.Colon:
          if (b !== 0x3a) {
            this.fail('malformed-json', `expected ':' at byte ${at}`, at);
            return;
          }
          this.st = St.Value;
          i++;
          break;
        case St.After: {
          const top = this.stack[this.depth - 1];
          if (b === 0x2c) {
            this.st = top.isArr ? St.Value : St.Key;
            i++;
          } else if ((b === 0x5d && top.isArr) || (b === 0x7d && !top.isArr)) {
            this.closeContainer(top.isArr, at + 1);
            i++;
          } else {
            this.fail('malformed-json', `unexpected '${String.fromCharCode(b)}' at byte ${at}`, at);
            return;
          }
          break;
        }
        case St.Done:
          this.fail('malformed-json', `data after the end of the JSON value at byte ${at}`, at);
          return;
      }
    }
  }

  /** Raw bytes (as stored, escapes included) of the longest string value of the line so far. */
  get longestString(): number {
    return this.longest;
  }

  /** The line ended (newline or end of file). Returns the value or the problem. */
  finish(endOffset: number): { value?: JsonValue; problem?: LineProblem } {
    if (this.st === St.Lit && this.depth === 0) this.endLiteral(endOffset);
    if (this.problem) return { problem: this.problem };
    if (this.st !== St.Done) {
      return {
        problem: {
          kind: 'truncated',
          message: 'the line ends before its JSON value is complete (truncated or cut mid-write)',
          offset: endOffset,
        },
      };
    }
    if (this.utf8Bad) {
      return {
        value: this.root,
        problem: { kind: 'invalid-utf8', message: 'a string holds bytes that are not valid UTF-8', offset: endOffset },
      };
    }
    return { value: this.root };
  }

  private fail(kind: LineProblemKind, message: string, offset: number): void {
    if (!this.problem) this.problem = { kind, message, offset };
    this.st = St.Error;
  }

  private beginValue(seg: Buffer, i: number, base: number): number {
    const b = seg[i];
    const at = base + i;
    this.valueStart = at;
    if (b === 0x22) {
      this.beginString(false, at + 1);
      return i + 1;
    }
    if (b === 0x7b || b === 0x5b) {
      if (this.depth >= MAX_DEPTH) {
        this.fail('too-deep', `nested more than ${MAX_DEPTH} levels deep at byte ${at}`, at);
        return seg.length;
      }
      const isArr = b === 0x5b;
      const container: JsonValue[] | Record<string, JsonValue> = isArr ? [] : {};
      const spans: ContainerSpans | undefined = this.withSpans ? { self: [at, at], children: new Map() } : undefined;
      if (spans) Object.defineProperty(container, SPANS, { value: spans, enumerable: false });
      const parent = this.depth > 0 ? this.stack[this.depth - 1] : undefined;
      const rangeOnly =
        !isArr && parent !== undefined && !parent.isArr && this.rangeOnly?.has(parent.key as string) === true;
      // Frames are reused from line to line (one object per depth, not per container).
      const frame = this.stack[this.depth];
      if (frame) {
        frame.container = container;
        frame.isArr = isArr;
        frame.key = undefined;
        frame.start = at;
        frame.spans = spans;
        frame.rangeOnly = rangeOnly;
      } else this.stack.push({ container, isArr, key: undefined, start: at, spans, rangeOnly });
      this.depth++;
      this.st = isArr ? St.ArrFirst : St.ObjFirst;
      return i + 1;
    }
    if (b === 0x2d || (b >= 0x30 && b <= 0x39) || b === 0x74 || b === 0x66 || b === 0x6e) {
      // Most literals end in this piece: read them from the bytes (no string, no regex for integers).
      let j = i + 1;
      while (j < seg.length && j - i <= MAX_LITERAL_BYTES && !isLitEnd(seg[j])) j++;
      if (j < seg.length && j - i <= MAX_LITERAL_BYTES) {
        const v = simpleLiteral(seg, i, j);
        if (v !== undefined) this.emit(v, base + j);
        else this.literal(latin1Slice(seg, i, j), base + j);
        return j;
      }
      this.litParts = [b];
      this.st = St.Lit;
      return i + 1;
    }
    this.fail('malformed-json', `unexpected '${String.fromCharCode(b)}' at byte ${at}`, at);
    return seg.length;
  }

  private endLiteral(endAt: number): void {
    this.literal(String.fromCharCode(...this.litParts), endAt);
  }

  /** A number or keyword's text (a float, or what simpleLiteral could not read). */
  private literal(text: string, endAt: number): void {
    let v: JsonValue;
    if (text === 'true') v = true;
    else if (text === 'false') v = false;
    else if (text === 'null') v = null;
    else if (/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(text)) v = Number(text);
    else {
      this.fail('malformed-json', `invalid literal '${text.slice(0, 20)}'`, endAt);
      return;
    }
    this.litParts = [];
    this.emit(v, endAt);
  }

  private beginString(isKey: boolean, contentStart: number): void {
    this.st = St.Str;
    this.strIsKey = isKey;
    if (this.rangeOnly && !isKey) {
      const top = this.depth > 0 ? this.stack[this.depth - 1] : undefined;
      this.strRangeOnly = top !== undefined && !top.isArr && (top.rangeOnly || this.rangeOnly.has(top.key as string));
    } else this.strRangeOnly = false;
    this.strStart = contentStart;
    this.strLen = 0;
    this.strParts = undefined;
    this.strBig = false;
    this.strPrefixLen = 0;
    this.strIsData = false;
    this.strTailLen = 0;
    this.strHash = undefined;
    this.bsCarry = 0;
  }

  /** Consume string content from seg[i..to); returns the next index. */
  private scanString(seg: Buffer, i: number, to: number, base: number): number {
    let p = i;
    for (;;) {
      const q = quoteAt(seg, p, to);
      if (q === -1) {
        this.takeContent(seg, i, to, false);
        return to;
      }
      // Is this quote escaped? Count the backslashes right before it.
      let k = q - 1;
      while (k >= i && seg[k] === 0x5c) k--;
      let run = q - 1 - k;
      if (k < i) run += this.bsCarry; // the run reaches back into an earlier piece
      if (run & 1) {
        p = q + 1;
        if (p >= to) {
          this.takeContent(seg, i, to, false);
          return to;
        }
        continue;
      }
      this.takeContent(seg, i, q, true);
      this.endString(seg, i, q, base + q);
      return q + 1;
    }
  }

  /** Record string bytes seg[a, b) (part of the current string; `ending`: the string closes at b). */
  private takeContent(seg: Buffer, a: number, b: number, ending: boolean): void {
    if (b <= a) return;
    if (ending && this.strLen === 0 && (this.strIsKey || (!this.strRangeOnly && this.staysSmall(seg, a, b)))) {
      // The whole string is in this piece and stays a JS string: endString decodes seg[a, b).
      this.strLen = b - a;
      return;
    }
    // trailing backslash parity, for a quote that starts the next piece
    let k = b - 1;
    while (k >= a && seg[k] === 0x5c) k--;
    const run = b - 1 - k;
    this.bsCarry = k < a ? (this.bsCarry + run) & 1 : run & 1;

    const wasData = this.strIsData;
    this.takePrefix(seg, a, b);
    if (this.strIsData && this.hashData === 'fingerprint') {
      // Bytes before this piece (fewer than 5: the prefix was not yet known) start the tail.
      if (!wasData) this.strPrefix.copy(this.strTail, 0, 0, (this.strTailLen = this.strLen));
      this.takeTail(seg, a, b);
    }
    const len = b - a;
    const newLen = this.strLen + len;
    if (
      !this.strBig &&
      !this.strIsKey &&
      (newLen > this.bigBytes || this.strRangeOnly || (this.strIsData && newLen >= this.dataMin))
    ) {
      this.strBig = true;
      if (this.hashData === 'full' && this.strIsData) {
        this.strHash = createHash('sha256');
        if (this.strParts) for (const part of this.strParts) this.strHash.update(part);
      }
      this.strParts = undefined;
    }
    if (this.strBig) {
      if (this.strHash) this.strHash.update(seg.subarray(a, b));
    } else if (!ending) {
      // The string goes on in the next piece: keep a copy of what we have.
      (this.strParts ??= []).push(Buffer.from(seg.subarray(a, b)));
    } else if (this.strParts) {
      this.strParts.push(seg.subarray(a, b));
    }
    this.strLen = newLen;
  }

  /** A value string seg[a, b) that is neither big nor a data URL long enough to become a BigStr. */
  private staysSmall(seg: Buffer, a: number, b: number): boolean {
    const len = b - a;
    if (len > this.bigBytes) return false;
    if (len < this.dataMin || len < 5) return true;
    return !(
      seg[a] === 0x64 &&
      seg[a + 1] === 0x61 &&
      seg[a + 2] === 0x74 &&
      seg[a + 3] === 0x61 &&
      seg[a + 4] === 0x3a
    );
  }

  /** Decode seg[a, b) of the piece being fed (no copy; one UTF-8 check and one backslash search per piece). */
  private decodeInPiece(seg: Buffer, a: number, b: number): string {
    if (this.pieceText === 0) {
      const piece = seg.subarray(this.pieceFrom, this.pieceTo);
      this.pieceText = isAscii(piece) ? 1 : isUtf8(piece) ? 2 : 3;
    }
    if (this.pieceText === 3 && !this.utf8Bad && !isUtf8(seg.subarray(a, b))) this.utf8Bad = true;
    if (this.bsFrom > a || (this.bsAt !== -1 && this.bsAt < a)) {
      this.bsFrom = a;
      this.bsAt = byteAt(seg, 0x5c, a, this.pieceTo);
    }
    if (this.bsAt !== -1 && this.bsAt < b) {
      // With escapes: JSON.parse the quoted bytes as they are when the opening quote is in this piece.
      if (a > this.pieceFrom && seg[a - 1] === 0x22 && this.pieceText !== 3) {
        try {
          return JSON.parse(
            this.pieceText === 1 ? latin1Slice(seg, a - 1, b + 1) : utf8Slice(seg, a - 1, b + 1),
          ) as string;
        } catch {
          // a broken escape: decodeJsonString keeps the text readable
        }
      }
      return decodeJsonString(seg.subarray(a, b));
    }
    return this.pieceText === 1 ? latin1Slice(seg, a, b) : utf8Slice(seg, a, b);
  }

  /**
   * A short key or value: the same few dozen keys (and values such as types and roles) come back on
   * every line, so the string made the last time these bytes were read is used again (no new string,
   * and V8 finds a property by such a key at once).
   */
  private cachedString(seg: Buffer, a: number, b: number): string {
    const len = b - a;
    if (len === 0) return '';
    const slot = Math.imul(len ^ (seg[a] << 8) ^ (seg[b - 1] << 16) ^ (seg[a + (len >> 1)] << 24), 0x9e3779b1) >>> 22;
    const off = slot * KEY_BYTES;
    if (keyLen[slot] === len) {
      let k = 0;
      while (k < len && keyBytes[off + k] === seg[a + k]) k++;
      if (k === len) return keyText[slot];
    }
    for (let k = a; k < b; k++) if (seg[k] >= 0x80 || seg[k] === 0x5c) return this.decodeInPiece(seg, a, b);
    const text = latin1Slice(seg, a, b);
    seg.copy(keyBytes, off, a, b);
    keyLen[slot] = len;
    keyText[slot] = text;
    return text;
  }

  /** Keep the first 64 bytes of every string, and the first 8 KiB of a data URL. */
  private takePrefix(seg: Buffer, a: number, b: number): void {
    const limit = this.strIsData ? EDGE_BYTES : PREFIX_BYTES;
    if (this.strPrefixLen < limit) {
      const n = Math.min(limit - this.strPrefixLen, b - a);
      seg.copy(this.strPrefix, this.strPrefixLen, a, a + n);
      this.strPrefixLen += n;
      a += n;
    }
    if (
      !this.strIsData &&
      !this.strIsKey &&
      this.strPrefixLen >= 5 &&
      this.strPrefix.toString('latin1', 0, 5) === 'data:'
    ) {
      this.strIsData = true;
      if (a < b) this.takePrefix(seg, a, b);
    }
  }

  /** Keep the last 8 KiB of the string. */
  private takeTail(seg: Buffer, a: number, b: number): void {
    const n = b - a;
    if (n >= EDGE_BYTES) {
      seg.copy(this.strTail, 0, b - EDGE_BYTES, b);
      this.strTailLen = EDGE_BYTES;
      return;
    }
    const keep = Math.min(this.strTailLen, EDGE_BYTES - n);
    this.strTail.copy(this.strTail, 0, this.strTailLen - keep, this.strTailLen);
    seg.copy(this.strTail, keep, a, b);
    this.strTailLen = keep + n;
  }

  private fingerprint(): string {
    const h = createHash('sha1');
    h.update(String(this.strLen) + ':');
    h.update(this.strPrefix.subarray(0, this.strPrefixLen));
    h.update(this.strTail.subarray(0, this.strTailLen));
    return h.digest('hex');
  }

  private endString(seg: Buffer, a: number, b: number, closeAt: number): void {
    let v: JsonValue;
    if (this.strBig) {
      const prefix = this.strPrefix.toString('latin1', 0, Math.min(PREFIX_BYTES, this.strPrefixLen));
      const hash = this.strHash
        ? this.strHash.digest('hex')
        : this.strIsData && this.hashData === 'fingerprint'
          ? this.fingerprint()
          : undefined;
      v = new BigStr(this.strStart, closeAt, prefix, hash);
    } else {
      // Parts exist only when the string spanned pieces; otherwise seg[a, b) is all of it.
      if (this.strParts || seg !== this.piece) {
        const whole = this.strParts ? Buffer.concat(this.strParts) : seg.subarray(a, b);
        v = decodeJsonString(whole);
        if (!this.utf8Bad && !isUtf8(whole)) this.utf8Bad = true;
      } else
        v =
          b - a <= (this.strIsKey ? KEY_BYTES : VALUE_BYTES)
            ? this.cachedString(seg, a, b)
            : this.decodeInPiece(seg, a, b);
    }
    this.strParts = undefined;
    if (!this.strIsKey && this.strLen > this.longest) this.longest = this.strLen;
    if (this.strIsKey) {
      const top = this.stack[this.depth - 1];
      top.key = v as string;
      this.st = St.Colon;
      return;
    }
    this.emit(v, closeAt + 1);
  }

  private emit(v: JsonValue, endAt: number): void {
    const top = this.depth > 0 ? this.stack[this.depth - 1] : undefined;
    if (!top) {
      this.root = v;
      this.st = St.Done;
      return;
    }
    if (top.isArr) {
      const arr = top.container as JsonValue[];
      if (top.spans) top.spans.children.set(arr.length, [this.valueStart, endAt]);
      arr.push(v);
    } else {
      const key = top.key as string;
      const obj = top.container as Record<string, JsonValue>;
      if (top.spans) top.spans.children.set(key, [this.valueStart, endAt]);
      if (key === '__proto__')
        Object.defineProperty(obj, key, { value: v, enumerable: true, writable: true, configurable: true });
      else obj[key] = v;
      top.key = undefined;
    }
    this.st = St.After;
  }

  private closeContainer(isArr: boolean, endAt: number): void {
    const frame = this.stack[--this.depth];
    const container = frame.container;
    if (frame.spans) (frame.spans as { self: Span }).self = [frame.start, endAt];
    frame.container = NO_CONTAINER; // the frame keeps nothing of this line alive
    frame.spans = undefined;
    this.valueStart = frame.start;
    void isArr;
    this.emit(container as JsonValue, endAt);
  }
}

/** The first '"' in seg[p, to), or -1. Most strings are short: their end is found before a call to indexOf would return. */
function quoteAt(seg: Buffer, p: number, to: number): number {
  const near = Math.min(to, p + 48);
  for (let k = p; k < near; k++) if (seg[k] === 0x22) return k;
  if (near === to) return -1;
  const q = seg.indexOf(0x22, near);
  return q >= to ? -1 : q;
}

/**
 * The first `byte` in seg[from, to), or -1. Bounded: Buffer.indexOf would search on to the end of the
 * read buffer, which for a line without that byte costs the rest of the buffer on every line.
 */
function byteAt(seg: Buffer, byte: number, from: number, to: number): number {
  if (to - from <= 64) {
    for (let k = from; k < to; k++) if (seg[k] === byte) return k;
    return -1;
  }
  const at = seg.subarray(from, to).indexOf(byte);
  return at === -1 ? -1 : from + at;
}

/** true, false, null or a plain integer in seg[i, j); undefined for anything else (floats, errors). */
function simpleLiteral(seg: Buffer, i: number, j: number): boolean | null | number | undefined {
  const b = seg[i];
  const n = j - i;
  if (b === 0x74)
    return n === 4 && seg[i + 1] === 0x72 && seg[i + 2] === 0x75 && seg[i + 3] === 0x65 ? true : undefined;
  if (b === 0x66)
    return n === 5 && seg[i + 1] === 0x61 && seg[i + 2] === 0x6c && seg[i + 3] === 0x73 && seg[i + 4] === 0x65
      ? false
      : undefined;
  if (b === 0x6e)
    return n === 4 && seg[i + 1] === 0x75 && seg[i + 2] === 0x6c && seg[i + 3] === 0x6c ? null : undefined;
  const neg = b === 0x2d;
  let k = neg ? i + 1 : i;
  if (k >= j || j - k > 15 || (seg[k] === 0x30 && j - k > 1)) return undefined; // exact in a double; no leading 0
  let x = 0;
  for (; k < j; k++) {
    const d = seg[k] - 0x30;
    if (d < 0 || d > 9) return undefined;
    x = x * 10 + d;
  }
  return neg ? -x : x;
}

// The string cache (LineScanner.cachedString): keys up to KEY_BYTES long and values up to VALUE_BYTES, by a
// hash of their bytes (one slot holds at most KEY_BYTES).
const KEY_BYTES = 32;
// Short values (types, roles, statuses, models) come back as often as keys; ids and timestamps are longer.
const VALUE_BYTES = 20;
const KEY_SLOTS = 1024; // the slot is the top 10 bits of a 32-bit hash
const keyBytes = Buffer.alloc(KEY_SLOTS * KEY_BYTES);
const keyLen = new Int32Array(KEY_SLOTS).fill(-1);
const keyText: string[] = new Array<string>(KEY_SLOTS).fill('');

type Slice = (this: Buffer, a: number, b: number) => string;
const native = Buffer.prototype as unknown as { utf8Slice?: Slice; latin1Slice?: Slice };
const nativeUtf8Slice = native.utf8Slice;
const nativeLatin1Slice = native.latin1Slice;

/** seg.toString('utf8', a, b) without the argument checks (called for every small string). */
export function utf8Slice(seg: Buffer, a: number, b: number): string {
  return nativeUtf8Slice ? nativeUtf8Slice.call(seg, a, b) : seg.toString('utf8', a, b);
}

/** The same for bytes known to be ASCII: a one-byte string, no UTF-8 decoding. */
function latin1Slice(seg: Buffer, a: number, b: number): string {
  return nativeLatin1Slice ? nativeLatin1Slice.call(seg, a, b) : seg.toString('latin1', a, b);
}

/** Decode the raw bytes of a JSON string's content (without quotes). */
export function decodeJsonString(raw: Buffer): string {
  if (raw.indexOf(0x5c) === -1) return raw.toString('utf8');
  try {
    return JSON.parse('"' + raw.toString('utf8') + '"') as string;
  } catch {
    // A broken escape: keep the text readable rather than failing the whole line.
    return raw.toString('utf8');
  }
}
