import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HandCluster, type HandClusterOptions } from '../testing/hand-cluster';
import type { ProposeResult } from './errors';
import { RaftCore } from './raft';
import { MemoryStorage } from './storage';
import type { Message, MessageType, NodeId } from './types';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const ofType = (msgs: readonly Message[], type: MessageType): Message[] => msgs.filter((m) => m.type === type);
const voters = (...ids: NodeId[]): { voters: NodeId[]; learners: NodeId[] } => ({ voters: ids, learners: [] });

function refused(res: ProposeResult): { code: string; message: string; leader: NodeId | undefined } {
  assert.ok(!res.ok, `expected a refusal, got ${JSON.stringify(res)}`);
  return { code: res.error.code, message: res.error.message, leader: res.error.leader };
}

function accepted(res: ProposeResult): number {
  assert.ok(res.ok && 'index' in res, `expected the change to be appended, got ${JSON.stringify(res)}`);
  return res.index;
}

/**
 * A server outside the HandCluster (started with `voters: []`, as one that joins later), run
 * by hand: messages the cluster sends to it are stepped into it, its answers delivered back.
 */
class Spare {
  readonly storage = new MemoryStorage();
  readonly core: RaftCore;
  connected = true;

  constructor(
    readonly id: NodeId,
    opts: HandClusterOptions = {},
  ) {
    this.core = new RaftCore({ randomInt: () => 0, ...opts, id, voters: [] }, this.storage);
  }

  /** Stabilizes the cluster with this server attached; returns every message sent. */
  settle(c: HandCluster): Message[] {
    const all: Message[] = [];
    for (let round = 0; round < 200; round++) {
      const sent = c.stabilize();
      all.push(...sent);
      if (this.connected) for (const m of sent) if (m.to === this.id && !c.drop(m)) this.core.step(m);
      if (!this.core.hasReady()) return all;
      const rd = this.core.ready();
      if (rd.hardState !== undefined) this.storage.setHardState(rd.hardState);
      this.storage.append(rd.entries);
      this.core.advance(rd);
      all.push(...rd.messages);
      if (this.connected) c.deliver(rd.messages);
    }
    throw new Error(`the cluster with ${this.id} did not settle`);
  }

  /** Ticks cluster member `id` n times, settling (with this server attached) after each. */
  tick(c: HandCluster, id: NodeId, n = 1): Message[] {
    const all: Message[] = [];
    for (let i = 0; i < n; i++) {
      c.core(id).tick();
      all.push(...this.settle(c));
    }
    return all;
  }
}

/** A four-member cluster whose leader n1 has demoted n4 to a learner (committed everywhere). */
function withLearner(opts: HandClusterOptions = {}): HandCluster {
  const c = new HandCluster(4, opts);
  c.elect('n1');
  accepted(c.core('n1').proposeConfChange({ type: 'demote', node: 'n4' }));
  c.stabilize();
  c.tick('n1'); // a heartbeat carries the commit of the demotion to everyone
  for (const id of c.ids) {
    assert.deepEqual(c.core(id).committedMembership().membership, { voters: ['n1', 'n2', 'n3'], learners: ['n4'] }, id);
  }
  return c;
}

describe('RaftCore.proposeConfChange: who may propose, and when', () => {
  it('a follower refuses with ERR_NOT_LEADER naming the leader; before any election, ERR_NO_LEADER', () => {
    const c = new HandCluster(3);
    const early = refused(c.core('n2').proposeConfChange({ type: 'add-learner', node: 'n4' }));
    assert.deepEqual([early.code, early.leader], ['ERR_NO_LEADER', undefined]);

    c.elect('n1');
    const res = refused(c.core('n2').proposeConfChange({ type: 'add-learner', node: 'n4' }));
    assert.deepEqual([res.code, res.leader], ['ERR_NOT_LEADER', 'n1']);
    assert.match(res.message, /propose membership changes to n1/);
    assert.equal(c.core('n2').hasReady(), false, 'nothing forwarded');
    assert.deepEqual(c.core('n2').membership(), voters('n1', 'n2', 'n3'));
  });

  it('one change at a time: a second change while the first is uncommitted is ERR_CONF_CHANGE_PENDING', () => {
    const c = new HandCluster(3);
    c.elect('n1');
    const leader = c.core('n1');
    assert.equal(accepted(leader.proposeConfChange({ type: 'add-learner', node: 'n4' })), 3);
    const second = refused(leader.proposeConfChange({ type: 'add-learner', node: 'n5' }));
    assert.deepEqual([second.code, second.leader], ['ERR_CONF_CHANGE_PENDING', 'n1']);
    assert.match(second.message, /not yet committed/);
    assert.equal(leader.status().lastIndex, 3, 'nothing appended for the refused change');

    c.stabilize();
    assert.equal(leader.status().commit, 3);
    assert.equal(accepted(leader.proposeConfChange({ type: 'add-learner', node: 'n5' })), 4, 'accepted once the first commits');
    assert.deepEqual(leader.membership(), { voters: ['n1', 'n2', 'n3'], learners: ['n4', 'n5'] });
  });

  it('an invalid change is refused by the leader with ERR_INVALID_CONF_CHANGE and appends nothing', () => {
    const c = new HandCluster(3);
    c.elect('n1');
    const res = refused(c.core('n1').proposeConfChange({ type: 'promote', node: 'n2' }));
    assert.equal(res.code, 'ERR_INVALID_CONF_CHANGE');
    assert.match(res.message, /cannot promote n2: it is not a learner/);
    assert.equal(c.core('n1').status().lastIndex, 2);
  });

  it('a new leader refuses every change until an entry of its own term commits', () => {
    const c = new HandCluster(3);
    c.drop = (m) => m.type === 'MsgApp';
    c.elect('n1');
    const leader = c.core('n1');
    assert.deepEqual([leader.status().term, leader.status().commit, leader.status().lastIndex], [2, 1, 2], 'the no-op 2/2 is not committed');
    const res = refused(leader.proposeConfChange({ type: 'add-learner', node: 'n4' }));
    assert.deepEqual([res.code, res.leader], ['ERR_CONF_CHANGE_PENDING', 'n1']);
    assert.match(res.message, /has not yet committed an entry of its term/);
    assert.equal(leader.status().lastIndex, 2);

    c.heal();
    c.tick('n1');
    assert.equal(leader.status().commit, 2);
    assert.equal(accepted(leader.proposeConfChange({ type: 'add-learner', node: 'n4' })), 3);
  });
});

describe('RaftCore: promoting a learner', () => {
  it('ERR_LEARNER_BEHIND while the learner lags more than maxPromotionLag; accepted once it has caught up', () => {
    const opts: HandClusterOptions = { maxPromotionLag: 2 };
    const c = new HandCluster(3, opts);
    const n4 = new Spare('n4', opts);
    c.elect('n1');
    const leader = c.core('n1');
    n4.connected = false;
    accepted(leader.proposeConfChange({ type: 'add-learner', node: 'n4' }));
    for (let i = 0; i < 3; i++) accepted(leader.propose(bytes(`e${i}`)));
    n4.settle(c);
    assert.deepEqual([leader.status().commit, leader.status().lastIndex], [6, 6]);
    assert.equal(leader.status().progress.get('n4')!.match, 0);

    const behind = refused(leader.proposeConfChange({ type: 'promote', node: 'n4' }));
    assert.deepEqual([behind.code, behind.leader], ['ERR_LEARNER_BEHIND', 'n1']);
    assert.match(behind.message, /will not promote n4: its log is 6 entries behind \(at 0 of 6\), more than 2/);
    assert.equal(leader.status().lastIndex, 6);

    n4.connected = true;
    n4.tick(c, 'n1');
    assert.equal(leader.status().progress.get('n4')!.match, 6, 'the learner caught up');
    assert.deepEqual(n4.core.membership(), { voters: ['n1', 'n2', 'n3'], learners: ['n4'] }, 'and learned the membership from the log');
    assert.equal(accepted(leader.proposeConfChange({ type: 'promote', node: 'n4' })), 7);
    n4.settle(c);
    assert.deepEqual(leader.committedMembership(), { index: 7, membership: voters('n1', 'n2', 'n3', 'n4') });
    assert.deepEqual(n4.core.membership(), voters('n1', 'n2', 'n3', 'n4'));
  });

  it('a lag of exactly maxPromotionLag is accepted', () => {
    const c = withLearner({ maxPromotionLag: 2 });
    c.drop = (m) => m.to === 'n4' || m.from === 'n4';
    accepted(c.core('n1').propose(bytes('a')));
    accepted(c.core('n1').propose(bytes('b')));
    c.stabilize();
    const st = c.core('n1').status();
    assert.equal(st.lastIndex - st.progress.get('n4')!.match, 2);
    accepted(c.core('n1').proposeConfChange({ type: 'promote', node: 'n4' }));
  });
});

describe('RaftCore: a membership applies when appended, not when committed', () => {
  it('on the leader and on a follower before commit; a conflicting append on the follower restores the old one', () => {
    const c = new HandCluster(5, { checkQuorum: false });
    c.elect('n1');
    const before = voters('n1', 'n2', 'n3', 'n4', 'n5');
    const after = { voters: before.voters, learners: ['n6'] };
    // Only n2 hears of the change: it cannot commit.
    c.drop = (m) => m.from === 'n1' && m.to !== 'n2';
    accepted(c.core('n1').proposeConfChange({ type: 'add-learner', node: 'n6' }));
    assert.deepEqual(c.core('n1').status().membership, after, 'the leader uses it at once');
    c.stabilize();
    assert.deepEqual([c.core('n2').status().commit, c.core('n2').status().lastIndex], [2, 3]);
    assert.deepEqual(c.core('n2').status().membership, after, 'so does a follower that appended it');
    assert.deepEqual(c.core('n2').committedMembership().membership, before);
    assert.deepEqual(c.core('n3').status().membership, before);

    // n3 wins with n4 and n5; its no-op 3/3 replaces the conf entry 2/3.
    c.drop = (m) => [m.from, m.to].some((id) => id === 'n1' || id === 'n2');
    c.elect('n3');
    c.heal();
    c.tick('n3');
    for (const id of ['n1', 'n2']) {
      const st = c.core(id).status();
      assert.deepEqual([st.role, st.leader, st.term], ['follower', 'n3', 3], id);
      assert.equal(c.storages.get(id)!.term(3), 3, `${id} holds the new leader's entry at 3`);
      assert.deepEqual(st.membership, before, `${id} is back on the membership before the replaced entry`);
      assert.equal(c.core(id).status().progress.size, 0);
    }
    assert.deepEqual(
      c.applied.get('n2')!.filter((e) => e.type === 'conf').map((e) => e.index),
      [1],
      'the replaced conf entry was never applied',
    );
  });
});

describe('RaftCore: a leader that removes itself', () => {
  it('keeps leading until the removal commits, then steps down and never campaigns; the rest elect a leader', () => {
    const c = new HandCluster(3, { checkQuorum: false });
    c.elect('n1');
    const old = c.core('n1');
    c.drop = (m) => m.type === 'MsgAppResp';
    accepted(old.proposeConfChange({ type: 'remove', node: 'n1' }));
    c.stabilize();
    assert.deepEqual([old.role, old.status().commit], ['leader', 2], 'still leading while the removal is uncommitted');
    assert.deepEqual(old.membership(), voters('n2', 'n3'));

    c.heal();
    c.tick('n1');
    assert.equal(old.committedMembership().index, 3);
    assert.deepEqual([old.role, old.leader, old.term], ['follower', '', 2]);
    assert.equal(old.propose(bytes('x')).ok, false);
    for (const id of ['n2', 'n3']) assert.equal(c.core(id).status().commit, 3, `${id} learned the commit`);

    const sent = c.tick('n1', 50);
    assert.deepEqual([ofType(sent, 'MsgPreVote'), ofType(sent, 'MsgVote')], [[], []], 'the removed node never campaigns');
    assert.deepEqual([old.role, old.term], ['follower', 2]);

    c.elect('n2');
    assert.deepEqual(c.core('n2').status().membership, voters('n2', 'n3'));
    assert.deepEqual([...c.core('n2').status().progress.keys()].sort(), ['n2', 'n3']);
    accepted(c.core('n2').propose(bytes('after')));
    c.stabilize();
    assert.equal(c.core('n3').status().commit, c.core('n2').status().lastIndex, 'two voters commit without n1');
  });
});

describe('RaftCore: learners', () => {
  it('do not count toward the commit quorum', () => {
    const c = withLearner();
    const leader = c.core('n1');
    const start = leader.status().commit;

    // Voters n1 and n2 are a quorum of three; were n4 counted, four voters would need three.
    c.drop = (m) => [m.from, m.to].some((id) => id === 'n3' || id === 'n4');
    const a = accepted(leader.propose(bytes('a')));
    c.stabilize();
    assert.equal(leader.status().commit, a, 'n1 and n2 commit with the learner cut off');

    // The learner's acknowledgement does not make a quorum with the leader's.
    c.drop = (m) => [m.from, m.to].some((id) => id === 'n2' || id === 'n3');
    const b = accepted(leader.propose(bytes('b')));
    c.stabilize();
    assert.equal(leader.status().progress.get('n4')!.match, b, 'the learner holds the entry');
    assert.equal(leader.status().commit, a, 'but it is not committed');
    assert.ok(a > start);
  });

  it('a learner never campaigns, whether demoted or configured as one', () => {
    const c = withLearner();
    const term = c.core('n4').term;
    c.isolate('n4');
    c.core('n4').campaign();
    const sent = c.tick('n4', 100);
    assert.deepEqual(sent, []);
    assert.deepEqual([c.core('n4').role, c.core('n4').term], ['follower', term]);

    const fresh = new RaftCore({ id: 'n4', voters: ['n1', 'n2', 'n3'], learners: ['n4'], randomInt: () => 0 }, new MemoryStorage());
    fresh.campaign();
    for (let i = 0; i < 100; i++) fresh.tick();
    assert.deepEqual([fresh.role, fresh.term], ['follower', 1]);
    assert.deepEqual(ofType(fresh.ready().messages, 'MsgPreVote'), []);
  });

  it('a learner still receives and applies the log', () => {
    const c = withLearner();
    accepted(c.core('n1').propose(bytes('for-everyone')));
    c.stabilize();
    c.tick('n1');
    const last = c.applied.get('n4')!.at(-1)!;
    assert.equal(new TextDecoder().decode(last.data), 'for-everyone');
  });
});

