// The home's rollouts folder by folder, for a caller that asks again and again (rolloutFoldersAgain): a
// folder is read again only when its times moved, or when it had changed just before it was read; a
// day folder long past is not looked at again for a minute, unless a thread left a folder meanwhile.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  listRollouts,
  pastDay,
  resolveThread,
  rolloutFoldersAgain,
  settledBefore,
} from '../../../../src/core/codexHome/rolloutFiles';
import { sessionsDir } from '../../../../src/core/codexHome/paths';
import { tempCodexHome } from '../../../support/tempHome';
import { sessionMetaLine, sessionPath } from '../../../support/synthetic';

/**
 * A day `d` days ago, for d from -1 (tomorrow) to 1: its folder is looked at every time, in every time
 * zone (Codex may still write there). Each test works its days out once: a test may run over midnight.
 */
const day = (d: number) => new Date(Date.now() - d * 86_400_000);
/** A day long past (sessions/2026/10/DD). */
const pastDate = (d: number) => new Date(`2026-10-${String(d).padStart(2, '0')}T10:00:00`);
const folderOf = (when: Date) =>
  `/${when.getFullYear()}/${String(when.getMonth() + 1).padStart(2, '0')}/${String(when.getDate()).padStart(2, '0')}/`;

function thread(home: string, n: number, when: Date): string {
  const id = `0199a000-0000-7000-8000-${String(n).padStart(12, '0')}`;
  const file = sessionPath(home, id, when);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, sessionMetaLine(id, when, '/w') + '\n');
  return file;
}

/** Every folder under sessions/ with this mtime (its ctime becomes now). */
function setMtimes(home: string, mtime: Date): void {
  const dirs = fs
    .readdirSync(sessionsDir(home), { recursive: true, withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => path.join(e.parentPath, e.name));
  for (const d of [sessionsDir(home), ...dirs]) fs.utimesSync(d, mtime, mtime);
}

/** Past the 50 ms a folder must have been left alone for its listing to be kept. */
const settle = () => new Promise((r) => setTimeout(r, 80));

const files = (folders: readonly { path: string }[][]) =>
  folders
    .flat()
    .map((f) => f.path)
    .sort();
const listed = (home: string) =>
  listRollouts(home)
    .map((f) => f.path)
    .sort();

describe('rollout folders listed again (rolloutFoldersAgain)', () => {
  it('an unchanged folder is not read again (the same array); a changed one is, and shows what changed', async () => {
    const home = tempCodexHome();
    const [yesterday, today, tomorrow] = [day(1), day(0), day(-1)];
    thread(home, 1, yesterday);
    thread(home, 2, today);
    await settle();
    const first = rolloutFoldersAgain(home);
    assert.deepEqual(files(first), listed(home));
    const again = rolloutFoldersAgain(home);
    assert.equal(again.length, first.length);
    for (let i = 0; i < first.length; i++) assert.equal(again[i], first[i], 'the same listing');
    // a new file in a known folder, and one in a folder that did not exist
    const added = thread(home, 3, today);
    const newDay = thread(home, 4, tomorrow);
    const third = rolloutFoldersAgain(home);
    assert.deepEqual(files(third), listed(home));
    assert.ok(files(third).includes(added) && files(third).includes(newDay));
    const day1 = first.find((l) => l.some((f) => f.path.includes(folderOf(yesterday))));
    assert.ok(third.includes(day1!), "the untouched folder's listing is kept");
  });

  it('a new file is seen even when a tool sets the folder mtime back (as rsync -a or tar do): its ctime moved', async () => {
    const home = tempCodexHome();
    const yesterday = day(1);
    thread(home, 1, yesterday);
    const old = new Date(Date.now() - 3_600_000);
    setMtimes(home, old);
    await settle();
    rolloutFoldersAgain(home);
    const added = thread(home, 2, yesterday);
    setMtimes(home, old);
    assert.ok(files(rolloutFoldersAgain(home)).includes(added));
  });

  it('a folder changed just before it was read is read every time (a change in the same clock tick shows no new time)', () => {
    const home = tempCodexHome();
    thread(home, 1, day(1));
    const a = rolloutFoldersAgain(home);
    const b = rolloutFoldersAgain(home);
    assert.notEqual(
      b.find((l) => l.length),
      a.find((l) => l.length),
      'read again',
    );
  });

  it("a past day's folder is not looked at again for a minute; a thread that left a folder makes every one looked at", async () => {
    const home = tempCodexHome();
    thread(home, 1, pastDate(1));
    const made = thread(home, 3, day(0));
    const archived = path.join(home, 'archived_sessions', path.basename(made));
    fs.mkdirSync(path.dirname(archived), { recursive: true });
    fs.renameSync(made, archived);
    await settle();
    rolloutFoldersAgain(home);
    // a file that appears in a past folder (no Codex puts one there) is not seen yet
    const dropped = thread(home, 4, pastDate(1));
    await settle();
    assert.ok(!files(rolloutFoldersAgain(home)).includes(dropped));
    // unarchived: it leaves archived_sessions/ for its past day's folder, and is seen there at once
    const back = path.join(path.dirname(dropped), path.basename(archived));
    fs.renameSync(archived, back);
    const after = files(rolloutFoldersAgain(home));
    assert.ok(after.includes(back) && !after.includes(archived), 'the move is seen');
    assert.deepEqual(after, listed(home), 'every folder was looked at');
  });

  it('a past day folder is looked at again after a minute, and at once when the clock was set back', async () => {
    const home = tempCodexHome();
    thread(home, 1, pastDate(1));
    await settle();
    rolloutFoldersAgain(home);
    const dropped = thread(home, 2, pastDate(1));
    await settle();
    const now = Date.now;
    try {
      Date.now = () => now() - 3_600_000;
      assert.ok(files(rolloutFoldersAgain(home)).includes(dropped), 'clock set back an hour');
      const third = thread(home, 3, pastDate(1));
      await settle();
      Date.now = () => now() + 61_000;
      assert.ok(files(rolloutFoldersAgain(home)).includes(third), 'a minute later');
    } finally {
      Date.now = now;
    }
  });

  it('a folder read while it was changing is still watched for a thread leaving it', async () => {
    const home = tempCodexHome();
    thread(home, 1, pastDate(1));
    const made = thread(home, 2, day(0));
    await settle();
    rolloutFoldersAgain(home);
    // archived just now (its folder changed less than 50 ms before the look), then unarchived at once
    const archived = path.join(home, 'archived_sessions', path.basename(made));
    fs.mkdirSync(path.dirname(archived), { recursive: true });
    fs.renameSync(made, archived);
    assert.ok(files(rolloutFoldersAgain(home)).includes(archived));
    const back = path.join(path.dirname(thread(home, 3, pastDate(1))), path.basename(made));
    fs.renameSync(archived, back);
    assert.ok(files(rolloutFoldersAgain(home)).includes(back), 'seen in the past folder it went to');
  });

  it('a past day folder is one whose day ended in every time zone; archived_sessions/ and other folders never are', () => {
    const now = Date.UTC(2026, 11, 6, 8);
    assert.equal(pastDay('/h/sessions/2026/12/03', false, now), true);
    assert.equal(pastDay('/h/sessions/2026/12/04', false, now), false, 'ended less than 2 days ago somewhere');
    assert.equal(pastDay('/h/sessions/2026/12/06', false, now), false);
    assert.equal(pastDay('/h/sessions/2026/11', false, now), false, 'a month folder');
    assert.equal(pastDay('/h/archived_sessions', true, now), false);
    assert.equal(pastDay('C:\\h\\sessions\\2025\\01\\31', false, now), true, 'Windows separators');
  });

  it('a listing is kept 50 ms after a folder last changed, 2 s where times are whole seconds (coarse file systems)', () => {
    const t = 1_780_000_000_123;
    assert.equal(settledBefore({ mtimeMs: t, ctimeMs: t }, t + 49), false);
    assert.equal(settledBefore({ mtimeMs: t, ctimeMs: t }, t + 50), true);
    assert.equal(settledBefore({ mtimeMs: t - 60_000, ctimeMs: t }, t + 10), false, 'the later of the two');
    const whole = 1_780_000_000_000;
    assert.equal(settledBefore({ mtimeMs: whole, ctimeMs: whole }, whole + 1500), false);
    assert.equal(settledBefore({ mtimeMs: whole, ctimeMs: whole }, whole + 2000), true);
  });
});

describe('a thread id or id prefix, for a thread Codex reverted (two files of one thread)', () => {
  it("stands for the thread's later rollout (…-<thread>_<rollout>.jsonl): the older one only stays for its history", () => {
    const home = tempCodexHome();
    const older = thread(home, 7, pastDate(1));
    const made = thread(home, 8, pastDate(3)); // renamed as Codex names the revert's file of thread 7
    const later = made.replace(
      /-0199a000-0000-7000-8000-000000000008\.jsonl$/,
      '-0199a000-0000-7000-8000-000000000007_0199a000-0000-7000-8000-00000000ab01.jsonl',
    );
    fs.renameSync(made, later);
    const id = '0199a000-0000-7000-8000-000000000007';
    assert.equal(resolveThread(home, id).path, later);
    assert.equal(resolveThread(home, id.slice(0, 30)).path, later, 'a prefix of one thread, not "matches 2 threads"');
    assert.ok(fs.existsSync(older));
    assert.equal(resolveThread(home, older).path, older, 'by path: that very file');
  });
});
