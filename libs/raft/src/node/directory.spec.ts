import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConfChange, Membership } from '../core/types';
import { Directory, ENDED_STINTS } from './directory';

const at = (port: number): { host: string; port: number } => ({ host: '127.0.0.1', port });

function directory(): { d: Directory; warnings: string[] } {
  const warnings: string[] = [];
  const d = new Directory('n1', { debug: () => undefined, info: () => undefined, warn: (l) => warnings.push(l) }, () => undefined);
  return { d, warnings };
}

/** The change step() takes for `m`, if any. */
function next(d: Directory, m: Membership): ConfChange | undefined {
  let taken: ConfChange | undefined;
  const asked = d.step(m, (cc) => ((taken = cc), true));
  assert.equal(asked, taken !== undefined);
  return taken;
}

describe('Directory: the desired member count', () => {
  it('is unknown until fixed; the first initial count fixes it, a later initial one does not move it', () => {
    const { d } = directory();
    assert.equal(d.desiredMembers, undefined);
    d.apply('~desired', { count: 3, initial: true });
    d.apply('~desired', { count: 5, initial: true });
    assert.equal(d.desiredMembers, 3);
  });

  it('an operator count replaces it, and an initial count arriving afterwards does not undo it', () => {
    const { d } = directory();
    d.apply('~desired', { count: 5 });
    d.apply('~desired', { count: 3, initial: true });
    assert.equal(d.desiredMembers, 5);
    d.apply('~desired', { count: 4 });
    assert.equal(d.desiredMembers, 4);
  });

  for (const bad of [0, -1, 2.5, '3', null]) {
    it(`ignores a count of ${JSON.stringify(bad)} at apply, with a warning`, () => {
      const { d, warnings } = directory();
      d.apply('~desired', { count: 3 });
      d.apply('~desired', { count: bad });
      assert.equal(d.desiredMembers, 3);
      assert.match(warnings[0] ?? '', /ignored a desired member count/);
    });
  }

  it('travels in the snapshot; a snapshot from before it existed leaves it unknown', () => {
    const { d } = directory();
    d.apply('~join', { id: 'n4', address: at(7004) });
    d.apply('~desired', { count: 5 });
    const copy = directory().d;
    copy.restore(JSON.parse(JSON.stringify(d)));
    assert.equal(copy.desiredMembers, 5);
    assert.deepEqual(copy.addresses(), [['n4', at(7004)]]);
    copy.restore({ book: [], wanted: [] });
    assert.equal(copy.desiredMembers, undefined);
  });
});

describe('Directory: a removed member stays out until it asks to join again', () => {
  it('a joiner is added as a learner, promoted, and after a removal is not added back by its old wish', () => {
    const { d } = directory();
    d.apply('~join', { id: 'n4', address: at(7004) });
    assert.deepEqual(next(d, { voters: ['n1', 'n2', 'n3'], learners: [] }), { type: 'add-learner', node: 'n4' });
    assert.deepEqual(next(d, { voters: ['n1', 'n2', 'n3'], learners: ['n4'] }), { type: 'promote', node: 'n4' });
    assert.equal(next(d, { voters: ['n1', 'n2', 'n3', 'n4'], learners: [] }), undefined);
    d.removed('n4');
    assert.equal(next(d, { voters: ['n1', 'n2', 'n3'], learners: [] }), undefined, 'not re-added');
  });

  it('is promoted even when the voters already number the desired count (how a dead member is replaced)', () => {
    const { d } = directory();
    d.apply('~desired', { count: 3 });
    d.apply('~join', { id: 'n4', address: at(7004) });
    assert.deepEqual(next(d, { voters: ['n1', 'n2', 'n3'], learners: ['n4'] }), { type: 'promote', node: 'n4' });
  });

  it('a removed member that joins again, even at a new address, is added back', () => {
    const { d } = directory();
    d.apply('~join', { id: 'n4', address: at(7004) });
    d.removed('n4');
    d.apply('~join', { id: 'n4', address: at(7104) });
    assert.deepEqual(d.addresses(), [['n4', at(7104)]]);
    assert.deepEqual(next(d, { voters: ['n1', 'n2', 'n3'], learners: [] }), { type: 'add-learner', node: 'n4' });
  });
});

describe('Directory: a join in the name of a member known elsewhere', () => {
  it('is refused with why (the same on every node), and changes nothing; the same address is a repeat, not a refusal', () => {
    const { d, warnings } = directory();
    assert.equal(d.apply('~join', { id: 'n4', address: at(7004) }), undefined);
    const before = JSON.stringify(d);
    const why = d.apply('~join', { id: 'n4', address: at(7104) });
    assert.equal(why?.code, 'ERR_JOIN_REFUSED');
    assert.match(why?.message ?? '', /n4 at 127\.0\.0\.1:7104 is refused: n4 is a member known at 127\.0\.0\.1:7004/);
    assert.equal(JSON.stringify(d), before, 'nothing changed');
    assert.equal(warnings.length, 1);
    assert.equal(d.apply('~join', { id: 'n4', address: at(7004) }), undefined);
  });
});

describe('Directory: an operator removal bars the incarnation it removed', () => {
  const A = 'aaaaaaaaaaaaaaaa';
  const B = 'bbbbbbbbbbbbbbbb';
  const withN4 = { voters: ['n1', 'n2', 'n3', 'n4'], learners: [] };
  const without = { voters: ['n1', 'n2', 'n3'], learners: [] };

  it('the removed server asking again as the same incarnation is refused with ERR_MEMBER_REMOVED, and nothing changes', () => {
    const { d, warnings } = directory();
    d.apply('~join', { id: 'n4', address: at(7004), incarnation: A });
    d.apply('~leave', { id: 'n4', removal: true });
    assert.deepEqual(next(d, withN4), { type: 'remove', node: 'n4' });
    const before = JSON.stringify(d);
    const refusal = d.apply('~join', { id: 'n4', address: at(7004), incarnation: A });
    assert.equal(refusal?.code, 'ERR_MEMBER_REMOVED');
    assert.match(refusal?.message ?? '', /n4 \(incarnation a{16}\) is refused: an operator removed n4/);
    assert.equal(JSON.stringify(d), before, 'nothing changed');
    assert.equal(warnings.length, 1, 'the refusal is logged');
    assert.equal(next(d, without), undefined, 'it stays out');
    assert.deepEqual(next(d, withN4), { type: 'remove', node: 'n4' }, 'and is still to be removed if it were back');
  });

  it('a new incarnation under the same id (an empty data directory) is taken', () => {
    const { d } = directory();
    d.apply('~join', { id: 'n4', address: at(7004), incarnation: A });
    d.apply('~leave', { id: 'n4', removal: true });
    assert.equal(d.apply('~join', { id: 'n4', address: at(7004), incarnation: B }), undefined);
    assert.deepEqual(next(d, without), { type: 'add-learner', node: 'n4' });
    // ...and the bar on A is gone with it: A was never removed as the member it now is.
    d.apply('~leave', { id: 'n4', removal: true });
    assert.equal(d.apply('~join', { id: 'n4', address: at(7004), incarnation: A }), undefined);
    assert.equal(d.apply('~join', { id: 'n4', address: at(7004), incarnation: B })?.code, undefined, 'B was not the one removed last');
  });

  it("a member's own leave, and self-healing's removal, bar nothing", () => {
    for (const out of [(d: Directory) => d.apply('~leave', { id: 'n4' }), (d: Directory) => d.removed('n4')]) {
      const { d } = directory();
      d.apply('~join', { id: 'n4', address: at(7004), incarnation: A });
      out(d);
      assert.equal(d.apply('~join', { id: 'n4', address: at(7004), incarnation: A }), undefined);
      assert.deepEqual(next(d, without), { type: 'add-learner', node: 'n4' });
    }
  });

  it("an operator's add (no incarnation) brings the removed server back, and keeps what it last joined as", () => {
    const { d } = directory();
    d.apply('~join', { id: 'n4', address: at(7004), incarnation: A });
    d.apply('~leave', { id: 'n4', removal: true });
    assert.equal(d.apply('~join', { id: 'n4', address: at(7004) }), undefined);
    assert.deepEqual(next(d, without), { type: 'add-learner', node: 'n4' });
    assert.equal(d.apply('~join', { id: 'n4', address: at(7004), incarnation: A }), undefined, 'the bar is lifted');
    // Removed again by an operator: the incarnation it asked as is barred once more.
    d.apply('~join', { id: 'n4', address: at(7004) });
    d.apply('~leave', { id: 'n4', removal: true });
    assert.equal(d.apply('~join', { id: 'n4', address: at(7004), incarnation: A })?.code, 'ERR_MEMBER_REMOVED');
  });

  it('a server that never asked for itself (a founding member) removed by an operator bars nothing it could ask as', () => {
    const { d } = directory();
    d.apply('~leave', { id: 'n3', removal: true });
    assert.equal(d.apply('~join', { id: 'n3', address: at(7003), incarnation: A }), undefined);
  });

  it('the bar is carried in snapshots; a snapshot from before it existed restores with none', () => {
    const { d } = directory();
    d.apply('~join', { id: 'n4', address: at(7004), incarnation: A });
    d.apply('~join', { id: 'n5', address: at(7005), incarnation: B });
    d.apply('~leave', { id: 'n4', removal: true });
    const restored = directory().d;
    restored.restore(JSON.parse(JSON.stringify(d)));
    assert.equal(JSON.stringify(restored), JSON.stringify(d));
    assert.equal(restored.apply('~join', { id: 'n4', address: at(7004), incarnation: A })?.code, 'ERR_MEMBER_REMOVED');
    restored.apply('~leave', { id: 'n5', removal: true });
    assert.equal(restored.apply('~join', { id: 'n5', address: at(7005), incarnation: B })?.code, 'ERR_MEMBER_REMOVED', 'what n5 joined as came through too');

    const old = directory().d;
    old.restore({ book: [['n4', at(7004)]], wanted: [['n4', 'gone']], desired: 3 });
    assert.equal(old.apply('~join', { id: 'n4', address: at(7004), incarnation: A }), undefined);
    assert.equal(old.desiredMembers, 3);
  });
});

describe("Directory: a member's own leave ends its stint", () => {
  const A = 'aaaaaaaaaaaaaaaa';
  const S1 = '1111111111111111';
  const S2 = '2222222222222222';
  const without = { voters: ['n1', 'n2', 'n3'], learners: [] };

  it('a join its stint sent before the leave, applied after, is refused with ERR_JOIN_STALE, and nothing changes', () => {
    const { d, warnings } = directory();
    d.apply('~join', { id: 'n4', address: at(7004), incarnation: A, stint: S1 });
    d.apply('~leave', { id: 'n4', stint: S1 });
    const before = JSON.stringify(d);
    const refusal = d.apply('~join', { id: 'n4', address: at(7004), incarnation: A, stint: S1 });
    assert.equal(refusal?.code, 'ERR_JOIN_STALE');
    assert.match(refusal?.message ?? '', /n4 \(stint 1{16}\) is refused: n4 left the cluster since it asked/);
    assert.equal(JSON.stringify(d), before, 'nothing changed');
    assert.equal(warnings.length, 1, 'the refusal is logged');
    assert.equal(next(d, without), undefined, 'it stays out');
  });

  it('a new stint (the server started again, or joining anew after its leave) is taken, with the same incarnation', () => {
    const { d } = directory();
    d.apply('~join', { id: 'n4', address: at(7004), incarnation: A, stint: S1 });
    d.apply('~leave', { id: 'n4', stint: S1 });
    assert.equal(d.apply('~join', { id: 'n4', address: at(7004), incarnation: A, stint: S2 }), undefined);
    assert.deepEqual(next(d, without), { type: 'add-learner', node: 'n4' });
    const before = JSON.stringify(d);
    assert.equal(d.apply('~join', { id: 'n4', address: at(7004), incarnation: A, stint: S1 })?.code, 'ERR_JOIN_STALE', 'back under a new stint, the ended one stays stale');
    assert.equal(JSON.stringify(d), before);
  });

  it('a join held since an earlier stint is stale after the server has come back and left again', () => {
    const { d } = directory();
    d.apply('~join', { id: 'n4', address: at(7004), incarnation: A, stint: S1 });
    d.apply('~leave', { id: 'n4', stint: S1 });
    d.apply('~join', { id: 'n4', address: at(7004), incarnation: A, stint: S2 });
    d.apply('~leave', { id: 'n4', stint: S2 });
    // The stopping server's late joins, from either of its stints, do not add it back.
    assert.equal(d.apply('~join', { id: 'n4', address: at(7004), incarnation: A, stint: S1 })?.code, 'ERR_JOIN_STALE');
    assert.equal(d.apply('~join', { id: 'n4', address: at(7004), incarnation: A, stint: S2 })?.code, 'ERR_JOIN_STALE');
    assert.equal(next(d, without), undefined, 'it stays out');
  });

  it(`keeps a server's latest ${ENDED_STINTS} ended stints, forgetting the oldest`, () => {
    const { d } = directory();
    const stint = (i: number): string => i.toString(16).padStart(16, '0');
    for (let i = 1; i <= ENDED_STINTS + 1; i++) {
      d.apply('~join', { id: 'n4', address: at(7004), incarnation: A, stint: stint(i) });
      d.apply('~leave', { id: 'n4', stint: stint(i) });
    }
    assert.equal(d.apply('~join', { id: 'n4', address: at(7004), incarnation: A, stint: stint(2) })?.code, 'ERR_JOIN_STALE');
    assert.equal(d.apply('~join', { id: 'n4', address: at(7004), incarnation: A, stint: stint(ENDED_STINTS + 1) })?.code, 'ERR_JOIN_STALE');
    assert.equal(d.apply('~join', { id: 'n4', address: at(7004), incarnation: A, stint: stint(1) }), undefined, 'the oldest is forgotten');
  });

  it('only a leave of its own ends a stint: an operator removal bars by incarnation instead, and a join naming no stint is not stale', () => {
    const { d } = directory();
    d.apply('~join', { id: 'n4', address: at(7004), incarnation: A, stint: S1 });
    d.apply('~leave', { id: 'n4', removal: true });
    assert.equal(d.apply('~join', { id: 'n4', address: at(7004), incarnation: A, stint: S2 })?.code, 'ERR_MEMBER_REMOVED');
    const other = directory().d;
    other.apply('~join', { id: 'n4', address: at(7004), incarnation: A, stint: S1 });
    other.apply('~leave', { id: 'n4', stint: S1 });
    assert.equal(other.apply('~join', { id: 'n4', address: at(7004), incarnation: A }), undefined, 'a server of a version before stints');
    assert.equal(other.apply('~join', { id: 'n4', address: at(7004) }), undefined, "an operator's add");
  });

  it('the ended stints are carried in snapshots', () => {
    const { d } = directory();
    d.apply('~join', { id: 'n4', address: at(7004), incarnation: A, stint: S1 });
    d.apply('~leave', { id: 'n4', stint: S1 });
    const restored = directory().d;
    restored.restore(JSON.parse(JSON.stringify(d)));
    assert.equal(JSON.stringify(restored), JSON.stringify(d));
    assert.equal(restored.apply('~join', { id: 'n4', address: at(7004), incarnation: A, stint: S1 })?.code, 'ERR_JOIN_STALE');
  });

  it('reads a snapshot that kept one ended stint per server', () => {
    const { d } = directory();
    d.restore({ book: [['n4', at(7004)]], wanted: [['n4', 'gone']], departed: [['n4', S1]] });
    assert.equal(d.apply('~join', { id: 'n4', address: at(7004), incarnation: A, stint: S1 })?.code, 'ERR_JOIN_STALE');
    assert.equal(d.apply('~join', { id: 'n4', address: at(7004), incarnation: A, stint: S2 }), undefined);
  });
});

describe("Directory: the log versions members read, and the cluster's", () => {
  const members = (voters: string[], learners: string[] = []): Membership => ({ voters, learners });
  const join = (id: string, port: number, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ id, address: at(port), incarnation: '0123456789abcdef', ...extra });

  it('starts at 1; rises to the least version every member reads, only once all have said, and only above where it is', () => {
    const { d } = directory();
    assert.equal(d.clusterLogVersion, 1);
    const m = members(['n1', 'n2'], ['n3']);
    d.apply('~versions', { n1: 3, n2: 2 });
    assert.equal(d.raisableTo(m), undefined, 'the learner n3 has not said');
    d.apply('~versions', { n3: 1 });
    assert.equal(d.raisableTo(m), undefined, 'n3 reads only version 1');
    d.apply('~versions', { n3: 2, n9: 1 });
    assert.equal(d.raisableTo(m), 2, 'n9 is no member: it does not hold the cluster back');
    d.apply('~log-version', { version: 2 });
    assert.equal(d.clusterLogVersion, 2);
    assert.equal(d.raisableTo(m), undefined, 'already there');
  });

  it('never falls: a stale or repeated raise, and a member saying it reads less, leave it where it is', () => {
    const { d } = directory();
    d.apply('~log-version', { version: 3 });
    d.apply('~log-version', { version: 2 });
    d.apply('~log-version', { version: 3 });
    d.apply('~versions', { n1: 1 });
    assert.equal(d.clusterLogVersion, 3);
    assert.equal(d.logVersions().get('n1'), 1, 'the downgraded member is recorded as it says (it stops once it sees the log)');
    for (const junk of [0, -2, 1.5, '4', null]) d.apply('~log-version', { version: junk });
    assert.equal(d.clusterLogVersion, 3, 'junk reads as version 1, below it');
  });

  it('says which versions heard are not in the log yet', () => {
    const { d } = directory();
    d.apply('~versions', { n1: 2, n2: 1 });
    assert.deepEqual(d.unpublishedVersions(new Map([['n1', 2], ['n2', 2], ['n3', 1]])), [['n2', 2], ['n3', 1]]);
  });

  it('refuses a server that asks to join reading less than the cluster writes (naming no version: 1), with ERR_LOG_VERSION, changing nothing', () => {
    const { d, warnings } = directory();
    d.apply('~log-version', { version: 2 });
    const before = JSON.stringify(d);
    assert.equal(d.apply('~join', join('n4', 7004, { logVersion: 1 }))?.code, 'ERR_LOG_VERSION');
    assert.equal(d.apply('~join', join('n4', 7004))?.code, 'ERR_LOG_VERSION', 'a server from before versions');
    assert.equal(JSON.stringify(d), before);
    assert.match(warnings.join('\n'), /a join for n4 is refused: it reads log version 1, and the cluster writes version 2; upgrade n4 first/);
    assert.equal(d.apply('~join', join('n4', 7004, { logVersion: 2 })), undefined);
    assert.equal(d.logVersions().get('n4'), 2, "the joiner's version is recorded with its join");
    assert.deepEqual(next(d, members(['n1'])), { type: 'add-learner', node: 'n4' });
  });

  it("takes an operator's add (no incarnation, no version) whatever the cluster's version: the operator vouches for the server", () => {
    const { d } = directory();
    d.apply('~log-version', { version: 2 });
    assert.equal(d.apply('~join', { id: 'n4', address: at(7004) }), undefined);
  });

  it('travels in the snapshot; a snapshot from before it existed restores at version 1 with none recorded', () => {
    const { d } = directory();
    d.apply('~versions', { n1: 2, n2: 3 });
    d.apply('~log-version', { version: 2 });
    const copy = directory().d;
    copy.restore(JSON.parse(JSON.stringify(d)));
    assert.equal(copy.clusterLogVersion, 2);
    assert.deepEqual([...copy.logVersions()], [['n1', 2], ['n2', 3]]);
    copy.restore({ book: [], wanted: [] });
    assert.equal(copy.clusterLogVersion, 1);
    assert.equal(copy.logVersions().size, 0);
  });
});
