import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HandCluster } from '../testing/hand-cluster';
import { decodeConfEntry } from './membership';
import { RaftCore } from './raft';
import { MemoryStorage } from './storage';
import type { Entry, Message, NodeId, Ready } from './types';

const randomInt = (): number => 0;
const at = (e: Entry): string => `${e.term}/${e.index}`;

/** Persists a Ready into `storage` as a runtime would, then advances. */
function persist(core: RaftCore, storage: MemoryStorage, rd: Ready): void {
  if (rd.hardState !== undefined) storage.setHardState(rd.hardState);
  storage.append(rd.entries);
  core.advance(rd);
}

describe('RaftCore: bootstrapping a new cluster', () => {
  it("a founder's first Ready persists the bootstrap entry 1/1 with hard state term 1 commit 1; it is then handed out to apply", () => {
    const storage = new MemoryStorage();
    const core = new RaftCore({ id: 'n2', voters: ['n1', 'n2', 'n3'], randomInt }, storage);
    const st = core.status();
    assert.deepEqual([st.role, st.term, st.commit, st.applied, st.lastIndex], ['follower', 1, 1, 0, 1], 'before anything happens');

    const rd = core.ready();
    assert.deepEqual(rd.hardState, { term: 1, vote: '', commit: 1 });
    assert.equal(rd.entries.length, 1);
    const boot = rd.entries[0]!;
    assert.deepEqual([boot.term, boot.index, boot.type], [1, 1, 'conf']);
    assert.deepEqual(decodeConfEntry(boot.data), { change: undefined, membership: { voters: ['n1', 'n2', 'n3'], learners: [] } });
    assert.equal(rd.mustSync, true);
    assert.deepEqual(rd.messages, []);
    assert.deepEqual(rd.committedEntries, [], 'committed, but applied only once it is on disk');
    persist(core, storage, rd);
    assert.deepEqual(storage.initialState(), { term: 1, vote: '', commit: 1 });

    const next = core.ready();
    assert.deepEqual(next.committedEntries, [boot], 'the bootstrap entry is handed out to apply');
    assert.deepEqual([next.hardState, next.entries, next.mustSync], [undefined, [], false]);
    persist(core, storage, next);
    assert.equal(core.hasReady(), false);
    assert.deepEqual([core.status().commit, core.status().applied], [1, 1]);
    assert.deepEqual(core.committedMembership(), { index: 1, membership: { voters: ['n1', 'n2', 'n3'], learners: [] } });
  });

  it('every founder writes a byte-identical entry 1, whatever the order of voters (and learners) it is given', () => {
    const orders: NodeId[][] = [
      ['n1', 'n2', 'n3'],
      ['n3', 'n1', 'n2'],
      ['n2', 'n3', 'n1'],
    ];
    const written: Entry[] = [];
    for (const [i, voters] of orders.entries()) {
      const learners = i % 2 === 0 ? ['n4', 'n5'] : ['n5', 'n4'];
      const core = new RaftCore({ id: `n${i + 1}`, voters, learners, randomInt }, new MemoryStorage());
      written.push(...core.ready().entries);
    }
    assert.equal(written.length, orders.length, 'one entry each');
    for (const e of written) assert.deepEqual(e, written[0], `${at(e)} differs`);
    assert.deepEqual(decodeConfEntry(written[0]!.data).membership, { voters: ['n1', 'n2', 'n3'], learners: ['n4', 'n5'] });
  });

  it('a node started with voters: [] (one joining later) does not bootstrap and cannot campaign', () => {
    const storage = new MemoryStorage();
    const core = new RaftCore({ id: 'n4', voters: [], randomInt }, storage);
    const st = core.status();
    assert.deepEqual([st.role, st.term, st.vote, st.commit, st.lastIndex], ['follower', 0, '', 0, 0]);
    assert.deepEqual(core.membership(), { voters: [], learners: [] });
    assert.equal(core.hasReady(), false, 'nothing to persist');

    core.campaign();
    for (let i = 0; i < 50; i++) core.tick();
    assert.deepEqual([core.role, core.term], ['follower', 0], 'not promotable: no campaign, no term bump');
    assert.equal(core.hasReady(), false, 'no vote requests');
    assert.deepEqual([storage.lastIndex(), storage.initialState().term], [0, 0]);
  });

  it('a restarted founder (the same storage) does not bootstrap again', () => {
    const storage = new MemoryStorage();
    const voters = ['n1'];
    const first = new RaftCore({ id: 'n1', voters, randomInt }, storage);
    first.campaign();
    while (first.hasReady()) persist(first, storage, first.ready());
    assert.deepEqual([first.role, first.term, first.status().commit], ['leader', 2, 2]);
    const stored = storage.allEntries();
    assert.deepEqual(stored.map(at), ['1/1', '2/2']);

    const again = new RaftCore({ id: 'n1', voters, randomInt, applied: 2 }, storage);
    const st = again.status();
    assert.deepEqual([st.role, st.term, st.vote, st.commit, st.applied, st.lastIndex], ['follower', 2, 'n1', 2, 2, 2]);
    assert.equal(again.hasReady(), false, 'nothing to append, persist or apply');
    assert.deepEqual(storage.allEntries(), stored);
    assert.deepEqual(again.membership(), { voters: ['n1'], learners: [] });

    // Restarted right after persisting only its bootstrap Ready: still no second entry 1.
    const disk = new MemoryStorage();
    const founder = new RaftCore({ id: 'n2', voters: ['n1', 'n2', 'n3'], randomInt }, disk);
    persist(founder, disk, founder.ready());
    const restarted = new RaftCore({ id: 'n2', voters: ['n1', 'n2', 'n3'], randomInt, applied: 0 }, disk);
    const rd = restarted.ready();
    assert.deepEqual([rd.entries, rd.hardState], [[], undefined]);
    assert.deepEqual(rd.committedEntries.map(at), ['1/1'], 'applied again from the stored log');
    assert.deepEqual([restarted.term, disk.allEntries().map(at)], [1, ['1/1']]);
  });

  it('the first election is for term 2: votes carry last 1/1, the no-op is 2/2 and the first proposal lands at 3', () => {
    const c = new HandCluster(3, { preVote: false });
    c.core('n1').campaign();
    const sent: Message[] = c.stabilize();
    const votes = sent.filter((m) => m.type === 'MsgVote');
    assert.deepEqual(votes.map((m) => [m.to, m.term, m.logTerm, m.index]), [['n2', 2, 1, 1], ['n3', 2, 1, 1]]);
    assert.deepEqual(c.core('n1').propose(new TextEncoder().encode('p')), { ok: true, index: 3, term: 2 });
    c.stabilize();
    for (const id of c.ids) {
      assert.deepEqual(c.storages.get(id)!.allEntries().map(at), ['1/1', '2/2', '2/3'], id);
      assert.deepEqual(c.applied.get(id)!.map((e) => [at(e), e.type]), [['1/1', 'conf'], ['2/2', 'normal'], ['2/3', 'normal']], id);
    }
  });
});
