import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setHeapGrowth } from './heap';

// What the growth does is measured by `npm run bench` (its 1,000/s level, side by side with 0):
// V8's choice of when to collect depends on how the whole process allocates, which no small
// program here reproduces. Every server the e2e specs start sets the default.
describe('heap growth (V8 --heap-growing-percent)', () => {
  it('refuses a growth that is not a whole percentage from 0, and sets nothing', () => {
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) assert.throws(() => setHeapGrowth(bad), RangeError);
  });
});
