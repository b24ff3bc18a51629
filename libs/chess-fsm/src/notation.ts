import type { Chess, Move, Square } from 'chess.js';

const UCI = /^([a-h][1-8])([a-h][1-8])([qrbn])?$/;
const CASTLE = /^[O0]-[O0](-[O0])?[+#]?$/;
const SAN = /^([KQRBNP])?([a-h])?([1-8])?x?([a-h][1-8])(?:=?([QRBNqrbn]))?[+#]?$/;

/**
 * Plays `text` (UCI or SAN) on `board` if it names exactly one legal move, and returns it; or
 * returns undefined and leaves the board as it was.
 *
 * Canonical SAN goes through chess.js's strict parser. chess.js's lenient parser guesses where
 * the text is ambiguous (`Qhe1` with two queens on the h-file) and promotes to a knight when
 * the text names no piece (`axb8`), so the lenient forms people type (`Ng1f3`, `e8Q`, `Pe4`) are
 * matched here instead, against the legal moves: exactly one must fit, promotion piece included.
 */
export function playMove(board: Chess, text: string): Move | undefined {
  try {
    const uci = UCI.exec(text);
    if (uci) {
      // chess.js ignores a promotion piece on a move that does not promote (e2e4q); refuse it.
      if (uci[3] !== undefined && (board.get(uci[1] as Square)?.type !== 'p' || (uci[2]![1] !== '8' && uci[2]![1] !== '1'))) return undefined;
      return board.move({ from: uci[1]!, to: uci[2]!, promotion: uci[3] });
    }
    const castle = CASTLE.exec(text);
    if (castle) return board.move(castle[1] === undefined ? 'O-O' : 'O-O-O', { strict: true });
    return board.move(text, { strict: true });
  } catch {
    // Not canonical (or not legal): try the lenient forms below.
  }
  const san = SAN.exec(text);
  if (!san) return undefined;
  const [, piece = 'P', file, rank, to, promotion] = san;
  const capture = text.includes('x');
  // A pawn capture names the pawn's file (`exd5`, not `xd5`).
  if (piece === 'P' && capture && file === undefined) return undefined;
  const fits = board
    .moves({ verbose: true })
    .filter(
      (m) =>
        m.piece === piece.toLowerCase() &&
        m.to === to &&
        (file === undefined || m.from[0] === file) &&
        (rank === undefined || m.from[1] === rank) &&
        m.promotion === promotion?.toLowerCase() &&
        (!capture || m.captured !== undefined),
    );
  if (fits.length !== 1) return undefined;
  const only = fits[0]!;
  return board.move({ from: only.from, to: only.to, promotion: only.promotion });
}
