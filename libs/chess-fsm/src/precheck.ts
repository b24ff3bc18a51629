import { fail } from './errors';
import type { Game } from './game';
import { checkStart } from './start';
import { ChessErrorCode, type ChessError, type Command } from './types';

/**
 * The refusals a command would certainly meet if it were applied now, found without changing
 * anything: the server runs this against its replica before proposing (DESIGN decision 4), so
 * an illegal move, a move out of turn or a stranger's command never reaches the log. Passing it
 * promises nothing — the state may move before the command is applied, and apply decides.
 */
export function precheck(game: Game | undefined, c: Command, gameCount: number, maxGames: number, now: number): { ok: false; error: ChessError } | undefined {
  switch (c.type) {
    case 'create': {
      if (game !== undefined) return fail(ChessErrorCode.GameExists, `game ${c.gameId} exists`);
      if (gameCount >= maxGames) return fail(ChessErrorCode.TooManyGames, `the server holds ${gameCount} games, its limit`);
      const start = checkStart(c.fen);
      return start.ok ? undefined : start;
    }
    case 'sweep':
      return undefined;
    case 'join':
      if (game === undefined) return fail(ChessErrorCode.UnknownGame, `no game ${c.gameId}`);
      return game.seatRefusal(c.color, c);
    case 'flag':
      return game === undefined ? fail(ChessErrorCode.UnknownGame, `no game ${c.gameId}`) : undefined;
    default: {
      if (game === undefined) return fail(ChessErrorCode.UnknownGame, `no game ${c.gameId}`);
      const color = game.seatOf(c.token);
      if (color === undefined) return fail(ChessErrorCode.NotSeated, `that token holds no seat in game ${c.gameId}`);
      if (c.type === 'abort') return game.abortRefusal();
      if (game.status === 'ended') return fail(ChessErrorCode.GameOver, `game ${c.gameId} is over (${game.result})`);
      if (game.status === 'waiting') return fail(ChessErrorCode.NotStarted, `game ${c.gameId} waits for its second player`);
      // A fallen flag ends the game whatever the command: apply decides that, so nothing more is refused here.
      if (game.clock?.fallen(game.turn, now)) return undefined;
      if (c.type === 'offerDraw') return game.offerRefusal(color);
      if (c.type === 'acceptDraw' || c.type === 'declineDraw') return game.answerRefusal(color);
      if (c.type === 'claimDraw') {
        const claim = game.claimRefusal(c.reason);
        return 'ok' in claim ? claim : undefined;
      }
      if (c.type !== 'move') return undefined;
      if (color !== game.turn) return fail(ChessErrorCode.NotYourTurn, `it is ${game.turn}'s turn in game ${c.gameId}`);
      // Tried on the game's own board and taken back: nothing changes.
      if (!game.wouldMove(c.move)) {
        return fail(ChessErrorCode.IllegalMove, `${c.move} is not a legal move for ${color} in game ${c.gameId} (${game.fen})`);
      }
      return undefined;
    }
  }
}
