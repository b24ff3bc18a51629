import { ChessErrorCode, type ChessError } from './types';

/** A refusal: the command changes nothing and its proposer gets this code and message. */
export function fail(code: ChessErrorCode, message: string): { ok: false; error: ChessError } {
  return { ok: false, error: { code, message } };
}

export function unknownGame(gameId: string): { ok: false; error: ChessError } {
  return fail(ChessErrorCode.UnknownGame, `no game ${gameId}`);
}

export function notSeated(gameId: string): { ok: false; error: ChessError } {
  return fail(ChessErrorCode.NotSeated, `that token holds no seat in game ${gameId}`);
}
