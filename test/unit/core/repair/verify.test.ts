import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { verifyRollout } from '../../../../src/core/repair/verify';
import { stripRollout } from '../../../../src/core/repair/stripPass';
import { tempDir } from '../../../support/tempHome';
import { sessionMetaLine } from '../../../support/synthetic';

const ID = '0199a000-0000-7000-8000-0000000000f1';
const name = `rollout-2026-01-01T00-00-00-${ID}.jsonl`;
const img = 'data:image/png;base64,' + 'A'.repeat(400);
const src = [
  sessionMetaLine(ID, new Date('2026-01-01T00:00:00Z'), '/w'),
  JSON.stringify({
    timestamp: 't',
    type: 'response_item',
    payload: { type: 'message', role: 'user', content: [{ type: 'input_image', image_url: img }] },
  }),
  JSON.stringify({
    timestamp: 't',
    type: 'response_item',
    payload: { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'ok' }] },
  }),
];

describe('verify: what a bad copy cannot slip past', () => {
  const dir = tempDir();
  const original = path.join(dir, 'orig', name);
  fs.mkdirSync(path.dirname(original), { recursive: true });
  fs.writeFileSync(original, src.join('\n') + '\n');
  const good = path.join(dir, 'good', name);
  fs.mkdirSync(path.dirname(good), { recursive: true });
  const stats = stripRollout(original, good);
  const expect = {
    lines: stats.lines,
    shapeDigest: stats.shapeDigest,
    badLines: [],
    threadId: ID,
    imagesKept: 0,
    editedLines: stats.editedLines,
  };
  const variant = (label: string, lines: string[]) => {
    const p = path.join(dir, label, name);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, lines.join('\n') + '\n');
    return p;
  };
  const goodLines = fs.readFileSync(good, 'utf8').split('\n').filter(Boolean);

  it('accepts the real repaired copy', () => {
    assert.deepEqual(stats.editedLines, [1]);
    const v = verifyRollout(good, expect);
    assert.ok(v.ok, v.failures.join('; '));
    assert.equal(v.jsonErrors, 0);
  });

  it('rejects a lost line, a reordered line, a leftover image, a broken edit, an input_image with an invalid URL, a wrong id', () => {
    const cases: [string, string[], RegExp][] = [
      ['lost', [goodLines[0], goodLines[1]], /lines/],
      ['reordered', [goodLines[0], goodLines[2], goodLines[1]], /types or their order/],
      ['leftover', [goodLines[0], src[1], goodLines[2]], /image payloads are still/],
      ['broken', [goodLines[0], goodLines[1].slice(0, -2), goodLines[2]], /no longer parses/],
      [
        'nodata',
        [
          goodLines[0],
          JSON.stringify({
            timestamp: 't',
            type: 'response_item',
            payload: { type: 'message', role: 'user', content: [{ type: 'input_image', image_url: '' }] },
          }),
          goodLines[2],
        ],
        /input_image whose image_url is an empty URL/,
      ],
      [
        'placeholder',
        [
          goodLines[0],
          JSON.stringify({
            timestamp: 't',
            type: 'response_item',
            payload: {
              type: 'message',
              role: 'user',
              content: [{ type: 'input_image', image_url: '[image omitted]' }],
            },
          }),
          goodLines[2],
        ],
        /input_image whose image_url is the text "\[image omitted\]"/,
      ],
      [
        'wrongid',
        [sessionMetaLine('0199a000-0000-7000-8000-0000000000f2', new Date(), '/w'), goodLines[1], goodLines[2]],
        /does not match/,
      ],
    ];
    for (const [label, lines, why] of cases) {
      const v = verifyRollout(variant(label, lines), expect);
      assert.equal(v.ok, false, label);
      assert.match(v.failures.join('; '), why, label);
    }
  });
});
