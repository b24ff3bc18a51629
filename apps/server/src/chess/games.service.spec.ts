import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Command } from '@rookery/chess-fsm';
import { commandForLog } from './games.service';

describe('the command as it goes into the log', () => {
  it("a move leaves its ply behind (checked against the replica before proposing); the command itself is not changed", () => {
    const move: Command = { type: 'move', requestId: 'r1', session: 'session-1', gameId: 'game-1', token: 'token-0123456789abcdef', move: 'e2e4', ply: 3 };
    assert.deepEqual(commandForLog(move), { type: 'move', requestId: 'r1', session: 'session-1', gameId: 'game-1', token: 'token-0123456789abcdef', move: 'e2e4' });
    assert.equal(move.ply, 3);
  });

  it('a move without a ply, and any other command, go in as they are', () => {
    const move: Command = { type: 'move', requestId: 'r2', session: 'session-1', gameId: 'game-1', token: 'token-0123456789abcdef', move: 'Nf3' };
    const resign: Command = { type: 'resign', requestId: 'r3', session: 'session-1', gameId: 'game-1', token: 'token-0123456789abcdef' };
    assert.equal(commandForLog(move), move);
    assert.equal(commandForLog(resign), resign);
  });
});
