import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { base64Runs } from '../../../../src/core/rollout/embeddedBase64';
import { streamParseError } from '../../../../src/core/repair/streamParse';
import { LineScanner, MAX_DEPTH } from '../../../../src/core/rollout/lineScanner';
import { walk } from '../../../../src/core/rollout/format';
import { tempDir } from '../../../support/tempHome';

const dir = tempDir();
function withFile<T>(content: string | Buffer, fn: (fd: number, size: number) => T): T {
  const f = path.join(dir, `f-${Math.random()}`);
  fs.writeFileSync(f, content);
  const fd = fs.openSync(f, 'r');
  try {
    return fn(fd, fs.fstatSync(fd).size);
  } finally {
    fs.closeSync(fd);
  }
}

describe('images hiding in text, deep lines, and the second parser', () => {
  it('finds base64 runs in raw JSON string content, never inside an escape', () => {
    const b64 = randomBytes(3000).toString('base64');
    // \n and \u escapes right before the run: their letters are base64 characters too
    const raw = `text\\n${b64}\\u0041BC and \\\\${b64.slice(0, 2000)}= and short QUJD and ${'a'.repeat(5000)}`;
    const runs = withFile(raw, (fd, size) => base64Runs(fd, 0, size));
    assert.equal(runs.length, 2);
    assert.equal(raw.slice(runs[0][0], runs[0][1]), b64);
    assert.equal(raw.slice(runs[1][0], runs[1][1]), b64.slice(0, 2000) + '=');
  });

  it('the streaming parser accepts valid JSON and names what is wrong with invalid JSON', () => {
    const ok = JSON.stringify({ a: [1, 'x'.repeat(3_000_000), { b: null, c: 'é\u2028"' }], d: -1.5e3 });
    assert.equal(
      withFile(ok, (fd, size) => streamParseError(fd, 0, size)),
      undefined,
    );
    for (const bad of [ok.slice(0, -1), ok.replace('"d"', 'd'), ok + 'x', '{"a":"\\q"}']) {
      assert.ok(
        withFile(bad, (fd, size) => streamParseError(fd, 0, size)),
        bad.slice(-20),
      );
    }
  });

  it('reports a line nested deeper than MAX_DEPTH as damaged instead of building it', () => {
    const deep = Buffer.from(`{"a":${'['.repeat(200_000)}${']'.repeat(200_000)}}`);
    const s = new LineScanner();
    s.feed(deep, 0, deep.length, 0);
    const r = s.finish(deep.length);
    assert.equal(r.problem?.kind, 'too-deep');
    const ok = Buffer.from(`{"a":${'['.repeat(MAX_DEPTH - 1)}${']'.repeat(MAX_DEPTH - 1)}}`);
    const s2 = new LineScanner();
    s2.feed(ok, 0, ok.length, 0);
    const r2 = s2.finish(ok.length);
    assert.equal(r2.problem, undefined);
    let n = 0;
    walk(r2.value, () => void n++);
    assert.equal(n, MAX_DEPTH);
  });
});
