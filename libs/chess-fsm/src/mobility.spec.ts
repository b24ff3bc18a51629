import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Chess } from 'chess.js';
import { hasLegalMove } from './board';
import { seeded } from './machine.spec-fixtures';

/** hasLegalMove on a FEN, against chess.js's own count of the legal moves. */
function check(fen: string): boolean {
  const board = new Chess(fen);
  const got = hasLegalMove(board);
  assert.equal(got, board.moves().length > 0, `${fen}: hasLegalMove says ${got}, chess.js counts ${board.moves().length} legal moves`);
  return got;
}

describe('hasLegalMove: whether the side to move can move, piece by piece', () => {
  it('says no in stalemates and mates, for either side', () => {
    for (const fen of [
      'k7/8/1QK5/8/8/8/8/8 b - - 0 1', // the king boxed in by queen and king
      '7k/5Q2/6K1/8/8/8/8/8 b - - 1 1',
      '8/8/8/8/8/5k2/5p2/5K2 w - - 0 1', // white's king blocked by a pawn it cannot take
      '5bnr/4p1pq/4Qpkr/7p/7P/4P3/PPPP1PP1/RNB1KBNR b KQ - 2 10', // Loyd's ten-move stalemate: every black piece stuck
      'k7/P7/K7/8/8/8/8/8 b - - 0 1', // a pawn guards the escape
      'K7/8/1q6/8/8/8/8/7k w - - 0 1', // white's king, by a queen
      '7k/6Q1/6K1/8/8/8/8/8 b - - 0 1', // mate
      'rnb1kbnr/pppp1ppp/8/4p3/6Pq/5P2/PPPPP2P/RNBQKBNR w KQkq - 1 3', // fool's mate
    ]) {
      assert.equal(check(fen), false, fen);
    }
  });

  it('says yes when one piece alone can move: a rook, a pawn, en passant, a promotion, a capture by the king', () => {
    for (const fen of [
      'k7/8/1QK5/8/8/8/8/7r b - - 0 1', // only the rook
      'k7/2Q5/1K6/8/8/8/1p6/8 b - - 0 1', // only the pawn's push
      '8/8/8/8/5pP1/5K2/8/7k b - g3 0 1', // black's pawn f4 may take en passant
      'k7/2Q4P/1K6/8/8/8/8/8 w - - 0 1', // white has many, the pawn among them
      '7k/5Q2/6K1/8/8/8/p7/8 b - - 0 1', // only the pawn's promotion
      '1k6/1P6/1K6/8/8/8/8/r7 b - - 0 1', // only the rook, while its king is boxed in
      'k7/8/K7/8/8/8/8/1R5b b - - 0 1', // a bishop's move
      'k7/1R6/8/K7/8/8/8/8 b - - 0 1', // the king takes the unguarded rook
      '4k3/8/8/8/8/8/8/R3K2R w KQ - 0 1',
      'rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1', // the start: the king boxed in, others free
    ]) {
      assert.equal(check(fen), true, fen);
    }
  });

  it('agrees with chess.js on every position of 200 seeded random games', () => {
    const rand = seeded(20261126);
    let positions = 0;
    let none = 0;
    for (let g = 0; g < 200; g++) {
      const board = new Chess();
      for (let ply = 0; ply < 300; ply++) {
        const fen = board.fen();
        positions++;
        if (!check(fen)) {
          none++;
          break;
        }
        const moves = board.moves();
        board.move(moves[rand(moves.length)]!);
      }
    }
    assert.ok(positions > 20_000, `${positions} positions`);
    assert.ok(none > 0, 'some games reached a position with no legal move (mate or stalemate)');
  });
});
