import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeId } from '../core/types';
import { joinerOf, joinUntilVoter, refusedAsRemoved, type JoinOptions } from './join';

type Status = { voters: NodeId[]; leader: NodeId; applied: number };

/** A joiner on a virtual clock: `sleep` advances it; `world(t, asks)` says where the server stands. */
function harness(world: (t: number, asks: number) => Status, answers: (n: number) => number | 'removed' | undefined | Error, extra: Partial<JoinOptions> = {}) {
  let t = 0;
  const asks: number[] = [];
  const logs: string[] = [];
  const o: JoinOptions = {
    id: 'n4',
    ask: () => {
      asks.push(t);
      const a = answers(asks.length);
      return a instanceof Error ? Promise.reject(a) : Promise.resolve(a);
    },
    node: {
      status: () => {
        const w = world(t, asks.length);
        return { membership: { voters: w.voters }, leader: w.leader, applied: w.applied };
      },
    },
    stopped: () => t > 120_000,
    retryMs: 200,
    maxPauseMs: 5000,
    recheckMs: 10_000,
    log: (m) => logs.push(m),
    sleep: (ms) => {
      t += ms;
      return Promise.resolve();
    },
    now: () => t,
    ...extra,
  };
  return { o, asks, logs, time: () => t };
}

const outside: Status = { voters: ['n1', 'n2', 'n3'], leader: '', applied: 0 };

describe('joinUntilVoter: a --join server keeps asking until its log shows it a voter', () => {
  it('asks again after failures and refusals, pausing longer each time, then waits for the promotion', async () => {
    // Two failures, one refusal, then taken at the 4th ask; promoted 3 s later.
    let takenAt = -1;
    const h = harness(
      (t) => (takenAt >= 0 && t >= takenAt + 3000 ? { voters: ['n1', 'n2', 'n3', 'n4'], leader: 'n1', applied: 40 } : outside),
      (n) => {
        if (n <= 2) return new Error('ECONNREFUSED');
        if (n === 3) return undefined;
        takenAt = h.time();
        return 30;
      },
    );
    assert.equal(await joinUntilVoter(h.o), true);
    assert.deepEqual(h.asks, [0, 200, 600, 1400], 'pauses of 200, 400 and 800 ms between the first four asks');
    assert.ok(h.time() >= 1400 + 3000 && h.time() < 1400 + 3000 + 400, `returned soon after the promotion (at ${h.time()} ms)`);
    assert.ok(h.logs.some((l) => l.includes('ECONNREFUSED')), 'a failed ask is logged');
  });

  it('asks again when the cluster let it go before it was promoted (self-healing removed the learner)', async () => {
    // The first yes is lost: the learner is removed and never promoted. The second one takes.
    const h = harness(
      (t, asks) => (asks >= 2 && t >= 11_000 ? { voters: ['n1', 'n2', 'n4'], leader: 'n2', applied: 90 } : outside),
      (n) => 60 + n,
    );
    assert.equal(await joinUntilVoter(h.o), true);
    assert.equal(h.asks.length, 2, 'asked a second time');
    assert.equal(h.asks[1], 10_000, 'after recheckMs without a promotion');
    assert.ok(h.logs.some((l) => l.includes('not a voter yet; asking again')));
  });

  it('does not take its own stale log for an answer: a voter there, but no leader and nothing applied since the yes', async () => {
    // Back with the data of a membership it was removed from: "voter" at applied 500, and silence.
    // Re-added after the second ask, it applies past 500 with a leader.
    const h = harness(
      (t, asks) => (asks >= 2 && t >= 12_000 ? { voters: ['n1', 'n2', 'n4'], leader: 'n1', applied: 510 } : { voters: ['n1', 'n2', 'n4'], leader: '', applied: 500 }),
      () => 505,
    );
    assert.equal(await joinUntilVoter(h.o), true);
    assert.equal(h.asks.length, 2, 'asked even though its log said voter, and again when nothing came');
  });

  it('waits, with a stale "voter" log, until it has applied as far as the member that said yes', async () => {
    // Removed at 550 (which its log has not reached), asked again, yes at 560. The leader sends
    // 501..549 first: a leader, entries applied, and still "voter" in its log — not yet an answer.
    // At 580 it has the removal and the new learner entry; at 600 it is promoted.
    const stale = { voters: ['n1', 'n2', 'n4'], leader: '', applied: 500 };
    const h = harness(
      (t) =>
        t < 2000 ? stale : t < 4000 ? { ...stale, leader: 'n1', applied: 549 } : t < 6000 ? { voters: ['n1', 'n2', 'n3'], leader: 'n1', applied: 580 } : { voters: ['n1', 'n2', 'n3', 'n4'], leader: 'n1', applied: 600 },
      () => 560,
    );
    assert.equal(await joinUntilVoter(h.o), true);
    assert.ok(h.time() >= 6000, `took the stale log for an answer at ${h.time()} ms`);
    assert.equal(h.asks.length, 1);
  });

  it('stops asking once the server is going away', async () => {
    const h = harness(() => outside, () => undefined, { stopped: () => h.time() >= 3000 });
    assert.equal(await joinUntilVoter(h.o), false);
    assert.ok(h.asks.length <= 4 && h.asks.every((t) => t < 3000), `asks ${JSON.stringify(h.asks)}`);
  });

  it('stops asking, and says why, once the cluster refuses it as a server an operator removed', async () => {
    const h = harness(() => outside, (n) => (n === 1 ? undefined : 'removed'));
    assert.equal(await joinUntilVoter(h.o), false);
    assert.deepEqual(h.asks, [0, 200], 'asked again after an ordinary refusal, not after this one');
    assert.ok(h.logs.some((l) => l.includes('an operator removed it. Not asking again')), h.logs.join('\n'));
  });
});

describe('refusedAsRemoved: reads a refusal body', () => {
  it("is 'removed' for ERR_MEMBER_REMOVED only", () => {
    assert.equal(refusedAsRemoved('{"ok":false,"error":{"code":"ERR_MEMBER_REMOVED","message":"x"}}'), 'removed');
    for (const other of ['{"error":{"code":"ERR_JOIN_REFUSED"}}', '{"error":{}}', '{}', 'null', 'Bad Gateway', '']) assert.equal(refusedAsRemoved(other), undefined, other);
  });
});

describe('joinerOf: who a join request says is asking', () => {
  const inc = '0123456789abcdef';
  const stint = 'fedcba9876543210';
  it("is nobody for an operator's add, and the server with what it names otherwise", () => {
    assert.equal(joinerOf(undefined, undefined), undefined);
    assert.deepEqual(joinerOf(inc, undefined), { incarnation: inc, stint: undefined });
    assert.deepEqual(joinerOf(inc, stint, 2), { incarnation: inc, stint, logVersion: 2 });
  });

  it('is an error for a stint or log version without an incarnation, a malformed id, or a log version that is not a whole number from 1', () => {
    for (const [i, s, v] of [[undefined, stint, undefined], [undefined, undefined, 2], ['n4', undefined, undefined], [inc, 'later', undefined], [inc, stint, 0], [inc, stint, 1.5], [inc, stint, '2'], [inc, stint, null]] as const) {
      assert.ok(joinerOf(i, s, v) instanceof Error, JSON.stringify([i, s, v]));
    }
  });
});
