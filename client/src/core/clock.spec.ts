import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Clocks, Color } from '@rookery/protocol';
import { formatClock, ServerTime, timeLeft } from './clock';

// The server's time estimated from samples, the time a side has left, and how it is shown.

describe('ServerTime', () => {
  it('with no sample, server time is local time', () => {
    const t = new ServerTime();
    assert.equal(t.known, false);
    assert.equal(t.offset(), 0);
    assert.equal(t.now(5_000), 5_000);
  });

  it('takes the largest offset seen: the sample that spent least time on the way', () => {
    const t = new ServerTime();
    // True offset +1000; the samples were delayed 300, 20 and 150 ms.
    t.observe(10_000, 9_300);
    t.observe(20_000, 19_020);
    t.observe(30_000, 29_150);
    assert.equal(t.known, true);
    assert.equal(t.offset(), 980);
    assert.equal(t.now(40_000), 40_980);
  });

  it('a negative offset (a server clock behind this one) is kept as it is', () => {
    const t = new ServerTime();
    t.observe(1_000, 4_000);
    t.observe(2_000, 5_500);
    assert.equal(t.offset(), -3_000);
  });

  it('forgets samples older than its window, so a stale best guess slides out', () => {
    const t = new ServerTime(3);
    t.observe(5_000, 0); // offset 5000, then three smaller ones push it out
    assert.equal(t.offset(), 5_000);
    t.observe(100, 0);
    t.observe(200, 0);
    assert.equal(t.offset(), 5_000, 'still within the window of 3');
    t.observe(300, 0);
    assert.equal(t.offset(), 300);
    t.observe(50, 0);
    t.observe(60, 0);
    assert.equal(t.offset(), 300, 'the window holds 300, 50, 60');
    t.observe(70, 0);
    assert.equal(t.offset(), 70);
  });

  it('the default window is 8 samples', () => {
    const t = new ServerTime();
    t.observe(9_999, 0);
    for (let i = 0; i < 7; i++) t.observe(i, 0);
    assert.equal(t.offset(), 9_999);
    t.observe(7, 0);
    assert.equal(t.offset(), 7);
  });
});

describe('timeLeft', () => {
  const c = (running: Color | null): Clocks => ({ white: 30_000, black: 20_000, running, at: 100_000 });
  const cases: { name: string; clocks: Clocks; color: Color; now: number; left: number }[] = [
    { name: 'the running side loses the time since `at`', clocks: c('white'), color: 'white', now: 104_500, left: 25_500 },
    { name: 'the other side keeps its time', clocks: c('white'), color: 'black', now: 104_500, left: 20_000 },
    { name: 'black running', clocks: c('black'), color: 'black', now: 119_999, left: 1 },
    { name: 'no clock running (before the first moves): both as stored', clocks: c(null), color: 'white', now: 500_000, left: 30_000 },
    { name: 'at exactly `at`, nothing has run', clocks: c('white'), color: 'white', now: 100_000, left: 30_000 },
    { name: 'a local clock behind `at` does not add time', clocks: c('white'), color: 'white', now: 90_000, left: 30_000 },
    { name: 'run out: zero, never negative', clocks: c('white'), color: 'white', now: 200_000, left: 0 },
    { name: 'a stored negative time shows as zero', clocks: { white: -50, black: 10, running: 'black', at: 0 }, color: 'white', now: 0, left: 0 },
  ];
  for (const x of cases) it(x.name, () => assert.equal(timeLeft(x.clocks, x.color, x.now), x.left));
});

describe('formatClock', () => {
  const cases: [ms: number, shown: string][] = [
    [-1_000, '0:00.0'],
    [0, '0:00.0'],
    [99, '0:00.0'],
    [100, '0:00.1'],
    [9_400, '0:09.4'],
    [9_999, '0:09.9'],
    [10_000, '0:10'],
    [10_999, '0:10'],
    [59_999, '0:59'],
    [60_000, '1:00'],
    [299_000, '4:59'],
    [3_599_999, '59:59'],
    [3_600_000, '1:00:00'],
    [3_909_000, '1:05:09'],
    [36_000_000, '10:00:00'],
  ];
  for (const [ms, shown] of cases) it(`${ms} ms → ${shown}`, () => assert.equal(formatClock(ms), shown));
});
