import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpectatorTally } from './spectator-tally';

/** SpectatorTally: this node's count plus each peer's fresh report, announced when it changes. */
describe('SpectatorTally', () => {
  it('adds the peers\' fresh reports to the local count, and announces each change once', () => {
    const t = new SpectatorTally(3500);
    t.setLocal(new Map([['g1', 2]]));
    t.heard('n2', [['g1', 3], ['g2', 1]], 0);
    assert.deepEqual(t.changes(0), [['g1', 5], ['g2', 1]]);
    assert.deepEqual(t.changes(500), [], 'nothing changed: nothing announced again');
    assert.equal(t.total('g1', 500), 5);
    assert.equal(t.total('g1', 500, 4), 7, 'with a fresher local count');
    t.heard('n3', [['g1', 1]], 1000);
    assert.deepEqual(t.changes(1000), [['g1', 6]]);
  });

  it('a zero in a report removes that peer\'s spectators of the game at once; the local count dropping to none announces 0', () => {
    const t = new SpectatorTally(3500);
    t.setLocal(new Map([['g1', 1]]));
    t.heard('n2', [['g1', 2]], 0);
    assert.deepEqual(t.changes(0), [['g1', 3]]);
    t.heard('n2', [['g1', 0]], 1000);
    assert.deepEqual(t.changes(1000), [['g1', 1]]);
    t.setLocal(new Map());
    assert.deepEqual(t.changes(2000), [['g1', 0]]);
    assert.deepEqual(t.changes(3000), []);
  });

  it('forgets a peer\'s report after staleMs without news (a node that died takes its spectators along)', () => {
    const t = new SpectatorTally(3500);
    t.heard('n2', [['g1', 4]], 0);
    t.heard('n3', [['g1', 1]], 0);
    assert.deepEqual(t.changes(0), [['g1', 5]]);
    t.heard('n3', [['g1', 1]], 3000); // n3 keeps reporting, n2 fell silent
    assert.deepEqual(t.changes(3500), [], 'n2 is still fresh at exactly staleMs');
    assert.deepEqual(t.changes(3501), [['g1', 1]]);
    assert.deepEqual(t.changes(7000), [['g1', 0]]);
    assert.equal(t.total('g1', 7000), 0);
  });
});
