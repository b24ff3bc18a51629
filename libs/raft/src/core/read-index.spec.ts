import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HandCluster } from '../testing/hand-cluster';
import { RaftCore } from './raft';
import { ReadIndexQueue } from './read-index';
import { MemoryStorage } from './storage';
import type { Message, MessageType } from './types';

describe('ReadIndexQueue', () => {
  it('releases a request once acknowledged, together with every earlier one, oldest first', () => {
    const q = new ReadIndexQueue();
    q.add('a', 3, 'n1');
    q.add('b', 4, 'n2');
    q.add('c', 5, 'n1');
    assert.deepEqual([q.size(), q.last(), q.has('b')], [3, 'c', true]);
    assert.equal(q.ack('b', 'n2'), 1);
    assert.equal(q.ack('b', 'n2'), 1, 'a duplicate ack counts once');
    assert.equal(q.ack('b', 'n3'), 2);
    assert.deepEqual(q.release('b').map((r) => [r.context, r.index, r.from]), [
      ['a', 3, 'n1'],
      ['b', 4, 'n2'],
    ]);
    assert.deepEqual([q.size(), q.last(), q.has('a'), q.has('b'), q.has('c')], [1, 'c', false, false, true]);
  });

  it('ignores acks and releases of unknown contexts', () => {
    const q = new ReadIndexQueue();
    q.add('a', 1, 'n1');
    assert.equal(q.ack('zz', 'n2'), 0);
    assert.deepEqual(q.release('zz'), []);
    assert.equal(q.size(), 1);
  });

  it('is empty after clear, and last() is the empty context', () => {
    const q = new ReadIndexQueue();
    assert.equal(q.last(), '');
    q.add('a', 1, 'n1');
    q.clear();
    assert.deepEqual([q.size(), q.last(), q.has('a'), q.ack('a', 'n2')], [0, '', false, 0]);
  });
});

/** Cores n1..nN run by hand: persist each Ready, then send, then apply, then advance. */

const ofType = (msgs: readonly Message[], type: MessageType): Message[] => msgs.filter((m) => m.type === type);

describe('RaftCore.readIndex', () => {
  it('on a single voter: answered at once with the commit index', () => {
    const storage = new MemoryStorage();
    const core = new RaftCore({ id: 'n1', voters: ['n1'], randomInt: () => 0 }, storage);
    core.campaign();
    let rd = core.ready();
    storage.append(rd.entries);
    core.advance(rd);
    assert.deepEqual(core.readIndex('r'), { ok: true });
    rd = core.ready();
    assert.deepEqual(rd.readStates, [{ index: 2, context: 'r' }], 'its no-op at 2, after the bootstrap entry');
  });

  it('on the leader: a ReadState with the commit index only after a heartbeat quorum answers', () => {
    const c = new HandCluster(5);
    c.elect('n1');
    const commit = c.core('n1').status().commit;
    assert.equal(commit, 2, 'its no-op at 2 is committed');
    assert.deepEqual(c.core('n1').readIndex('r1'), { ok: true });
    const beats = ofType(c.handle('n1'), 'MsgHeartbeat');
    assert.deepEqual(beats.map((m) => [m.to, m.context]), [['n2', 'r1'], ['n3', 'r1'], ['n4', 'r1'], ['n5', 'r1']]);
    assert.deepEqual(c.reads.get('n1'), []);

    // n2 answers: the leader and n2 are two of five, not a quorum.
    c.deliver(beats.filter((m) => m.to === 'n2'));
    c.deliver(c.handle('n2'));
    c.handle('n1');
    assert.deepEqual(c.reads.get('n1'), []);

    // n3 answers: three of five.
    c.deliver(beats.filter((m) => m.to === 'n3'));
    c.deliver(c.handle('n3'));
    c.handle('n1');
    assert.deepEqual(c.reads.get('n1'), [{ index: commit, context: 'r1' }]);
  });

  it('through a follower: the leader confirms with a heartbeat quorum and answers the follower', () => {
    const c = new HandCluster(3);
    c.elect('n1');
    const commit = c.core('n1').status().commit;
    c.drop = (m) => m.type === 'MsgHeartbeatResp';
    assert.deepEqual(c.core('n3').readIndex('f1'), { ok: true });
    const sent = c.stabilize();
    assert.deepEqual(ofType(sent, 'MsgReadIndex').map((m) => [m.from, m.to, m.context]), [['n3', 'n1', 'f1']]);
    assert.equal(ofType(sent, 'MsgHeartbeat').length, 2);
    assert.deepEqual(ofType(sent, 'MsgReadIndexResp'), [], 'no answer without a quorum');
    assert.deepEqual(c.reads.get('n3'), []);

    c.drop = () => false;
    c.core('n1').tick(); // the next heartbeat round carries the pending read
    c.stabilize();
    assert.deepEqual(c.reads.get('n3'), [{ index: commit, context: 'f1' }]);
    assert.deepEqual(c.reads.get('n1'), [], 'the answer goes to who asked');
  });

  it('a later round confirms earlier reads too, oldest first', () => {
    const c = new HandCluster(3);
    c.elect('n1');
    c.core('n1').readIndex('r1');
    assert.equal(ofType(c.handle('n1'), 'MsgHeartbeat').length, 2, 'this round is lost');
    c.core('n1').readIndex('r2');
    c.deliver(c.handle('n1').filter((m) => m.to === 'n2'));
    c.stabilize();
    assert.deepEqual(c.reads.get('n1')!.map((r) => r.context), ['r1', 'r2']);
  });

  it('a new leader defers reads until an entry of its own term commits', () => {
    const c = new HandCluster(3);
    c.drop = (m) => m.type === 'MsgAppResp';
    c.elect('n1');
    assert.equal(c.core('n1').status().commit, 1, 'only the bootstrap entry, of term 1, is committed');
    c.core('n1').readIndex('early');
    assert.deepEqual(ofType(c.stabilize(), 'MsgHeartbeat'), [], 'no confirmation round yet');
    assert.deepEqual(c.reads.get('n1'), []);

    c.drop = () => false;
    c.core('n1').tick();
    c.stabilize();
    assert.equal(c.core('n1').status().commit, 2);
    assert.deepEqual(c.reads.get('n1'), [{ index: 2, context: 'early' }], 'read at the commit index of its no-op');
  });

  it('a sole voter that just took over defers reads until an entry of its term commits', () => {
    // Found by the simulator (seed 2626, 3 nodes): a membership change left a new leader alone
    // in its membership with a commit index behind what the old leader had acknowledged; the
    // sole-voter shortcut answered a read at that stale index.
    const c = new HandCluster(1, {}, { n1: { terms: [1, 1, 1], hardState: { term: 1, vote: 'n1', commit: 1 } } });
    const n1 = c.core('n1');
    n1.campaign();
    assert.equal(n1.role, 'leader');
    assert.equal(n1.log.committed, 1, 'the commit index lags: entries 2 and 3 may already be acknowledged');
    assert.deepEqual(n1.readIndex('r'), { ok: true });
    c.handle('n1');
    assert.deepEqual(c.reads.get('n1'), [], 'no read is answered at the stale commit index');
    c.stabilize();
    assert.deepEqual(c.reads.get('n1'), [{ index: 4, context: 'r' }], 'answered once the no-op (index 4) commits');
  });

  it('ERR_NO_LEADER when no leader is known', () => {
    const c = new HandCluster(3);
    c.stabilize(); // each member persists its bootstrap entry
    const res = c.core('n2').readIndex('r');
    assert.ok(!res.ok);
    assert.equal(res.error.code, 'ERR_NO_LEADER');
    assert.equal(c.core('n2').hasReady(), false);
  });

  it('a leader that steps down drops its pending reads: late answers confirm nothing', () => {
    const c = new HandCluster(3, { checkQuorum: true, electionTick: 10 });
    c.elect('n1');
    const late: Message[] = [];
    c.drop = (m) => m.to === 'n1' && m.type === 'MsgHeartbeatResp' && late.push(m) > 0;
    c.core('n1').readIndex('r');
    c.stabilize();
    assert.equal(late.length, 2, 'both followers answered the round for r');
    c.drop = () => true;
    for (let i = 0; i < 20; i++) c.core('n1').tick();
    assert.equal(c.core('n1').role, 'follower');
    c.drop = () => false;
    c.deliver(late.filter((m) => m.context === 'r'));
    c.stabilize();
    assert.deepEqual(c.reads.get('n1'), []);
  });
});
