import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfTracker } from './conf-tracker';
import { applyConfChange, decodeConfEntry, disjointQuorumsPossible, encodeConfEntry } from './membership';
import type { ConfChange, ConfChangeType, Membership, NodeId } from './types';

const m = (voters: NodeId[], learners: NodeId[] = []): Membership => ({ voters, learners });
const text = (data: Uint8Array): string => new TextDecoder().decode(data);

/** n1..n3 voting, n4 learning: the membership most rows start from. */
const BASE = m(['n1', 'n2', 'n3'], ['n4']);

describe('applyConfChange: accepted changes', () => {
  const rows: [string, Membership, ConfChangeType, NodeId, Membership][] = [
    ['add-voter of a newcomer', BASE, 'add-voter', 'n5', m(['n1', 'n2', 'n3', 'n5'], ['n4'])],
    ['add-learner of a newcomer', BASE, 'add-learner', 'n5', m(['n1', 'n2', 'n3'], ['n4', 'n5'])],
    ['promote of a learner', BASE, 'promote', 'n4', m(['n1', 'n2', 'n3', 'n4'], [])],
    ['demote of a voter', BASE, 'demote', 'n2', m(['n1', 'n3'], ['n4', 'n2'])],
    ['remove of a voter', BASE, 'remove', 'n1', m(['n2', 'n3'], ['n4'])],
    ['remove of a learner', BASE, 'remove', 'n4', m(['n1', 'n2', 'n3'], [])],
    ['remove one of two voters', m(['a', 'b']), 'remove', 'b', m(['a'])],
    ['demote one of two voters', m(['a', 'b']), 'demote', 'a', m(['b'], ['a'])],
    ['add-voter to an empty membership', m([]), 'add-voter', 'n1', m(['n1'])],
    ['a node id with every allowed character', m(['n1']), 'add-learner', 'Az0._:-', m(['n1'], ['Az0._:-'])],
  ];
  for (const [name, before, type, node, after] of rows) {
    it(`${name}: ${type} ${node}`, () => {
      const res = applyConfChange(before, { type, node });
      assert.ok(res.ok, res.ok ? '' : res.error.message);
      assert.deepEqual(res.membership, after);
    });
  }

  it('never mutates the membership it is given', () => {
    const before = m(['n1', 'n2', 'n3'], ['n4']);
    const copy = structuredClone(before);
    for (const cc of [
      { type: 'add-voter', node: 'n5' },
      { type: 'promote', node: 'n4' },
      { type: 'demote', node: 'n1' },
      { type: 'remove', node: 'n2' },
    ] as ConfChange[]) {
      applyConfChange(before, cc);
    }
    assert.deepEqual(before, copy);
  });
});

describe('applyConfChange: refused changes name the node and say why', () => {
  const long = 'x'.repeat(65);
  const rows: [Membership, ConfChangeType, NodeId, RegExp][] = [
    [BASE, 'add-voter', 'n2', /cannot add-voter n2: it is already a member/],
    [BASE, 'add-voter', 'n4', /cannot add-voter n4: it is already a member/],
    [BASE, 'add-learner', 'n4', /cannot add-learner n4: it is already a member/],
    [BASE, 'add-learner', 'n1', /cannot add-learner n1: it is already a member/],
    [BASE, 'promote', 'n1', /cannot promote n1: it is not a learner/],
    [BASE, 'promote', 'n9', /cannot promote n9: it is not a learner/],
    [BASE, 'demote', 'n4', /cannot demote n4: it is not a voter/],
    [BASE, 'demote', 'n9', /cannot demote n9: it is not a voter/],
    [m(['n1'], ['n4']), 'demote', 'n1', /cannot demote n1: it is the last voter/],
    [BASE, 'remove', 'n9', /cannot remove n9: it is not a member/],
    [m(['n1'], ['n4']), 'remove', 'n1', /cannot remove n1: it is the last voter/],
    [BASE, 'add-voter', '', /cannot add-voter : a node id is 1 to 64 characters/],
    [BASE, 'add-learner', 'n 5', /cannot add-learner n 5: a node id is 1 to 64 characters/],
    [BASE, 'add-voter', 'n5|x', /cannot add-voter n5\|x: a node id/],
    [BASE, 'add-voter', 'n5,n6', /cannot add-voter n5,n6: a node id/],
    [BASE, 'add-learner', long, new RegExp(`cannot add-learner ${long}: a node id`)],
    [BASE, 'promote', 'é', /cannot promote é: a node id/],
  ];
  for (const [before, type, node, why] of rows) {
    it(`${type} '${node.length > 10 ? `${node.slice(0, 10)}…` : node}' on ${JSON.stringify(before)}`, () => {
      const res = applyConfChange(before, { type, node });
      assert.ok(!res.ok, 'the change must be refused');
      assert.equal(res.error.code, 'ERR_INVALID_CONF_CHANGE');
      assert.match(res.error.message, why);
      assert.equal(res.error.leader, undefined);
    });
  }

  it('the message describes the membership it was checked against', () => {
    const res = applyConfChange(BASE, { type: 'remove', node: 'n9' });
    assert.ok(!res.ok);
    assert.match(res.error.message, /\(voters \[n1,n2,n3\] learners \[n4\]\)$/);
  });
});

describe('encodeConfEntry / decodeConfEntry', () => {
  const rows: [ConfChange | 'bootstrap', Membership, string][] = [
    ['bootstrap', m(['n1', 'n2', 'n3']), 'bootstrap -|n1,n2,n3|'],
    ['bootstrap', m(['n1'], ['n4', 'n5']), 'bootstrap -|n1|n4,n5'],
    [{ type: 'add-voter', node: 'n4' }, m(['n1', 'n2', 'n3', 'n4']), 'add-voter n4|n1,n2,n3,n4|'],
    [{ type: 'add-learner', node: 'n4' }, m(['n1'], ['n4']), 'add-learner n4|n1|n4'],
    [{ type: 'promote', node: 'n4' }, m(['n1', 'n4']), 'promote n4|n1,n4|'],
    [{ type: 'demote', node: 'n2' }, m(['n1'], ['n2']), 'demote n2|n1|n2'],
    [{ type: 'remove', node: 'n2' }, m(['n1', 'n3'], ['n4']), 'remove n2|n1,n3|n4'],
    [{ type: 'add-learner', node: 'a.b_c:d-e' }, m(['z'], ['a.b_c:d-e']), 'add-learner a.b_c:d-e|z|a.b_c:d-e'],
  ];
  for (const [cc, membership, wire] of rows) {
    const name = cc === 'bootstrap' ? 'bootstrap' : `${cc.type} ${cc.node}`;
    it(`${name} encodes as '${wire}' and reads back`, () => {
      const data = encodeConfEntry(cc, membership);
      assert.equal(text(data), wire);
      assert.equal(data.length, wire.length, 'one byte per character');
      assert.deepEqual(decodeConfEntry(data), { change: cc === 'bootstrap' ? undefined : cc, membership });
    });
  }

  it('an empty membership round-trips to empty lists, not [""]', () => {
    const data = encodeConfEntry({ type: 'remove', node: 'n1' }, m([]));
    assert.deepEqual(decodeConfEntry(data).membership, { voters: [], learners: [] });
  });
});

describe('disjointQuorumsPossible', () => {
  const rows: [NodeId[], NodeId[], boolean][] = [
    [['1', '2', '3'], ['1', '2', '3'], false],
    [['1', '2', '3'], ['1', '2', '3', '4'], false],
    [['1', '2', '3', '4'], ['1', '2', '3'], false],
    [['1', '2', '3'], ['1', '2'], false],
    [['1', '2', '3'], ['1', '2', '3', '4', '5'], true],
    [['1', '2', '3'], ['4', '5', '6'], true],
    [['1'], ['2'], true],
    [['1', '2'], ['1', '3'], false],
    [['1', '2', '3', '4'], ['1', '2', '3', '4', '5', '6'], false],
    [['1', '2', '3', '4'], ['1', '2', '3', '4', '5', '6', '7'], true],
    [['1', '2', '3', '4', '5'], ['1', '2', '3', '4', '6'], true],
  ];
  for (const [a, b, expected] of rows) {
    it(`{${a.join(',')}} vs {${b.join(',')}}: ${expected}`, () => {
      assert.equal(disjointQuorumsPossible(a, b), expected);
      assert.equal(disjointQuorumsPossible(b, a), expected, 'symmetric');
    });
  }

  it('agrees with a brute-force search over every pair of non-empty voter sets drawn from five nodes', () => {
    const nodes = ['1', '2', '3', '4', '5'];
    const sets: NodeId[][] = [];
    for (let mask = 1; mask < 1 << nodes.length; mask++) sets.push(nodes.filter((_, i) => (mask & (1 << i)) !== 0));
    const quorums = (s: NodeId[]): NodeId[][] => subsets(s).filter((q) => q.length > s.length / 2);
    for (const a of sets) {
      for (const b of sets) {
        const brute = quorums(a).some((qa) => quorums(b).some((qb) => qb.every((x) => !qa.includes(x))));
        assert.equal(disjointQuorumsPossible(a, b), brute, `{${a.join(',')}} vs {${b.join(',')}}`);
      }
    }
  });
});

function subsets(s: NodeId[]): NodeId[][] {
  const out: NodeId[][] = [];
  for (let mask = 0; mask < 1 << s.length; mask++) out.push(s.filter((_, i) => (mask & (1 << i)) !== 0));
  return out;
}

describe('ConfTracker', () => {
  const boot = m(['n1', 'n2', 'n3']);
  const withLearner = m(['n1', 'n2', 'n3'], ['n4']);
  const promoted = m(['n1', 'n2', 'n3', 'n4']);

  /** Bootstrap at 1, add-learner n4 at 5, promote n4 at 9. */
  function tracker(): ConfTracker {
    const t = new ConfTracker({ index: 1, membership: boot });
    t.add(5, withLearner);
    t.add(9, promoted);
    return t;
  }

  it('current() is the latest membership in the log, committed or not', () => {
    const t = new ConfTracker({ index: 1, membership: boot });
    assert.deepEqual(t.current(), { index: 1, membership: boot });
    t.add(5, withLearner);
    assert.deepEqual(t.current(), { index: 5, membership: withLearner });
    assert.deepEqual(tracker().current(), { index: 9, membership: promoted });
  });

  for (const [commit, index] of [
    [0, 1],
    [1, 1],
    [4, 1],
    [5, 5],
    [8, 5],
    [9, 9],
    [100, 9],
  ] as const) {
    it(`committed(${commit}) is the membership of index ${index}`, () => {
      const c = tracker().committed(commit);
      assert.equal(c.index, index);
      assert.deepEqual(c.membership, index === 1 ? boot : index === 5 ? withLearner : promoted);
    });
  }

  for (const [commit, expected] of [
    [1, 2],
    [5, 1],
    [8, 1],
    [9, 0],
  ] as const) {
    it(`uncommitted(${commit}) counts ${expected} conf entries past the commit`, () => {
      assert.equal(tracker().uncommitted(commit), expected);
    });
  }

  it('the base never counts as uncommitted', () => {
    assert.equal(new ConfTracker({ index: 7, membership: boot }).uncommitted(0), 0);
  });

  it('truncateFrom drops the replaced conf entries and the membership before them applies again', () => {
    const t = tracker();
    assert.equal(t.truncateFrom(10), false, 'nothing at or after 10');
    assert.deepEqual(t.current().membership, promoted);
    assert.equal(t.truncateFrom(9), true);
    assert.deepEqual(t.current(), { index: 5, membership: withLearner });
    assert.equal(t.truncateFrom(6), false);
    assert.equal(t.truncateFrom(2), true);
    assert.deepEqual(t.current(), { index: 1, membership: boot });
  });

  it('truncateFrom never drops the base', () => {
    const t = tracker();
    assert.equal(t.truncateFrom(0), true);
    assert.deepEqual(t.current(), { index: 1, membership: boot });
    assert.equal(t.uncommitted(0), 0);
  });

  it('compactTo folds the memberships at or before the index into a new base', () => {
    const t = tracker();
    t.compactTo(7);
    assert.deepEqual(t.committed(7), { index: 7, membership: withLearner }, 'the base is at the compaction index');
    assert.deepEqual(t.committed(0), { index: 7, membership: withLearner }, 'nothing older is left');
    assert.deepEqual(t.current(), { index: 9, membership: promoted }, 'later conf entries stay');
    assert.equal(t.uncommitted(8), 1);
    assert.equal(t.truncateFrom(8), true);
    assert.deepEqual(t.current(), { index: 7, membership: withLearner });
  });

  it('compactTo at a conf entry makes it the base; past every conf entry leaves only the latest', () => {
    const at = tracker();
    at.compactTo(5);
    assert.deepEqual(at.committed(5), { index: 5, membership: withLearner });
    assert.equal(at.uncommitted(5), 1);

    const past = tracker();
    past.compactTo(12);
    assert.deepEqual(past.current(), { index: 12, membership: promoted });
    assert.equal(past.uncommitted(0), 0);
  });

  it('reset replaces every point with the snapshot\'s membership', () => {
    const t = tracker();
    const snap = m(['n2', 'n3'], ['n7']);
    t.reset(20, snap);
    assert.deepEqual(t.current(), { index: 20, membership: snap });
    assert.deepEqual(t.committed(20), { index: 20, membership: snap });
    assert.equal(t.uncommitted(0), 0);
    assert.equal(t.truncateFrom(21), false);
    t.add(22, promoted);
    assert.deepEqual(t.current().membership, promoted);
    assert.deepEqual(t.committed(21).membership, snap);
  });
});
