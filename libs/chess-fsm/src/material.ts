import type { Color } from './types';
import { eachPiece } from './position';

/**
 * Whether `color` can no longer checkmate by any series of legal moves, judged from material
 * (FIDE 6.9 and 9.6.2). It decides two things: the automatic draw when neither side can mate,
 * and a flag fall that is a draw because the side with time left cannot mate.
 *
 * A helpmate counts, so the opponent's pieces matter: they can box their own king in.
 * - A lone king never mates.
 * - King and one knight cannot mate a lone king, nor a king with one queen (the queen can always
 *   take the knight or free a square). Against a rook, a bishop, a knight or a pawn it can (the
 *   rook or piece blocks the king's flight square; exhaustive search in material.spec.ts).
 * - King and bishops all on one square color cannot mate a lone king, a king with bishops on that
 *   same color (no piece can ever attack a square of the other color), or a king with one rook or
 *   one queen (search again: the rook or queen can always interpose or capture). Against a knight,
 *   a pawn or a bishop of the other color it can.
 * Anything else — a pawn, a rook, a queen, two minors of which one is a knight, bishops on both
 * colors, or an opponent with more than these — is counted as able to mate, which is the safe
 * side for a flag fall: the side with time left wins unless a mate is shown impossible.
 */
export function cannotMate(placement: string, color: Color): boolean {
  const own = count(placement, color === 'white');
  const other = count(placement, color === 'black');
  if (own.pawns + own.rooks + own.queens > 0) return false;
  if (own.knights === 0 && own.bishops === 0) return true;
  const otherHeavy = other.rooks + other.queens;
  if (own.bishops === 0) {
    return own.knights === 1 && other.pawns + other.knights + other.bishops + other.rooks === 0 && other.queens <= 1;
  }
  if (own.knights > 0 || (own.lightBishops > 0 && own.darkBishops > 0)) return false;
  // Bishops only, all on one square color.
  if (other.pawns + other.knights > 0) return false;
  const otherColorBishops = own.lightBishops > 0 ? other.darkBishops : other.lightBishops;
  if (otherColorBishops > 0) return false;
  if (otherHeavy === 0) return true;
  return own.bishops === 1 && otherHeavy === 1 && other.bishops === 0;
}

const MATING_FORCE = /[PRQprq]/;

/** Neither side can mate: the game is drawn at once (dead position by material). */
export function insufficientMaterial(placement: string): boolean {
  // A pawn, a rook or a queen on either side can mate: most positions answer at the first letters.
  if (MATING_FORCE.test(placement)) return false;
  return cannotMate(placement, 'white') && cannotMate(placement, 'black');
}

interface Material {
  pawns: number;
  knights: number;
  bishops: number;
  lightBishops: number;
  darkBishops: number;
  rooks: number;
  queens: number;
}

function count(placement: string, white: boolean): Material {
  const m: Material = { pawns: 0, knights: 0, bishops: 0, lightBishops: 0, darkBishops: 0, rooks: 0, queens: 0 };
  eachPiece(placement, (ch, file, rank) => {
    if ((ch >= 65 && ch <= 90) !== white) return;
    switch (ch | 32) {
      case 112:
        m.pawns++;
        break;
      case 110:
        m.knights++;
        break;
      case 98:
        m.bishops++;
        // a1 (file 0, rank 0) is dark: a square is light when file + rank is odd.
        if ((file + rank) % 2 === 1) m.lightBishops++;
        else m.darkBishops++;
        break;
      case 114:
        m.rooks++;
        break;
      case 113:
        m.queens++;
        break;
    }
  });
  return m;
}
