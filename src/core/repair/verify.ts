// Checks a repaired rollout before it may replace the original: same lines in the same order
// with the same types, every line parses, the session id matches, no image left unasked.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Classified, classify, isImageString, walk } from '../rollout/format';
import { BigStr, isObject, str } from '../rollout/jsonSkeleton';
import { RolloutLine, readRollout } from '../rollout/reader';
import { parseRolloutName } from '../codexHome/rolloutFiles';

/**
 * What a repair must never change about a line: its kind, role, timestamp, ordinal and call id.
 * Shared by the pass and the check, so a lost, added or reordered line changes the digest.
 */
export function lineShape(l: RolloutLine, c: Classified | undefined): string {
  if (!l.value) return l.blank ? 'blank' : 'bad';
  const ordinal = isObject(l.value) && typeof l.value.ordinal === 'number' ? l.value.ordinal : '';
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
  /** Lines (0-based) the pass changed: each is also parsed by JSON.parse, a second, independent parser. */
  editedLines?: number[];
}

/** Edited lines up to this size get the independent JSON.parse check (a JS string must hold them). */
const INDEPENDENT_PARSE_MAX = 256 * 1024 * 1024;

export interface VerifyResult {
  ok: boolean;
  linesVerified: number;
  /** Lines that do not parse and were not broken in the original (must be 0). */
  jsonErrors: number;
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
              isImageString(v) ||
              (v instanceof BigStr &&
                isObject(parent) &&
                parent.type === 'image_generation_call' &&
                parent.result === v &&
                v.byteLength > 0)
            )
              images++;
            // Codex rejects an input_image whose URL is not a data URL ("expected a base64-encoded data URI")
            if (
              isObject(v) &&
              v.type === 'input_image' &&
              typeof v.image_url === 'string' &&
              !v.image_url.startsWith('data:') &&
              failures.length < 5
            ) {
              failures.push(`line ${l.index + 1} has an input_image without a data URL`);
            }
          });
        }
        if (fd !== undefined && edited.has(l.index) && l.end - l.start <= INDEPENDENT_PARSE_MAX) {
          const buf = Buffer.allocUnsafe(l.end - l.start);
          fs.readSync(fd, buf, 0, buf.length, l.start);
          try {
            JSON.parse(buf.toString('utf8'));
          } catch (err) {
            jsonErrors++;
            if (failures.length < 5)
              failures.push(`line ${l.index + 1} does not parse with JSON.parse: ${(err as Error).message}`);
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
    failures,
  };
}
