import type { Chess, Square } from 'chess.js';
import { canMove } from './board';
import { eachPiece } from './position';

const FILES = 'abcdefgh';

/**
 * Whether the side to move has a legal move, asked of chess.js one piece at a time and stopping
 * at the first piece that has one. chess.js's `isStalemate` generates every legal move of the
 * position; most positions answer here after a piece or two, and only a position with no legal
 * move at all (stalemate or mate) costs a full generation.
 *
 * `placement` is the FEN's first field for the position on `board`, and `white` the side to move.
 */
export function hasLegalMove(board: Chess, placement: string, white: boolean): boolean {
  // Pieces that usually have somewhere to go first (knights, queens, rooks, bishops), then
  // pawns, then the king, which sits boxed in for much of a game.
  const squares: [Square[], Square[], Square[]] = [[], [], []];
  eachPiece(placement, (piece, file, rank) => {
    if (piece < 97 !== white) return;
    const kind = piece | 32; // lower case
    squares[kind === 107 /* k */ ? 2 : kind === 112 /* p */ ? 1 : 0].push(`${FILES[file]}${rank + 1}` as Square);
  });
  for (const group of squares) for (const square of group) if (canMove(board, square)) return true;
  return false;
}
