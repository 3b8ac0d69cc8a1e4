// How an image's base64 was written in a rollout, exactly: the bytes before it (a data: URL header),
// the alphabet, the padding, JSON's `\/` escape, MIME line wrapping. The decoded bytes plus this form
// give back the stored bytes; an image whose form is not one of these is kept verbatim instead.
import { createHash } from 'node:crypto';

export interface StoredForm {
  /** Bytes before the base64 as written (e.g. `data:image/png;base64,`), latin1; '' for bare base64. */
  prefix: string;
  /** URL-safe alphabet (`-_`) instead of `+/`. */
  url?: true;
  /** '=' padding written at the end. */
  pad: boolean;
  /** Every '/' written as the JSON escape `\/`. */
  slash?: true;
  /** Line-wrapped: `eol` (as written in the JSON string, e.g. `\n` escaped) after every `every` characters; `last`: after the last line too. */
  wrap?: { every: number; eol: string; last: boolean };
}

/** Decoded piece size: a multiple of 3 (base64 encodes 3 bytes as 4 characters), ~3 MiB. */
const PIECE = 3 * 1024 * 1024;

let scratch = Buffer.allocUnsafe(0);
/** `text`'s latin1 bytes in a buffer reused from call to call (a fresh one per piece costs GC time). */
function latin1(text: string): Buffer {
  // grown to what the images met so far need (a screenshot's few hundred KB; at most a piece's 4 MiB)
  if (scratch.length < text.length) scratch = Buffer.allocUnsafe(Math.ceil(text.length / 65536) * 65536);
  return scratch.subarray(0, scratch.write(text, 0, 'latin1'));
}

/**
 * Feed the stored form of `decoded` to `sink`, piece by piece (never one string of the whole image).
 * A piece is only valid during the call: the sink uses it (hashes, writes, compares) or copies it.
 */
export function encodeStored(decoded: Buffer, form: StoredForm, sink: (b: Buffer) => void): void {
  if (form.prefix) sink(Buffer.from(form.prefix, 'latin1'));
  let col = 0;
  const eolAt = form.wrap ? form.wrap.every : 0;
  for (let i = 0; i < decoded.length; i += PIECE) {
    const last = i + PIECE >= decoded.length;
    let text = decoded.toString(form.url ? 'base64url' : 'base64', i, Math.min(decoded.length, i + PIECE));
    if (last) {
      if (form.url && form.pad && text.length % 4) text += '='.repeat(4 - (text.length % 4));
      if (!form.url && !form.pad) text = text.replace(/=+$/, '');
    }
    if (form.wrap) {
      const parts: string[] = [];
      let at = 0;
      while (at < text.length) {
        const take = Math.min(eolAt - col, text.length - at);
        parts.push(text.slice(at, at + take));
        at += take;
        col += take;
        if (col === eolAt && (at < text.length || !last || form.wrap.last)) {
          parts.push(form.wrap.eol);
          col = 0;
        }
      }
      if (last && form.wrap.last && col > 0) parts.push(form.wrap.eol);
      text = parts.join('');
    }
    if (form.slash) text = text.replace(/\//g, '\\/');
    sink(latin1(text));
  }
}

/** The stored form of `decoded`, whole (for small images and tests). */
export function encodeStoredBuffer(decoded: Buffer, form: StoredForm): Buffer {
  const out: Buffer[] = [];
  encodeStored(decoded, form, (b) => out.push(Buffer.from(b)));
  return Buffer.concat(out);
}

export interface Decoded {
  decoded: Buffer;
  /** sha256 of the decoded bytes (the store's name for them). */
  sha256: string;
  /** The form that re-encodes `decoded` to exactly the stored bytes; undefined when none does. */
  form?: StoredForm;
}

const EOLS = ['\\r\\n', '\\n', '\\r'];

/**
 * Decode stored base64 (`raw`: the JSON string's raw bytes, `prefixLen` of them before the base64) and
 * find the form that writes it back exactly (unless `findForm` is false). Undefined when it is not base64.
 */
export function decodeStored(raw: Buffer, prefixLen: number, findForm = true): Decoded | undefined {
  const body = raw.subarray(prefixLen);
  let clean: Buffer = body;
  let slash = false;
  let wrap: StoredForm['wrap'];
  if (body.includes(0x5c)) {
    // escapes: `\/` and end-of-line escapes (MIME wrapping) are understood; anything else is not base64
    const out = Buffer.allocUnsafe(body.length);
    let n = 0;
    const text = body.toString('latin1');
    for (let i = 0; i < text.length;) {
      if (text.charCodeAt(i) !== 0x5c) {
        out[n++] = body[i++];
        continue;
      }
      if (text[i + 1] === '/') {
        slash = true;
        out[n++] = 0x2f;
        i += 2;
        continue;
      }
      const eol = EOLS.find((e) => text.startsWith(e, i));
      if (!eol) return undefined;
      wrap ??= { every: n, eol, last: false };
      i += eol.length;
      if (i >= text.length) wrap.last = true;
    }
    clean = out.subarray(0, n);
  }
  if (clean.length === 0 || (wrap && wrap.every === 0)) return undefined;
  const url = clean.includes(0x2d) || clean.includes(0x5f); // '-' or '_'
  const pad = clean[clean.length - 1] === 0x3d;
  // decode piece by piece: whole groups of 4 characters decode on their own
  const pieces: Buffer[] = [];
  const step = (PIECE / 3) * 4;
  for (let i = 0; i < clean.length; i += step)
    pieces.push(
      Buffer.from(clean.toString('latin1', i, Math.min(clean.length, i + step)), url ? 'base64url' : 'base64'),
    );
  const decoded = pieces.length === 1 ? pieces[0] : Buffer.concat(pieces);
  if (decoded.length === 0) return undefined;
  const sha256 = createHash('sha256').update(decoded).digest('hex');
  const form: StoredForm = { prefix: raw.toString('latin1', 0, prefixLen), pad };
  if (url) form.url = true;
  if (slash) form.slash = true;
  if (wrap) form.wrap = wrap;
  return { decoded, sha256, form: findForm && reencodes(decoded, form, raw) ? form : undefined };
}

/** Does `form` write `decoded` back as exactly `raw`? Compared piece by piece. */
export function reencodes(decoded: Buffer, form: StoredForm, raw: Buffer): boolean {
  let pos = 0;
  let same = true;
  encodeStored(decoded, form, (b) => {
    if (!same) return;
    if (pos + b.length > raw.length || raw.compare(b, 0, b.length, pos, pos + b.length) !== 0) same = false;
    pos += b.length;
  });
  return same && pos === raw.length;
}
