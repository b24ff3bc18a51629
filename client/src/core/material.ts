import type { Color, PieceSymbol } from '@rookery/protocol';

const VALUE: Record<Exclude<PieceSymbol, 'k'>, number> = { q: 9, r: 5, b: 3, n: 3, p: 1 };
const ORDER: Exclude<PieceSymbol, 'k'>[] = ['q', 'r', 'b', 'n', 'p'];

/** For each side, the pieces it has more of than its opponent (as captures show them) and its lead in points. */
export interface MaterialDiff {
  white: { pieces: Exclude<PieceSymbol, 'k'>[]; score: number };
  black: { pieces: Exclude<PieceSymbol, 'k'>[]; score: number };
}

/**
 * The material balance of a FEN's board, drawn as lichess does: a piece both sides still have
 * cancels out, so promotions and odd starting positions read correctly.
 */
export function materialDiff(fen: string): MaterialDiff {
  const count = { white: { q: 0, r: 0, b: 0, n: 0, p: 0 }, black: { q: 0, r: 0, b: 0, n: 0, p: 0 } };
  for (const ch of fen.split(' ')[0] ?? '') {
    const lower = ch.toLowerCase() as PieceSymbol;
    if (lower === 'k' || !(lower in VALUE)) continue;
    count[ch === lower ? 'black' : 'white'][lower as Exclude<PieceSymbol, 'k'>]++;
  }
  const side = (me: Color, them: Color): MaterialDiff[Color] => {
    const pieces: Exclude<PieceSymbol, 'k'>[] = [];
    let score = 0;
    for (const p of ORDER) {
      const d = count[me][p] - count[them][p];
      for (let i = 0; i < d; i++) pieces.push(p);
      score += (count[me][p] - count[them][p]) * VALUE[p];
    }
    return { pieces, score: Math.max(0, score) };
  };
  return { white: side('white', 'black'), black: side('black', 'white') };
}
