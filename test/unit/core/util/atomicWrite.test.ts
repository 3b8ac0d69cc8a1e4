// The one atomic-write helper: whole files or nothing, never overwriting where it promises not to,
// plain-words errors, and temp files of killed runs cleaned up.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  removeStaleTemps,
  replaceWithCopyOf,
  tempBeside,
  writeFileAtomic,
  writeNewFileAtomic,
} from '../../../../src/core/util/atomicWrite';
import { RescueError } from '../../../../src/core/util/errors';
import { tempDir } from '../../../support/tempHome';

const tmp = () => tempDir('csr-atomic-');

describe('util/atomicWrite', () => {
  it('writeFileAtomic replaces a file whole and leaves no temp file', () => {
    const dir = tmp();
    const f = path.join(dir, 'sub', 'a.json');
    writeFileAtomic(f, 'one');
    writeFileAtomic(f, 'two');
    assert.equal(fs.readFileSync(f, 'utf8'), 'two');
    assert.deepEqual(fs.readdirSync(path.dirname(f)), ['a.json']);
  });

  it('writeNewFileAtomic never overwrites: a taken name gets -2, -3 …', () => {
    const dir = tmp();
    const target = path.join(dir, 'h.md');
    const a = writeNewFileAtomic(target, 'a');
    const b = writeNewFileAtomic(target, 'b');
    const c = writeNewFileAtomic(target, 'c');
    assert.deepEqual(
      [a, b, c].map((p) => path.basename(p)),
      ['h.md', 'h-2.md', 'h-3.md'],
    );
    assert.deepEqual(
      [a, b, c].map((p) => fs.readFileSync(p, 'utf8')),
      ['a', 'b', 'c'],
    );
    assert.equal(fs.readdirSync(dir).filter((n) => n.endsWith('.tmp')).length, 0);
  });

  it('a write that cannot happen is a RescueError in plain words, and nothing is left behind', function () {
    if (process.getuid?.() === 0) {
      // root ignores permissions: a path under a regular file fails for everyone instead
      const dir = tmp();
      fs.writeFileSync(path.join(dir, 'file'), 'x');
      assert.throws(
        () => writeFileAtomic(path.join(dir, 'file', 'a.txt'), 'x'),
        (e: unknown) => e instanceof RescueError && e.code === 'write-failed' && /nothing was changed/.test(e.message),
      );
      return;
    }
    const dir = tmp();
    fs.chmodSync(dir, 0o500);
    assert.throws(
      () => writeFileAtomic(path.join(dir, 'a.txt'), 'x'),
      (e: unknown) => e instanceof RescueError && /no permission to write/.test(e.message),
    );
  });

  it('replaceWithCopyOf puts the bytes in place by hard link when asked (no second copy)', () => {
    const dir = tmp();
    const from = path.join(dir, 'backup');
    const to = path.join(dir, 'live');
    fs.writeFileSync(from, 'original');
    fs.writeFileSync(to, 'repaired');
    replaceWithCopyOf(from, to, 0o644, { link: true });
    assert.equal(fs.readFileSync(to, 'utf8'), 'original');
    assert.equal(fs.statSync(to).ino, fs.statSync(from).ino);
  });

  it('replaceWithCopyOf copies by default: appending to the live file leaves the source as it was', () => {
    const dir = tmp();
    const from = path.join(dir, 'backup');
    const to = path.join(dir, 'live');
    fs.writeFileSync(from, 'original');
    replaceWithCopyOf(from, to, 0o644);
    assert.notEqual(fs.statSync(to).ino, fs.statSync(from).ino);
    fs.appendFileSync(to, ' + a new turn');
    assert.equal(fs.readFileSync(from, 'utf8'), 'original');
  });

  it('removeStaleTemps removes temp files of dead processes only', () => {
    const dir = tmp();
    const target = path.join(dir, 'rollout.jsonl');
    const mine = tempBeside(target, 'rescue');
    fs.writeFileSync(mine, 'x');
    // a pid that has exited: a finished child's
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const stale = path.join(dir, `.rollout.jsonl.rescue-${dead.stdout}-0123abcd.tmp`);
    fs.writeFileSync(stale, 'x');
    const foreign = path.join(dir, '.something.tmp');
    fs.writeFileSync(foreign, 'x');
    removeStaleTemps(dir);
    assert.ok(fs.existsSync(mine), 'a live run keeps its temp file');
    assert.ok(!fs.existsSync(stale), "a dead run's temp file goes");
    assert.ok(fs.existsSync(foreign), 'files that are not ours stay');
  });
});
