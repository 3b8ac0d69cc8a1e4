import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { imageRuns } from '../../../../src/core/store/imageRuns';
import { tempDir } from '../../../support/tempHome';

const dir = tempDir();
function runsOf(content: string): string[] {
  const f = path.join(dir, `r-${Math.random()}`);
  fs.writeFileSync(f, content, 'latin1');
  const fd = fs.openSync(f, 'r');
  try {
    return imageRuns(fd, 0, fs.fstatSync(fd).size).map((r) => content.slice(r.start, r.end));
  } finally {
    fs.closeSync(fd);
  }
}

describe('store: where images sit in a stretch of bytes', () => {
  it('finds data URLs (header included), runs with \\/ and line-end escapes, across 1 MiB read pieces', () => {
    const big = randomBytes(1_500_000).toString('base64'); // ~2 MB: crosses the 1 MiB pieces
    const slashed = randomBytes(3000).toString('base64').replace(/\//g, '\\/');
    const wrapped = (
      randomBytes(3000)
        .toString('base64')
        .match(/.{1,76}/g) ?? []
    ).join('\\n');
    const text = `{"a":"data:image/png;base64,${big}","b":"x ${slashed} y","c":"${wrapped}\\n","d":"short QUJD"}`;
    assert.deepEqual(runsOf(text), [`data:image/png;base64,${big}`, slashed, wrapped]);
  });

  it('passes over escapes before a run, long words and hex; a backslash at a piece end does not split a run', () => {
    const b64 = randomBytes(2000).toString('base64');
    const words = 'abcdefghij'.repeat(300);
    const hex = randomBytes(2000).toString('hex');
    // \u0041 and \t right before base64: their letters are not part of the image
    const text = `"\\u0041${b64}" "\\t${b64}" "${words}" "${hex}"`;
    assert.deepEqual(runsOf(text), [b64, b64]);
    // a `\/` escape straddling the 1 MiB boundary stays inside its run
    const head = 'x'.repeat(1024 * 1024 - 3000);
    const run = randomBytes(6000).toString('base64').replace(/\//g, '\\/');
    const at = run.indexOf('\\/', 2000);
    // 'A's (base64 too) so that the run's backslash falls on byte 1 MiB - 1, the last of the first piece
    const padded = head + '"' + 'A'.repeat(1024 * 1024 - head.length - 1 - at - 1) + run;
    const found = runsOf(padded + '"');
    assert.equal(found.length, 1);
    assert.ok(found[0].endsWith(run), 'one run, through the piece boundary');
  });
});
