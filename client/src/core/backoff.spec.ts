import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay, drainDelay } from './backoff';

// Reconnect delays, with the random source passed in: its two ends give the bounds.

const LOW = (): number => 0;
const HIGH = (): number => 0.9999999999;
const MID = (): number => 0.5;

describe('backoffDelay', () => {
  // Ceiling 200 · 2^attempt up to 8000; the delay is drawn from its upper half.
  const cases: [attempt: number, min: number, max: number][] = [
    [0, 100, 200],
    [1, 200, 400],
    [2, 400, 800],
    [3, 800, 1_600],
    [4, 1_600, 3_200],
    [5, 3_200, 6_400],
    [6, 4_000, 8_000],
    [7, 4_000, 8_000],
    [8, 4_000, 8_000],
    [9, 4_000, 8_000],
    [10, 4_000, 8_000],
    [11, 4_000, 8_000],
    [12, 4_000, 8_000],
  ];
  for (const [attempt, min, max] of cases) {
    it(`attempt ${attempt}: ${min}..${max} ms`, () => {
      assert.equal(backoffDelay(attempt, LOW), min);
      assert.equal(backoffDelay(attempt, HIGH), max);
      assert.equal(backoffDelay(attempt, MID), Math.round((min + max) / 2));
    });
  }

  it('never exceeds maxMs, however many attempts', () => {
    for (const attempt of [6, 30, 31, 1_000, Number.MAX_SAFE_INTEGER]) {
      assert.equal(backoffDelay(attempt, HIGH), 8_000, `attempt ${attempt}`);
      assert.ok(backoffDelay(attempt, HIGH, 200, 3_000) <= 3_000, `attempt ${attempt}, maxMs 3000`);
    }
  });

  it('is never zero', () => {
    assert.ok(backoffDelay(0, LOW) > 0);
  });

  it('a negative attempt counts as attempt 0', () => {
    assert.equal(backoffDelay(-3, LOW), 100);
    assert.equal(backoffDelay(-3, HIGH), 200);
  });

  it('takes its base and cap as given', () => {
    assert.equal(backoffDelay(0, LOW, 1_000, 60_000), 500);
    assert.equal(backoffDelay(3, HIGH, 1_000, 60_000), 8_000);
    assert.equal(backoffDelay(10, HIGH, 1_000, 60_000), 60_000);
  });
});

describe('drainDelay', () => {
  // Spread over [base/2, 1.5·base], the named time clamped to 0..5000.
  const cases: { name: string; inMs: number; min: number; max: number }[] = [
    { name: 'around the named time', inMs: 2_000, min: 1_000, max: 3_000 },
    { name: 'at the clamp', inMs: 5_000, min: 2_500, max: 7_500 },
    { name: 'a longer time is clamped to 5 s', inMs: 60_000, min: 2_500, max: 7_500 },
    { name: 'zero: come back now', inMs: 0, min: 0, max: 0 },
    { name: 'a negative time is clamped to 0', inMs: -500, min: 0, max: 0 },
  ];
  for (const c of cases) {
    it(`${c.name} (${c.inMs} ms → ${c.min}..${c.max})`, () => {
      assert.equal(drainDelay(c.inMs, LOW), c.min);
      assert.equal(drainDelay(c.inMs, HIGH), c.max);
    });
  }
});
