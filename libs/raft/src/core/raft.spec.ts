import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HandCluster } from '../testing/hand-cluster';
import { RaftCore } from './raft';
import { MemoryStorage } from './storage';
import type { Entry, Message, MessageType } from './types';


const ofType = (msgs: readonly Message[], type: MessageType): Message[] => msgs.filter((m) => m.type === type);
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (e: Entry): string => new TextDecoder().decode(e.data);
/** The payload of the bootstrap entry (1/1) every founder of n1..n3 writes. */
const BOOT3 = 'bootstrap -|n1,n2,n3|';

describe('RaftCore: a single-node cluster', () => {
  it('elects itself after an election timeout and commits once its own disk has the entries', () => {
    const storage = new MemoryStorage();
    const core = new RaftCore({ id: 'n1', voters: ['n1'], electionTick: 5, randomInt: () => 0 }, storage);
    for (let i = 0; i < 4; i++) core.tick();
    assert.equal(core.role, 'follower');
    core.tick();
    assert.equal(core.role, 'leader');

    let rd = core.ready();
    assert.deepEqual(rd.softState, { leader: 'n1', role: 'leader' });
    assert.deepEqual(rd.hardState, { term: 2, vote: 'n1', commit: 1 }, 'commit 1: the bootstrap entry');
    assert.deepEqual(
      rd.entries.map((e) => [e.term, e.index, e.type, e.type === 'conf' ? text(e) : e.data.length]),
      [
        [1, 1, 'conf', 'bootstrap -|n1|'],
        [2, 2, 'normal', 0],
      ],
      'the bootstrap entry, then a no-op of its term',
    );
    assert.deepEqual(rd.committedEntries, [], 'not applied, nor the no-op committed, before they are persisted');
    assert.equal(rd.mustSync, true);
    assert.deepEqual(rd.messages, []);
    storage.setHardState(rd.hardState!);
    storage.append(rd.entries);
    core.advance(rd);

    assert.deepEqual(core.propose(bytes('e4')), { ok: true, index: 3, term: 2 });
    rd = core.ready();
    assert.deepEqual(rd.hardState, { term: 2, vote: 'n1', commit: 2 });
    assert.deepEqual(rd.entries.map(text), ['e4']);
    assert.deepEqual(rd.committedEntries.map((e) => e.index), [1, 2]);
    storage.setHardState(rd.hardState!);
    storage.append(rd.entries);
    core.advance(rd);

    rd = core.ready();
    assert.deepEqual(rd.committedEntries.map(text), ['e4']);
    assert.equal(rd.mustSync, false, 'only the commit index changed');
    core.advance(rd);
    assert.equal(core.hasReady(), false);
    assert.deepEqual([core.status().commit, core.status().applied], [3, 3]);
  });
});

describe('RaftCore: election timeouts come from the injected randomInt', () => {
  for (const r of [0, 3, 9]) {
    it(`randomInt returning ${r} makes a follower campaign after exactly 10 + ${r} ticks`, () => {
      const asked: number[] = [];
      const randomInt = (n: number): number => {
        asked.push(n);
        return r;
      };
      const core = new RaftCore({ id: 'n1', voters: ['n1', 'n2', 'n3'], electionTick: 10, preVote: false, randomInt }, new MemoryStorage());
      assert.deepEqual(asked, [10], 'drawn once at start, in [0, electionTick)');
      for (let i = 1; i < 10 + r; i++) core.tick();
      assert.deepEqual([core.role, core.term], ['follower', 1], 'term 1 is the bootstrap entry\'s');
      core.tick();
      assert.deepEqual([core.role, core.term], ['candidate', 2]);
      assert.deepEqual(asked, [10, 10], 'a new term draws a new timeout');
      assert.deepEqual(
        ofType(core.ready().messages, 'MsgVote').map((m) => [m.to, m.term, m.index, m.logTerm]),
        [['n2', 2, 1, 1], ['n3', 2, 1, 1]],
      );
    });
  }
});

describe('RaftCore: elections', () => {
  it('a campaign in a three-node cluster elects one leader, and every member commits its no-op', () => {
    const c = new HandCluster(3);
    c.elect('n1');
    for (const id of c.ids) {
      const st = c.core(id).status();
      assert.deepEqual([st.term, st.leader, st.commit, st.applied], [2, 'n1', 2, 2], id);
      assert.equal(st.role, id === 'n1' ? 'leader' : 'follower');
      assert.deepEqual(c.storages.get(id)!.initialState(), { term: 2, vote: 'n1', commit: 2 }, `${id} persisted its vote`);
      assert.deepEqual(c.applied.get(id)!.map((e) => `${e.term}/${e.index}`), ['1/1', '2/2'], `${id} applied the bootstrap entry and the no-op`);
    }
  });

  it('a vote is handed out to persist in the same Ready that sends it, and must be synced', () => {
    const c = new HandCluster(3, { preVote: false });
    c.stabilize(); // each member persists its bootstrap entry first
    c.core('n1').campaign();
    c.deliver(c.handle('n1'));
    const rd = c.core('n2').ready();
    assert.deepEqual(ofType(rd.messages, 'MsgVoteResp').map((m) => [m.to, m.term, m.reject]), [['n1', 2, false]]);
    assert.deepEqual(rd.hardState, { term: 2, vote: 'n1', commit: 1 });
    assert.deepEqual(rd.entries, [], 'only the vote to persist');
    assert.equal(rd.mustSync, true);
  });

  for (const preVote of [true, false]) {
    it(`an isolated node ${preVote ? 'keeps its term with' : 'bumps its term without'} pre-vote, ${preVote ? 'and the leader survives its return' : 'and deposes the leader on its return'}`, () => {
      const c = new HandCluster(3, { preVote, checkQuorum: true });
      c.elect('n1');
      c.isolate('n3');
      c.tick('n3', 35);
      assert.equal(c.core('n3').term, preVote ? 2 : 5, 'three campaigns in 35 ticks');
      assert.equal(c.core('n3').role, preVote ? 'pre-candidate' : 'candidate');
      c.heal();
      c.tick('n1');
      if (preVote) {
        assert.deepEqual([c.core('n1').role, c.core('n1').term], ['leader', 2]);
        assert.deepEqual([c.core('n3').role, c.core('n3').leader, c.core('n3').term], ['follower', 'n1', 2]);
      } else {
        assert.deepEqual([c.core('n1').role, c.core('n1').term], ['follower', 5], 'the higher term reached the leader');
      }
    });
  }

  it('a node whose log is behind loses the pre-vote and bumps no term; the up-to-date node wins', () => {
    // n2 waits 15 ticks before campaigning, so its lease (10 ticks) runs out first.
    const c = new HandCluster(3, (id) => ({ randomInt: () => (id === 'n2' ? 5 : 0) }));
    c.elect('n1');
    c.drop = (m) => m.to === 'n3';
    c.core('n1').propose(bytes('x'));
    c.stabilize();
    assert.equal(c.core('n2').status().commit, 3);
    assert.equal(c.core('n3').status().lastIndex, 2);
    c.isolate('n1'); // the leader is gone
    c.tick('n2', 10);
    assert.equal(c.core('n2').role, 'follower');
    c.core('n3').campaign();
    const sent = c.stabilize();
    assert.deepEqual(ofType(sent, 'MsgPreVoteResp').map((m) => [m.from, m.reject]), [['n2', true]]);
    assert.deepEqual(ofType(sent, 'MsgVote'), [], 'no real election started');
    assert.deepEqual([c.core('n2').term, c.core('n3').term], [2, 2]);
    c.tick('n2', 5);
    assert.deepEqual([c.core('n2').role, c.core('n2').term, c.core('n3').leader], ['leader', 3, 'n2']);
  });

  /** n1 leads and is then cut off; n2 and n3 time out at the very same tick and both ask for pre-votes. */
  function rivalsAtOnce(c: HandCluster): Message[] {
    c.elect('n1');
    c.isolate('n1');
    c.tick('n2', 9);
    c.tick('n3', 9);
    assert.deepEqual([c.core('n2').role, c.core('n3').role], ['follower', 'follower']);
    c.core('n2').tick();
    c.core('n3').tick();
    assert.deepEqual([c.core('n2').role, c.core('n3').role], ['pre-candidate', 'pre-candidate']);
    return c.stabilize();
  }

  it('of two pre-candidates with equal logs the higher id stands down, so the vote does not split', () => {
    const c = new HandCluster(3);
    const sent = rivalsAtOnce(c);
    assert.deepEqual(
      ofType(sent, 'MsgPreVoteResp').map((m) => [m.from, m.to, m.reject]).sort(),
      [['n2', 'n3', false], ['n3', 'n2', false]],
    );
    assert.deepEqual(ofType(sent, 'MsgVote').map((m) => [m.from, m.to, m.term]).sort(), [['n2', 'n1', 3], ['n2', 'n3', 3]], 'one election only');
    assert.deepEqual([c.core('n2').role, c.core('n2').term], ['leader', 3], 'won in the first new term');
    assert.deepEqual([c.core('n3').role, c.core('n3').leader, c.core('n3').vote], ['follower', 'n2', 'n2']);
  });

  it('a pre-candidate whose own pre-vote a rival ignored (still in its lease) does not hold the rival up', () => {
    const c = new HandCluster(3);
    c.elect('n1');
    c.isolate('n1');
    c.tick('n3', 9);
    c.tick('n2', 10);
    assert.deepEqual([c.core('n2').role, c.core('n3').role], ['pre-candidate', 'follower'], "n3, one tick short of its lease's end, dropped n2's pre-vote");
    c.tick('n3');
    assert.deepEqual([c.core('n3').role, c.core('n3').term], ['leader', 3], "n2 granted n3's pre-vote and vote at once, not a timeout later");
    assert.deepEqual([c.core('n2').role, c.core('n2').leader], ['follower', 'n3']);
  });

  it('a pre-candidate still grants a rival whose log is ahead, whatever their ids', () => {
    const c = new HandCluster(3);
    c.elect('n1');
    c.drop = (m) => m.to === 'n2';
    c.core('n1').propose(bytes('x'));
    c.stabilize();
    c.heal();
    assert.deepEqual([c.core('n2').status().lastIndex, c.core('n3').status().lastIndex], [2, 3]);
    const sent = rivalsAtOnce(c);
    assert.deepEqual(
      ofType(sent, 'MsgPreVoteResp').map((m) => [m.from, m.to, m.reject]).sort(),
      [['n2', 'n3', false], ['n3', 'n2', true]],
    );
    assert.deepEqual([c.core('n3').role, c.core('n3').term], ['leader', 3]);
    assert.deepEqual([c.core('n2').role, c.core('n2').leader], ['follower', 'n3']);
  });

  it('members that heard from the leader within an election timeout ignore a vote at a higher term', () => {
    const c = new HandCluster(3, { preVote: false, checkQuorum: true });
    c.elect('n1');
    c.drop = (m) => m.from === 'n3' && m.type !== 'MsgVote';
    c.core('n3').campaign();
    const sent = c.stabilize();
    assert.equal(ofType(sent, 'MsgVote').length, 2);
    assert.deepEqual(ofType(sent, 'MsgVoteResp'), []);
    assert.deepEqual([c.core('n1').role, c.core('n1').term, c.core('n2').term, c.core('n2').vote], ['leader', 2, 2, 'n1']);
  });
});

describe('RaftCore: check-quorum', () => {
  it('an isolated leader steps down once a full election timeout passes without a quorum', () => {
    const c = new HandCluster(3, { checkQuorum: true, electionTick: 10 });
    c.elect('n1');
    c.isolate('n1');
    // The check at tick 10 still counts the acknowledgements of the election; the one at 20 does not.
    c.tick('n1', 19);
    assert.equal(c.core('n1').role, 'leader');
    c.tick('n1');
    assert.deepEqual([c.core('n1').role, c.core('n1').leader, c.core('n1').term], ['follower', '', 2]);
    assert.equal(c.core('n1').propose(bytes('x')).ok, false);
  });

  it('a connected leader stays, and without check-quorum an isolated one stays too', () => {
    const connected = new HandCluster(3, { checkQuorum: true });
    connected.elect('n1');
    connected.tick('n1', 50);
    assert.equal(connected.core('n1').role, 'leader');

    const unchecked = new HandCluster(3, { checkQuorum: false });
    unchecked.elect('n1');
    unchecked.isolate('n1');
    unchecked.tick('n1', 50);
    assert.equal(unchecked.core('n1').role, 'leader');
  });
});

describe('RaftCore: proposals away from the leader', () => {
  it('ERR_NO_LEADER when no leader is known, with no leader named', () => {
    const c = new HandCluster(3);
    const res = c.core('n2').propose(bytes('x'));
    assert.ok(!res.ok);
    assert.equal(res.error.code, 'ERR_NO_LEADER');
    assert.equal(res.error.leader, undefined);
    assert.match(res.error.message, /n2 knows no leader/);

    c.core('n2').campaign();
    assert.equal(c.core('n2').role, 'pre-candidate');
    const during = c.core('n2').propose(bytes('x'));
    assert.ok(!during.ok && during.error.code === 'ERR_NO_LEADER', 'nor during an election');
  });

  it('ERR_NOT_LEADER naming the leader when forwarding is off, and nothing is sent', () => {
    const c = new HandCluster(3, { forwardProposals: false });
    c.elect('n1');
    const res = c.core('n3').propose(bytes('x'));
    assert.ok(!res.ok);
    assert.deepEqual([res.error.code, res.error.leader], ['ERR_NOT_LEADER', 'n1']);
    assert.match(res.error.message, /the leader is n1/);
    assert.equal(c.core('n3').hasReady(), false);
  });

  it('with forwarding on, a follower forwards the proposal and it commits everywhere', () => {
    const c = new HandCluster(3);
    c.elect('n1');
    assert.deepEqual(c.core('n3').propose(bytes('fwd')), { ok: true, forwardedTo: 'n1' });
    const sent = c.stabilize();
    assert.deepEqual(ofType(sent, 'MsgProp').map((m) => [m.from, m.to, m.term]), [['n3', 'n1', 0]]);
    for (const id of c.ids) assert.deepEqual(c.applied.get(id)!.map(text), [BOOT3, '', 'fwd'], id);
  });
});
