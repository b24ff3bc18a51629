import { Chess } from 'chess.js';

/**
 * Legal games for load and long e2e games: random playouts (seeded, so runs compare), each move chosen among the
 * legal ones that do not end the game — no mate, stalemate, insufficient material, repetition
 * or fifty-move draw — so a game stays in play for all of its `plies`. The state machine would
 * refuse or end anything else, and the benchmark would measure refusals.
 */
export function playout(seed: number, plies: number): string[] {
  let s = seed >>> 0 || 1;
  const rand = (n: number): number => {
    // xorshift32: cheap, seeded, plenty for choosing moves.
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s % n;
  };
  const chess = new Chess();
  const out: string[] = [];
  while (out.length < plies) {
    // SAN lists are cheap; verbose ones build two FENs per legal move.
    const moves = chess.moves();
    let picked: string | undefined;
    for (let tries = 0; tries < 12 && picked === undefined; tries++) {
      const m = chess.move(moves[rand(moves.length)]!);
      // isGameOver covers mate, stalemate, insufficient material, threefold and fifty moves.
      const ends = chess.isGameOver();
      // Keep the half-move clock well below the 75-move rule, which ends a game by itself.
      const quietTooLong = Number(chess.fen().split(' ')[4]) > 80;
      if (ends || quietTooLong) chess.undo();
      else picked = m.from + m.to + (m.promotion ?? '');
    }
    if (picked === undefined) break; // cornered: a shorter game is still a legal one
    out.push(picked);
  }
  return out;
}

/** `count` games of up to `plies` moves each, from seeds `base`, `base + 1`, … */
export function playouts(count: number, plies: number, base = 1): string[][] {
  return Array.from({ length: count }, (_, i) => playout(base + i, plies));
}
