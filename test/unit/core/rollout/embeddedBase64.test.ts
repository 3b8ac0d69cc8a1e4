// The scan's and the repair's base64 run finders look at few bytes; they must find exactly what a
// byte-by-byte reading finds (the reference below), escapes, padding and 1 MiB read pieces included.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { B64, MIN_RUN, RUN_PIECE, base64Runs, embeddedBase64Bytes } from '../../../../src/core/rollout/embeddedBase64';
import { tempDir } from '../../../support/tempHome';

/** Every byte in turn: runs of base64 bytes outside escapes, mixed, with up to two '='. */
function referenceRuns(raw: Buffer): [number, number][] {
  const runs: [number, number][] = [];
  let runStart = -1;
  let mix = 0; // 1 digit, 2 upper case, 4 lower case
  let esc = 0; // -1: the byte after a backslash; > 0: \uXXXX digits left
  const close = (at: number) => {
    if (runStart >= 0 && at - runStart >= MIN_RUN && mix === 7) {
      let b = at;
      if (raw[b] === 0x3d) b += raw[b + 1] === 0x3d ? 2 : 1;
      runs.push([runStart, b]);
    }
    runStart = -1;
    mix = 0;
  };
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (esc !== 0) {
      esc = esc === -1 ? (c === 0x75 ? 4 : 0) : esc - 1;
    } else if (c === 0x5c) {
      close(i);
      esc = -1;
    } else if (B64[c]) {
      if (runStart < 0) runStart = i;
      mix |= c >= 0x30 && c <= 0x39 ? 1 : c >= 0x41 && c <= 0x5a ? 2 : c >= 0x61 && c <= 0x7a ? 4 : 0;
    } else close(i);
  }
  close(raw.length);
  return runs;
}

/** The regex the scan used for decoded strings. */
function referenceTextBytes(v: string): number {
  let n = 0;
  for (const m of v.matchAll(new RegExp(`[A-Za-z0-9+/]{${MIN_RUN},}={0,2}`, 'g')))
    if (/[A-Z]/.test(m[0]) && /[a-z]/.test(m[0]) && /[0-9]/.test(m[0])) n += m[0].length;
  return n;
}

let seed = 12345;
function rand(n: number): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
function b64(len: number): string {
  let s = '';
  for (let k = 0; k < len; k++) s += ALPHABET[rand(64)];
  return s;
}

/** Text mixing base64 runs around MIN_RUN long with escapes, padding, prose, single-class runs. */
function sample(target: number): string {
  const parts: string[] = [];
  let len = 0;
  while (len < target) {
    const pick = rand(14);
    const p =
      pick < 3
        ? b64(MIN_RUN - 8 + rand(40) + (rand(4) === 0 ? rand(5000) : 0))
        : pick === 3
          ? ['\\n', '\\"', '\\\\', '\\u0041', '\\u00e9', '\\', '\\u', '\\\\\\'][rand(8)]
          : pick === 4
            ? ['=', '==', '===', '= '][rand(4)]
            : pick === 5
              ? 'a'.repeat(rand(3000))
              : pick === 6
                ? '0123456789abcdef'.repeat(rand(200))
                : pick === 7
                  ? b64(rand(30))
                  : 'The quick brown fox, jumps over: the lazy dog. '.slice(0, 1 + rand(47));
    parts.push(p);
    len += p.length;
  }
  return parts.join('');
}

describe('embedded base64 runs', () => {
  const dir = tempDir();
  const file = path.join(dir, 'raw.txt');
  function runsOf(raw: Buffer, start = 0, end = raw.length): [number, number][] {
    fs.writeFileSync(file, raw);
    const fd = fs.openSync(file, 'r');
    try {
      return base64Runs(fd, start, end);
    } finally {
      fs.closeSync(fd);
    }
  }

  it('finds the same runs as reading every byte, in random text with escapes and padding', () => {
    for (let k = 0; k < 300; k++) {
      const raw = Buffer.from(sample(100 + rand(40_000)), 'latin1');
      const want = referenceRuns(raw);
      assert.deepEqual(runsOf(raw), want, `sample ${k}`);
      if (k < 40) assert.equal(embeddedBase64Bytes(raw.toString('latin1')), referenceTextBytes(raw.toString('latin1')));
    }
  });

  it('finds runs and escapes that straddle its read pieces', () => {
    let found = 0;
    for (let k = 0; k < 6; k++) {
      const text = sample(RUN_PIECE * 2 + rand(RUN_PIECE));
      // an escape or a run right at a piece boundary
      const at = RUN_PIECE - 3 + rand(6);
      const raw = Buffer.from(text.slice(0, at) + (k % 2 ? '\\u0041' : b64(3000)) + text.slice(at), 'latin1');
      const want = referenceRuns(raw);
      found += want.length;
      assert.deepEqual(runsOf(raw), want, `sample ${k}`);
      const from = 1 + rand(1000);
      assert.deepEqual(
        runsOf(raw, from, raw.length - 7),
        referenceRuns(raw.subarray(from, raw.length - 7)).map(([a, b]) => [a + from, b + from]),
      );
    }
    assert.ok(found > 100);
  });

  it('counts mixed runs in decoded text as the pattern /[A-Za-z0-9+/]{1024,}={0,2}/ does', () => {
    const png = Buffer.alloc(6000, 7).toString('base64');
    const cases = [
      'short',
      b64(MIN_RUN - 1),
      b64(MIN_RUN) + '==' + b64(MIN_RUN) + '=',
      `see ${b64(5000)}=== and ${'A'.repeat(3000)} and ${png} é ${b64(2000)}`,
      b64(MIN_RUN * 3) + 'é' + b64(10),
    ];
    for (const v of cases) assert.equal(embeddedBase64Bytes(v), referenceTextBytes(v), v.slice(0, 40));
    assert.ok(referenceTextBytes(cases[2]) > 0);
  });
});
