import { movedVersions } from './checks';
import type { ViewDigest } from './history';

/**
 * What each Socket.IO connection received of a game, in arrival order — the other promise of
 * the design (decision 6): a connection watching a game gets its events in version order with
 * no gap and no duplicate, resuming after the version it names on any node; and every event is
 * the game's own (the final game has the same move at that version).
 */

export interface StreamItem {
  /** The connection (one socket to one node process). */
  conn: number;
  game: string;
  /**
   * `watched`: a game:watch was answered, the catch-up starting after `version`; `catchup`: an
   * event in that answer; `event`: a game:event; `resync`: a whole view (pushed, or as the
   * catch-up), carrying on from its `version`.
   */
  kind: 'watched' | 'catchup' | 'event' | 'resync';
  version: number;
  /** The move of a `moved` event (UCI). */
  uci?: string;
  /** A resync's moves. */
  moves?: string[];
}

/** Gaps, duplicates and events that are not the game's, one line each. */
export function streamFaults(items: readonly StreamItem[], finals: ReadonlyMap<string, ViewDigest | null | undefined>): string[] {
  const out: string[] = [];
  const expected = new Map<string, number>();
  const plies = new Map<string, Map<number, string>>();
  const moveAt = (game: string, version: number): string | undefined => {
    let m = plies.get(game);
    if (m === undefined) {
      m = movedVersions(finals.get(game)?.moves ?? []);
      plies.set(game, m);
    }
    return m.get(version);
  };
  for (const item of items) {
    const final = finals.get(item.game);
    if (final === undefined || final === null) continue; // a game nobody acknowledged, or divergence reported elsewhere
    const key = `${item.conn}/${item.game}`;
    const where = `connection ${item.conn}, game ${item.game}`;
    if (item.kind === 'watched') {
      expected.set(key, item.version + 1);
      continue;
    }
    if (item.kind === 'resync') {
      const moves = item.moves ?? [];
      if (moves.some((m, i) => final.moves[i] !== m)) out.push(`${where}: a resync at v${item.version} shows [${moves.join(' ')}], not a beginning of the final game [${final.moves.join(' ')}]`);
      expected.set(key, item.version + 1);
      continue;
    }
    const want = expected.get(key);
    if (want !== undefined && item.version !== want) {
      out.push(`${where}: ${item.kind === 'catchup' ? 'catch-up ' : ''}event v${item.version} where v${want} was next (${item.version > want ? 'a gap' : 'a duplicate or out of order'})`);
    }
    expected.set(key, item.version + 1);
    if (item.uci !== undefined && moveAt(item.game, item.version) !== item.uci) {
      out.push(`${where}: event v${item.version} moved ${item.uci}, but the final game has ${moveAt(item.game, item.version) ?? 'no move'} at v${item.version}`);
    }
  }
  return out;
}
