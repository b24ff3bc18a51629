import { Chess, type Move, type Square } from 'chess.js';
import type { Color } from '@rookery/protocol';

/**
 * What the board needs to know about a position, from chess.js: where each piece may go, which
 * moves promote, whose king is in check. The view draws these; it never decides them.
 */
export class Position {
  private readonly chess: Chess;

  constructor(readonly fen: string) {
    this.chess = new Chess(fen);
  }

  get turn(): Color {
    return this.chess.turn() === 'w' ? 'white' : 'black';
  }

  /** Legal destinations of the piece on `from` (none if it is not the side to move's). */
  destinations(from: string): string[] {
    return this.chess.moves({ square: from as Square, verbose: true }).map((m) => m.to);
  }

  /** Squares holding a piece of the side to move that has a legal move. */
  movable(): string[] {
    return [...new Set(this.chess.moves({ verbose: true }).map((m) => m.from))];
  }

  /** Whether a piece stands on `square`. */
  pieceAt(square: string): boolean {
    return this.chess.get(square as Square) !== undefined;
  }

  isPromotion(from: string, to: string): boolean {
    return this.chess.moves({ square: from as Square, verbose: true }).some((m) => m.to === to && m.promotion !== undefined);
  }

  /** The king's square of the side to move, when it is in check. */
  checkedKing(): string | null {
    if (!this.chess.isCheck()) return null;
    const k = this.chess.findPiece({ type: 'k', color: this.chess.turn() })[0];
    return k ?? null;
  }

  /**
   * A move typed by a player, SAN (`Nf3`, `exd5`, `O-O`, `e8=Q`) or UCI (`g1f3`, `e7e8q`): its UCI
   * and SAN if legal here, or why not.
   */
  parse(text: string): { ok: true; uci: string; san: string } | { ok: false; message: string } {
    const t = text.trim();
    if (t === '') return { ok: false, message: 'type a move, such as e4, Nf3, O-O or e2e4' };
    const legal = this.chess.moves({ verbose: true });
    const found = legal.filter(matcher(t));
    // Exactly one legal move must fit: a guess (an ambiguous SAN, a promotion without its piece) is refused.
    if (found.length === 1) {
      const m = found[0]!;
      return { ok: true, uci: m.from + m.to + (m.promotion ?? ''), san: m.san };
    }
    const promotes = found.length > 1 && found.every((m) => m.promotion !== undefined && m.from === found[0]!.from && m.to === found[0]!.to);
    return { ok: false, message: `${t} ${promotes ? 'needs its promotion piece (Q, R, B or N)' : found.length > 1 ? 'is ambiguous: say which piece moves' : 'is not a legal move here'}` };
  }

  /** The position after a legal move (UCI or SAN), or null if it is not legal here. */
  after(move: string): { fen: string; san: string } | null {
    const r = this.parse(move);
    if (!r.ok) return null;
    const probe = new Chess(this.fen);
    probe.move({ from: r.uci.slice(0, 2), to: r.uci.slice(2, 4), promotion: r.uci[4] });
    return { fen: probe.fen(), san: r.san };
  }
}

/**
 * Which legal moves a typed move can mean. UCI names both squares (and the promotion piece);
 * SAN names the piece (none for a pawn), the destination, and only as much of the origin as
 * tells two pieces apart — so `Nd7` fits both knights that can go there and is ambiguous.
 * Check, mate, capture and promotion marks may be left out; castling is O-O or 0-0.
 */
function matcher(text: string): (m: Move) => boolean {
  const uci = /^([a-h][1-8])([a-h][1-8])([qrbn])?$/i.exec(text);
  if (uci) {
    const [from, to, promo] = [uci[1]!.toLowerCase(), uci[2]!.toLowerCase(), uci[3]?.toLowerCase()];
    return (m) => m.from === from && m.to === to && (promo === undefined || m.promotion === promo);
  }
  const t = text.replace(/[+#!?]+$/, '').replace(/0/g, 'O');
  if (t === 'O-O' || t === 'O-O-O') return (m) => m.san.replace(/[+#]$/, '') === t;
  const san = /^([KQRBNP])?([a-h])?([1-8])?(x)?([a-h][1-8])(?:=?([QRBNqrbn]))?$/.exec(t);
  if (!san) return () => false;
  const [, piece = 'P', file, rank, takes, to, promo] = san;
  // A pawn's capture names the pawn's file (exd5, not xd5 or d5).
  if (piece === 'P' && takes !== undefined && file === undefined) return () => false;
  return (m) =>
    m.piece === piece.toLowerCase() &&
    m.to === to &&
    // Castling is written O-O, not as the king's two-square step.
    !/[kq]/.test(m.flags) &&
    (file === undefined ? piece !== 'P' || m.from[0] === to![0] : m.from[0] === file) &&
    (rank === undefined || m.from[1] === rank) &&
    (promo === undefined || m.promotion === promo.toLowerCase());
}

export function moveSquares(uci: string): [string, string] | null {
  return /^[a-h][1-8][a-h][1-8]/.test(uci) ? [uci.slice(0, 2), uci.slice(2, 4)] : null;
}

/**
 * The draw the side to move could claim now, by chess.js's count over the game's moves:
 * threefold repetition, or fifty moves by each side without a capture or a pawn move. Only a
 * hint for showing the button: the server decides the claim.
 */
export function claimableDraw(initialFen: string, moves: readonly { uci: string }[]): 'threefold' | 'fifty-moves' | null {
  const c = new Chess(initialFen);
  try {
    for (const m of moves) c.move({ from: m.uci.slice(0, 2), to: m.uci.slice(2, 4), promotion: m.uci[4] });
  } catch {
    return null;
  }
  if (c.isThreefoldRepetition()) return 'threefold';
  if (c.isDrawByFiftyMoves()) return 'fifty-moves';
  return null;
}
