import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RaftInvariantError } from './errors';
import { Inflights, Progress, type ProgressState } from './progress';

/** Fills `inf` with messages ending at the given indexes, `bytes` each. */
function fill(inf: Inflights, indexes: number[], bytes = 1): void {
  for (const i of indexes) inf.add(i, bytes);
}

describe('Inflights', () => {
  it('is full once it holds maxCount messages, and not before', () => {
    const inf = new Inflights(3, 0);
    fill(inf, [1, 2]);
    assert.equal(inf.full(), false);
    inf.add(3, 1);
    assert.equal(inf.full(), true);
    assert.equal(inf.count, 3);
  });

  it('refuses to add into a full window (RaftInvariantError)', () => {
    const inf = new Inflights(2, 0);
    fill(inf, [1, 2]);
    assert.throws(() => inf.add(3, 1), RaftInvariantError);
  });

  const byteCases: { maxBytes: number; sizes: number[]; wantFull: boolean }[] = [
    { maxBytes: 100, sizes: [60], wantFull: false },
    { maxBytes: 100, sizes: [60, 39], wantFull: false },
    { maxBytes: 100, sizes: [60, 40], wantFull: true },
    { maxBytes: 100, sizes: [150], wantFull: true },
    { maxBytes: 0, sizes: [1e9, 1e9], wantFull: false },
  ];
  for (const c of byteCases) {
    it(`by bytes: [${c.sizes.join(', ')}] within ${c.maxBytes} is ${c.wantFull ? 'full' : 'not full'}`, () => {
      const inf = new Inflights(10, c.maxBytes);
      c.sizes.forEach((s, i) => inf.add(i + 1, s));
      assert.equal(inf.full(), c.wantFull);
      assert.equal(inf.bytes, c.sizes.reduce((a, b) => a + b, 0));
    });
  }

  it('freeLE frees every message ending at or before the index, and their bytes', () => {
    const inf = new Inflights(10, 0);
    [2, 4, 6, 8].forEach((i) => inf.add(i, i * 10));
    inf.freeLE(1);
    assert.equal(inf.count, 4, 'nothing ends at or before 1');
    inf.freeLE(5);
    assert.deepEqual([inf.count, inf.bytes], [2, 140]);
    inf.freeLE(6);
    assert.deepEqual([inf.count, inf.bytes], [1, 80]);
    inf.freeLE(100);
    assert.deepEqual([inf.count, inf.bytes], [0, 0]);
  });

  it('keeps order across the ring buffer wrapping around', () => {
    const inf = new Inflights(4, 0);
    fill(inf, [1, 2, 3, 4]);
    inf.freeLE(2);
    fill(inf, [5, 6]);
    assert.equal(inf.full(), true);
    inf.freeLE(4);
    assert.equal(inf.count, 2);
    fill(inf, [7, 8]);
    inf.freeLE(6);
    assert.equal(inf.count, 2);
    inf.freeLE(7);
    assert.equal(inf.count, 1);
    inf.freeLE(8);
    assert.equal(inf.count, 0);
  });

  it('freeFirstOne frees exactly the oldest message', () => {
    const inf = new Inflights(3, 0);
    inf.add(5, 50);
    inf.add(9, 90);
    inf.add(12, 120);
    inf.freeFirstOne();
    assert.deepEqual([inf.count, inf.bytes, inf.full()], [2, 210, false]);
    inf.freeFirstOne();
    inf.freeFirstOne();
    inf.freeFirstOne();
    assert.deepEqual([inf.count, inf.bytes], [0, 0], 'freeing an empty window does nothing');
  });

  it('reset empties the window', () => {
    const inf = new Inflights(2, 10);
    fill(inf, [1, 2], 5);
    inf.reset();
    assert.deepEqual([inf.count, inf.bytes, inf.full()], [0, 0, false]);
    fill(inf, [3, 4], 1);
    assert.equal(inf.full(), true);
  });
});

function progress(state: ProgressState, match: number, next: number, maxInflight = 4): Progress {
  const pr = new Progress(next, maxInflight, 0);
  pr.match = match;
  pr.state = state;
  pr.next = next;
  return pr;
}

describe('Progress.maybeUpdate', () => {
  // etcd's TestProgressUpdate: match 3, next 5.
  const cases: { update: number; wantUpdated: boolean; wantMatch: number; wantNext: number }[] = [
    { update: 2, wantUpdated: false, wantMatch: 3, wantNext: 5 },
    { update: 3, wantUpdated: false, wantMatch: 3, wantNext: 5 },
    { update: 4, wantUpdated: true, wantMatch: 4, wantNext: 5 },
    { update: 5, wantUpdated: true, wantMatch: 5, wantNext: 6 },
    { update: 6, wantUpdated: true, wantMatch: 6, wantNext: 7 },
  ];
  for (const c of cases) {
    it(`an ack of ${c.update} ${c.wantUpdated ? 'moves match' : 'tells nothing new'}`, () => {
      const pr = progress('probe', 3, 5);
      pr.probeSent = true;
      assert.equal(pr.maybeUpdate(c.update), c.wantUpdated);
      assert.deepEqual([pr.match, pr.next], [c.wantMatch, c.wantNext]);
      assert.equal(pr.probeSent, !c.wantUpdated, 'a new ack unpauses a probe');
    });
  }
});

describe('Progress.maybeDecrTo', () => {
  // etcd's TestProgressMaybeDecr.
  const cases: { state: ProgressState; match: number; next: number; rejected: number; hint: number; want: boolean; wantNext: number }[] = [
    // replicate: a rejection at or below match is stale (of a message already superseded).
    { state: 'replicate', match: 5, next: 10, rejected: 5, hint: 5, want: false, wantNext: 10 },
    { state: 'replicate', match: 5, next: 10, rejected: 4, hint: 4, want: false, wantNext: 10 },
    // replicate: a real rejection falls back to match + 1, whatever the hint.
    { state: 'replicate', match: 5, next: 10, rejected: 9, hint: 9, want: true, wantNext: 6 },
    { state: 'replicate', match: 5, next: 10, rejected: 9, hint: 2, want: true, wantNext: 6 },
    // probe: only a rejection of the probe just sent (next - 1) counts.
    { state: 'probe', match: 0, next: 1, rejected: 0, hint: 0, want: true, wantNext: 1 },
    { state: 'probe', match: 0, next: 10, rejected: 5, hint: 5, want: false, wantNext: 10 },
    { state: 'probe', match: 0, next: 10, rejected: 10, hint: 10, want: false, wantNext: 10 },
    { state: 'probe', match: 0, next: 10, rejected: 9, hint: 9, want: true, wantNext: 9 },
    { state: 'probe', match: 0, next: 2, rejected: 1, hint: 1, want: true, wantNext: 1 },
    { state: 'probe', match: 0, next: 10, rejected: 9, hint: 2, want: true, wantNext: 3 },
    { state: 'probe', match: 0, next: 10, rejected: 9, hint: 0, want: true, wantNext: 1 },
    // probe: never back below what the follower is known to hold.
    { state: 'probe', match: 5, next: 10, rejected: 9, hint: 2, want: true, wantNext: 6 },
  ];
  for (const c of cases) {
    it(`${c.state} ${c.match}/${c.next}, rejected ${c.rejected} hint ${c.hint} -> ${c.want ? `next ${c.wantNext}` : 'ignored'}`, () => {
      const pr = progress(c.state, c.match, c.next);
      pr.probeSent = true;
      assert.equal(pr.maybeDecrTo(c.rejected, c.hint), c.want);
      assert.equal(pr.next, c.wantNext);
      assert.equal(pr.match, c.match, 'a rejection never moves match');
      if (c.state === 'probe') assert.equal(pr.probeSent, !c.want, 'a real rejection lets the next probe go');
    });
  }
});

describe('Progress flow control', () => {
  it('probe: one MsgApp at a time, and next does not move until acknowledged', () => {
    const pr = progress('probe', 0, 5);
    assert.equal(pr.isPaused(), false);
    pr.sentEntries(3, 7, 30);
    assert.equal(pr.isPaused(), true);
    assert.equal(pr.next, 5);
    assert.equal(pr.inflights.count, 0, 'probes are not tracked in the window');
    pr.maybeUpdate(7);
    assert.equal(pr.isPaused(), false);
  });

  it('replicate: pipelines MsgApps until the window is full', () => {
    const pr = progress('replicate', 4, 5, 2);
    pr.sentEntries(2, 6, 20);
    assert.deepEqual([pr.next, pr.isPaused()], [7, false]);
    pr.sentEntries(0, 6, 0);
    assert.deepEqual([pr.next, pr.inflights.count], [7, 1], 'an empty MsgApp (a commit) takes no slot');
    pr.sentEntries(1, 7, 10);
    assert.deepEqual([pr.next, pr.isPaused()], [8, true]);
    pr.inflights.freeLE(6);
    assert.equal(pr.isPaused(), false);
  });

  it('replicate: the byte bound pauses too', () => {
    const pr = new Progress(1, 100, 50);
    pr.becomeReplicate();
    pr.sentEntries(1, 1, 30);
    assert.equal(pr.isPaused(), false);
    pr.sentEntries(1, 2, 20);
    assert.equal(pr.isPaused(), true);
  });

  for (const to of ['probe', 'replicate'] as const) {
    it(`become ${to}: next restarts after match and the window empties`, () => {
      const pr = progress(to === 'probe' ? 'replicate' : 'probe', 3, 9, 2);
      pr.inflights.add(8, 1);
      pr.probeSent = true;
      if (to === 'probe') pr.becomeProbe();
      else pr.becomeReplicate();
      assert.deepEqual([pr.state, pr.next, pr.inflights.count, pr.probeSent], [to, 4, 0, false]);
    });
  }
});
