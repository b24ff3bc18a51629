import type { Prng } from '@rookery/raft/testing';
import type { Player, PlayContext } from './player';

/**
 * Two players at one table: one creates a game (a color drawn), the other joins it, both play
 * until it ends, and they start another — so creates and joins happen under faults too, not
 * only moves.
 */
export async function runTable(ctx: PlayContext, rng: Prng, a: Player, b: Player): Promise<void> {
  while (ctx.rec.now() < ctx.stopAt) {
    const [creator, joiner] = rng.chance(0.5) ? [a, b] : [b, a];
    const gameId = await creator.create(rng.chance(0.5) ? 'white' : 'black');
    if (gameId === undefined) break;
    // Left waiting when the join is refused for good (or the time is up): the next game starts.
    if (!(await joiner.join(gameId))) continue;
    await Promise.all([creator.play(), joiner.play()]);
  }
  a.close();
  b.close();
}
