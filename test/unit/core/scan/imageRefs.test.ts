// Image references (openai/codex#28150): local_images paths, local_image items and <appshot … image="…">
// text are counted and explained by inspect, and change no risk level (Codex sends them as text).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeThread, inspectThread } from '../../../../src/core/scan/inspect';
import { sessionPath } from '../../../../src/core/codexHome/paths';
import { tempCodexHome } from '../../../support/tempHome';
import { sessionMetaLine } from '../../../support/synthetic';

describe('scan: image references', () => {
  it('counts local_images paths, local_image items and appshot tags; inspect says they are text to Codex', () => {
    const home = tempCodexHome();
    const id = '01a24746-9468-7582-a1b8-000000000001';
    const file = sessionPath(home, id, new Date('2026-11-20T10:00:00Z'));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const at = '2026-11-20T10:00:05.000Z';
    const lines = [
      sessionMetaLine(id, new Date('2026-11-20T10:00:00Z'), '/w'),
      JSON.stringify({
        timestamp: at,
        type: 'response_item',
        payload: {
          type: 'message',
          role: 'user',
          content: [
            { type: 'input_text', text: '[image omitted by hand]' },
            { type: 'input_text', text: '<appshot app="Safari" window="Main" image="/Users/me/shots/a.png">' },
            { type: 'input_text', text: 'what now?' },
          ],
        },
      }),
      JSON.stringify({
        timestamp: at,
        type: 'event_msg',
        payload: { type: 'user_message', message: 'what now?', images: [], local_images: ['/Users/me/shots/a.png'] },
      }),
      JSON.stringify({
        timestamp: at,
        type: 'event_msg',
        payload: {
          type: 'item_completed',
          item: { type: 'UserMessage', content: [{ type: 'local_image', path: '/Users/me/shots/b.png' }] },
        },
      }),
      JSON.stringify({
        timestamp: at,
        type: 'response_item',
        payload: { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'ok' }] },
      }),
    ];
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const t = inspectThread(home, id);
    assert.equal(t.metrics.damage.imageRefs, 3);
    assert.equal(t.risk.level, 'ok', JSON.stringify(t.risk.reasons));
    assert.match(
      describeThread(t),
      /references: 3 image paths or <appshot … image="…"> tags .*never loads the image again/,
    );
  });
});
