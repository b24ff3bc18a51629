import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tallyGame } from './loss';

describe('failover loss check: acknowledged moves against every node’s final game', () => {
  const acked = ['e2e4', 'e7e5', 'g1f3'];

  it('passes a game every node holds exactly as acknowledged', () => {
    assert.deepEqual(tallyGame(acked, [acked, acked, acked]), { lost: 0, unacknowledgedApplied: 0, diverged: false });
  });

  it('counts an acknowledged move missing on one node as lost, and the nodes as diverged', () => {
    assert.deepEqual(tallyGame(acked, [acked, ['e2e4', 'e7e5'], acked]), { lost: 1, unacknowledgedApplied: 0, diverged: true });
  });

  it('counts a move missing on several nodes once', () => {
    assert.equal(tallyGame(acked, [['e2e4'], ['e2e4'], acked]).lost, 2);
  });

  it('counts a move applied twice (everything after it shifted) as lost, not as extra', () => {
    const twice = ['e2e4', 'e2e4', 'e7e5', 'g1f3'];
    const t = tallyGame(acked, [twice, twice, twice]);
    assert.equal(t.lost, 2);
    assert.equal(t.unacknowledgedApplied, 1);
  });

  it('counts moves past the acknowledged ones as applied without an acknowledgement', () => {
    const more = [...acked, 'b8c6'];
    assert.deepEqual(tallyGame(acked, [more, more, more]), { lost: 0, unacknowledgedApplied: 1, diverged: false });
  });

  it('counts every acknowledged move of a game a node does not have as lost', () => {
    assert.equal(tallyGame(acked, [[], acked, acked]).lost, 3);
  });
});
