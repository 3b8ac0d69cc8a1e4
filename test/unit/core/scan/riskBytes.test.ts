// Risk by bytes, not validity: the levels fire on the image bytes and counts the next request
// carries, whether each image is a valid PNG, bytes no decoder takes, or a type the API refuses; and
// a thread like openai/codex#32287 (a valid 884 KB PNG rejected, 70 compaction records holding
// 862 MB) gets the repair as its next step.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { readRollout } from '../../../../src/core/rollout/reader';
import { MetricsCollector, ThreadMetrics, emptyMetrics } from '../../../../src/core/scan/metrics';
import { DEFAULT_THRESHOLDS, assessRisk } from '../../../../src/core/scan/risk';
import { noisePng } from '../../../support/png';
import { tempDir } from '../../../support/tempHome';

const MiB = 1024 * 1024;
let clock = Date.parse('2026-11-20T10:00:00Z');
const ts = () => new Date((clock += 1000)).toISOString();
const meta = () => JSON.stringify({ timestamp: ts(), type: 'session_meta', payload: { id: 'x', cwd: '/w' } });
const userWith = (urls: string[]) =>
  JSON.stringify({
    timestamp: ts(),
    type: 'response_item',
    payload: {
      type: 'message',
      role: 'user',
      content: [...urls.map((u) => ({ type: 'input_image', image_url: u })), { type: 'input_text', text: 'look' }],
    },
  });
const event = (payload: unknown) => JSON.stringify({ timestamp: ts(), type: 'event_msg', payload });

function measure(lines: string[]): { m: ThreadMetrics; size: number } {
  const file = path.join(tempDir(), 'rollout.jsonl');
  fs.writeFileSync(file, lines.join('\n') + '\n');
  const fd = fs.openSync(file, 'r');
  try {
    const c = new MetricsCollector(undefined, fd);
    readRollout(file, (l) => c.line(l));
    return { m: c.result(), size: fs.statSync(file).size };
  } finally {
    fs.closeSync(fd);
  }
}

/** Three images of the same stored size, each of a different kind. */
const kinds: Record<string, () => string> = {
  'valid PNG': () => `data:image/png;base64,${noisePng(250, 200, clock).toString('base64')}`,
  'PNG label, bytes no decoder takes': () => `data:image/png;base64,${randomBytes(150_063).toString('base64')}`,
  'a type the API refuses (image/heic)': () => `data:image/heic;base64,${randomBytes(150_063).toString('base64')}`,
};

describe('risk by bytes, not validity', () => {
  const small = { ...DEFAULT_THRESHOLDS, liveImageBytes: [100_000, 200_000, 400_000] as [number, number, number] };

  for (const [name, make] of Object.entries(kinds)) {
    it(`live images count by their stored bytes and number: ${name}`, () => {
      const urls = [make(), make(), make()];
      const { m, size } = measure([meta(), userWith(urls)]);
      assert.equal(m.images.live, 3);
      const stored = urls.reduce((s, u) => s + u.length, 0);
      // the bytes counted are the stored data URLs, within the prefix's few bytes each
      assert.ok(Math.abs(m.bytes.imagesLive - stored) <= 3 * 40, `${m.bytes.imagesLive} vs ${stored}`);
      const risk = assessRisk(m, size, small);
      assert.equal(risk.level, 'critical', JSON.stringify(risk.reasons));
      assert.ok(risk.reasons.some((r) => r.code === 'live-image-bytes' && r.level === 'critical'));
      assert.match(risk.recommendation, /strip images/);
      const many = assessRisk(m, size, { ...small, liveImageBytes: [1e12, 1e12, 1e12], liveImages: [1, 2, 3] });
      assert.ok(
        many.reasons.some((r) => r.code === 'live-images' && r.level === 'critical'),
        'and by count',
      );
    });
  }

  it('an image the API refused although it is a valid PNG: stuck, and the next step is the repair', () => {
    const { m, size } = measure([
      meta(),
      userWith([kinds['valid PNG']()]),
      event({ type: 'agent_message', message: 'Looked.' }),
      userWith([kinds['valid PNG']()]),
      event({
        type: 'error',
        message:
          "The image data you provided does not represent a valid image. Please check your input and try again with one of the supported image formats: ['image/jpeg', 'image/png', 'image/gif', 'image/webp'].",
      }),
    ]);
    const risk = assessRisk(m, size);
    assert.equal(risk.level, 'stuck');
    assert.ok(risk.reasons.some((r) => r.code === 'image-url-error'));
    assert.match(risk.recommendation, /repair the thread: the repair replaces the images in its history/);
  });

  it('a thread shaped like #32287 (one valid 884 KB PNG live, 70 compaction records holding 862 MB): the repair', () => {
    const m = emptyMetrics();
    m.generation = 'legacy';
    m.images.total = 71;
    m.images.live = 1;
    m.bytes.imagesLive = 884 * 1024;
    m.images.byHash = { abc: [71, 884 * 1024 * 1.34, 'image/png'] };
    m.compactions.count = 70;
    m.compactions.bytes = 862 * MiB;
    m.bytes.compaction = 862 * MiB - 70 * 884 * 1024;
    m.bytes.imagesDead = 70 * 884 * 1024;
    const risk = assessRisk(m, 870 * MiB);
    assert.equal(risk.level, 'critical');
    const codes = risk.reasons.map((r) => r.code);
    assert.ok(
      codes.includes('file-size') && codes.includes('duplicates') && codes.includes('dead-snapshots'),
      codes.join(),
    );
    assert.match(risk.recommendation, /strip images/);
  });
});
