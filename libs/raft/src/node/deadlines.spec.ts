import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Deadlines, type Timed } from './deadlines';

/** Waits until `cond` holds (at most 5 s). */
async function until(cond: () => boolean): Promise<void> {
  for (let waited = 0; !cond(); waited += 5) {
    if (waited > 5000) throw new Error('the condition never held');
    await sleep(5);
  }
}

interface Req extends Timed {
  id: string;
}

/** Two maps of requests under one Deadlines, as a node's proposals and reads are; `expired` lists what timed out, and when. */
function setup(ms: number): { d: Deadlines<Req>; pending: Map<string, Req>; reads: Map<string, Req>; expired: { id: string; after: number; message: string }[]; add: (map: Map<string, Req>, id: string) => void } {
  const pending = new Map<string, Req>();
  const reads = new Map<string, Req>();
  const expired: { id: string; after: number; message: string }[] = [];
  const t0 = performance.now();
  const d = new Deadlines<Req>(ms, [pending, reads], (t) => new Error(`${t.id} timed out`));
  const add = (map: Map<string, Req>, id: string): void => {
    map.set(id, { id, deadline: d.next(), reject: (e) => expired.push({ id, after: performance.now() - t0, message: e.message }) });
  };
  return { d, pending, reads, expired, add };
}

describe('Deadlines: one sweep for every pending request', () => {
  it('times out what is still pending, none before its deadline, with the error it is given; what settled in time is left alone', async () => {
    const { d, pending, reads, expired, add } = setup(300);
    add(pending, 'p1');
    add(reads, 'r1');
    add(pending, 'p2');
    pending.delete('p1'); // settled in time
    await sleep(150);
    add(pending, 'p3');
    await until(() => expired.length >= 2);
    assert.deepEqual(expired.map((e) => e.id).sort(), ['p2', 'r1']);
    assert.equal(expired[0]!.message, `${expired[0]!.id} timed out`);
    assert.deepEqual([...pending.keys()], ['p3'], 'p3, 150 ms younger, is not due yet');
    assert.equal(reads.size, 0, 'a request that timed out leaves its map');
    await until(() => expired.length >= 3);
    assert.equal(expired[2]!.id, 'p3');
    assert.equal(pending.size, 0);
    assert.ok(Math.min(expired[0]!.after, expired[1]!.after) >= 299 && expired[2]!.after >= 449, `timed out at ${expired.map((e) => e.after.toFixed(0)).join(', ')} ms`);
    d.stop();
  });

  it('keeps sweeping while anything is pending, and times out each in turn as its deadline passes', async () => {
    const { d, pending, expired, add } = setup(100);
    for (let i = 0; i < 5; i++) {
      add(pending, `p${i}`);
      await sleep(60);
    }
    await until(() => expired.length >= 5);
    assert.deepEqual(expired.map((e) => e.id), ['p0', 'p1', 'p2', 'p3', 'p4']);
    for (const [i, e] of expired.entries()) assert.ok(e.after >= i * 60 + 99, `p${i} timed out at ${e.after.toFixed(0)} ms`);
    d.stop();
  });

  it('nothing times out once stopped', async () => {
    const { d, pending, expired, add } = setup(10);
    add(pending, 'a');
    d.stop();
    add(pending, 'b');
    await sleep(50);
    assert.deepEqual(expired, []);
    assert.equal(pending.size, 2);
  });

  it('among many requests, most settled at once, only those still pending time out', async () => {
    const { d, pending, expired, add } = setup(30);
    for (let i = 0; i < 5000; i++) {
      add(pending, `p${i}`);
      if (i % 1000 !== 0) pending.delete(`p${i}`);
    }
    await until(() => expired.length >= 5);
    await sleep(20);
    assert.deepEqual(expired.map((e) => e.id), ['p0', 'p1000', 'p2000', 'p3000', 'p4000']);
    d.stop();
  });
});
