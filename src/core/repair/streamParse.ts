// A second, independent JSON parser for lines too long for JSON.parse (V8 caps strings at
// ~512 MiB): stream-json's tokenizer fed the line in small pieces, so memory stays flat.
import * as fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { jsonParser } from 'stream-json/core/parser.js';

const PIECE = 16 * 1024; // small pieces keep the tokenizer's short-lived strings small: ~80 MB peak on a 700 MB line
const END = Symbol.for('object-stream.none');

/** Parse bytes [start, end) of `fd` as one JSON value; returns the error message, or undefined if valid. */
export function streamParseError(fd: number, start: number, end: number): string | undefined {
  const parse = jsonParser({ packValues: false, streamValues: false });
  const decoder = new StringDecoder('utf8');
  const buf = Buffer.allocUnsafe(PIECE);
  try {
    for (let pos = start; pos < end;) {
      const n = fs.readSync(fd, buf, 0, Math.min(PIECE, end - pos), pos);
      if (n <= 0) return `the line ends early at byte ${pos}`;
      pos += n;
      parse(decoder.write(buf.subarray(0, n)));
    }
    const rest = decoder.end();
    if (rest) parse(rest);
    parse(END);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}
