import type { Chess, PieceSymbol, Square } from 'chess.js';
import { findByCoordinates, findBySan, type FoundMove } from './board';
import { UCI } from './validate';

const CASTLE = /^[O0]-[O0](-[O0])?[+#]?$/;
const SAN = /^([KQRBNP])?([a-h])?([1-8])?x?([a-h][1-8])(?:=?([QRBNqrbn]))?[+#]?$/;

/**
 * The one legal move `text` (UCI or SAN) names on `board`, found without playing it; or
 * undefined. The board is left as it was.
 *
 * Canonical SAN goes through chess.js's strict parser. chess.js's lenient parser guesses where
 * the text is ambiguous (`Qhe1` with two queens on the h-file) and promotes to a knight when
 * the text names no piece (`axb8`), so the lenient forms people type (`Ng1f3`, `e8Q`, `Pe4`) are
 * matched here instead, against the legal moves: exactly one must fit, promotion piece included.
 */
export function findMove(board: Chess, text: string): FoundMove | undefined {
  const uci = UCI.exec(text);
  if (uci) {
    // chess.js ignores a promotion piece on a move that does not promote (e2e4q); refuse it.
    if (uci[3] !== undefined && (board.get(uci[1] as Square)?.type !== 'p' || (uci[2]![1] !== '8' && uci[2]![1] !== '1'))) return undefined;
    return findByCoordinates(board, uci[1] as Square, uci[2] as Square, uci[3] as PieceSymbol | undefined);
  }
  const castle = CASTLE.exec(text);
  if (castle) return findBySan(board, castle[1] === undefined ? 'O-O' : 'O-O-O');
  const strict = safely(() => findBySan(board, text));
  if (strict !== undefined) return strict;
  // Not canonical (or not legal): try the lenient forms.
  const san = SAN.exec(text);
  if (!san) return undefined;
  const [, piece = 'P', file, rank, to, promotion] = san;
  const capture = text.includes('x');
  // A pawn capture names the pawn's file (`exd5`, not `xd5`).
  if (piece === 'P' && capture && file === undefined) return undefined;
  const fits = board
    .moves({ verbose: true, piece: piece.toLowerCase() as PieceSymbol })
    .filter(
      (m) =>
        m.to === to &&
        (file === undefined || m.from[0] === file) &&
        (rank === undefined || m.from[1] === rank) &&
        m.promotion === promotion?.toLowerCase() &&
        (!capture || m.captured !== undefined),
    );
  if (fits.length !== 1) return undefined;
  const only = fits[0]!;
  return findByCoordinates(board, only.from, only.to, only.promotion);
}

/** chess.js's SAN parser throws on some malformed text rather than answering null. */
function safely<T>(f: () => T | undefined): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}
