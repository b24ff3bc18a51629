import { fail, notSeated, unknownGame } from './errors';
import type { Game } from './game';
import { checkStart } from './start';
import { ChessErrorCode, type ChessError, type Command } from './types';

/**
 * The refusals a command would certainly meet if it were applied now, found without changing
 * anything: the server runs this against its replica before proposing (DESIGN decision 4), so
 * an illegal move, a move out of turn or a stranger's command never reaches the log. Passing it
 * promises nothing — the state may move before the command is applied, and apply decides.
 */
/** Why a game cannot be created, or the normalised FEN it starts from. */
export function createRefusal(exists: boolean, c: { gameId: string; fen?: string }, gameCount: number, maxGames: number): { ok: true; fen: string } | { ok: false; error: ChessError } {
  if (exists) return fail(ChessErrorCode.GameExists, `game ${c.gameId} exists`);
  if (gameCount >= maxGames) return fail(ChessErrorCode.TooManyGames, `the server holds ${gameCount} games, its limit`);
  return checkStart(c.fen);
}

export function precheck(game: Game | undefined, c: Command, gameCount: number, maxGames: number, now: number): { ok: false; error: ChessError } | undefined {
  switch (c.type) {
    case 'create': {
      const start = createRefusal(game !== undefined, c, gameCount, maxGames);
      return start.ok ? undefined : start;
    }
    case 'sweep':
      return undefined;
    case 'join':
      if (game === undefined) return unknownGame(c.gameId);
      return game.seatRefusal(c.color, c);
    case 'flag':
      return game === undefined ? unknownGame(c.gameId) : undefined;
    default: {
      if (game === undefined) return unknownGame(c.gameId);
      const color = game.seatOf(c.token);
      if (color === undefined) return notSeated(c.gameId);
      if (c.type === 'abort') return game.abortRefusal();
      const notPlaying = game.playRefusal();
      if (notPlaying) return notPlaying;
      // A fallen flag ends the game whatever the command: apply decides that, so nothing more is refused here.
      if (game.clock?.fallen(game.turn, now)) return undefined;
      if (c.type === 'offerDraw') return game.offerRefusal(color);
      if (c.type === 'acceptDraw' || c.type === 'declineDraw') return game.answerRefusal(color);
      if (c.type === 'claimDraw') {
        const claim = game.claimRefusal(c.reason);
        return 'ok' in claim ? claim : undefined;
      }
      if (c.type !== 'move') return undefined;
      // Tried on the game's own board and taken back: nothing changes.
      return game.staleRefusal(c.ply) ?? game.turnRefusal(color) ?? (game.wouldMove(c.move) ? undefined : game.illegal(color, c.move));
    }
  }
}
