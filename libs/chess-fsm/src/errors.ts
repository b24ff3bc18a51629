import type { ChessError, ChessErrorCode } from './types';

/** A refusal: the command changes nothing and its proposer gets this code and message. */
export function fail(code: ChessErrorCode, message: string): { ok: false; error: ChessError } {
  return { ok: false, error: { code, message } };
}
