import { PATTERNS } from '@rookery/protocol';
import { ChessErrorCode, type ChessError, type Color, type Command, type CommandType, type TimeControl } from './types';

/**
 * Turns untrusted input into a `Command`, or says precisely what is wrong with it. The machine
 * runs this on every entry it applies (an entry's bytes came off the wire once), and the server
 * runs it before proposing. Unknown fields are refused, so a typo is an error, not a no-op.
 */

const { id: ID, gameId: GAME_ID, token: TOKEN, name: NAME } = PATTERNS;
// A move in UCI or SAN, loosely: the rules engine decides whether it is a move at all.
const MOVE = /^(?:[a-h][1-8][a-h][1-8][qrbn]?|[KQRBNP]?[a-h]?[1-8]?x?[a-h][1-8](?:=?[QRBNqrbn])?[+#]?|[O0]-[O0](?:-[O0])?[+#]?)$/;

/** Time control bounds: up to 3 hours each side, up to 3 minutes increment. */
export const MAX_INITIAL_MS = 3 * 60 * 60_000;
export const MAX_INCREMENT_MS = 3 * 60_000;

const FIELDS: Record<CommandType, readonly string[]> = {
  create: ['gameId', 'token', 'color', 'timeControl', 'name', 'fen'],
  join: ['gameId', 'token', 'color', 'name'],
  move: ['gameId', 'token', 'move'],
  resign: ['gameId', 'token'],
  offerDraw: ['gameId', 'token'],
  acceptDraw: ['gameId', 'token'],
  declineDraw: ['gameId', 'token'],
  claimDraw: ['gameId', 'token', 'reason'],
  abort: ['gameId', 'token'],
  flag: ['gameId'],
  sweep: [],
};
const OPTIONAL = new Set(['name', 'fen', 'reason']);

export function malformed(message: string): ChessError {
  return { code: ChessErrorCode.Malformed, message };
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function checkField(type: CommandType, key: string, v: unknown): string | undefined {
  switch (key) {
    case 'gameId':
      return typeof v === 'string' && GAME_ID.test(v) ? undefined : 'gameId must be 1-32 letters, digits, _ or -';
    case 'token':
      return typeof v === 'string' && TOKEN.test(v) ? undefined : 'token must be 16-128 letters, digits, _ or -';
    case 'color':
      return v === 'white' || v === 'black' ? undefined : 'color must be "white" or "black"';
    case 'name':
      return typeof v === 'string' && NAME.test(v) ? undefined : 'name must be 1-32 printable characters';
    case 'fen':
      return typeof v === 'string' && v.length <= 100 ? undefined : 'fen must be a string of at most 100 characters';
    case 'move':
      return typeof v === 'string' && MOVE.test(v) ? undefined : 'move must be UCI (e2e4, e7e8q) or SAN (Nf3, exd5, e8=Q, O-O)';
    case 'reason':
      return v === 'threefold' || v === 'fifty-moves' ? undefined : 'reason must be "threefold" or "fifty-moves"';
    case 'timeControl':
      return checkTimeControl(v);
    default:
      return `${type} has no field ${key}`;
  }
}

function checkTimeControl(v: unknown): string | undefined {
  if (v === null) return undefined;
  if (!isRecord(v) || Object.keys(v).some((k) => k !== 'initialMs' && k !== 'incrementMs')) return 'timeControl must be null or { initialMs, incrementMs }';
  const tc = v as Partial<TimeControl>;
  const { initialMs, incrementMs } = tc;
  if (!Number.isSafeInteger(initialMs) || initialMs! < 0 || initialMs! > MAX_INITIAL_MS) return `timeControl.initialMs must be an integer from 0 to ${MAX_INITIAL_MS}`;
  if (!Number.isSafeInteger(incrementMs) || incrementMs! < 0 || incrementMs! > MAX_INCREMENT_MS) return `timeControl.incrementMs must be an integer from 0 to ${MAX_INCREMENT_MS}`;
  if (initialMs === 0 && incrementMs === 0) return 'timeControl 0+0 leaves no time to move; use null for untimed';
  return undefined;
}

/** The command in `x`, or why it is not one. */
export function parseCommand(x: unknown): { ok: true; command: Command } | { ok: false; error: ChessError } {
  if (!isRecord(x)) return { ok: false, error: malformed('a command is an object') };
  const type = x['type'];
  if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(FIELDS, type)) {
    return { ok: false, error: malformed(typeof type === 'string' ? `unknown command type ${JSON.stringify(type.slice(0, 40))}` : `command type must be a string, not ${type === null ? 'null' : typeof type}`) };
  }
  const fields = FIELDS[type as CommandType];
  for (const key of ['requestId', 'session']) {
    const v = x[key];
    if (typeof v !== 'string' || !ID.test(v)) return { ok: false, error: malformed(`${key} must be 1-64 letters, digits or _ . : -`) };
  }
  for (const key of Object.keys(x)) {
    if (key === 'type' || key === 'requestId' || key === 'session') continue;
    if (!fields.includes(key)) return { ok: false, error: malformed(`${type} has no field ${key}`) };
    const v = x[key];
    if (v === undefined && OPTIONAL.has(key)) continue;
    const problem = checkField(type as CommandType, key, v);
    if (problem !== undefined) return { ok: false, error: malformed(problem) };
  }
  for (const key of fields) {
    if (OPTIONAL.has(key) || (type === 'join' && key === 'color')) continue;
    if (!(key in x)) return { ok: false, error: malformed(`${type} needs ${key}`) };
  }
  return { ok: true, command: x as unknown as Command };
}

export function opposite(c: Color): Color {
  return c === 'white' ? 'black' : 'white';
}
