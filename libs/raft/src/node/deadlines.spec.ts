import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Deadlines } from './deadlines';

/** Waits until `cond` holds (at most 5 s). */
async function until(cond: () => boolean): Promise<void> {
  for (let waited = 0; !cond(); waited += 5) {
    if (waited > 5000) throw new Error('the condition never held');
    await sleep(5);
  }
}

describe('Deadlines: one timer for every pending request', () => {
  it('expires, in the order they were set, the entries still in their maps, none before its deadline; settled ones are left alone', async () => {
    const d = new Deadlines(300);
    const pending = new Map<string, { id: string }>();
    const reads = new Map<string, { id: string }>();
    const expired: { id: string; after: number }[] = [];
    const t0 = performance.now();
    const expire = (e: { id: string }): void => {
      expired.push({ id: e.id, after: performance.now() - t0 });
    };
    d.add(pending, 'p1', { id: 'p1' }, expire);
    d.add(reads, 'r1', { id: 'r1' }, expire);
    d.add(pending, 'p2', { id: 'p2' }, expire);
    pending.delete('p1'); // settled in time
    await sleep(150);
    d.add(pending, 'p3', { id: 'p3' }, expire);
    await until(() => expired.length >= 2);
    assert.deepEqual(expired.map((e) => e.id), ['r1', 'p2']);
    assert.deepEqual([...pending.keys()], ['p3'], 'p3, 150 ms younger, is not due yet');
    assert.equal(reads.size, 0, 'an expired entry leaves its map');
    await until(() => expired.length >= 3);
    assert.deepEqual(expired.map((e) => e.id), ['r1', 'p2', 'p3']);
    assert.equal(pending.size, 0);
    assert.ok(expired[0]!.after >= 299 && expired[2]!.after >= 449, `expired at ${expired.map((e) => e.after.toFixed(0)).join(', ')} ms`);
    d.stop();
  });

  it('an entry replaced under its key is not the one that expires: the replacement keeps its own deadline', async () => {
    const d = new Deadlines(200);
    const pending = new Map<string, { n: number }>();
    const expired: number[] = [];
    d.add(pending, 'k', { n: 1 }, (e) => expired.push(e.n));
    await sleep(100);
    d.add(pending, 'k', { n: 2 }, (e) => expired.push(e.n));
    await until(() => expired.length > 0);
    assert.deepEqual(expired, [2], 'the first was no longer in the map when its deadline passed');
    assert.equal(pending.size, 0);
    d.stop();
  });

  it('nothing expires once stopped, and no timer keeps the process waiting', async () => {
    const d = new Deadlines(10);
    const pending = new Map<string, string>();
    let expired = 0;
    d.add(pending, 'a', 'a', () => expired++);
    d.stop();
    d.add(pending, 'b', 'b', () => expired++);
    await sleep(30);
    assert.equal(expired, 0);
  });

  it('keeps up with many entries, most settled at once: each live one still expires on time', async () => {
    const d = new Deadlines(30);
    const pending = new Map<string, number>();
    const expired: number[] = [];
    for (let i = 0; i < 5000; i++) {
      d.add(pending, `p${i}`, i, (n) => expired.push(n));
      if (i % 1000 !== 0) pending.delete(`p${i}`);
    }
    await until(() => expired.length >= 5);
    await sleep(20);
    assert.deepEqual(expired, [0, 1000, 2000, 3000, 4000]);
    d.stop();
  });
});
