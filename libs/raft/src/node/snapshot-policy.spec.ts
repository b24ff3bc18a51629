import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startSolo } from '../testing/solo';
import { suiteNodes } from '../testing/suite-nodes';
import { RaftNode, type SnapshotSteps, type StateMachine } from './raft-node';

/** A state whose snapshot is `size` bytes, whatever it has applied (a big state, few commands). */
class Heavy implements StateMachine<number> {
  applied = 0;
  constructor(private readonly size: number) {}
  apply(): number {
    return ++this.applied;
  }
  snapshot(): Uint8Array {
    const out = Buffer.alloc(this.size, 0x2e);
    out.writeUInt32LE(this.applied, 0);
    return out;
  }
  restore(data: Uint8Array): void {
    this.applied = Buffer.from(data).readUInt32LE(0);
  }
}

/** The same, its snapshot taken in steps (as the chess machine's is) and many megabytes of varied bytes. */
class SteppedHeavy extends Heavy {
  restored: Uint8Array | undefined;
  override restore(data: Uint8Array): void {
    super.restore(data);
    this.restored = data;
  }
  beginSnapshot(): SnapshotSteps {
    const out = this.snapshot();
    let filled = 4;
    return {
      // A few kilobytes a unit: the node steps it many times over.
      step: (units) => {
        for (const end = Math.min(out.length, filled + units * 4096); filled < end; filled++) out[filled] = (filled * 2654435761) >>> 24;
        return filled === out.length;
      },
      // In pieces of 3 MB and the rest, as the chess machine gives its lines: framed across them.
      result: () => [out.subarray(0, 3 << 20), out.subarray(3 << 20)],
      end: () => undefined,
    };
  }
}

const COMMAND = Buffer.alloc(100, 0x61);
const STATE_BYTES = 3000;

describe('RaftNode snapshot policy: every snapshotEvery entries, and once they hold snapshotLogRatio × the last snapshot', () => {
  const suite = suiteNodes('rookery-policy-');

  async function single<M extends Heavy>(dir: string, ratio: number | undefined, machine: M = new Heavy(STATE_BYTES) as M): Promise<{ node: RaftNode; machine: M }> {
    const node = suite.keep(await startSolo({ id: 'p1', dataDir: dir, stateMachine: machine, tickMs: 10, snapshotEvery: 5, ...(ratio !== undefined ? { snapshotLogRatio: ratio } : {}) }));
    return { node, machine };
  }

  /** Proposes `n` commands one after another; the snapshot indexes seen after each, distinct. */
  async function play(node: RaftNode, n: number): Promise<number[]> {
    const seen: number[] = [];
    for (let i = 0; i < n; i++) {
      await node.propose(COMMAND);
      const at = node.status().snapshotIndex;
      if (at > 0 && seen.at(-1) !== at) seen.push(at);
    }
    return seen;
  }

  it('by count alone with ratio 0: a snapshot every 5 entries', async () => {
    const dir = suite.dir();
    const { node } = await single(dir, 0);
    const seen = await play(node, 60);
    assert.ok(seen.length >= 10, `snapshots at ${seen.join(', ')}`);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! - seen[i - 1]! >= 5, `snapshots at ${seen.join(', ')}`);
    await node.stop();
  });

  it('with ratio 1 (the default): a 3,000-byte state waits for 3,000 bytes of entries, and keeps waiting after a restart', async () => {
    const dir = suite.dir();
    const first = await single(dir, undefined);
    const seen = await play(first.node, 60);
    // The first snapshot comes after 5 entries (nothing to measure against yet); each next one
    // after about 3,000 bytes of 100-byte commands (and their envelopes): 25 entries at most.
    assert.ok(seen.length >= 2 && seen.length <= 3, `snapshots at ${seen.join(', ')}`);
    for (let i = 1; i < seen.length; i++) {
      const gap = seen[i]! - seen[i - 1]!;
      assert.ok(gap >= 20 && gap <= 30, `snapshots at ${seen.join(', ')}: ${gap} entries apart`);
    }
    // Stopped right after a snapshot, so the restart replays next to no log.
    for (let i = 0; first.node.status().snapshotIndex === seen.at(-1); i++) {
      assert.ok(i < 40, 'another snapshot within 40 entries');
      await first.node.propose(COMMAND);
    }
    const last = first.node.status().snapshotIndex;
    const applied = first.machine.applied;
    await first.node.stop();
    // Restarted from that snapshot: its size is known at once, so 10 more entries (twice
    // snapshotEvery, but under half its bytes) take none.
    const second = await single(dir, undefined);
    assert.equal(second.node.status().snapshotIndex, last);
    assert.equal(second.machine.applied >= applied, true, 'the state is restored and the log replayed');
    const more = await play(second.node, 10);
    assert.deepEqual(more, [last], 'no snapshot before its size in entries has come');
    const later = await play(second.node, 30);
    assert.ok(later.some((at) => at > last), `a snapshot once it has: ${later.join(', ')}`);
    await second.node.stop();
  });

  it('a stepped snapshot of 10 MB is framed a slice at a time and restored byte for byte', async () => {
    const dir = suite.dir();
    const first = await single(dir, 0, new SteppedHeavy(10 << 20));
    const deadline = Date.now() + 20_000;
    // A snapshot taken after a command at least (the node's own entries — addresses, the desired
    // count, log versions — can fill the first snapshotEvery by themselves): its bytes then say so.
    await first.node.propose(COMMAND);
    const afterFirst = first.node.status().appliedIndex;
    while (first.node.status().snapshotIndex < afterFirst) {
      assert.ok(Date.now() < deadline, 'a snapshot within 20 s');
      await first.node.propose(COMMAND);
    }
    await first.node.stop();
    const second = await single(dir, 0, new SteppedHeavy(10 << 20));
    const restored = second.machine.restored;
    assert.ok(restored !== undefined, 'restored from the snapshot');
    // What the machine gives at the count it had applied then: every byte where the node framed it.
    const twin = new SteppedHeavy(10 << 20);
    twin.applied = Buffer.from(restored).readUInt32LE(0);
    const expected = twin.beginSnapshot();
    while (!expected.step(1 << 20));
    assert.ok(twin.applied > 0);
    assert.ok(Buffer.from(restored).equals(Buffer.concat(expected.result())), 'the restored bytes are those the machine gave');
    await second.node.stop();
  });

  it('refuses a ratio that is not a number of at least 0, naming it', () => {
    const peers = new Map([['p1', { host: '127.0.0.1', port: 1 }]]);
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => new RaftNode({ id: 'p1', dataDir: '/nonexistent', listen: peers.get('p1')!, secret: 's', peers, stateMachine: new Heavy(1), snapshotLogRatio: bad }), /snapshotLogRatio must be a number of at least 0/);
    }
  });
});
