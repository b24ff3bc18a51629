import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChessMachine } from '@rookery/chess-fsm';
import { playout, playouts } from '@rookery/testing';

describe('playouts: games the state machine plays to the end without ending them', () => {
  it('are the same for the same seed and differ across seeds', () => {
    assert.deepEqual(playout(7, 60), playout(7, 60));
    assert.notDeepEqual(playout(7, 60), playout(8, 60));
  });

  it('are applied by the chess state machine move by move, every one accepted, the game still in play', () => {
    const m = new ChessMachine();
    const games = playouts(6, 300, 100);
    for (const [g, moves] of games.entries()) {
      const id = `g${g}`;
      const base = { session: `bench-session-w${g}`, gameId: id };
      assert.equal(m.apply({ type: 'create', requestId: 'c', ...base, token: `white-token-${g}-00000`, color: 'white', timeControl: null }, 1).result.ok, true);
      assert.equal(m.apply({ type: 'join', requestId: 'j', session: `bench-session-b${g}`, gameId: id, token: `black-token-${g}-00000` }, 2).result.ok, true);
      for (const [i, uci] of moves.entries()) {
        const white = i % 2 === 0;
        const r = m.apply({ type: 'move', requestId: `m${i}`, session: white ? base.session : `bench-session-b${g}`, gameId: id, token: white ? `white-token-${g}-00000` : `black-token-${g}-00000`, move: uci }, 3 + i);
        assert.equal(r.result.ok, true, `game ${g} ply ${i} ${uci}: ${JSON.stringify(r.result)}`);
      }
      assert.equal(m.view(id)!.status, 'started', `game ${g} is still in play after ${moves.length} plies`);
      assert.equal(moves.length, 300);
    }
  });
});
