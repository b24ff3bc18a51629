import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkHistory, explainGame, type Verdict } from './checker';
import { HistoryBuilder, started, versionAfter } from './spec-builder';

/**
 * A checker that cannot fail proves nothing: each broken history below must be caught by the
 * check meant for it, and each tricky valid one must pass. White and black play one game; times
 * are on one line, and `started(moves)` is the view after `moves`.
 */

const OPENING = ['e2e4', 'e7e5', 'g1f3', 'b8c6', 'f3g1', 'c6b8', 'g1f3'];
const upTo = (n: number): string[] => OPENING.slice(0, n);
const v = (n: number): number => versionAfter(OPENING, n);

/** White e4 (4-5), black e5 (6-7): the first two plies acknowledged. */
function opened(): HistoryBuilder {
  return HistoryBuilder.started().move('white', 'w1', 'e2e4', { at: 4, done: 5, version: v(1) }).move('black', 'b1', 'e7e5', { at: 6, done: 7, version: v(2) });
}

function explain(verdict: Verdict): string {
  return verdict.games.flatMap(explainGame).join('\n');
}

function assertValid(verdict: Verdict): void {
  assert.equal(verdict.ok, true, explain(verdict));
}

describe('chaos checker: valid histories it must accept', () => {
  it('a sequential game with reads along the way', () => {
    const h = opened()
      .read(started(upTo(1)), { at: 5.5, done: 5.8, node: 'n2' })
      .move('white', 'w2', 'g1f3', { at: 8, done: 9, version: v(3) })
      .read(started(upTo(3)), { at: 10, done: 11, consistency: 'linearizable' })
      .final(started(upTo(3)))
      .build();
    const verdict = checkHistory(h);
    assertValid(verdict);
    assert.equal(verdict.acked, 5);
  });

  it('a concurrent unknown move that did take effect (a read and the final game show it)', () => {
    const h = opened()
      .move('white', 'w2', 'g1f3', { at: 8, done: 12, outcome: 'unknown', code: 'ERR_TIMEOUT' })
      .read(started(upTo(3)), { at: 14, done: 15 })
      .move('black', 'b2', 'b8c6', { at: 15, done: 16, version: v(4) })
      .final(started(upTo(4)))
      .build();
    assertValid(checkHistory(h));
  });

  it('a concurrent unknown move that never took effect (another move took its place)', () => {
    const h = opened()
      .move('white', 'w2', 'g1f3', { at: 8, done: 12, outcome: 'unknown', code: 'timeout' })
      .move('white', 'w3', 'd2d4', { at: 13, done: 14, version: v(2) + 1 })
      .final(started(['e2e4', 'e7e5', 'd2d4']))
      .build();
    assertValid(checkHistory(h));
  });

  it('a retry with the same request id answered as a duplicate (the first attempt had been applied)', () => {
    const h = opened()
      .move('white', 'w2', 'g1f3', { at: 8, done: 10, outcome: 'unknown', code: 'disconnect' })
      .move('white', 'w2', 'g1f3', { at: 11, done: 12, version: v(3), duplicate: true })
      .final(started(upTo(3)))
      .build();
    assertValid(checkHistory(h));
  });

  it('a retry with the same request id that applied it (the first attempt never reached the log)', () => {
    const h = opened()
      .move('white', 'w2', 'g1f3', { at: 8, done: 10, outcome: 'unknown', code: 'ERR_UNAVAILABLE' })
      .move('white', 'w2', 'g1f3', { at: 11, done: 12, version: v(3) })
      .final(started(upTo(3)))
      .build();
    assertValid(checkHistory(h));
  });

  it('an unknown move that took effect long after its client gave up', () => {
    const h = opened()
      .move('white', 'w2', 'g1f3', { at: 8, done: 9, outcome: 'unknown', code: 'ERR_TIMEOUT' })
      .read(started(upTo(2)), { at: 10, done: 11, consistency: 'linearizable' })
      .read(started(upTo(3)), { at: 20, done: 21, consistency: 'linearizable' })
      .final(started(upTo(3)))
      .build();
    assertValid(checkHistory(h));
  });

  it('a replica read that trails the leader (a lagging node), and one from a restarted process', () => {
    const h = opened()
      .read(started(upTo(1)), { at: 7.5, done: 8, node: 'n3', process: 'n3#1' })
      .move('white', 'w2', 'g1f3', { at: 8, done: 9, version: v(3), node: 'n2', process: 'n2#100' })
      .read(started(upTo(2)), { at: 10, done: 11, node: 'n2', process: 'n2#200' })
      .final(started(upTo(3)))
      .build();
    assertValid(checkHistory(h));
  });

  it('many unknown moves pending at once (a cluster without a leader), decided quickly', () => {
    // Both players keep trying moves that time out; one of white's (d2d4) went through in the end.
    const h = opened();
    const tries = ['a2a3', 'b2b3', 'c2c3', 'd2d3', 'f2f3', 'g2g3', 'h2h3', 'a2a4', 'b2b4', 'c2c4', 'g1h3', 'b1c3', 'b1a3', 'h2h4', 'd2d4'];
    tries.forEach((m, i) => h.move('white', `w${i + 2}`, m, { at: 8 + i, done: 9 + i, outcome: 'unknown', code: 'ERR_TIMEOUT' }));
    ['a7a6', 'b7b6', 'c7c6', 'd7d6', 'f7f6', 'g7g6', 'h7h6', 'g8f6'].forEach((m, i) => h.move('black', `b${i + 2}`, m, { at: 8.5 + i, done: 9.5 + i, outcome: 'unknown', code: 'ERR_UNAVAILABLE' }));
    for (let i = 0; i < 10; i++) h.read(started(upTo(2)), { at: 8 + 2 * i, done: 8.5 + 2 * i });
    const started0 = Date.now();
    assertValid(checkHistory(h.final(started(['e2e4', 'e7e5', 'd2d4'])).build()));
    assert.ok(Date.now() - started0 < 2000, `took ${Date.now() - started0} ms`);
  });

  it('event streams: in order from the first event, and resumed after a watch on another connection', () => {
    const h = opened()
      .move('white', 'w2', 'g1f3', { at: 8, done: 9, version: v(3) })
      .stream(1, [['event', v(1), 'e2e4'], ['event', v(2), 'e7e5']])
      .stream(2, [['watched', v(2)], ['catchup', v(3), 'g1f3']])
      .final(started(upTo(3)))
      .build();
    assertValid(checkHistory(h));
  });

  it('overlapping moves of both players, one refused as out of turn, and a resignation', () => {
    const h = opened()
      .move('white', 'w2', 'g1f3', { at: 8, done: 10, version: v(3) })
      .move('black', 'b2', 'b8c6', { at: 8.5, done: 9, outcome: 'fail', code: 'ERR_NOT_YOUR_TURN' })
      .move('black', 'b3', 'b8c6', { at: 11, done: 12, version: v(4) })
      .resign('white', 'w3', { at: 13, done: 14, version: v(4) + 1 })
      .final({ ...started(upTo(4), 'ended', '0-1'), version: v(4) + 1 })
      .build();
    assertValid(checkHistory(h));
  });
});

describe('chaos checker: broken histories it must catch', () => {
  it('a lost acknowledgement: an acknowledged move missing from the final game', () => {
    const h = opened().move('white', 'w2', 'g1f3', { at: 8, done: 9, version: v(3) }).final(started(upTo(2))).build();
    const verdict = checkHistory(h);
    assert.equal(verdict.lost, 1, explain(verdict));
    assert.equal(verdict.nonLinearizable, 1);
    assert.equal(verdict.ok, false);
  });

  it('a duplicated move: one request applied twice (answered with two versions)', () => {
    const h = opened()
      .move('white', 'w2', 'g1f3', { at: 8, done: 9, version: v(3) })
      .move('black', 'b2', 'b8c6', { at: 10, done: 11, version: v(4) })
      .move('white', 'w3', 'f3g1', { at: 12, done: 13, version: v(5) })
      .move('black', 'b3', 'c6b8', { at: 14, done: 15, version: v(6) })
      .move('white', 'w2', 'g1f3', { at: 16, done: 17, version: v(7) })
      .final(started(upTo(7)))
      .build();
    const verdict = checkHistory(h);
    assert.equal(verdict.duplicated, 1, explain(verdict));
    assert.equal(verdict.nonLinearizable, 1);
  });

  it('a duplicated ply: two commands acknowledged with the same version', () => {
    const h = opened()
      .move('white', 'w2', 'g1f3', { at: 8, done: 9, version: v(3) })
      .move('white', 'w3', 'g1f3', { at: 10, done: 11, version: v(3) })
      .final(started(upTo(3)))
      .build();
    const verdict = checkHistory(h);
    assert.equal(verdict.duplicated, 1, explain(verdict));
    assert.equal(verdict.ok, false);
  });

  it('a stale linearizable read: older than a move acknowledged before it began', () => {
    const h = opened().read(started(upTo(1)), { at: 8, done: 9, consistency: 'linearizable' }).final(started(upTo(2))).build();
    const verdict = checkHistory(h);
    assert.equal(verdict.nonLinearizable, 1, explain(verdict));
  });

  it('a stale replica read: older than what the same process already answered', () => {
    const h = HistoryBuilder.started()
      .move('white', 'w1', 'e2e4', { at: 4, done: 5, version: v(1), process: 'n2#100' })
      .move('black', 'b1', 'e7e5', { at: 6, done: 7, version: v(2), process: 'n2#100' })
      .read(started(upTo(1)), { at: 8, done: 9, node: 'n2', process: 'n2#100' })
      .final(started(upTo(2)))
      .build();
    const verdict = checkHistory(h);
    assert.equal(verdict.stale, 1, explain(verdict));
    assert.equal(verdict.ok, false);
  });

  it('an illegal move in the final game', () => {
    // e4-e5 runs into black's pawn.
    const h = opened().final({ version: v(2) + 1, status: 'started', result: '*', moves: [...upTo(2), 'e4e5'] }).build();
    const verdict = checkHistory(h);
    assert.equal(verdict.illegal, 1, explain(verdict));
    assert.equal(verdict.nonLinearizable, 1);
  });

  it('a non-linearizable interleaving: versions that contradict real time', () => {
    // White's second move was acknowledged before black's first was even sent, yet comes after it.
    const h = HistoryBuilder.started()
      .move('white', 'w1', 'e2e4', { at: 4, done: 5, version: v(1) })
      .move('white', 'w2', 'g1f3', { at: 6, done: 7, version: v(3) })
      .move('black', 'b1', 'e7e5', { at: 8, done: 9, version: v(2) })
      .final(started(upTo(3)))
      .build();
    const verdict = checkHistory(h);
    assert.equal(verdict.lost + verdict.duplicated + verdict.illegal, 0, 'only the search can see this one');
    assert.equal(verdict.nonLinearizable, 1, explain(verdict));
  });

  it('divergent nodes', () => {
    const h = opened().final(started(upTo(2)), { n3: started(upTo(1)) }).build();
    const verdict = checkHistory(h);
    assert.equal(verdict.divergent, 1, explain(verdict));
  });

  it('a read of a state the game never passed through (a phantom move)', () => {
    const h = opened().read({ ...started(upTo(1)), version: v(2), moves: ['e2e4', 'd7d5'] }, { at: 6.5, done: 6.9 }).final(started(upTo(2))).build();
    const verdict = checkHistory(h);
    assert.equal(verdict.nonLinearizable, 1, explain(verdict));
  });

  it('a read from the future: it shows a move sent after it was answered', () => {
    const h = HistoryBuilder.started()
      .read(started(upTo(1)), { at: 3.5, done: 3.9 })
      .move('white', 'w1', 'e2e4', { at: 4, done: 5, version: v(1) })
      .final(started(upTo(1)))
      .build();
    assert.equal(checkHistory(h).nonLinearizable, 1);
  });

  it('a definite refusal that took effect after all', () => {
    const h = opened().move('white', 'w2', 'g1f3', { at: 8, done: 9, outcome: 'fail', code: 'ERR_NOT_YOUR_TURN' }).final(started(upTo(3))).build();
    assert.equal(checkHistory(h).nonLinearizable, 1);
  });

  it('a first application answered as a duplicate', () => {
    const h = opened().move('white', 'w2', 'g1f3', { at: 8, done: 9, version: v(3), duplicate: true }).final(started(upTo(3))).build();
    assert.equal(checkHistory(h).nonLinearizable, 1);
  });

  it('event streams with a gap, a duplicate after a resume, and a move that is not the game\'s', () => {
    const h = opened()
      .move('white', 'w2', 'g1f3', { at: 8, done: 9, version: v(3) })
      .move('black', 'b2', 'b8c6', { at: 10, done: 11, version: v(4) })
      .stream(1, [['event', v(1), 'e2e4'], ['event', v(3), 'g1f3']])
      .stream(2, [['watched', v(2)], ['catchup', v(3), 'g1f3'], ['event', v(3), 'g1f3'], ['event', v(4), 'b8c6']])
      .stream(3, [['event', v(2), 'd7d5']])
      .final(started(upTo(4)))
      .build();
    const verdict = checkHistory(h);
    assert.equal(verdict.stream, 3, explain(verdict));
    assert.equal(verdict.ok, false);
  });

  it('an acknowledged resignation and an acknowledged create, lost', () => {
    const resigned = opened().resign('black', 'b2', { at: 8, done: 9, version: v(2) + 1 }).final(started(upTo(2))).build();
    assert.equal(checkHistory(resigned).lost, 1);
    const forgotten = opened().final(null).build();
    const verdict = checkHistory(forgotten);
    assert.equal(verdict.lost, 4, explain(verdict));
  });
});
