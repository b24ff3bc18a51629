import type { Chess, Square } from 'chess.js';
import { canMove } from './board';

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
  let rank = 8;
  let file = 0;
  for (let i = 0; i < placement.length; i++) {
    const ch = placement.charCodeAt(i);
    if (ch === 47 /* / */) {
      rank--;
      file = 0;
    } else if (ch >= 49 && ch <= 56 /* 1-8 */) {
      file += ch - 48;
    } else {
      const upper = ch < 97;
      if (upper === white) {
        const sq = `${FILES[file]}${rank}` as Square;
        const kind = ch | 32; // lower case
        squares[kind === 107 /* k */ ? 2 : kind === 112 /* p */ ? 1 : 0].push(sq);
      }
      file++;
    }
  }
  for (const group of squares) for (const square of group) if (canMove(board, square)) return true;
  return false;
}
