import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RaftInvariantError } from './errors';
import { limitSize, MemoryStorage } from './storage';
import type { Entry } from './types';

/** An entry whose payload is `size` bytes. */
function ent(index: number, term: number, size = 0): Entry {
  return { term, index, type: 'normal', data: new Uint8Array(size) };
}

/** A storage holding entries 1..terms.length with those terms. */
function storageWith(...terms: number[]): MemoryStorage {
  const s = new MemoryStorage();
  s.append(terms.map((t, i) => ent(i + 1, t)));
  return s;
}

const ids = (es: readonly Entry[]): string => es.map((e) => `${e.term}/${e.index}`).join(' ');

describe('MemoryStorage', () => {
  it('starts empty: first index 1, last index 0, term(0) is 0, empty hard state', () => {
    const s = new MemoryStorage();
    assert.equal(s.firstIndex(), 1);
    assert.equal(s.lastIndex(), 0);
    assert.equal(s.term(0), 0);
    assert.deepEqual(s.initialState(), { term: 0, vote: '', commit: 0 });
    assert.deepEqual(s.allEntries(), []);
  });

  it('keeps the hard state the runtime sets', () => {
    const s = new MemoryStorage();
    s.setHardState({ term: 3, vote: 'n2', commit: 7 });
    assert.deepEqual(s.initialState(), { term: 3, vote: 'n2', commit: 7 });
  });

  describe('append', () => {
    const cases: { name: string; append: Entry[]; want: string }[] = [
      { name: 'nothing is a no-op', append: [], want: '1/1 2/2 3/3' },
      { name: 'after the last entry extends the log', append: [ent(4, 3), ent(5, 3)], want: '1/1 2/2 3/3 3/4 3/5' },
      { name: 'over the last entry replaces it', append: [ent(3, 4)], want: '1/1 2/2 4/3' },
      { name: 'over a suffix replaces the whole suffix', append: [ent(2, 5)], want: '1/1 5/2' },
      { name: 'a longer run over a suffix replaces and extends', append: [ent(2, 5), ent(3, 5), ent(4, 5), ent(5, 5)], want: '1/1 5/2 5/3 5/4 5/5' },
      { name: 'from index 1 replaces everything', append: [ent(1, 9)], want: '9/1' },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const s = storageWith(1, 2, 3);
        s.append(c.append);
        assert.equal(ids(s.allEntries()), c.want);
        assert.equal(s.lastIndex(), c.want.split(' ').length);
      });
    }

    it('refuses a gap after the last index', () => {
      const s = storageWith(1, 2, 3);
      assert.throws(() => s.append([ent(5, 3)]), RaftInvariantError);
      assert.equal(ids(s.allEntries()), '1/1 2/2 3/3', 'a refused append leaves the log as it was');
    });

    it('refuses an entry at or behind the compacted index (index 0)', () => {
      const s = storageWith(1);
      assert.throws(() => s.append([ent(0, 1)]), /behind the compacted index 0/);
    });
  });

  describe('bounds', () => {
    const s = storageWith(1, 1, 2, 3);

    const termCases: { index: number; want: number | 'throws' }[] = [
      { index: -1, want: 'throws' },
      { index: 0, want: 0 },
      { index: 1, want: 1 },
      { index: 3, want: 2 },
      { index: 4, want: 3 },
      { index: 5, want: 'throws' },
    ];
    for (const c of termCases) {
      it(`term(${c.index}) ${c.want === 'throws' ? 'throws' : `is ${c.want}`}`, () => {
        if (c.want === 'throws') assert.throws(() => s.term(c.index), RaftInvariantError);
        else assert.equal(s.term(c.index), c.want);
      });
    }

    const entryCases: { lo: number; hi: number; want: string | 'throws' }[] = [
      { lo: 1, hi: 5, want: '1/1 1/2 2/3 3/4' },
      { lo: 2, hi: 4, want: '1/2 2/3' },
      { lo: 4, hi: 5, want: '3/4' },
      { lo: 0, hi: 2, want: 'throws' },
      { lo: 1, hi: 6, want: 'throws' },
      { lo: 3, hi: 3, want: 'throws' },
      { lo: 4, hi: 3, want: 'throws' },
    ];
    for (const c of entryCases) {
      it(`entries(${c.lo}, ${c.hi}) ${c.want === 'throws' ? 'throws' : `is ${c.want}`}`, () => {
        if (c.want === 'throws') assert.throws(() => s.entries(c.lo, c.hi, Infinity), RaftInvariantError);
        else assert.equal(ids(s.entries(c.lo, c.hi, Infinity)), c.want);
      });
    }

    it('entries() stops once the payloads pass maxBytes, but never returns nothing', () => {
      const big = new MemoryStorage();
      big.append([ent(1, 1, 10), ent(2, 1, 10), ent(3, 1, 10)]);
      assert.equal(big.entries(1, 4, 20).length, 2);
      assert.equal(big.entries(1, 4, 19).length, 1);
      assert.equal(big.entries(1, 4, 0).length, 1);
    });

    it('a caller mutating the returned array does not change the stored log', () => {
      const got = s.entries(1, 5, Infinity);
      got.length = 0;
      assert.equal(s.entries(1, 5, Infinity).length, 4);
    });
  });
});

describe('limitSize', () => {
  const sized = (...sizes: number[]): Entry[] => sizes.map((n, i) => ent(i + 1, 1, n));
  const cases: { sizes: number[]; maxBytes: number; want: number }[] = [
    { sizes: [], maxBytes: 0, want: 0 },
    { sizes: [100], maxBytes: 0, want: 1 },
    { sizes: [100, 1], maxBytes: 10, want: 1 },
    { sizes: [5, 5, 5], maxBytes: 0, want: 1 },
    { sizes: [5, 5, 5], maxBytes: 9, want: 1 },
    { sizes: [5, 5, 5], maxBytes: 10, want: 2 },
    { sizes: [5, 5, 5], maxBytes: 14, want: 2 },
    { sizes: [5, 5, 5], maxBytes: 15, want: 3 },
    { sizes: [5, 5, 5], maxBytes: Infinity, want: 3 },
    { sizes: [0, 0, 0, 0], maxBytes: 0, want: 4 },
    { sizes: [1, 0, 0, 7], maxBytes: 1, want: 3 },
  ];
  for (const c of cases) {
    it(`[${c.sizes.join(', ')}] within ${c.maxBytes} bytes keeps ${c.want}`, () => {
      const got = limitSize(sized(...c.sizes), c.maxBytes);
      assert.equal(got.length, c.want);
      assert.deepEqual(
        got.map((e) => e.index),
        c.sizes.slice(0, c.want).map((_, i) => i + 1),
        'a prefix, in order',
      );
    });
  }
});
