// The one risk monitor (watch → rescan → crossing → act), driven with plain thread views.
import * as assert from 'node:assert/strict';
import { RiskMonitor } from '../../../../src/core/scan/riskMonitor';
import type { Crossing, CrossingThread } from '../../../../src/core/scan/riskCrossing';
import type { RiskLevel } from '../../../../src/core/scan/risk';

const t = (id: string, level: RiskLevel, mtimeMs = 0): CrossingThread => ({
  id,
  path: `/h/${id}`,
  mtimeMs,
  risk: { level },
});

describe('scan/riskMonitor', () => {
  it('acts once per crossing, again only after the thread fell below the threshold', () => {
    const acted: string[] = [];
    const m = new RiskMonitor<CrossingThread>({
      level: 'high',
      quietMs: 0,
      rescan: () => undefined,
      onCrossings: (cs: Crossing<CrossingThread>[]) =>
        acted.push(...cs.map((c) => `${c.id}:${c.from ?? 'new'}→${c.to}`)),
    });
    m.assess([t('a', 'ok'), t('b', 'watch')]);
    m.assess([t('a', 'high'), t('b', 'watch')]);
    m.assess([t('a', 'critical'), t('b', 'watch')]); // still above: no second act
    m.assess([t('a', 'ok'), t('b', 'stuck')]); // a fell below (re-armed), b crossed
    m.assess([t('a', 'high'), t('b', 'stuck')]);
    assert.deepEqual(acted, ['a:ok→high', 'b:watch→stuck', 'a:ok→high']);
  });

  it('the first scan of a home only records levels (prime): threads already at risk are not crossings', () => {
    const acted: string[] = [];
    const m = new RiskMonitor<CrossingThread>({
      quietMs: 0,
      rescan: () => undefined,
      onCrossings: (cs) => acted.push(...cs.map((c) => c.id)),
    });
    assert.deepEqual(m.assess([t('a', 'stuck')], true), []);
    m.assess([t('a', 'stuck')]);
    assert.deepEqual(acted, []);
  });

  it('a thread still being written is judged when quiet: the monitor asks for a rescan then', async () => {
    let rescans = 0;
    const acted: string[] = [];
    const m = new RiskMonitor<CrossingThread>({
      level: 'high',
      quietMs: 200,
      rescan: () => {
        rescans++;
        m.assess([t('a', 'high', Date.now() - 1000)]);
      },
      onCrossings: (cs) => acted.push(...cs.map((c) => c.id)),
    });
    let stopWatching = 0;
    m.watch(() => () => stopWatching++);
    m.assess([t('a', 'high', Date.now())]); // just written: not yet
    assert.deepEqual(acted, []);
    assert.ok(m.pending);
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(rescans, 1);
    assert.deepEqual(acted, ['a']);
    m.stop();
    assert.equal(stopWatching, 1);
  });

  it('changes reported by the watcher start rescans until stopped', () => {
    let rescans = 0;
    let report: () => void = () => undefined;
    const m = new RiskMonitor<CrossingThread>({ rescan: () => rescans++, onCrossings: () => undefined });
    m.watch((changed) => {
      report = changed;
      return () => undefined;
    });
    report();
    report();
    m.stop();
    report();
    assert.equal(rescans, 2);
  });
});
