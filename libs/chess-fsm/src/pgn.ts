import { DEFAULT_POSITION } from 'chess.js';
import { GameClock } from './clock';
import type { Game } from './game';
import type { EndReason } from './types';

export interface PgnOptions {
  event?: string;
  site?: string;
}

/** PGN's Termination tag takes a few standard values; the precise reason is in the Rookery tag beside it. */
const TERMINATION: Record<EndReason, string> = {
  checkmate: 'normal',
  resign: 'normal',
  stalemate: 'normal',
  agreement: 'normal',
  threefold: 'normal',
  fivefold: 'normal',
  'fifty-moves': 'normal',
  'seventy-five-moves': 'normal',
  'insufficient-material': 'normal',
  timeout: 'time forfeit',
  'timeout-vs-insufficient': 'time forfeit',
  aborted: 'unterminated',
  abandoned: 'abandoned',
};

/** The game in PGN export format: the seven-tag roster, TimeControl and Termination, then the moves. */
export function pgn(game: Game, options: PgnOptions): string {
  const tc = game.timeControl;
  const tags: [string, string][] = [
    ['Event', options.event ?? 'Rookery casual game'],
    ['Site', options.site ?? 'Rookery'],
    ['Date', pgnDate(game.createdAt)],
    ['Round', '-'],
    ['White', game.seats.white?.name ?? '?'],
    ['Black', game.seats.black?.name ?? '?'],
    ['Result', game.result],
    ['TimeControl', tc === null ? '-' : `${seconds(GameClock.initialTime(tc))}+${seconds(tc.incrementMs)}`],
    ['Termination', game.reason === null ? 'unterminated' : TERMINATION[game.reason]],
  ];
  if (game.reason !== null) tags.push(['RookeryReason', game.reason]);
  if (game.initialFen !== DEFAULT_POSITION) tags.push(['SetUp', '1'], ['FEN', game.initialFen]);
  const head = tags.map(([k, v]) => `[${k} "${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"]`).join('\n');
  return `${head}\n\n${movetext(game)}\n`;
}

function movetext(game: Game): string {
  const tokens: string[] = [];
  const fields = game.initialFen.split(' ');
  let number = Number(fields[5] ?? 1);
  let white = fields[1] !== 'b';
  game.sans.forEach((san, i) => {
    if (white) tokens.push(`${number}.`);
    else if (i === 0) tokens.push(`${number}...`);
    tokens.push(san);
    if (!white) number++;
    white = !white;
  });
  tokens.push(game.result);
  // Export format: lines of at most 80 characters.
  const lines: string[] = [];
  let line = '';
  for (const t of tokens) {
    if (line.length > 0 && line.length + 1 + t.length > 80) {
      lines.push(line);
      line = t;
    } else line = line.length === 0 ? t : `${line} ${t}`;
  }
  lines.push(line);
  return lines.join('\n');
}

function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}

/** YYYY.MM.DD (UTC) of an epoch time in ms, by the civil-from-days algorithm: no Date object in a pure library. */
export function pgnDate(ms: number): string {
  const z = Math.floor(ms / 86_400_000) + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${String(y).padStart(4, '0')}.${String(m).padStart(2, '0')}.${String(d).padStart(2, '0')}`;
}
