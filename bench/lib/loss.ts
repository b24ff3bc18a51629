/**
 * The safety check of a failover run, for one game: its acknowledged moves (in ply order: a game
 * takes one move at a time) against each node's final copy of the game.
 */
export interface GameTally {
  /** Acknowledged moves not at their ply on some node's copy: counted once however many nodes miss them. */
  lost: number;
  /** Moves past the acknowledged ones on the longest copy: applied without an acknowledgement (a move refused or given up). */
  unacknowledgedApplied: number;
  /** The copies disagree. */
  diverged: boolean;
}

export function tallyGame(acked: readonly string[], copies: readonly (readonly string[])[]): GameTally {
  const missing = new Set<number>();
  for (const got of copies) acked.forEach((uci, ply) => got[ply] !== uci && missing.add(ply));
  return {
    lost: missing.size,
    unacknowledgedApplied: Math.max(0, ...copies.map((got) => got.length - acked.length)),
    diverged: new Set(copies.map((got) => got.join(' '))).size > 1,
  };
}
