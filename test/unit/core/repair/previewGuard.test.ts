import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  PreviewRegistry,
  checkPreview,
  optionChanges,
  previewRepair,
  stampFile,
} from '../../../../src/core/repair/previewGuard';
import { RescueError } from '../../../../src/core/util/errors';
import { tempCodexHome } from '../../../support/tempHome';
import { appendAgentMessage, sessionPath, writeSyntheticRollout } from '../../../support/synthetic';

function makeThread(home: string) {
  const when = new Date('2026-11-20T10:00:00Z');
  const id = '0199a000-0000-7000-8000-' + String(Math.floor(Math.random() * 1e12)).padStart(12, '0');
  const file = sessionPath(home, id, when);
  writeSyntheticRollout(file, { imageLines: 4, imageBytes: 30_000, compactEvery: 3, threadId: id, start: when });
  const old = new Date(Date.now() - 60_000);
  fs.utimesSync(file, old, old);
  return { id, file };
}

function refusal(fn: () => unknown): RescueError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof RescueError, String(err));
    return err;
  }
  assert.fail('expected a refusal');
}

const AGAIN = 'Preview it again.';
const previewDir = path.join(os.tmpdir(), 'codex-session-rescue');
const copiesOf = (id: string) =>
  (fs.existsSync(previewDir) ? fs.readdirSync(previewDir) : []).filter((n) => n.includes(id));

describe('preview guard (core/repair/previewGuard)', () => {
  it('a preview records the stamp and options, changes nothing and leaves no repaired copy behind', () => {
    const home = tempCodexHome();
    const { id, file } = makeThread(home);
    const before = fs.readFileSync(file);
    let seen: { size: number; id: string } | undefined;
    const { record, report, used } = previewRepair(
      { codexHome: home, thread: id, options: { keepImages: 1 } },
      {},
      (copy, r) => (seen = { size: fs.statSync(copy).size, id: r.threadId }),
    );
    assert.equal(used, seen);
    assert.equal(seen?.size, report.bytesAfter, 'the copy exists while it is used');
    assert.ok(report.bytesAfter < report.bytesBefore);
    assert.ok(report.imagesKept > 0, 'the newest image (and its UI copy) kept');
    assert.match(record.id, new RegExp(`^pv-${id.slice(0, 8)}-[0-9a-f]{12}$`));
    assert.equal(record.threadId, id);
    assert.equal(record.path, file);
    assert.deepEqual(record.options, { keepImages: 1 });
    assert.deepEqual(record.stamp, stampFile(file));
    assert.equal(fs.existsSync(report.outputPath), false, 'the repaired copy is deleted');
    assert.deepEqual(copiesOf(id), []);
    assert.deepEqual(fs.readFileSync(file), before);
    // unchanged file, same options: accepted
    checkPreview(record, file, { keepImages: 1 }, AGAIN);
  });

  it('the copy is deleted when using it fails', () => {
    const home = tempCodexHome();
    const { id } = makeThread(home);
    let copy = '';
    assert.throws(
      () =>
        previewRepair({ codexHome: home, thread: id }, {}, (c) => {
          copy = c;
          throw new Error('projection failed');
        }),
      /projection failed/,
    );
    assert.ok(copy);
    assert.equal(fs.existsSync(copy), false);
  });

  it('refuses once the file grew, or was replaced with the same size, since the preview', () => {
    const home = tempCodexHome();
    const { id, file } = makeThread(home);
    const { record } = previewRepair({ codexHome: home, thread: id });
    appendAgentMessage(file, 'a later turn');
    const grew = refusal(() => checkPreview(record, file, {}, AGAIN));
    assert.equal(grew.code, 'changed-during-run');
    assert.match(
      grew.message,
      /changed since the preview — preview again \(\d+ → \d+ bytes\).*Nothing was changed\. Preview it again\.$/s,
    );

    // same bytes count, other content, new inode (Codex rewrites by rename)
    const { record: r2 } = previewRepair({ codexHome: home, thread: id });
    const text = fs.readFileSync(file, 'utf8').replace('a later turn', 'A LATER TURN');
    fs.writeFileSync(file + '.new', text);
    fs.renameSync(file + '.new', file);
    const swapped = refusal(() => checkPreview(r2, file, {}, AGAIN));
    assert.match(swapped.message, /same size but different content or file/);

    fs.rmSync(file);
    assert.match(refusal(() => checkPreview(r2, file, {}, AGAIN)).message, /→ missing bytes/);
  });

  it('refuses when the options differ from the preview’s; defaults compare equal', () => {
    const home = tempCodexHome();
    const { id, file } = makeThread(home);
    const { record } = previewRepair({ codexHome: home, thread: id, options: {} });
    checkPreview(record, file, { keepImages: 0, maxToolOutputBytes: 256 * 1024, archiveImages: false }, AGAIN);
    const e = refusal(() => checkPreview(record, file, { keepImages: 2 }, AGAIN));
    assert.equal(e.code, 'changed-during-run');
    assert.match(e.message, /repair options changed since the preview .* — preview again \(keepImages 0 → 2\)/);
    assert.equal(
      optionChanges({ archiveImages: true }, { maxToolOutputBytes: 8192 }),
      'maxToolOutputBytes 262144 → 8192, archiveImages true → false',
    );
  });

  it('the registry: unknown ids and other threads are refused; a preview is used once', () => {
    const home = tempCodexHome();
    const a = makeThread(home);
    const b = makeThread(home);
    const reg = new PreviewRegistry();
    const ra = reg.add(previewRepair({ codexHome: home, thread: a.id }).record);
    assert.match(
      refusal(() => reg.check('pv-made-up', a.id, a.file)).message,
      /not the id of a preview made by this server/,
    );
    assert.match(
      refusal(() => reg.check(ra.id, b.id, b.file)).message,
      new RegExp(`made for thread ${a.id}, not ${b.id}`),
    );
    assert.equal(reg.check(ra.id, a.id, a.file), ra);
    reg.consume(ra.id);
    assert.equal(refusal(() => reg.check(ra.id, a.id, a.file)).code, 'usage');
  });
});
