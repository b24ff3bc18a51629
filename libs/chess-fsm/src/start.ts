import { Chess, DEFAULT_POSITION, type Square } from 'chess.js';
import { fail } from './errors';
import { insufficientMaterial } from './material';
import { halfmoveClock, placement } from './position';
import { ChessErrorCode, type ChessError } from './types';

/**
 * Whether a FEN can start a game: chess.js checks the syntax, the kings and the pawns on the
 * edge rows, but loads positions that cannot arise in a game, and then plays moves in them that
 * break the rules (capturing a king, castling with a rook that is not there, taking en passant a
 * pawn that never moved). Those are refused here, before any board is built from them.
 */
export function checkStart(fen: string | undefined): { ok: true; fen: string } | { ok: false; error: ChessError } {
  if (fen === undefined || fen === DEFAULT_POSITION) return { ok: true, fen: DEFAULT_POSITION };
  const bad = (why: string): { ok: false; error: ChessError } => fail(ChessErrorCode.BadPosition, `cannot start from ${fen}: ${why}`);
  let board: Chess;
  try {
    board = new Chess(fen);
  } catch (e) {
    return bad(e instanceof Error ? e.message : String(e));
  }
  const fields = fen.trim().split(/\s+/);
  if (fields.length !== 6) return bad('a FEN has six fields');
  const toMove = board.turn();
  const waiting = toMove === 'w' ? 'b' : 'w';
  const [waitingKing] = board.findPiece({ type: 'k', color: waiting });
  if (waitingKing !== undefined && board.isAttacked(waitingKing, toMove)) return bad('the side not to move is in check');
  for (const [flag, color, king, rook] of [
    ['K', 'w', 'e1', 'h1'],
    ['Q', 'w', 'e1', 'a1'],
    ['k', 'b', 'e8', 'h8'],
    ['q', 'b', 'e8', 'a8'],
  ] as const) {
    if (!fields[2]!.includes(flag)) continue;
    const k = board.get(king as Square);
    const r = board.get(rook as Square);
    if (k?.type !== 'k' || k.color !== color || r?.type !== 'r' || r.color !== color) {
      return bad(`castling right ${flag} needs the king on ${king} and a rook on ${rook}`);
    }
  }
  const ep = fields[3]!;
  if (ep !== '-') {
    // The pawn that just advanced two squares stands in front of the en passant square, and the
    // squares it crossed are empty.
    const file = ep[0]!;
    const [pawnRank, fromRank, pawnColor] = toMove === 'w' ? ['5', '7', 'b'] : ['4', '2', 'w'];
    const pawn = board.get(`${file}${pawnRank}` as Square);
    if (pawn?.type !== 'p' || pawn.color !== pawnColor || board.get(ep as Square) !== undefined || board.get(`${file}${fromRank}` as Square) !== undefined) {
      return bad(`en passant square ${ep} needs a pawn that has just advanced two squares to ${file}${pawnRank}`);
    }
  }
  const normalised = board.fen();
  if (board.isCheckmate() || board.isStalemate() || insufficientMaterial(placement(normalised))) return bad('the game is already decided');
  if (halfmoveClock(normalised) >= 150) return bad('150 plies without a capture or pawn move: the game is already drawn (75-move rule)');
  return { ok: true, fen: normalised };
}
