import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HandCluster, type HandClusterOptions } from '../testing/hand-cluster';
import type { RequestResult } from './errors';
import type { Message, MessageType, NodeId, Observation } from './types';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const ofType = (msgs: readonly Message[], type: MessageType): Message[] => msgs.filter((m) => m.type === type);
const kinds = (obs: readonly Observation[], kind: Observation['kind']): Observation[] => obs.filter((o) => o.kind === kind);

/**
 * A HandCluster whose Readies are handled here, so that every observation is kept (the
 * cluster itself keeps only the last Ready of each member).
 */
class Watched {
  readonly c: HandCluster;
  readonly seen = new Map<NodeId, Observation[]>();

  constructor(size: number, opts: HandClusterOptions = {}) {
    this.c = new HandCluster(size, opts);
    for (const id of this.c.ids) this.seen.set(id, []);
  }

  /** Observations of `id` since the last call. */
  take(id: NodeId): Observation[] {
    const out = this.seen.get(id)!;
    this.seen.set(id, []);
    return out;
  }

  /** As HandCluster.stabilize, recording observations; returns every message sent. */
  settle(): Message[] {
    const sent: Message[] = [];
    for (let round = 0; round < 1000; round++) {
      const busy = this.c.ids.filter((id) => this.c.core(id).hasReady());
      if (busy.length === 0) return sent;
      const msgs: Message[] = [];
      for (const id of busy) {
        msgs.push(...this.c.handle(id));
        this.seen.get(id)!.push(...this.c.lastReady.get(id)!.observations);
      }
      sent.push(...msgs);
      this.c.deliver(msgs);
    }
    throw new Error('did not settle');
  }

  tick(id: NodeId, n = 1): Message[] {
    const sent: Message[] = [];
    for (let i = 0; i < n; i++) {
      this.c.core(id).tick();
      sent.push(...this.settle());
    }
    return sent;
  }

  elect(id: NodeId): void {
    this.c.core(id).campaign();
    this.settle();
    assert.equal(this.c.core(id).role, 'leader', `${id} should have won`);
  }
}

function refusedTransfer(res: RequestResult): { code: string; message: string } {
  assert.ok(!res.ok, 'the transfer should be refused');
  return res.error;
}

/** n1 leads a three-member cluster; n3 missed `missed` entries that n1 and n2 committed. */
function withLaggard(laggard: NodeId, missed: number): Watched {
  const w = new Watched(3);
  w.elect('n1');
  w.c.isolate(laggard);
  for (let i = 0; i < missed; i++) assert.ok(w.c.core('n1').propose(bytes(`p${i}`)).ok);
  w.settle();
  w.c.heal();
  return w;
}

describe('RaftCore.transferLeadership', () => {
  it('to an up-to-date voter: MsgTimeoutNow at once, the target wins at the next term, the old leader follows', () => {
    const w = new Watched(3);
    w.elect('n1');
    w.take('n1');
    assert.deepEqual(w.c.core('n1').transferLeadership('n2'), { ok: true });
    assert.equal(w.c.core('n1').status().transferee, 'n2');
    const first = w.c.handle('n1');
    assert.deepEqual(ofType(first, 'MsgTimeoutNow').map((m) => [m.to, m.term]), [['n2', 2]]);
    assert.deepEqual(w.c.lastReady.get('n1')!.observations, [{ kind: 'transfer-started', term: 2, to: 'n2' }]);
    w.c.deliver(first);
    const sent = w.settle();
    assert.deepEqual(ofType(sent, 'MsgPreVote'), [], 'no pre-vote: the leader asked for the campaign');
    assert.deepEqual(ofType(sent, 'MsgVote').map((m) => [m.from, m.term, m.context]), [
      ['n2', 3, 'transfer'],
      ['n2', 3, 'transfer'],
    ]);
    assert.deepEqual([w.c.core('n2').role, w.c.core('n2').term], ['leader', 3]);
    for (const id of ['n1', 'n3']) assert.deepEqual([w.c.core(id).role, w.c.core(id).leader, w.c.core(id).term], ['follower', 'n2', 3], id);
    assert.deepEqual(kinds(w.take('n1'), 'transfer-aborted'), []);
    assert.ok(w.c.core('n2').propose(bytes('new')).ok);
  });

  it('to a voter that is behind: the leader brings it up to date first, then sends MsgTimeoutNow', () => {
    const w = withLaggard('n3', 3);
    const leader = w.c.core('n1');
    const last = leader.status().lastIndex;
    assert.equal(w.c.core('n3').status().lastIndex, 2);
    assert.deepEqual(leader.transferLeadership('n3'), { ok: true });
    const first = w.c.handle('n1');
    assert.deepEqual(ofType(first, 'MsgTimeoutNow'), [], 'not yet: n3 lacks entries');
    assert.deepEqual(ofType(first, 'MsgApp').map((m) => m.to), ['n3']);
    w.c.deliver(first);
    const sent = [...first, ...w.settle()];
    const timeoutAt = sent.findIndex((m) => m.type === 'MsgTimeoutNow');
    assert.ok(timeoutAt > 0, 'MsgTimeoutNow was sent');
    const before = sent.slice(0, timeoutAt);
    assert.ok(
      before.some((m) => m.type === 'MsgAppResp' && m.from === 'n3' && !m.reject && m.index === last),
      'only after n3 acknowledged the leader\'s last entry',
    );
    assert.deepEqual([w.c.core('n3').role, w.c.core('n3').term], ['leader', 3]);
    assert.deepEqual([w.c.core('n1').role, w.c.core('n1').leader], ['follower', 'n3']);
    assert.deepEqual(
      w.c.storages.get('n3')!.allEntries().filter((e) => e.index >= 3 && e.index <= 5).map((e) => new TextDecoder().decode(e.data)),
      ['p0', 'p1', 'p2'],
      'the committed entries survived the hand-over',
    );
  });

  it('refuses proposals and membership changes with ERR_TRANSFER_IN_PROGRESS; aborts after an election timeout if the target is cut off', () => {
    const w = new Watched(3, { electionTick: 10 });
    w.elect('n1');
    const leader = w.c.core('n1');
    w.c.isolate('n3');
    assert.deepEqual(leader.transferLeadership('n3'), { ok: true });
    w.settle();
    w.take('n1');

    const prop = leader.propose(bytes('x'));
    assert.ok(!prop.ok);
    assert.deepEqual([prop.error.code, prop.error.leader], ['ERR_TRANSFER_IN_PROGRESS', 'n1']);
    assert.match(prop.error.message, /handing leadership to n3/);
    const cc = leader.proposeConfChange({ type: 'add-learner', node: 'n4' });
    assert.ok(!cc.ok && cc.error.code === 'ERR_TRANSFER_IN_PROGRESS');
    assert.equal(leader.status().lastIndex, 2, 'nothing appended');

    w.tick('n1', 9);
    assert.equal(leader.status().transferee, 'n3', 'still trying after 9 ticks');
    assert.deepEqual(kinds(w.take('n1'), 'transfer-aborted'), []);
    w.tick('n1');
    const aborted = kinds(w.take('n1'), 'transfer-aborted');
    assert.equal(aborted.length, 1);
    assert.deepEqual({ ...aborted[0], reason: undefined }, { kind: 'transfer-aborted', term: 2, to: 'n3', reason: undefined });
    assert.match((aborted[0] as { reason: string }).reason, /election timeout/);
    assert.deepEqual([leader.role, leader.status().transferee], ['leader', '']);
    assert.deepEqual(leader.propose(bytes('x')), { ok: true, index: 3, term: 2 }, 'proposals are taken again');
  });

  // Found by this suite: a repeat used to reset the deadline (and with it check-quorum).
  it('a repeated request for the transfer in progress does not extend its election-timeout deadline', () => {
    const w = new Watched(3, { electionTick: 10 });
    w.elect('n1');
    const leader = w.c.core('n1');
    w.c.isolate('n3');
    assert.deepEqual(leader.transferLeadership('n3'), { ok: true });
    w.tick('n1', 5);
    assert.deepEqual(leader.transferLeadership('n3'), { ok: true });
    w.tick('n1', 5);
    assert.equal(leader.status().transferee, '', 'ten ticks after the transfer began, it is over');
    assert.ok(leader.propose(bytes('x')).ok);
  });

  it('an isolated leader retrying a transfer still steps down by check-quorum', () => {
    const w = new Watched(3, { electionTick: 10, checkQuorum: true });
    w.elect('n1');
    const leader = w.c.core('n1');
    w.c.isolate('n1');
    for (let i = 0; i < 10 && leader.role === 'leader'; i++) {
      leader.transferLeadership('n2');
      w.tick('n1', 5);
    }
    assert.equal(leader.role, 'follower', 'no quorum heard from for 50 ticks');
  });

  it('ERR_INVALID_TRANSFER to itself, to a stranger, to a learner, and with no other voter; ERR_NOT_LEADER on a follower', () => {
    const w = new Watched(4);
    w.elect('n1');
    const leader = w.c.core('n1');
    assert.ok(leader.proposeConfChange({ type: 'demote', node: 'n4' }).ok);
    w.settle();

    const self = refusedTransfer(leader.transferLeadership('n1'));
    assert.equal(self.code, 'ERR_INVALID_TRANSFER');
    assert.match(self.message, /n1 .*already leads/);
    const stranger = refusedTransfer(leader.transferLeadership('n9'));
    assert.equal(stranger.code, 'ERR_INVALID_TRANSFER');
    assert.match(stranger.message, /n9 is not a voter/);
    const learner = refusedTransfer(leader.transferLeadership('n4'));
    assert.equal(learner.code, 'ERR_INVALID_TRANSFER');
    assert.match(learner.message, /n4 is not a voter/);
    assert.equal(leader.status().transferee, '');
    assert.ok(leader.propose(bytes('still')).ok, 'a refused transfer blocks nothing');
    w.settle();
    assert.deepEqual(kinds(w.take('n1'), 'transfer-started'), []);

    const follower = refusedTransfer(w.c.core('n2').transferLeadership('n3'));
    assert.equal(follower.code, 'ERR_NOT_LEADER');

    const solo = new Watched(1);
    solo.elect('n1');
    const none = refusedTransfer(solo.c.core('n1').transferLeadership());
    assert.equal(none.code, 'ERR_INVALID_TRANSFER');
    assert.match(none.message, /no other voter/);
  });

  for (const [laggard, best] of [
    ['n3', 'n2'],
    ['n2', 'n3'],
  ] as const) {
    it(`without a target, picks the voter with the highest match (${best}, while ${laggard} lags)`, () => {
      const w = withLaggard(laggard, 2);
      const leader = w.c.core('n1');
      assert.deepEqual(leader.transferLeadership(), { ok: true });
      assert.equal(leader.status().transferee, best);
      const first = w.c.handle('n1');
      assert.deepEqual(ofType(first, 'MsgTimeoutNow').map((m) => m.to), [best]);
      w.c.deliver(first);
      w.settle();
      assert.equal(w.c.core(best).role, 'leader');
    });
  }
});

describe('RaftCore observations', () => {
  it("'role-changed' and 'leader-changed' on an election, on the winner and on the followers", () => {
    const w = new Watched(3);
    w.elect('n1');
    assert.deepEqual(w.take('n1'), [
      { kind: 'role-changed', term: 1, from: 'follower', to: 'pre-candidate' },
      { kind: 'role-changed', term: 2, from: 'pre-candidate', to: 'candidate' },
      { kind: 'role-changed', term: 2, from: 'candidate', to: 'leader' },
      { kind: 'leader-changed', term: 2, leader: 'n1' },
    ]);
    for (const id of ['n2', 'n3']) assert.deepEqual(w.take(id), [{ kind: 'leader-changed', term: 2, leader: 'n1' }], id);
  });

  it("'membership-committed' when a conf entry commits: not when it is only appended, nor when the log is compacted", () => {
    const w = new Watched(3, { snapshotTrailingEntries: 0 });
    w.elect('n1');
    for (const id of w.c.ids) assert.deepEqual(kinds(w.take(id), 'membership-committed'), [], `${id}: the bootstrap entry is not news`);
    const leader = w.c.core('n1');
    const membership = { voters: ['n1', 'n2', 'n3'], learners: ['n4'] };

    w.c.drop = (m) => m.type === 'MsgAppResp';
    assert.ok(leader.proposeConfChange({ type: 'add-learner', node: 'n4' }).ok);
    w.settle();
    for (const id of w.c.ids) {
      assert.deepEqual(w.c.core(id).status().membership, membership, `${id} appended it`);
      assert.deepEqual(kinds(w.take(id), 'membership-committed'), [], `${id}: appended, not committed`);
    }

    w.c.heal();
    w.tick('n1');
    for (const id of w.c.ids) {
      assert.equal(w.c.core(id).status().commit, 3, id);
      assert.deepEqual(kinds(w.take(id), 'membership-committed'), [{ kind: 'membership-committed', index: 3, membership }], id);
    }

    for (let i = 0; i < 3; i++) assert.ok(leader.propose(bytes(`e${i}`)).ok);
    w.settle();
    w.tick('n1');
    for (const id of w.c.ids) {
      const applied = w.c.core(id).status().applied;
      assert.equal(applied, 6, id);
      const meta = w.c.core(id).snapshotCreated(applied);
      assert.deepEqual(meta, { index: 6, term: 2, membership }, id);
    }
    w.settle();
    for (const id of w.c.ids) {
      assert.equal(w.c.lastReady.get(id)!.compactIndex, 6, `${id} handled the compaction`);
      assert.deepEqual(kinds(w.take(id), 'membership-committed'), [], `${id}: compaction commits nothing new`);
    }
    w.tick('n1', 3);
    for (const id of w.c.ids) assert.deepEqual(kinds(w.take(id), 'membership-committed'), [], id);
  });

  it("'follower-unresponsive' once after unresponsiveAfterHeartbeats silent intervals; 'follower-responsive' when it answers", () => {
    const w = new Watched(3, { heartbeatTick: 2, electionTick: 20, unresponsiveAfterHeartbeats: 3 });
    w.elect('n1');
    w.take('n1');
    const leader = w.c.core('n1');
    w.c.isolate('n3');
    w.tick('n1', 5);
    assert.deepEqual(kinds(w.take('n1'), 'follower-unresponsive'), [], 'five ticks: not yet three intervals');
    w.tick('n1');
    assert.deepEqual(w.take('n1'), [{ kind: 'follower-unresponsive', term: 2, follower: 'n3', missedHeartbeats: 3 }]);
    w.tick('n1', 30);
    assert.equal(leader.role, 'leader');
    const later = w.take('n1');
    assert.deepEqual(kinds(later, 'follower-unresponsive'), [], 'reported once');
    assert.deepEqual(kinds(later, 'follower-responsive'), []);

    w.c.heal();
    w.tick('n1', 2);
    assert.deepEqual(w.take('n1'), [{ kind: 'follower-responsive', term: 2, follower: 'n3' }]);
    w.tick('n1', 20);
    assert.deepEqual(w.take('n1'), [], 'nothing more while it answers');
  });

  it("status().progress: a silent follower's ticksSinceContact grows; an answer resets it", () => {
    const w = new Watched(3, { heartbeatTick: 2, electionTick: 20 });
    w.elect('n1');
    const leader = w.c.core('n1');
    const contact = (id: NodeId): number => leader.status().progress.get(id)!.ticksSinceContact;
    assert.deepEqual([contact('n1'), contact('n2'), contact('n3')], [0, 0, 0]);
    w.c.isolate('n3');
    for (let t = 1; t <= 7; t++) {
      w.tick('n1');
      assert.equal(contact('n3'), t, `after ${t} ticks`);
      assert.ok(contact('n2') < 2, 'n2 answers every heartbeat');
      assert.equal(contact('n1'), 0, 'the leader itself');
    }
    w.c.heal();
    w.tick('n1');
    assert.equal(contact('n3'), 0, 'the heartbeat at tick 8 was answered');
  });
});
