import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mayPrefetch } from './warmCache.js';

describe('mayPrefetch', () => {
  it('prefetches where the browser says nothing about the connection', () => {
    assert.equal(mayPrefetch(undefined), true);
    assert.equal(mayPrefetch({}), true);
  });
  it('prefetches on 3g and 4g', () => {
    assert.equal(mayPrefetch({ effectiveType: '4g' }), true);
    assert.equal(mayPrefetch({ effectiveType: '3g', saveData: false }), true);
  });
  it('does not on Save-Data or 2G', () => {
    assert.equal(mayPrefetch({ saveData: true, effectiveType: '4g' }), false);
    assert.equal(mayPrefetch({ effectiveType: '2g' }), false);
    assert.equal(mayPrefetch({ effectiveType: 'slow-2g' }), false);
  });
});
