import type { Game, Seat } from './game';
import type { GameSummary, GameView, TimeControl } from './types';

/**
 * What a game shows the world: its whole view (a watcher's resync, the HTTP API) and its lobby
 * summary. Read-only projections of a Game, with no seat's secrets (session, token).
 */

/** `game` as of entry time `at` (its clocks run to then, or to its end). */
export function gameView(game: Game, at: number): GameView {
  return {
    gameId: game.id,
    version: game.version,
    status: game.status,
    result: game.result,
    reason: game.reason,
    fen: game.fen,
    initialFen: game.initialFen,
    turn: game.turn,
    moves: game.sans.map((san, i) => ({ san, uci: game.ucis[i]! })),
    timeControl: copyControl(game.timeControl),
    clocks: game.clock?.view(game.turn, game.endedAt ?? at) ?? null,
    seats: { white: publicSeat(game.seats.white), black: publicSeat(game.seats.black) },
    drawOffer: game.drawOffer,
    createdAt: game.createdAt,
    endedAt: game.endedAt,
  };
}

export function gameSummary(game: Game): GameSummary {
  return {
    gameId: game.id,
    status: game.status === 'waiting' ? 'waiting' : 'started',
    version: game.version,
    timeControl: copyControl(game.timeControl),
    seats: { white: publicSeat(game.seats.white), black: publicSeat(game.seats.black) },
    plies: game.plies,
    createdAt: game.createdAt,
  };
}

/** A seat as others see it: the player's name only. */
function publicSeat(s: Seat | null): { name: string } | null {
  return s === null ? null : { name: s.name };
}

export function copyControl(tc: TimeControl | null): TimeControl | null {
  return tc === null ? null : Object.freeze({ initialMs: tc.initialMs, incrementMs: tc.incrementMs });
}
