import type { Color, EndReason, GameResult, TimeControl } from '@rookery/protocol';

/** The time controls the lobby offers, as players name them (minutes + seconds of increment). */
export const TIME_CONTROLS: readonly { label: string; kind: string; tc: TimeControl | null }[] = [
  { label: '1+0', kind: 'Bullet', tc: { initialMs: 60_000, incrementMs: 0 } },
  { label: '3+2', kind: 'Blitz', tc: { initialMs: 180_000, incrementMs: 2_000 } },
  { label: '5+3', kind: 'Blitz', tc: { initialMs: 300_000, incrementMs: 3_000 } },
  { label: '10+0', kind: 'Rapid', tc: { initialMs: 600_000, incrementMs: 0 } },
  { label: '15+10', kind: 'Rapid', tc: { initialMs: 900_000, incrementMs: 10_000 } },
  { label: '∞', kind: 'Untimed', tc: null },
];

export function timeControlLabel(tc: TimeControl | null): string {
  if (tc === null) return 'Untimed';
  const min = tc.initialMs / 60_000;
  const minutes = Number.isInteger(min) ? String(min) : min === 0.5 ? '½' : min === 0.25 ? '¼' : min.toFixed(1);
  return `${minutes}+${Math.round(tc.incrementMs / 1000)}`;
}

export const other = (c: Color): Color => (c === 'white' ? 'black' : 'white');
export const colorName = (c: Color): string => (c === 'white' ? 'White' : 'Black');

const DRAWS: Partial<Record<EndReason, string>> = {
  stalemate: 'stalemate',
  agreement: 'agreement',
  threefold: 'threefold repetition',
  fivefold: 'fivefold repetition',
  'fifty-moves': 'the fifty-move rule',
  'seventy-five-moves': 'the seventy-five-move rule',
  'insufficient-material': 'insufficient material',
  'timeout-vs-insufficient': 'timeout against insufficient material',
};

/** The result banner: who won and how, in a player's words. */
export function describeResult(result: GameResult, reason: EndReason | null): { title: string; detail: string } {
  if (reason === 'aborted') return { title: 'Game aborted', detail: 'No result: the game was aborted before it really began.' };
  if (reason === 'abandoned') return { title: 'Game abandoned', detail: 'No result: nobody moved in time.' };
  if (result === '1/2-1/2') return { title: '½–½', detail: `Draw by ${DRAWS[reason ?? 'agreement'] ?? 'agreement'}.` };
  if (result === '*') return { title: 'Game in progress', detail: '' };
  const winner = result === '1-0' ? 'White' : 'Black';
  const loser = result === '1-0' ? 'Black' : 'White';
  const how: Partial<Record<EndReason, string>> = {
    checkmate: `${winner} wins by checkmate.`,
    resign: `${loser} resigned. ${winner} wins.`,
    timeout: `${loser} ran out of time. ${winner} wins.`,
  };
  return { title: result === '1-0' ? '1–0' : '0–1', detail: how[reason ?? 'checkmate'] ?? `${winner} wins.` };
}

/** A refusal's code in a player's words (the message from the server is kept for the details). */
export function describeError(code: string, message: string): string {
  const known: Record<string, string> = {
    ERR_NOT_YOUR_TURN: 'It is not your turn.',
    ERR_ILLEGAL_MOVE: 'That move is not legal.',
    ERR_STALE_MOVE: 'That move was made on an earlier position: it was played already, or the game moved on.',
    ERR_GAME_OVER: 'The game is over.',
    ERR_NOT_STARTED: 'Waiting for your opponent to join.',
    ERR_SEAT_TAKEN: 'That seat has been taken.',
    ERR_ALREADY_SEATED: 'You already play the other side of this game.',
    ERR_UNKNOWN_GAME: 'There is no such game.',
    ERR_NOT_SEATED: 'You do not hold a seat in this game.',
    ERR_CANNOT_ABORT: 'The game can no longer be aborted.',
    ERR_CANNOT_CLAIM: 'No draw can be claimed in this position.',
    ERR_NO_DRAW_OFFER: 'There is no draw offer to answer.',
    ERR_DRAW_ALREADY_OFFERED: 'A draw offer is already on the table.',
    ERR_TOO_MANY_GAMES: 'The server holds as many games as it can; try again later.',
    ERR_RATE_LIMITED: 'Too fast: slow down a little.',
  };
  return known[code] ?? `${message} (${code})`;
}
