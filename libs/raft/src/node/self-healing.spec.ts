import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MemberProgress } from '../core/progress';
import type { ConfChange, Membership } from '../core/types';
import { RaftNode, RaftRequestError } from './raft-node';
import { decideRemoval, Healer, quorumOf, unreachableSince, type HealingDecision, type HealingView } from './self-healing';

const NOW = 100_000;
const LIMIT = 1000;
/** Unreachable for `ms` ms at NOW. */
const gone = (ms: number): number => NOW - ms;
const voters = (...v: string[]): Membership => ({ voters: v, learners: [] });

interface Case {
  readonly name: string;
  readonly view: Partial<HealingView> & Pick<HealingView, 'membership'>;
  readonly want: Partial<HealingDecision> & Pick<HealingDecision, 'remove'>;
}

const cases: Case[] = [
  // Removes
  {
    name: 'removes a voter unreachable for longer than the limit, from 3 voters with desired 3 (2 left ≥ quorum 2)',
    view: { membership: voters('n1', 'n2', 'n3'), unreachableSince: new Map([['n3', gone(1001)]]) },
    want: { remove: 'n3', role: 'voter', unreachableMs: 1001, votersAfter: ['n1', 'n2'] },
  },
  {
    name: 'removes the extra dead voter once a replacement was promoted (4 voters, desired 3)',
    view: { membership: voters('n1', 'n2', 'n3', 'n4'), unreachableSince: new Map([['n2', gone(5000)]]) },
    want: { remove: 'n2', votersAfter: ['n1', 'n3', 'n4'] },
  },
  {
    name: 'of two voters past the limit, removes the one unreachable longest first',
    view: { membership: voters('n1', 'n2', 'n3', 'n4', 'n5'), desired: 5, unreachableSince: new Map([['n4', gone(3000)], ['n5', gone(9000)]]) },
    want: { remove: 'n5', votersAfter: ['n1', 'n2', 'n3', 'n4'] },
  },
  {
    name: 'of two unreachable exactly as long, removes the first by id',
    view: { membership: voters('n1', 'n2', 'n3', 'n4', 'n5'), desired: 3, unreachableSince: new Map([['n5', gone(3000)], ['n4', gone(3000)]]) },
    want: { remove: 'n4' },
  },
  {
    name: 'with desired 1, goes from 2 voters to the leader alone (1 ≥ quorum 1, and the leader is reachable)',
    view: { membership: voters('n1', 'n2'), desired: 1, unreachableSince: new Map([['n2', gone(2000)]]) },
    want: { remove: 'n2', votersAfter: ['n1'] },
  },
  {
    name: 'removes a learner past the limit even when no voter could be removed (a learner counts toward no quorum)',
    view: { membership: { voters: ['n1', 'n2', 'n3'], learners: ['n4'] }, desired: 5, unreachableSince: new Map([['n3', gone(9000)], ['n4', gone(2000)]]) },
    want: { remove: 'n4', role: 'learner', votersAfter: ['n1', 'n2', 'n3'] },
  },
  // Keeps
  {
    name: 'keeps everyone when the limit is 0 (self-healing off)',
    view: { membership: voters('n1', 'n2', 'n3'), limitMs: 0, unreachableSince: new Map([['n3', gone(1e9)]]) },
    want: { remove: undefined, reason: 'disabled' },
  },
  {
    name: 'keeps a voter unreachable for exactly the limit, not longer',
    view: { membership: voters('n1', 'n2', 'n3'), unreachableSince: new Map([['n3', gone(LIMIT)]]) },
    want: { remove: undefined, reason: 'none-past-limit' },
  },
  {
    name: 'keeps everyone when all are reachable',
    view: { membership: voters('n1', 'n2', 'n3') },
    want: { remove: undefined, reason: 'none-past-limit' },
  },
  {
    name: 'never removes the leader itself, even if it is listed as unreachable',
    view: { membership: voters('n1', 'n2', 'n3'), unreachableSince: new Map([['n1', gone(9000)]]) },
    want: { remove: undefined, reason: 'none-past-limit' },
  },
  {
    name: 'keeps a voter whose removal would leave fewer than a quorum of desired (3 voters, desired 5: 2 < 3)',
    view: { membership: voters('n1', 'n2', 'n3'), desired: 5, unreachableSince: new Map([['n3', gone(9000)]]) },
    want: { remove: undefined, reason: 'below-quorum-of-desired', node: 'n3', unreachableMs: 9000 },
  },
  {
    name: 'never goes below 2 voters with desired 3 (from 2 voters: 1 < 2)',
    view: { membership: voters('n1', 'n2'), desired: 3, unreachableSince: new Map([['n2', gone(9000)]]) },
    want: { remove: undefined, reason: 'below-quorum-of-desired', node: 'n2' },
  },
  {
    name: 'keeps a voter when the reachable voters left would not be a majority (5 voters: 2 of the 4 left reachable)',
    view: { membership: voters('n1', 'n2', 'n3', 'n4', 'n5'), desired: 3, unreachableSince: new Map([['n3', gone(200)], ['n4', gone(9000)], ['n5', gone(9000)]]) },
    want: { remove: undefined, reason: 'reachable-not-majority', node: 'n4' },
  },
  {
    name: 'counts a voter unreachable for less than the limit as unreachable (3 voters, desired 1: 1 of the 2 left reachable)',
    view: { membership: voters('n1', 'n2', 'n3'), desired: 1, unreachableSince: new Map([['n2', gone(100)], ['n3', gone(9000)]]) },
    want: { remove: undefined, reason: 'reachable-not-majority', node: 'n3' },
  },
  {
    name: 'keeps everyone until a desired count is in the log',
    view: { membership: voters('n1', 'n2', 'n3'), desired: undefined, unreachableSince: new Map([['n3', gone(9000)]]) },
    want: { remove: undefined, reason: 'desired-unknown' },
  },
  {
    name: 'keeps everyone while the leader is not a voter (its own removal is under way)',
    view: { membership: voters('n2', 'n3', 'n4'), unreachableSince: new Map([['n4', gone(9000)]]) },
    want: { remove: undefined, reason: 'leader-not-voter' },
  },
  {
    name: 'ignores an unreachable server that is no longer a member',
    view: { membership: voters('n1', 'n2', 'n3'), unreachableSince: new Map([['n9', gone(9000)]]) },
    want: { remove: undefined, reason: 'none-past-limit' },
  },
];

describe('decideRemoval: which unreachable member the leader removes', () => {
  for (const c of cases) {
    it(c.name, () => {
      const view: HealingView = { leader: 'n1', desired: 3, unreachableSince: new Map(), now: NOW, limitMs: LIMIT, ...c.view };
      const d = decideRemoval(view);
      const got = Object.fromEntries(Object.keys(c.want).map((k) => [k, (d as Record<string, unknown>)[k]]));
      assert.deepEqual(got, c.want);
    });
  }

  it('a quorum is a majority: 1→1, 2→2, 3→2, 4→3, 5→3', () => {
    assert.deepEqual([1, 2, 3, 4, 5].map(quorumOf), [1, 2, 2, 3, 3]);
  });

  it('shrinks a 5-voter cluster with 2 dead to 3 voters, one change at a time, and no further with desired 5', () => {
    let membership = voters('n1', 'n2', 'n3', 'n4', 'n5');
    const dead = new Map([['n4', gone(3000)], ['n5', gone(9000)]]);
    const removed: string[] = [];
    for (;;) {
      const d = decideRemoval({ membership, leader: 'n1', desired: 5, unreachableSince: dead, now: NOW, limitMs: LIMIT });
      if (d.remove === undefined) break;
      removed.push(d.remove);
      membership = voters(...d.votersAfter);
    }
    assert.deepEqual(removed, ['n5', 'n4']);
    assert.deepEqual(membership.voters, ['n1', 'n2', 'n3']);
  });
});

describe('unreachableSince: read from the core contact counter', () => {
  const p = (ticksSinceContact: number): MemberProgress => ({ match: 0, next: 1, state: 'replicate', recentActive: false, ticksSinceContact });

  it('lists the members silent for the threshold or more, with since when, never the leader itself', () => {
    const progress = new Map([
      ['n1', p(50)],
      ['n2', p(2)],
      ['n3', p(3)],
      ['n4', p(40)],
    ]);
    assert.deepEqual([...unreachableSince(progress, 'n1', NOW, 50, 3)], [
      ['n3', NOW - 150],
      ['n4', NOW - 2000],
    ]);
  });
});

describe('Healer: the leader removes, and says so in the domain words', () => {
  const lines: string[] = [];
  const logger = { debug: () => undefined, info: (l: string) => lines.push(l), warn: (l: string) => lines.push(l) };

  it('logs the removal with term, member, how long unreachable, voters before and after, desired', () => {
    lines.length = 0;
    const taken: ConfChange[] = [];
    const ok = new Healer('n1', logger, LIMIT).step({ membership: voters('n1', 'n2', 'n3'), desired: 3, unreachableSince: new Map([['n3', gone(1500)]]), now: NOW }, 7, (cc) => (taken.push(cc), true));
    assert.equal(ok, true);
    assert.deepEqual(taken, [{ type: 'remove', node: 'n3' }]);
    assert.deepEqual(lines, ['n1 [term 7] removed voter n3, unreachable for 1500 ms (limit 1000 ms): voters n1,n2,n3 → n1,n2, desired 3']);
  });

  it('logs nothing when the core refuses the change (another is pending), and tries again later', () => {
    lines.length = 0;
    const h = new Healer('n1', logger, LIMIT);
    const view = { membership: voters('n1', 'n2', 'n3'), desired: 3, unreachableSince: new Map([['n3', gone(1500)]]), now: NOW };
    assert.equal(h.step(view, 7, () => false), false);
    assert.deepEqual(lines, []);
    assert.equal(h.step(view, 7, () => true), true);
    assert.equal(lines.length, 1);
  });

  it('says once, not every tick, why it keeps a voter it cannot reach', () => {
    lines.length = 0;
    const h = new Healer('n1', logger, LIMIT);
    const view = { membership: voters('n1', 'n2', 'n3'), desired: 5, unreachableSince: new Map([['n3', gone(1500)]]), now: NOW };
    for (let i = 0; i < 5; i++) assert.equal(h.step(view, 7, () => assert.fail('nothing may be removed')), false);
    assert.deepEqual(lines, ['n1 [term 7] keeps voter n3, unreachable for 1500 ms (limit 1000 ms): removing it would leave 2 voters, fewer than a quorum (3) of the desired 5']);
  });
});

describe('RaftNode: the self-healing options and setDesiredMembers check their input', () => {
  const base = { id: 'n1', dataDir: '/nonexistent', listen: { host: '127.0.0.1', port: 0 }, secret: 's', peers: new Map(), stateMachine: { apply: () => undefined, snapshot: () => new Uint8Array(), restore: () => undefined } };

  for (const [name, opts, problem] of [
    ['a negative desiredMembers', { desiredMembers: -1 }, /desiredMembers must be an integer of at least 0/],
    ['a fractional desiredMembers', { desiredMembers: 2.5 }, /desiredMembers must be an integer of at least 0/],
    ['a negative removeUnreachableAfterMs', { removeUnreachableAfterMs: -5 }, /removeUnreachableAfterMs must be a number of ms of at least 0/],
    ['a NaN removeUnreachableAfterMs', { removeUnreachableAfterMs: Number.NaN }, /removeUnreachableAfterMs must be/],
  ] as const) {
    it(`refuses ${name} when the node is made`, () => {
      assert.throws(() => new RaftNode({ ...base, ...opts }), (e: unknown) => e instanceof RangeError && problem.test(e.message));
    });
  }

  for (const bad of [0, -3, 1.5, Number.NaN, '3' as unknown as number]) {
    it(`setDesiredMembers(${typeof bad === 'number' ? bad : JSON.stringify(bad)}) is refused with ERR_INVALID_DESIRED_MEMBERS before anything is proposed`, async () => {
      await assert.rejects(new RaftNode(base).setDesiredMembers(bad), (e: unknown) => e instanceof RaftRequestError && e.code === 'ERR_INVALID_DESIRED_MEMBERS' && /integer of at least 1/.test(e.message));
    });
  }
});
