import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { STATUS_COLOURS, wrapText } from './tourPanels.js';
import { STATUSES } from './tourPlan.js';

// a monospace "font": every character is 10 units wide
const measure = (/** @type {string} */ text) => text.length * 10;

describe('wrapText', () => {
  it('breaks between words within the width', () => {
    assert.deepEqual(wrapText(measure, 'aaa bbb ccc ddd', 75, 5), ['aaa bbb', 'ccc ddd']);
  });

  it('ends the last line with an ellipsis when text is left out', () => {
    const lines = wrapText(measure, 'aaa bbb ccc ddd eee fff', 75, 2);
    assert.equal(lines.length, 2);
    assert.equal(lines[0], 'aaa bbb');
    assert.ok(lines[1].endsWith('…'), lines[1]);
    assert.ok(measure(lines[1]) <= 75);
  });

  it('keeps a word longer than the line on a line of its own, shortened', () => {
    assert.deepEqual(wrapText(measure, 'abcdefghijkl', 50, 1), ['abcdefghijkl']);
    const lines = wrapText(measure, 'abcdefghijkl mn', 50, 1);
    assert.ok(lines[0].endsWith('…') && measure(lines[0]) <= 50, lines[0]);
  });

  it('returns nothing for empty text', () => {
    assert.deepEqual(wrapText(measure, '', 50, 3), []);
    assert.deepEqual(wrapText(measure, '   ', 50, 3), []);
  });
});

describe('STATUS_COLOURS', () => {
  it('has a distinct colour for every status a badge can show', () => {
    for (const status of STATUSES) assert.ok(STATUS_COLOURS[status], status);
    assert.equal(new Set(Object.values(STATUS_COLOURS)).size, STATUSES.length);
  });
});
