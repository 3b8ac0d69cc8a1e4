import * as assert from 'node:assert/strict';
import { ftsMatch, likePattern, parseQuery, termRanges } from '../../../../src/core/search/query';
import { makeSnippet, markSnippet } from '../../../../src/core/search/rank';

describe('search query', () => {
  it('takes words, "quoted phrases" and prefix*, lower-cased', () => {
    assert.deepEqual(parseQuery('Login "Fixed  The  Layout" conf*'), [
      { text: 'login', prefix: false, phrase: false },
      { text: 'fixed the layout', prefix: false, phrase: true },
      { text: 'conf', prefix: true, phrase: false },
    ]);
  });

  it('reads an unclosed quote as a phrase to the end, and refuses a query with no words', () => {
    assert.deepEqual(parseQuery('a "b c'), [
      { text: 'a', prefix: false, phrase: false },
      { text: 'b c', prefix: false, phrase: true },
    ]);
    assert.throws(() => parseQuery('  "" * '), /no words/);
    assert.throws(() => parseQuery('x'.repeat(2000)), /too long/);
  });

  it('quotes every term for FTS5, so its operators and quotes in the query are only text', () => {
    const terms = parseQuery('NEAR(a b) OR ab"c) col:umn -not ^start');
    assert.equal(ftsMatch(terms), '"near(a" AND "ab""c)" AND "col:umn" AND "-not" AND "^start"');
    assert.equal(ftsMatch(parseQuery('ab')), undefined); // under 3 characters: no trigram to look up
  });

  it('escapes LIKE wildcards', () => {
    assert.equal(likePattern('100%_done\\'), '%100\\%\\_done\\\\%');
  });

  it('finds a prefix only where a word starts, a word anywhere', () => {
    const text = 'catalog login logbook';
    assert.deepEqual(termRanges(text, { text: 'log', prefix: true, phrase: false }), [
      [8, 11],
      [14, 17],
    ]);
    assert.equal(termRanges(text, { text: 'log', prefix: false, phrase: false }).length, 3);
  });

  it('shows the text around the first match with every match marked', () => {
    const text = `${'lorem ipsum '.repeat(30)}the Login layout broke; login again ${'dolor sit '.repeat(30)}`;
    const s = makeSnippet(text, parseQuery('login'));
    assert.ok(s.text.startsWith('…') && s.text.endsWith('…'), s.text);
    assert.ok(s.text.length <= 182, String(s.text.length));
    assert.match(markSnippet(s), /the \*\*Login\*\* layout broke; \*\*login\*\* again/);
    for (const [a, b] of s.marks) assert.equal(s.text.slice(a, b).toLowerCase(), 'login');
  });
});
