import * as assert from 'node:assert/strict';
import { BigStr, JsonValue } from '../../../../src/core/rollout/jsonSkeleton';
import { classify } from '../../../../src/core/rollout/format';
import { brokenImageRefs, imageUrlError, imageUrlProblem } from '../../../../src/core/rollout/imageUrl';
import { noisePng } from '../../../support/png';

const png = 'data:image/png;base64,' + noisePng(20, 10).toString('base64');

describe('image URLs the API accepts, and the ones half-repaired threads hold', () => {
  it('accepts http(s) URLs and whole base64 data URLs', () => {
    for (const ok of ['https://example.com/a.png', 'http://127.0.0.1:8080/x?y=1', png])
      assert.equal(imageUrlProblem(ok), undefined, ok);
  });

  it('names what is wrong with placeholders, empty and cut-off URLs', () => {
    assert.equal(imageUrlProblem(''), 'an empty URL');
    assert.equal(imageUrlProblem('[image omitted]'), 'the text "[image omitted]"');
    assert.equal(imageUrlProblem('<image removed>'), 'the text "<image removed>"');
    assert.equal(imageUrlProblem('data:image/png;base64,'), 'an empty data URL');
    assert.equal(imageUrlProblem(png.slice(0, 61)), 'a truncated data URL (image/png)'); // base64 fine, image cut
    assert.equal(imageUrlProblem(png.slice(0, 59)), 'a truncated data URL (image/png)'); // not a multiple of 4
    assert.equal(imageUrlProblem('data:text/plain;base64,AAAA'), 'a data URL that is not a base64 image');
    assert.equal(imageUrlProblem(undefined), 'no URL');
    assert.equal(imageUrlProblem(42), 'not a URL');
  });

  it('judges a data URL left in the file by its header and length', () => {
    const big = (len: number, prefix = 'data:image/png;base64,iVBORw0KGgo') => new BigStr(0, len, prefix, undefined);
    assert.equal(imageUrlProblem(big(22 + 4000)), undefined);
    assert.equal(imageUrlProblem(big(22 + 4001)), 'a truncated data URL (image/png)');
    assert.equal(imageUrlProblem(big(5000, 'data:image/png;base64,[omitted')), 'a truncated data URL (image/png)');
    assert.equal(imageUrlProblem(big(5000, 'xxxx')), 'not a URL');
  });

  it('finds broken input_images in messages, tool outputs and replacement_history, but not file ids', () => {
    const payload: JsonValue = {
      replacement_history: [
        {
          type: 'message',
          content: [
            { type: 'input_image', image_url: '' },
            { type: 'input_image', image_url: png },
          ],
        },
        { type: 'function_call_output', output: [{ type: 'input_image', image_url: '[image omitted]' }] },
        { type: 'message', content: [{ type: 'input_image', file_id: 'file-1' }] },
      ],
    };
    assert.deepEqual(
      brokenImageRefs(payload).map((b) => b.problem),
      ['an empty URL', 'the text "[image omitted]"'],
    );
  });

  it('recognises the errors Codex records when the API rejects an image URL', () => {
    const ev = (message: string) =>
      classify({ timestamp: 't', type: 'event_msg', payload: { type: 'error', message } }, false);
    assert.ok(
      imageUrlError(
        ev("Invalid 'input[3].content[1].image_url'. Expected a valid URL, but got a value with an invalid format."),
      ),
    );
    assert.ok(imageUrlError(ev('Image poisoning detected in the request')));
    assert.equal(imageUrlError(ev('Your input exceeds the context window of this model.')), undefined);
  });
});
