// The thread list's bookkeeping without a worker: what a cancelled or failed scan leaves behind.
// (The same through the real worker, with a scan cancelled mid-way: test/e2e/progressiveScan.test.ts.)
import * as assert from 'node:assert/strict';
import { ThreadList } from '../../../src/extension/threadList';
import { threadView } from '../../support/threadView';

describe('ThreadList', () => {
  it('abort(): the rows listed so far stay, none of them still "measuring…"', () => {
    const list = new ThreadList();
    const rows = ['a', 'b', 'c'].map((id) => threadView(id, 'ok', 0));
    list.begin();
    list.apply({
      type: 'partial',
      id: 1,
      kind: 'listed',
      first: true,
      threads: rows,
      pending: rows.map((t) => t.path),
      measured: 0,
      total: 3,
    });
    list.apply({ type: 'partial', id: 1, kind: 'measured', threads: [rows[0]], measured: 1, total: 3 });
    assert.equal(list.pendingCount, 2);
    list.abort();
    assert.equal(list.pendingCount, 0);
    assert.deepEqual(
      list.threads.map((t) => t.id),
      ['a', 'b', 'c'],
    );
    assert.ok(rows.every((t) => !list.isPending(t.path)));
    // the next scan starts from there: a row it lists as pending is pending again
    list.begin();
    list.apply({
      type: 'partial',
      id: 2,
      kind: 'listed',
      first: true,
      threads: [rows[1]],
      pending: [rows[1].path],
      measured: 0,
      total: 3,
    });
    assert.equal(list.isPending(rows[1].path), true);
  });
});
