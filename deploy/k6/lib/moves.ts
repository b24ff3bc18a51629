import type { Color } from '@rookery/protocol';

/**
 * The moves the load scripts play: the knights out and back, always legal, never a capture or a
 * pawn move. That makes every position recur, and the state machine ends a game by itself on the
 * fifth occurrence of a position (FIDE 9.6.1, libs/chess-fsm game.ts): the starting position
 * comes back after every 4 plies, for the fifth time after 16. So a game takes exactly
 * PLIES_PER_GAME moves, the last of which draws it — and then a new game starts.
 * (Threefold and fifty moves only allow a claim; the 75-move rule would need 150 plies.)
 */
export const KNIGHT_CYCLE = ['g1f3', 'g8f6', 'f3g1', 'f6g8'] as const;
export const PLIES_PER_GAME = KNIGHT_CYCLE.length * 4;

/** One game as a load script plays it: both seats, and how many plies were made. */
export interface PlayedGame {
  gameId: string;
  sessions: Record<Color, string>;
  tokens: Record<Color, string>;
  plies: number;
  /** Ended (by the fivefold repetition, or as the server said): the next move needs a new game. */
  over: boolean;
}

export interface MoveToMake {
  color: Color;
  /** UCI, as the API takes it. */
  move: string;
  /** Per ply of the game, so a move retried after a lost answer is the same command (applied once). */
  requestId: string;
}

export function nextMove(game: PlayedGame): MoveToMake {
  const color: Color = game.plies % 2 === 0 ? 'white' : 'black';
  return { color, move: KNIGHT_CYCLE[game.plies % KNIGHT_CYCLE.length]!, requestId: `m${game.plies + 1}` };
}

/** The request a move needs, for k6's http and for fetch alike. */
export interface HttpCall {
  method: 'POST';
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** White creates an untimed game (a clock would end idle games on time and skew the load). */
export function createGameCall(session: string): HttpCall {
  return json('/api/games', session, { requestId: 'create', timeControl: null, color: 'white' });
}

export function joinGameCall(gameId: string, session: string): HttpCall {
  return json(`/api/games/${encodeURIComponent(gameId)}/join`, session, { requestId: 'join' });
}

export function moveCall(game: PlayedGame): HttpCall {
  const m = nextMove(game);
  const call = json(`/api/games/${encodeURIComponent(game.gameId)}/moves`, game.sessions[m.color], { requestId: m.requestId, move: m.move });
  call.headers['authorization'] = `Bearer ${game.tokens[m.color]}`;
  return call;
}

/** A seat a create or join answered, or why not. */
export type SeatAnswer = { ok: true; gameId: string; color: Color; token: string } | { ok: false; why: string };

export function readSeat(status: number, body: string | null | undefined): SeatAnswer {
  const b = parse(body);
  if (status === 201 && b?.ok === true && typeof b.gameId === 'string' && typeof b.token === 'string' && (b.color === 'white' || b.color === 'black')) {
    return { ok: true, gameId: b.gameId, color: b.color, token: b.token };
  }
  return { ok: false, why: `${status} ${errorCode(b) ?? String(body ?? '').slice(0, 120)}` };
}

/** Both seats of a game, from a create (white) and a join (black). */
export function startedGame(white: SeatAnswer & { ok: true }, whiteSession: string, black: SeatAnswer & { ok: true }, blackSession: string): PlayedGame {
  return { gameId: white.gameId, sessions: { white: whiteSession, black: blackSession }, tokens: { white: white.token, black: black.token }, plies: 0, over: false };
}

/** What a move's answer means for the game's next move. */
export type MoveOutcome = 'moved' | 'game-over' | 'retry' | 'refused';

/**
 * Reads a move's answer and updates the game: `moved` (the ply counts; the game is over after
 * the last ply of the cycle), `game-over` (the server says the game ended: start another),
 * `retry` (timeout, no leader, draining, rate limited: the same request id again), `refused`.
 */
export function recordMove(game: PlayedGame, status: number, body: string | null | undefined): { outcome: MoveOutcome; code: string | undefined } {
  const b = parse(body);
  const code = errorCode(b);
  if (status === 201 && b?.ok === true) {
    game.plies++;
    if (game.plies >= PLIES_PER_GAME) game.over = true;
    return { outcome: 'moved', code: undefined };
  }
  if (code === 'ERR_GAME_OVER') {
    game.over = true;
    return { outcome: 'game-over', code };
  }
  if (status === 0 || status === 429 || status >= 500) return { outcome: 'retry', code: code ?? `HTTP ${status}` };
  return { outcome: 'refused', code: code ?? `HTTP ${status}` };
}

function json(path: string, session: string, body: object): HttpCall {
  return { method: 'POST', path, headers: { 'content-type': 'application/json', 'x-rookery-session': session }, body: JSON.stringify(body) };
}

type Answer = { ok?: unknown; gameId?: unknown; token?: unknown; color?: unknown; error?: { code?: unknown } };

function parse(body: string | null | undefined): Answer | undefined {
  if (typeof body !== 'string' || body === '') return undefined;
  try {
    const v = JSON.parse(body) as unknown;
    return typeof v === 'object' && v !== null ? (v as Answer) : undefined;
  } catch {
    return undefined;
  }
}

function errorCode(b: Answer | undefined): string | undefined {
  return typeof b?.error?.code === 'string' ? b.error.code : undefined;
}
