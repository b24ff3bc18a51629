import type { Color } from './types';

/**
 * Reading what the rules need out of a FEN, without building a board.
 * chess.js writes the en passant square only when an en passant capture is legal, so the first
 * four fields are exactly what FIDE 9.2.3 compares for a repetition: the pieces, the side to
 * move, the castling rights, and the possibility of capturing en passant.
 */

/** The FIDE identity of the position: placement, side to move, castling rights, en passant square. */
export function positionKey(fen: string): string {
  return fen.slice(0, nthSpace(fen, 4));
}

export function placement(fen: string): string {
  return fen.slice(0, nthSpace(fen, 1));
}

export function sideToMove(fen: string): Color {
  return fen.charCodeAt(nthSpace(fen, 1) + 1) === 98 /* b */ ? 'black' : 'white';
}

export function castlingRights(fen: string): string {
  const a = nthSpace(fen, 2) + 1;
  return fen.slice(a, nthSpace(fen, 3));
}

/** Plies since the last capture or pawn move (the 50- and 75-move rules count these). */
export function halfmoveClock(fen: string): number {
  const a = nthSpace(fen, 4) + 1;
  return Number(fen.slice(a, nthSpace(fen, 5)));
}

/**
 * Calls `visit` with each piece of a FEN placement field: its letter's char code (upper case
 * for white), file (0 = a) and rank (0 = 1).
 */
export function eachPiece(placement: string, visit: (piece: number, file: number, rank: number) => void): void {
  let rank = 7;
  let file = 0;
  for (let i = 0; i < placement.length; i++) {
    const ch = placement.charCodeAt(i);
    if (ch === 47 /* / */) {
      rank--;
      file = 0;
    } else if (ch >= 49 && ch <= 56 /* 1-8 */) {
      file += ch - 48;
    } else {
      visit(ch, file, rank);
      file++;
    }
  }
}

function nthSpace(s: string, n: number): number {
  let i = -1;
  for (let k = 0; k < n; k++) {
    i = s.indexOf(' ', i + 1);
    if (i < 0) return s.length;
  }
  return i;
}
