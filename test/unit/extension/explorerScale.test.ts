// The explorer at scale, pure parts: the "Needs attention" window (recent at-risk threads only; older
// ones keep their badge in their day group; the badge counts the group), the quick filter, sorting,
// the storage summary and the progress text.
import * as assert from 'node:assert/strict';
import { attentionCount, groupThreads, measuringText, storageSummary } from '../../../src/extension/logic';
import { matchesFilter } from '../../../src/core/scan/threadFilter';
import type { RiskLevelName, ThreadView } from '../../../src/protocol/messages';
import { emptyMetrics } from '../../../src/core/scan/metrics';
import { threadView } from '../../support/threadView';

const NOW = Date.parse('2026-11-30T12:00:00Z');

const t = (id: string, level: RiskLevelName, ageDays: number, extra: Partial<ThreadView> = {}): ThreadView =>
  threadView(id, level, ageDays, { generation: 'paginated', ...extra }, NOW);

describe('explorer at scale: Needs attention window', () => {
  const threads = [
    t('today-stuck', 'stuck', 0),
    t('week-high', 'high', 5),
    t('old-critical', 'critical', 40),
    t('old-ok', 'ok', 40),
    t('recent-watch', 'watch', 1),
    t('archived-stuck', 'stuck', 0, { archived: true }),
  ];

  it('holds at-risk threads active in the last 14 days; older at-risk ones keep their badge in their day group', () => {
    const g = groupThreads(threads, { now: NOW });
    const byKey = Object.fromEntries(g.map((x) => [x.key, x.threads.map((y) => y.id)]));
    assert.deepEqual(byKey.attention, ['today-stuck', 'week-high']);
    assert.deepEqual(byKey.older, ['old-critical', 'old-ok']);
    assert.equal(g.find((x) => x.key === 'older')!.threads[0].risk.level, 'critical', 'badge kept');
    assert.deepEqual(byKey.archived, ['archived-stuck'], 'archived threads never need attention');
    assert.equal(attentionCount(threads, NOW), 2, 'the activity-bar badge counts the group only');
  });

  it('follows the needsAttentionDays setting', () => {
    const g = groupThreads(threads, { now: NOW, attentionDays: 60 });
    assert.deepEqual(
      g[0].threads.map((x) => x.id),
      ['today-stuck', 'old-critical', 'week-high'],
      'most severe first',
    );
    assert.equal(attentionCount(threads, NOW, 60), 3);
    assert.equal(attentionCount(threads, NOW, 1), 1);
  });

  it('a year of abandoned at-risk threads does not bury today', () => {
    const year = Array.from({ length: 3000 }, (_, i) => t(`old-${i}`, i % 3 ? 'ok' : 'critical', 15 + (i % 350)));
    const g = groupThreads([...year, t('now', 'stuck', 0)], { now: NOW });
    assert.deepEqual(
      g[0].threads.map((x) => x.id),
      ['now'],
    );
    assert.equal(attentionCount([...year, t('now', 'stuck', 0)], NOW), 1);
  });
});

describe('explorer at scale: filter, sort, summary', () => {
  const threads = [
    t('a1', 'ok', 0, { name: 'Fix the login page', cwd: '/home/dev/shop', sizeBytes: 5_000 }),
    t('b2', 'stuck', 1, { name: 'Refactor parser', cwd: '/home/dev/compiler', sizeBytes: 900_000 }),
    t('c3', 'high', 2, { name: 'Screenshots of login', cwd: '/home/dev/shop', sizeBytes: 50_000 }),
  ];

  it('filters by name, workspace, id and level words (all must match)', () => {
    assert.deepEqual(
      threads.filter((x) => matchesFilter(x, { query: 'login' })).map((x) => x.id),
      ['a1', 'c3'],
    );
    assert.deepEqual(
      threads.filter((x) => matchesFilter(x, { query: 'shop high' })).map((x) => x.id),
      ['c3'],
    );
    assert.deepEqual(
      threads.filter((x) => matchesFilter(x, { query: 'STUCK' })).map((x) => x.id),
      ['b2'],
    );
    assert.equal(threads.filter((x) => matchesFilter(x, { query: '  ' })).length, 3);
    const g = groupThreads(threads, { now: NOW, query: 'compiler' });
    assert.deepEqual(
      g.flatMap((x) => x.threads.map((y) => y.id)),
      ['b2'],
    );
  });

  it('sorts by size or by last activity within groups', () => {
    const many = [
      t('s', 'ok', 0.1, { sizeBytes: 10 }),
      t('m', 'ok', 0.2, { sizeBytes: 500 }),
      t('l', 'ok', 0.3, { sizeBytes: 99 }),
    ];
    const now = NOW;
    const today = (o: Parameters<typeof groupThreads>[1]) =>
      groupThreads(many, { now, ...o }).flatMap((x) => x.threads.map((y) => y.id));
    assert.deepEqual(today({ sortBy: 'size' }), ['m', 'l', 's']);
    assert.deepEqual(today({ sortBy: 'activity' }), ['s', 'm', 'l']);
  });

  it('stays quick at 3,000 threads (groups, filters and sorts every thread once)', () => {
    const year = Array.from({ length: 3000 }, (_, i) =>
      t(`id-${i}`, (['ok', 'watch', 'high'] as const)[i % 3], i % 365, { cwd: `/home/dev/p${i % 40}` }),
    );
    const g = groupThreads(year, { now: NOW, query: 'p7 high', sortBy: 'size' });
    const ids = g.flatMap((x) => x.threads.map((y) => y.id));
    assert.equal(new Set(ids).size, ids.length, 'no thread twice');
    assert.ok(ids.length > 0 && ids.every((id) => year[Number(id.slice(3))].risk.level === 'high'));
  });

  it('summarises storage: total, images, dead copies, archived, largest threads', () => {
    const m = emptyMetrics();
    const withImages = t('img', 'high', 0, {
      sizeBytes: 3_000_000,
      metrics: {
        ...m,
        bytes: { ...m.bytes, imagesDead: 1_000_000 },
        images: { ...m.images, totalBytes: 2_500_000, distinct: 1, maxCopies: 3, duplicateBytes: 0, top: [] },
      },
    });
    const s = storageSummary([...threads, withImages, t('arch', 'ok', 3, { archived: true, sizeBytes: 7 })], 2);
    assert.equal(s.threads, 5);
    assert.equal(s.totalBytes, 5_000 + 900_000 + 50_000 + 3_000_000 + 7);
    assert.equal(s.imageBytes, 2_500_000);
    assert.equal(s.deadImageBytes, 1_000_000);
    assert.equal(s.archivedBytes, 7);
    assert.deepEqual(
      s.largest.map((x) => x.id),
      ['img', 'b2'],
    );
    assert.equal(measuringText({ measured: 1240, total: 3004 }), 'Measuring 1,240 of 3,004…');
    assert.equal(measuringText(undefined), undefined);
  });
});
