// `scan --json` into a slow reader: the output waits for it instead of piling up in memory.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { scanCommand } from '../../../src/cli/scanCommand';
import { parseArgs } from '../../../src/cli/args';
import type { CliContext } from '../../../src/cli/command';
import { newThreadId } from '../../../src/core/codexHome/paths';
import { sessionPath, writeSyntheticRollout } from '../../support/synthetic';
import { tempDir } from '../../support/tempHome';

describe('cli/scan', function () {
  this.timeout(60_000);

  it('--json writes no more while the reader is behind (waits for drain)', async () => {
    const home = path.join(tempDir('csr-scan-cli-'), 'codex-home');
    for (let k = 0; k < 900; k++) {
      const id = newThreadId(Date.now() - k * 60_000);
      writeSyntheticRollout(sessionPath(home, id, new Date(Date.now() - k * 60_000)), {
        imageLines: 0,
        imageBytes: 0,
        threadId: id,
      });
    }
    let total = 0;
    let queuedMax = 0;
    const out = new Writable({
      highWaterMark: 64 * 1024,
      write(chunk: Buffer, _enc, done) {
        total += chunk.length;
        setTimeout(done, 2); // a reader busy with something else
      },
    });
    const write = out.write.bind(out);
    out.write = ((chunk: string) => {
      const ok = write(chunk);
      queuedMax = Math.max(queuedMax, out.writableLength);
      return ok;
    }) as typeof out.write;
    const err = new Writable({ write: (_c, _e, done) => done() });
    const args = parseArgs(['scan', '--json', '--no-cache'], {
      flags: ['json', 'no-cache'],
      values: ['workers'],
    });
    const ctx = { codexHome: home, args, operands: [], out, err } as unknown as CliContext;
    assert.equal(await scanCommand.run(ctx), 0);
    await new Promise((r) => out.end(r));
    assert.ok(total > 1024 * 1024, `output of ${total} B is several times what the reader holds`);
    // at most one chunk (~256 KB) past the high-water mark is ever waiting
    assert.ok(queuedMax < 400 * 1024, `queued at most ${queuedMax} B of ${total}`);
  });
});
