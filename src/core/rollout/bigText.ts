// Bounded, escape-safe reads of a BigStr (a JSON string left in the file as a byte range):
// its head, its tail, or its decoded lines one by one — never the whole string as a JS string.
import * as fs from 'node:fs';
import { BigStr } from './jsonSkeleton';

/** Reads BigStr content from an open rollout. For .zst rollouts offsets don't address the file: every read gives undefined. */
export class BigTextReader {
  private fd: number | undefined;

  constructor(
    readonly path: string,
    readonly compressed: boolean,
  ) {}

  private open(): number | undefined {
    if (this.compressed) return undefined;
    if (this.fd === undefined) {
      try {
        this.fd = fs.openSync(this.path, 'r');
      } catch {
        return undefined;
      }
    }
    return this.fd;
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }

  private raw(start: number, end: number): Buffer | undefined {
    const fd = this.open();
    if (fd === undefined || end <= start) return fd === undefined ? undefined : Buffer.alloc(0);
    const buf = Buffer.allocUnsafe(end - start);
    let got = 0;
    while (got < buf.length) {
      const n = fs.readSync(fd, buf, got, buf.length - got, start + got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  }

  /** The first ~maxBytes of the decoded string (cut at a safe place), or undefined when unreadable. */
  head(s: BigStr, maxBytes: number): string | undefined {
    const raw = this.raw(s.start, Math.min(s.end, s.start + maxBytes));
    if (!raw) return undefined;
    return decodeRaw(raw.subarray(0, safeHeadEnd(raw)));
  }

  /** The last ~maxBytes of the decoded string (starting at a safe place), or undefined when unreadable. */
  tail(s: BigStr, maxBytes: number): string | undefined {
    const from = Math.max(s.start, s.end - maxBytes);
    const raw = this.raw(from, s.end);
    if (!raw) return undefined;
    const at = from === s.start ? 0 : safeTailStart(raw);
    return decodeRaw(raw.subarray(at));
  }

  /**
   * Decode the string in chunks and call `onLine` with the first `keepBytes` of every line
   * (split on decoded "\n"). Returns false when unreadable.
   */
  lines(s: BigStr, onLine: (head: string) => void, keepBytes = 512): boolean {
    if (this.open() === undefined) return false;
    const dec = new EscapedLineDecoder(onLine, keepBytes);
    const chunk = 1024 * 1024;
    for (let pos = s.start; pos < s.end; pos += chunk) {
      const raw = this.raw(pos, Math.min(s.end, pos + chunk));
      if (!raw || raw.length === 0) break;
      dec.push(raw);
    }
    dec.end();
    return true;
  }
}

/** Decode raw escaped JSON string content; tolerant of damage (falls back to a lossy decode). */
export function decodeRaw(raw: Buffer): string {
  const text = raw.toString('utf8');
  try {
    return JSON.parse('"' + text + '"') as string;
  } catch {
    // Raw control characters or a broken escape: decode what we can by hand.
    return text.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_m, e: string) => {
      if (e[0] === 'u' && e.length === 5) return String.fromCharCode(parseInt(e.slice(1), 16));
      return ({ n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' } as Record<string, string>)[e] ?? e;
    });
  }
}

/** Largest prefix length of `raw` (which starts at the beginning of a string) that ends on a whole escape and a whole UTF-8 character. */
export function safeHeadEnd(raw: Buffer): number {
  const n = raw.length;
  let i = 0;
  while (i < n) {
    const b = raw[i];
    if (b === 0x5c) {
      if (i + 1 >= n) break;
      const step = raw[i + 1] === 0x75 ? 6 : 2;
      if (i + step > n) break;
      i += step;
    } else if (b >= 0x80) {
      const len = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
      if (i + len > n) break;
      i += len;
    } else {
      i++;
    }
  }
  return i;
}

const HEXISH = new Set([...'0123456789abcdefABCDEFu\\'].map((c) => c.charCodeAt(0)));

/**
 * First offset in `raw` (a slice starting somewhere inside a string) where decoding can start:
 * just after an ASCII byte that can't belong to an unfinished escape, and not on a UTF-8 continuation byte.
 */
export function safeTailStart(raw: Buffer): number {
  for (let q = 1; q < raw.length; q++) {
    const prev = raw[q - 1];
    const cur = raw[q];
    if (prev < 0x80 && !HEXISH.has(prev) && (cur < 0x80 || cur >= 0xc0)) {
      // prev must not itself be escaped-by-an-odd-run... an escaped char after `\` ends the escape, so q is a boundary either way.
      return q;
    }
  }
  return raw.length;
}

/** Streaming decoder of escaped JSON string content into lines (bounded: keeps `keep` bytes per line). */
class EscapedLineDecoder {
  private line: number[] = [];
  private esc = 0; // 0 none, 1 after '\', 2..5 inside \uXXXX (digits seen = esc-2)
  private hex = 0;

  constructor(
    private readonly onLine: (head: string) => void,
    private readonly keep: number,
  ) {}

  private put(code: number): void {
    if (code === 0x0a) {
      this.flush();
      return;
    }
    if (this.line.length < this.keep) this.line.push(code);
  }

  private flush(): void {
    this.onLine(Buffer.from(this.line).toString('utf8'));
    this.line = [];
  }

  push(raw: Buffer): void {
    for (let i = 0; i < raw.length; i++) {
      const b = raw[i];
      if (this.esc === 0) {
        if (b === 0x5c) this.esc = 1;
        else this.put(b);
      } else if (this.esc === 1) {
        this.esc = 0;
        switch (b) {
          case 0x6e:
            this.put(0x0a);
            break; // n
          case 0x74:
            this.put(0x09);
            break; // t
          case 0x72:
            break; // r: dropped (CRLF patches)
          case 0x62:
          case 0x66:
            break;
          case 0x75:
            this.esc = 2;
            this.hex = 0;
            break; // u
          default:
            this.put(b); // " \ /
        }
      } else {
        this.hex = this.hex * 16 + parseInt(String.fromCharCode(b), 16);
        this.esc++;
        if (this.esc === 6) {
          this.esc = 0;
          for (const x of Buffer.from(String.fromCharCode(this.hex), 'utf8')) this.put(x);
        }
      }
    }
  }

  end(): void {
    if (this.line.length) this.flush();
  }
}
