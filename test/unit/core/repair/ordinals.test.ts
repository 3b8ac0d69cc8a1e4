// A paginated thread whose record numbering is broken (openai/codex#45150: the final record has no
// ordinal; #35746: ordinals reused): the scan names it, inspect explains it, the repair numbers the
// records 0, 1, 2, … again (what Codex 0.171 resumes and projects), and restore gives the bytes back.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { inspectThread, describeThread } from '../../../../src/core/scan/inspect';
import { stripThread } from '../../../../src/core/repair/stripThread';
import { restoreThread } from '../../../../src/core/repair/restore';
import { sessionPath } from '../../../../src/core/codexHome/paths';
import { ORDINAL_DAMAGE, writeOrdinalDamagedRollout } from '../../../support/damaged';
import { tempCodexHome } from '../../../support/tempHome';

const quiet = { growthWindowMs: 0 };

function ordinalsOf(file: string): (number | undefined)[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l).ordinal);
}

function makeThread(kind: (typeof ORDINAL_DAMAGE)[number]) {
  const home = tempCodexHome();
  const id = '01a24730-0000-7000-8000-' + String(ORDINAL_DAMAGE.indexOf(kind)).padStart(12, '0');
  const file = sessionPath(home, id, new Date('2026-11-20T10:00:00Z'));
  const r = writeOrdinalDamagedRollout(file, id, kind);
  const old = new Date(Date.now() - 60_000);
  fs.utimesSync(file, old, old);
  return { home, id, file, ...r };
}

describe('paginated threads with broken ordinals', () => {
  it('a final record without an ordinal is stuck: inspect says why (Codex refuses to resume) and what to do', () => {
    const { home, id, records } = makeThread('final-missing');
    const t = inspectThread(home, id);
    assert.equal(t.risk.level, 'stuck');
    const reason = t.risk.reasons.find((r) => r.code === 'ordinal-missing-final');
    assert.ok(reason, JSON.stringify(t.risk.reasons));
    assert.match(reason.text, new RegExp(`line ${records}\\b`));
    assert.match(reason.text, /missing an ordinal/);
    assert.match(t.risk.recommendation, /repair the thread: the repair numbers its records 0, 1, 2/);
    assert.match(describeThread(t), /has no ordinal/);
  });

  for (const kind of ['reused', 'gap', 'mid-missing'] as const) {
    it(`${kind}: named with the first line, not stuck (Codex resumes it), repair as the next step`, () => {
      const { home, id, firstBad } = makeThread(kind);
      const t = inspectThread(home, id);
      const reason = t.risk.reasons.find((r) => r.code === 'ordinals');
      assert.ok(reason, JSON.stringify(t.risk.reasons));
      assert.equal(reason.level, 'high');
      assert.match(reason.text, new RegExp(`first on line ${firstBad}\\b`));
      assert.notEqual(t.risk.level, 'stuck');
      assert.match(t.risk.recommendation, /numbers its records 0, 1, 2/);
    });
  }

  for (const kind of ORDINAL_DAMAGE) {
    it(`${kind}: the repair numbers the records 0…n-1, changes nothing else, and restore gives the bytes back`, () => {
      const { home, id, file, records } = makeThread(kind);
      const before = fs.readFileSync(file);
      const r = stripThread({ codexHome: home, thread: id, mode: 'in-place' }, quiet);
      assert.ok(r.ordinalsRenumbered > 0);
      assert.equal(r.jsonErrors, 0);
      assert.deepEqual(
        ordinalsOf(file),
        Array.from({ length: records }, (_, i) => i),
      );
      // every other field of every record is as it was
      const strip = (l: string) => {
        const { ordinal: _o, ...rest } = JSON.parse(l);
        return rest;
      };
      const a = before.toString('utf8').split('\n').filter(Boolean).map(strip);
      const b = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map(strip);
      assert.deepEqual(b, a);
      const after = inspectThread(home, id);
      assert.ok(!after.risk.reasons.some((x) => x.code.startsWith('ordinal')), JSON.stringify(after.risk.reasons));
      restoreThread({ codexHome: home, thread: id });
      assert.deepEqual(fs.readFileSync(file), before);
    });
  }

  it('a thread numbered right is left as it is', () => {
    const { home, id, file } = makeThread('gap');
    stripThread({ codexHome: home, thread: id, mode: 'in-place' }, quiet);
    const repaired = fs.readFileSync(file);
    const again = stripThread({ codexHome: home, thread: id, mode: 'dry-run' }, quiet);
    assert.equal(again.ordinalsRenumbered, 0);
    assert.deepEqual(fs.readFileSync(again.outputPath), repaired);
    fs.rmSync(again.outputPath);
  });
});
