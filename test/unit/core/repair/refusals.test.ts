// Forks that point into a thread (refusals.ts): a reclaim asks before each of thousands of threads, so
// folders and fork heads are remembered; a fork made after an earlier answer is still seen.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { forksOf, refuseForks } from '../../../../src/core/repair/refusals';
import { tempCodexHome } from '../../../support/tempHome';
import { sessionMetaLine, sessionPath } from '../../../support/synthetic';

const id = (n: number) => `0199a000-0000-7000-8000-${String(n).padStart(12, '0')}`;

function thread(home: string, n: number, when: Date, forkOf?: string): string {
  const meta = JSON.parse(sessionMetaLine(id(n), when, '/w'));
  if (forkOf) meta.payload.history_base = { thread_id: forkOf, end_ordinal_exclusive: 3, end_byte_offset: 900 };
  const file = sessionPath(home, id(n), when);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(meta) + '\n');
  return file;
}

/** Hour `h` of the day `d` days ago: where Codex puts a fork it makes (a day folder long past is not
 *  looked at again for a minute: rolloutFoldersAgain). */
function at(d: number, h: number): Date {
  const t = new Date(Date.now() - d * 86_400_000);
  t.setHours(h, 0, 0, 0);
  return t;
}

/** Every folder settled: left alone past the 50 ms after which its listing is kept from call to call. */
const settle = () => new Promise((r) => setTimeout(r, 80));

describe('forks of a thread (forksOf), asked again and again', () => {
  it('sees a fork made after an earlier answer: in a folder it had read, in a new folder, archived', async () => {
    const home = tempCodexHome();
    const parent = id(1);
    const [y10, y11, y12, today] = [at(1, 10), at(1, 11), at(1, 12), at(0, 12)]; // once: midnight may pass
    thread(home, 1, new Date('2026-10-01T10:00:00Z'));
    thread(home, 2, y10);
    thread(home, 3, y11, parent);
    await settle();
    const ids = () =>
      forksOf(home, parent)
        .map((f) => f.id)
        .sort();
    assert.deepEqual(ids(), [id(3)]);
    assert.deepEqual(forksOf(home, id(2)), []);
    thread(home, 4, y12, parent); // beside a known one
    assert.deepEqual(ids(), [id(3), id(4)]);
    await settle();
    thread(home, 5, today, parent); // a day not seen before
    assert.deepEqual(ids(), [id(3), id(4), id(5)]);
    await settle();
    // archived: moved out of sessions/ (Codex archives by renaming)
    const archived = path.join(home, 'archived_sessions');
    fs.mkdirSync(archived, { recursive: true });
    const f4 = sessionPath(home, id(4), y12);
    fs.renameSync(f4, path.join(archived, path.basename(f4)));
    assert.deepEqual(ids(), [id(3), id(4), id(5)]);
    // and a fork that is gone no longer counts
    fs.rmSync(sessionPath(home, id(3), y11));
    assert.deepEqual(ids(), [id(4), id(5)]);
  });
});

describe('forks of a thread in a past day folder (looked at once a minute)', () => {
  it('a fork removed from it does not make a repair refuse, even within the minute', async () => {
    const home = tempCodexHome();
    const parent = { id: id(1), path: thread(home, 1, new Date('2026-10-01T10:00:00Z')) };
    const fork = thread(home, 2, new Date('2026-10-02T10:00:00Z'), parent.id);
    await settle();
    assert.throws(() => refuseForks(home, parent), /has 1 fork/);
    fs.rmSync(fork);
    assert.doesNotThrow(() => refuseForks(home, parent));
  });
});

describe('a thread Codex reverted: its later rollout (…-<thread>_<rollout>.jsonl) reads history from the older one', () => {
  it('protects the older rollout; the later one is protected by its forks, named by its rollout id', () => {
    const home = tempCodexHome();
    const thread1 = id(1);
    const older = { id: thread1, path: thread(home, 1, new Date('2026-10-01T10:00:00Z')) };
    const rollout = '0199a000-0000-7000-8000-00000000ab01';
    // the revert: a new file of the same thread, its session_meta pointing into the older file
    const when = new Date('2026-10-03T10:00:00Z');
    const laterPath = sessionPath(home, thread1, when).replace(/\.jsonl$/, `_${rollout}.jsonl`);
    const meta = JSON.parse(sessionMetaLine(thread1, when, '/w'));
    meta.payload.history_base = { thread_id: thread1, end_ordinal_exclusive: 3, end_byte_offset: 900 };
    fs.mkdirSync(path.dirname(laterPath), { recursive: true });
    fs.writeFileSync(laterPath, JSON.stringify(meta) + '\n');
    const later = { id: thread1, path: laterPath };
    assert.throws(
      () => refuseForks(home, older),
      new RegExp(`its own later rollout made by a revert \\(${path.basename(laterPath).replace(/\./g, '\\.')}\\)`),
    );
    assert.doesNotThrow(() => refuseForks(home, later), 'nothing points into the later one');
    thread(home, 4, new Date('2026-10-04T10:00:00Z'), rollout); // a fork of the reverted thread
    assert.throws(() => refuseForks(home, later), new RegExp(`has 1 fork\\(s\\) \\(${id(4)}\\)`));
    assert.deepEqual(
      forksOf(home, thread1).map((f) => f.path),
      [laterPath],
      'a file is not its own fork; its rollout id is what others name it by',
    );
  });
});

describe('forks of a thread: a fork whose first line is still being written', () => {
  it('is not taken for a thread that is no fork: it is read again, and seen once its first line is whole', async () => {
    const home = tempCodexHome();
    const parent = id(1);
    thread(home, 1, new Date('2026-10-01T10:00:00Z'));
    const file = thread(home, 7, new Date('2026-10-01T11:00:00Z'), parent);
    const whole = fs.readFileSync(file);
    const cut = whole.indexOf('history_base') - 2; // not yet in the file
    fs.writeFileSync(file, whole.subarray(0, cut)); // Codex has written part of its session_meta
    await settle();
    assert.deepEqual(forksOf(home, parent), []);
    fs.appendFileSync(file, whole.subarray(cut)); // appending leaves the folder's mtime as it was
    assert.deepEqual(
      forksOf(home, parent).map((f) => f.id),
      [id(7)],
    );
  });
});
