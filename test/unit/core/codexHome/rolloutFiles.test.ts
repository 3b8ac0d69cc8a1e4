// The home's rollouts folder by folder, for a caller that asks again and again (rolloutFoldersAgain): a
// folder is read again only when its mtime moved, or when it had changed just before it was read.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { listRollouts, rolloutFoldersAgain } from '../../../../src/core/codexHome/rolloutFiles';
import { sessionsDir } from '../../../../src/core/codexHome/paths';
import { tempCodexHome } from '../../../support/tempHome';
import { sessionMetaLine, sessionPath } from '../../../support/synthetic';

const day = (d: number) => new Date(`2026-10-${String(d).padStart(2, '0')}T10:00:00Z`);

function thread(home: string, n: number, when: Date): string {
  const id = `0199a000-0000-7000-8000-${String(n).padStart(12, '0')}`;
  const file = sessionPath(home, id, when);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, sessionMetaLine(id, when, '/w') + '\n');
  return file;
}

/** Every folder under sessions/ last changed `agoMs` ago (`whole`: on a whole second, as coarse file systems stamp). */
function age(home: string, agoMs: number, whole = false): void {
  let t = Date.now() - agoMs;
  if (whole) t = Math.floor(t / 1000) * 1000;
  const dirs = fs
    .readdirSync(sessionsDir(home), { recursive: true, withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => path.join(e.parentPath, e.name));
  for (const d of [sessionsDir(home), ...dirs]) fs.utimesSync(d, new Date(t), new Date(t));
}

const files = (folders: readonly { path: string }[][]) =>
  folders
    .flat()
    .map((f) => f.path)
    .sort();

describe('rollout folders listed again (rolloutFoldersAgain)', () => {
  it('an unchanged folder is not read again (the same array); a changed one is, and shows what changed', () => {
    const home = tempCodexHome();
    thread(home, 1, day(1));
    thread(home, 2, day(2));
    age(home, 60_000);
    const first = rolloutFoldersAgain(home);
    assert.deepEqual(
      files(first),
      listRollouts(home)
        .map((f) => f.path)
        .sort(),
    );
    const again = rolloutFoldersAgain(home);
    assert.equal(again.length, first.length);
    for (let i = 0; i < first.length; i++) assert.equal(again[i], first[i], 'the same listing');
    // a new file in a known folder, and one in a folder that did not exist
    const added = thread(home, 3, day(2));
    const newDay = thread(home, 4, day(9));
    const third = rolloutFoldersAgain(home);
    assert.deepEqual(
      files(third),
      listRollouts(home)
        .map((f) => f.path)
        .sort(),
    );
    assert.ok(files(third).includes(added) && files(third).includes(newDay));
    const day1 = first.find((l) => l.some((f) => f.path.includes('/10/01/')));
    assert.ok(third.includes(day1!), "the untouched folder's listing is kept");
  });

  it('a folder changed just before it was read is read every time (a change in the same clock tick shows no new mtime)', () => {
    const home = tempCodexHome();
    thread(home, 1, day(1));
    age(home, 10); // changed 10 ms ago
    const a = rolloutFoldersAgain(home);
    const b = rolloutFoldersAgain(home);
    assert.notEqual(
      b.find((l) => l.length),
      a.find((l) => l.length),
      'read again',
    );
    // whole-second times (a coarse file system): 2 s must have passed
    age(home, 1000, true);
    const c = rolloutFoldersAgain(home);
    assert.notEqual(
      rolloutFoldersAgain(home).find((l) => l.length),
      c.find((l) => l.length),
      'read again',
    );
    age(home, 5000, true);
    const d = rolloutFoldersAgain(home);
    assert.equal(
      rolloutFoldersAgain(home).find((l) => l.length),
      d.find((l) => l.length),
      'kept',
    );
  });
});
