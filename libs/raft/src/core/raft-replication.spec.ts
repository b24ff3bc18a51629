import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { entry, HandCluster } from '../testing/hand-cluster';
import { RaftCore } from './raft';
import { MemoryStorage } from './storage';
import { emptyMessage, type Entry, type Message, type MessageType, type NodeId } from './types';


const ofType = (msgs: readonly Message[], type: MessageType): Message[] => msgs.filter((m) => m.type === type);
/** MsgApps that carry entries, to `to`. */
const appsTo = (msgs: readonly Message[], to: NodeId): Message[] => msgs.filter((m) => m.type === 'MsgApp' && m.to === to && m.entries.length > 0);
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (e: Entry): string => new TextDecoder().decode(e.data);
/** The payload of the bootstrap entry (1/1) every founder of n1..n3 writes. */
const BOOT3 = 'bootstrap -|n1,n2,n3|';

describe('RaftCore: batching', () => {
  it('several proposals in one turn make one append and ONE MsgApp per follower', () => {
    const c = new HandCluster(3);
    c.elect('n1');
    for (const p of ['a', 'b', 'c']) assert.ok(c.core('n1').propose(bytes(p)).ok);
    const msgs = c.handle('n1');
    assert.deepEqual(c.lastReady.get('n1')!.entries.map(text), ['a', 'b', 'c'], 'one write, one fsync');
    const apps = ofType(msgs, 'MsgApp');
    assert.deepEqual(apps.map((m) => m.to).sort(), ['n2', 'n3']);
    for (const m of apps) {
      assert.deepEqual([m.index, m.logTerm, m.entries.map(text)], [2, 2, ['a', 'b', 'c']]);
    }
    c.deliver(msgs);
    c.stabilize();
    for (const id of c.ids) assert.deepEqual(c.applied.get(id)!.map(text), [BOOT3, '', 'a', 'b', 'c'], id);
  });

  it('splits a turn into MsgApps of at most maxSizePerMsg bytes (at least one entry each)', () => {
    const c = new HandCluster(3, { maxSizePerMsg: 8 });
    c.elect('n1');
    for (const p of ['aaaa', 'bbbb', 'cccc', 'dddddddddd']) c.core('n1').propose(bytes(p));
    const msgs = c.handle('n1');
    assert.deepEqual(appsTo(msgs, 'n2').map((m) => m.entries.map(text)), [['aaaa', 'bbbb'], ['cccc'], ['dddddddddd']]);
  });
});

describe('RaftCore: the inflight window', () => {
  const cut = (id: NodeId) => (m: Message) => m.to === id || m.from === id;

  it('limits MsgApps in flight to a slow follower to maxInflightMsgs, and it catches up later', () => {
    const c = new HandCluster(3, { maxInflightMsgs: 2 });
    c.elect('n1');
    c.drop = cut('n3');
    const sent: Message[] = [];
    for (const p of ['a', 'b', 'c', 'd']) {
      c.core('n1').propose(bytes(p));
      sent.push(...c.stabilize());
    }
    assert.equal(appsTo(sent, 'n2').length, 4, 'the fast follower acknowledges each one');
    assert.deepEqual(appsTo(sent, 'n3').map((m) => m.entries.map(text)), [['a'], ['b']], 'then the window is full');
    const n3 = c.core('n1').status().progress.get('n3')!;
    assert.deepEqual([n3.state, n3.match, n3.next], ['replicate', 2, 5]);
    assert.equal(c.core('n1').status().commit, 6, 'a quorum does not wait for the slow follower');

    c.drop = () => false;
    c.tick('n1');
    assert.deepEqual(c.applied.get('n3')!.map(text), [BOOT3, '', 'a', 'b', 'c', 'd']);
  });

  it('a heartbeat answer from a follower whose window is full frees one slot', () => {
    const c = new HandCluster(3, { maxInflightMsgs: 1 });
    c.elect('n1');
    c.drop = (m) => m.to === 'n3' && m.type === 'MsgApp';
    c.core('n1').propose(bytes('a'));
    c.stabilize();
    c.core('n1').propose(bytes('b'));
    assert.deepEqual(appsTo(c.stabilize(), 'n3'), [], 'window full');
    const sent = c.tick('n1');
    assert.deepEqual(appsTo(sent, 'n3').map((m) => m.entries.map(text)), [['b']], 'one more after the heartbeat answer');
  });

  it('limits the payload bytes in flight to maxInflightBytes', () => {
    const c = new HandCluster(3, { maxInflightMsgs: 100, maxSizePerMsg: 4, maxInflightBytes: 8 });
    c.elect('n1');
    c.drop = cut('n3');
    const sent: Message[] = [];
    for (const p of ['aaaa', 'bbbb', 'cccc']) {
      c.core('n1').propose(bytes(p));
      sent.push(...c.stabilize());
    }
    assert.equal(appsTo(sent, 'n2').length, 3);
    assert.deepEqual(appsTo(sent, 'n3').map((m) => m.entries.map(text)), [['aaaa'], ['bbbb']]);
  });
});

describe('RaftCore: commitment', () => {
  // Preloaded disks hold no bootstrap entry: the members fall back to the configured voters.
  it('a leader does not commit an entry of a previous term by counting replicas (Raft §5.4.2)', () => {
    // n1 and n2 hold 1/2 from term 1, uncommitted; n3 never got it.
    const c = new HandCluster(3, {}, {
      n1: { terms: [1, 1], hardState: { term: 1, vote: 'n1', commit: 1 } },
      n2: { terms: [1, 1], hardState: { term: 1, vote: 'n1', commit: 1 } },
      n3: { terms: [1], hardState: { term: 1, vote: 'n1', commit: 1 } },
    });
    c.drop = (m) => m.type === 'MsgApp';
    c.elect('n1');
    assert.deepEqual([c.core('n1').term, c.core('n1').status().lastIndex], [2, 3], 'a no-op at 3 in term 2');

    // n2 acknowledges 1/2: a majority (n1, n2) holds it, but it is of term 1.
    c.core('n1').step({ ...emptyMessage('MsgAppResp', 'n2', 'n1'), term: 2, index: 2 });
    c.stabilize();
    assert.equal(c.core('n1').status().progress.get('n2')!.match, 2);
    assert.equal(c.core('n1').status().commit, 1);

    // Once the no-op of term 2 is on a majority, it commits, and 1/2 with it.
    c.core('n1').step({ ...emptyMessage('MsgAppResp', 'n2', 'n1'), term: 2, index: 3 });
    c.stabilize();
    assert.equal(c.core('n1').status().commit, 3);
    assert.deepEqual(c.applied.get('n1')!.map((e) => `${e.term}/${e.index}`), ['1/1', '1/2', '2/3']);
  });

  it('a follower applies committed entries only after they are on its disk, and acks them in the same Ready', () => {
    const storage = new MemoryStorage();
    const n2 = new RaftCore({ id: 'n2', voters: ['n1', 'n2', 'n3'], randomInt: () => 0 }, storage);
    // n1 leads term 2: its no-op 2/2 and x at 3, after the bootstrap entry 1/1 n2 holds too.
    n2.step({ ...emptyMessage('MsgApp', 'n1', 'n2'), term: 2, index: 1, logTerm: 1, entries: [entry(2, 2), entry(3, 2, 'x')], commit: 3 });
    let rd = n2.ready();
    assert.deepEqual(rd.entries.map((e) => e.index), [1, 2, 3], 'its own bootstrap entry, then the leader\'s');
    assert.deepEqual(rd.hardState, { term: 2, vote: '', commit: 3 });
    assert.deepEqual(rd.committedEntries, [], 'committed, but not yet persisted');
    assert.deepEqual(ofType(rd.messages, 'MsgAppResp').map((m) => [m.to, m.index, m.reject]), [['n1', 3, false]]);
    storage.setHardState(rd.hardState!);
    storage.append(rd.entries);
    n2.advance(rd);
    rd = n2.ready();
    assert.deepEqual(rd.committedEntries.map((e) => e.index), [1, 2, 3]);
  });

  it('a follower retracts a queued ack for entries a newer leader replaced in the same turn', () => {
    const n3 = new RaftCore({ id: 'n3', voters: ['n1', 'n2', 'n3'], randomInt: () => 0 }, new MemoryStorage());
    n3.step({ ...emptyMessage('MsgApp', 'n1', 'n3'), term: 2, index: 1, logTerm: 1, entries: [entry(2, 2), entry(3, 2), entry(4, 2)], commit: 2 });
    n3.step({ ...emptyMessage('MsgApp', 'n2', 'n3'), term: 3, index: 2, logTerm: 2, entries: [entry(3, 3)], commit: 2 });
    const rd = n3.ready();
    assert.deepEqual(rd.entries.map((e) => `${e.term}/${e.index}`), ['1/1', '2/2', '3/3']);
    assert.deepEqual(ofType(rd.messages, 'MsgAppResp').map((m) => [m.to, m.index]), [['n2', 3]], 'no ack of 2/4 may go out');
  });

  it('a follower rejects an append that does not match and the leader backs up to repair its log', () => {
    // n3 holds a stale uncommitted suffix from term 1; n1 leads at term 3 with a different one.
    const c = new HandCluster(3, {}, {
      n1: { terms: [1, 2, 2], hardState: { term: 2, vote: 'n1', commit: 1 } },
      n2: { terms: [1, 2, 2], hardState: { term: 2, vote: 'n1', commit: 1 } },
      n3: { terms: [1, 1, 1, 1], hardState: { term: 1, vote: 'n1', commit: 1 } },
    });
    c.core('n1').campaign();
    const sent = c.stabilize();
    assert.equal(c.core('n1').term, 3);
    // n3 lacks 2/3: it rejects, hinting that its log may agree up to index 3 at term 1 or earlier.
    assert.deepEqual(
      ofType(sent, 'MsgAppResp').filter((m) => m.reject).map((m) => [m.from, m.index, m.rejectHint, m.logTerm]),
      [['n3', 3, 3, 1]],
    );
    // The leader skips every index of term 2 at once and resends from 1/1.
    assert.deepEqual(appsTo(sent, 'n3').map((m) => [m.index, m.logTerm, m.entries.map((e) => `${e.term}/${e.index}`).join(' ')]), [
      [3, 2, '3/4'],
      [1, 1, '2/2 2/3 3/4'],
    ]);
    for (const id of c.ids) {
      assert.deepEqual(c.storages.get(id)!.allEntries().map((e) => e.term), [1, 2, 2, 3], id);
      assert.equal(c.core(id).status().commit, 4, id);
    }
  });
});

describe('RaftCore: rejections and pacing', () => {
  it('a stale rejection (at or below match) does not knock a replicating follower back to probe', () => {
    const c = new HandCluster(3);
    c.elect('n1');
    c.core('n1').propose(bytes('a'));
    c.stabilize();
    const before = c.core('n1').status().progress.get('n2')!;
    assert.deepEqual([before.state, before.match, before.next], ['replicate', 3, 4]);
    c.core('n1').step({ ...emptyMessage('MsgAppResp', 'n2', 'n1'), term: 2, index: 2, reject: true, rejectHint: 0, logTerm: 0 });
    const after = c.core('n1').status().progress.get('n2')!;
    assert.deepEqual([after.state, after.match, after.next], ['replicate', 3, 4]);
    assert.deepEqual(appsTo(c.stabilize(), 'n2'), [], 'nothing is resent');
  });

  it('hands out committed entries in Readies of at most maxCommittedSizePerReady bytes', () => {
    const storage = new MemoryStorage();
    const n2 = new RaftCore({ id: 'n2', voters: ['n1', 'n2', 'n3'], randomInt: () => 0, maxCommittedSizePerReady: 4 }, storage);
    const ents = [entry(2, 2, 'aa'), entry(3, 2, 'bb'), entry(4, 2, 'cc'), entry(5, 2, 'dddddd')];
    n2.step({ ...emptyMessage('MsgApp', 'n1', 'n2'), term: 2, index: 1, logTerm: 1, entries: ents, commit: 5 });
    const batches: string[][] = [];
    while (n2.hasReady()) {
      const rd = n2.ready();
      if (rd.hardState !== undefined) storage.setHardState(rd.hardState);
      storage.append(rd.entries);
      if (rd.committedEntries.length > 0) batches.push(rd.committedEntries.map(text));
      n2.advance(rd);
    }
    // The bootstrap entry (21 bytes) is past the bound: it goes alone.
    assert.deepEqual(batches, [[BOOT3], ['aa', 'bb'], ['cc'], ['dddddd']]);
    assert.equal(n2.status().applied, 5);
  });
});

describe('RaftCore: the uncommitted-log bound', () => {
  it('refuses proposals past maxUncommittedEntriesSize with ERR_UNCOMMITTED_LIMIT, and takes them again after commits', () => {
    const c = new HandCluster(3, { maxUncommittedEntriesSize: 10 });
    c.elect('n1');
    const n1 = c.core('n1');
    c.drop = () => true; // nothing commits
    assert.ok(n1.propose(bytes('12345')).ok);
    assert.ok(n1.propose(bytes('67890')).ok, 'exactly at the bound is accepted');
    const refused = n1.propose(bytes('x'));
    assert.ok(!refused.ok);
    assert.deepEqual([refused.error.code, refused.error.leader], ['ERR_UNCOMMITTED_LIMIT', 'n1']);
    assert.match(refused.error.message, /10 uncommitted bytes, limit 10/);
    c.core('n2').propose(bytes('y'));
    c.drop = (m) => m.type !== 'MsgProp';
    c.stabilize();
    assert.equal(n1.status().lastIndex, 4, 'a forwarded proposal past the bound is dropped too');

    c.drop = () => false;
    c.tick('n1');
    assert.equal(n1.status().commit, 4);
    assert.ok(n1.propose(bytes('x')).ok, 'committing frees the budget');
    c.stabilize();
    assert.ok(n1.propose(bytes('an entry larger than the whole bound')).ok, 'an empty uncommitted log always takes one entry');
    assert.equal(n1.propose(bytes('z')).ok, false);
  });

  it('0 means no bound', () => {
    const c = new HandCluster(3, { maxUncommittedEntriesSize: 0 });
    c.elect('n1');
    c.drop = () => true;
    for (let i = 0; i < 50; i++) assert.ok(c.core('n1').propose(new Uint8Array(1000)).ok);
  });
});
