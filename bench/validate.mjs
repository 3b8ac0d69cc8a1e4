// Checks a rollout the bench wrote: every line parses, no `data:image/` remains, line count.
// Streams in 16 MB chunks; a line over 64 MB is reported, never turned into a string.
import * as fs from 'node:fs';

const NEEDLE = Buffer.from('data:image/');
const MAX_PARSE = 64 * 1024 * 1024;

/** Count `data:image/` occurrences in a file, streaming (used on inputs and outputs). */
export function checkJsonl(file, { parse = true } = {}) {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(16 * 1024 * 1024);
  let carry = Buffer.alloc(0); // tail of the previous chunk, for a needle across the boundary
  let lineParts = [];
  let lineBytes = 0;
  let lines = 0,
    parseErrors = 0,
    oversized = 0,
    maxLine = 0,
    images = 0,
    firstError;
  const endLine = () => {
    lines++;
    maxLine = Math.max(maxLine, lineBytes);
    if (lineBytes > MAX_PARSE) oversized++;
    else if (parse && lineBytes > 0) {
      try {
        JSON.parse(Buffer.concat(lineParts).toString('utf8'));
      } catch (e) {
        parseErrors++;
        firstError ??= `line ${lines}: ${e.message}`;
      }
    }
    lineParts = [];
    lineBytes = 0;
  };
  for (;;) {
    const n = fs.readSync(fd, buf, 0, buf.length, null);
    if (n === 0) break;
    const chunk = buf.subarray(0, n);
    const scan = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    for (let i = scan.indexOf(NEEDLE); i >= 0; i = scan.indexOf(NEEDLE, i + 1)) images++;
    carry = Buffer.from(scan.subarray(Math.max(0, scan.length - (NEEDLE.length - 1))));
    let start = 0;
    for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, start)) {
      const part = chunk.subarray(start, nl);
      if (parse && lineBytes + part.length <= MAX_PARSE) lineParts.push(Buffer.from(part));
      lineBytes += part.length;
      endLine();
      start = nl + 1;
    }
    const rest = chunk.subarray(start);
    if (rest.length) {
      if (parse && lineBytes + rest.length <= MAX_PARSE) lineParts.push(Buffer.from(rest));
      lineBytes += rest.length;
    }
  }
  if (lineBytes) endLine();
  fs.closeSync(fd);
  return { lines, parseErrors, oversized, maxLine, images, firstError };
}
