// Checks a repaired rollout before it may replace the original: same lines in the same order
// with the same types, every line parses, the session id matches, no image left unasked.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Classified, classify, isImageString, walk } from '../rollout/format';
import { BigStr, isObject, str } from '../rollout/jsonSkeleton';
import { RolloutLine, readRollout } from '../rollout/reader';
import { parseRolloutName } from '../codexHome/rolloutFiles';
import { inputImageProblem, isBrokenImageHolder } from '../rollout/imageUrl';
import { streamParseError } from './streamParse';
import type { VerifyCounts } from './counts';

/**
 * What a repair must never change about a line: its kind, role, timestamp, ordinal (unless the pass
 * renumbered it: then the new one) and call id.
 * Shared by the pass and the check, so a lost, added or reordered line changes the digest.
 */
export function lineShape(l: RolloutLine, c: Classified | undefined, newOrdinal?: number): string {
  if (!l.value) return l.blank ? 'blank' : 'bad';
  const own = isObject(l.value) && typeof l.value.ordinal === 'number' ? l.value.ordinal : '';
  // the pass says which ordinal it gave the record (OrdinalRenumber); the check reads it back
  const ordinal = newOrdinal ?? own;
  return [
    c?.lineType,
    c?.itemType ?? '',
    str(c?.payload, 'role') ?? '',
    c?.timestamp ?? '',
    ordinal,
    str(c?.payload, 'call_id') ?? '',
  ].join('|');
}

export interface VerifyExpectations {
  lines: number;
  shapeDigest: string;
  /** Lines (1-based) that were already broken in the original. */
  badLines: number[];
  threadId?: string;
  /** Images allowed to remain (kept on purpose). */
  imagesKept: number;
  /** Lines (0-based) the pass changed: each is also parsed by a second, independent parser. */
  editedLines?: number[];
}

/** Edited lines up to this size are re-parsed with JSON.parse; longer ones (JSON.parse would need
 *  the whole line as one JS string, and V8 caps strings at ~512 MiB) with stream-json's tokenizer. */
export const JSON_PARSE_MAX = 64 * 1024 * 1024;

export interface VerifyResult extends VerifyCounts {
  ok: boolean;
  imagesLeft: number;
  failures: string[];
}

export function verifyRollout(
  file: string,
  expect: VerifyExpectations,
  hooks: { isCancelled?: () => boolean } = {},
): VerifyResult {
  const shape = createHash('sha1');
  const known = new Set(expect.badLines);
  let lines = 0;
  let jsonErrors = 0;
  let images = 0;
  let metaId: string | undefined;
  let first = true;
  const failures: string[] = [];
  const edited = new Set(expect.editedLines ?? []);
  const parsed = { jsonParse: 0, streaming: 0 };
  const fd = edited.size ? fs.openSync(file, 'r') : undefined;
  try {
    readRollout(
      file,
      (l) => {
        lines = l.index + 1;
        if (!l.value && !l.blank && !known.has(l.index + 1)) {
          jsonErrors++;
          if (failures.length < 5) failures.push(`line ${l.index + 1} no longer parses: ${l.problem?.message}`);
        }
        const c = l.value ? classify(l.value, first) : undefined;
        if (l.value) {
          if (first && c) metaId = str(c.payload, 'id') ?? str(c.payload, 'meta', 'id');
          first = false;
          walk(l.value, (v, parent) => {
            if (
              (isImageString(v) && !isBrokenImageHolder(parent)) ||
              (v instanceof BigStr &&
                isObject(parent) &&
                parent.type === 'image_generation_call' &&
                parent.result === v &&
                v.byteLength > 0)
            )
              images++;
            // The API rejects a request holding an input_image whose URL is not http(s) or a base64 data URL.
            const problem = inputImageProblem(v);
            if (problem && failures.length < 5)
              failures.push(`line ${l.index + 1} has an input_image whose image_url is ${problem}`);
          });
        }
        if (fd !== undefined && edited.has(l.index)) {
          const error = independentParse(fd, l.start, l.end, parsed);
          if (error) {
            jsonErrors++;
            if (failures.length < 5) failures.push(`line ${l.index + 1} does not parse with ${error}`);
          }
        }
        shape.update(lineShape(l, c) + '\n');
      },
      { hashDataUrls: false, isCancelled: hooks.isCancelled },
    );
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
  if (lines !== expect.lines) failures.push(`the copy has ${lines} lines, the original ${expect.lines}`);
  if (shape.digest('hex') !== expect.shapeDigest)
    failures.push('the line types or their order differ from the original');
  if (images > expect.imagesKept) failures.push(`${images - expect.imagesKept} image payloads are still in the copy`);
  const fromName = parseRolloutName(path.basename(file))?.id;
  const expectedId = expect.threadId ?? fromName;
  if (!metaId) failures.push('the first line is not a session_meta with an id');
  else if (expectedId && metaId.toLowerCase() !== expectedId.toLowerCase())
    failures.push(`session_meta id ${metaId} does not match ${expectedId}`);
  return {
    ok: failures.length === 0 && jsonErrors === 0,
    linesVerified: lines,
    jsonErrors,
    imagesLeft: images,
    independentlyParsed: parsed,
    failures,
  };
}

/** Re-parse bytes [start, end) with a parser other than the scanner; returns "<parser>: <error>". */
function independentParse(
  fd: number,
  start: number,
  end: number,
  parsed: { jsonParse: number; streaming: number },
): string | undefined {
  if (end - start > JSON_PARSE_MAX) {
    parsed.streaming++;
    const error = streamParseError(fd, start, end);
    return error ? `the streaming parser: ${error}` : undefined;
  }
  parsed.jsonParse++;
  const buf = Buffer.allocUnsafe(end - start);
  fs.readSync(fd, buf, 0, buf.length, start);
  try {
    JSON.parse(buf.toString('utf8'));
    return undefined;
  } catch (err) {
    return `JSON.parse: ${(err as Error).message}`;
  }
}
