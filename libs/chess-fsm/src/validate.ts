import { PATTERNS, PLY, checkFields, oneOf, pattern, type FieldRule, type Shape } from '@rookery/protocol';
import { ChessErrorCode, type ChessError, type Color, type Command, type CommandType, type TimeControl } from './types';

/**
 * Turns untrusted input into a `Command`, or says precisely what is wrong with it. The machine
 * runs this on every entry it applies (an entry's bytes came off the wire once), and the server
 * runs it before proposing. The checking itself is the protocol's (checkFields): unknown fields
 * are refused, so a typo is an error, not a no-op.
 */

const ID = PATTERNS.id;
// A move in UCI or SAN, loosely: the rules engine decides whether it is a move at all.
const MOVE = /^(?:[a-h][1-8][a-h][1-8][qrbn]?|[KQRBNP]?[a-h]?[1-8]?x?[a-h][1-8](?:=?[QRBNqrbn])?[+#]?|[O0]-[O0](?:-[O0])?[+#]?)$/;

/** Time control bounds: up to 3 hours each side, up to 3 minutes increment. */
export const MAX_INITIAL_MS = 3 * 60 * 60_000;
export const MAX_INCREMENT_MS = 3 * 60_000;

const TIME_CONTROL: FieldRule = {
  check(v) {
    if (v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v) || Object.keys(v).some((k) => k !== 'initialMs' && k !== 'incrementMs')) return 'must be null or { initialMs, incrementMs }';
    const { initialMs, incrementMs } = v as Partial<TimeControl>;
    if (!Number.isSafeInteger(initialMs) || initialMs! < 0 || initialMs! > MAX_INITIAL_MS) return `initialMs must be an integer from 0 to ${MAX_INITIAL_MS}`;
    if (!Number.isSafeInteger(incrementMs) || incrementMs! < 0 || incrementMs! > MAX_INCREMENT_MS) return `incrementMs must be an integer from 0 to ${MAX_INCREMENT_MS}`;
    if (initialMs === 0 && incrementMs === 0) return '0+0 leaves no time to move; use null for untimed';
    return undefined;
  },
};

const BASE: Shape = {
  type: { check: () => undefined },
  requestId: pattern(ID, '1-64 letters, digits or _ . : -'),
  session: pattern(ID, '1-64 letters, digits or _ . : -'),
  // Written by the proposing server (CommandBase.once), never by a client.
  once: oneOf([true], 'true when given', true),
};
const GAME_ID = pattern(PATTERNS.gameId, '1-32 letters, digits, _ or -');
const TOKEN = pattern(PATTERNS.token, '16-128 letters, digits, _ or -');
const SEAT: Shape = { ...BASE, gameId: GAME_ID, token: TOKEN };
const NAME = pattern(PATTERNS.name, '1-32 printable characters', true);

/** A move in UCI: from, to, and the promotion piece (notation.ts reads the groups). */
export const UCI = /^([a-h][1-8])([a-h][1-8])([qrbn])?$/;
const FEN = /^[pnbrqkPNBRQK1-8/]{15,71} [wb] (?:-|(?=[KQkq])K?Q?k?q?) (?:-|[a-h][36]) \d{1,5} \d{1,5}$/;
const PIECES = ['p', 'n', 'b', 'r', 'q', 'k'];

/**
 * A move's `found` (MoveFound): written by the proposing server, never by a client (the
 * protocol's own move shapes have no such field). Checked for its form only, as any command's
 * fields are (checkFields): what it says of the move is the proposer's finding, trusted as the
 * entry time the leader stamps is.
 */
const FOUND_SHAPE: Shape = {
  version: { check: (v) => (Number.isSafeInteger(v) && (v as number) >= 0 ? undefined : 'must be an integer ≥ 0') },
  san: pattern(MOVE, 'a move in SAN'),
  uci: pattern(UCI, 'a move in UCI'),
  fen: pattern(FEN, 'a FEN'),
  piece: oneOf(PIECES, 'one of p n b r q k'),
  captured: oneOf(PIECES, 'one of p n b r q k', true),
  enPassant: oneOf([true], 'true when given', true),
  stalemate: oneOf([true], 'true when given', true),
};
const FOUND: FieldRule = { optional: true, check: (v) => checkFields('its MoveFound', FOUND_SHAPE, v) };

const SHAPES: Record<CommandType, Shape> = {
  create: {
    ...SEAT,
    color: oneOf(['white', 'black'], '"white" or "black"'),
    timeControl: TIME_CONTROL,
    name: NAME,
    fen: { check: (v) => (typeof v === 'string' && v.length <= 100 ? undefined : 'must be a string of at most 100 characters'), optional: true },
  },
  join: { ...SEAT, color: oneOf(['white', 'black'], '"white" or "black"', true), name: NAME },
  move: { ...SEAT, move: pattern(MOVE, 'UCI (e2e4, e7e8q) or SAN (Nf3, exd5, e8=Q, O-O)'), ply: PLY, found: FOUND },
  resign: SEAT,
  offerDraw: SEAT,
  acceptDraw: SEAT,
  declineDraw: SEAT,
  claimDraw: { ...SEAT, reason: oneOf(['threefold', 'fifty-moves'], '"threefold" or "fifty-moves"', true) },
  abort: SEAT,
  flag: { ...BASE, gameId: GAME_ID },
  sweep: BASE,
};

export function malformed(message: string): ChessError {
  return { code: ChessErrorCode.Malformed, message };
}

/** The command in `x`, or why it is not one. */
export function parseCommand(x: unknown): { ok: true; command: Command } | { ok: false; error: ChessError } {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return { ok: false, error: malformed('a command is an object') };
  const type = (x as Record<string, unknown>)['type'];
  if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(SHAPES, type)) {
    return { ok: false, error: malformed(typeof type === 'string' ? `unknown command type ${JSON.stringify(type.slice(0, 40))}` : `command type must be a string, not ${type === null ? 'null' : typeof type}`) };
  }
  const problem = checkFields(type, SHAPES[type as CommandType], x);
  return problem === undefined ? { ok: true, command: x as Command } : { ok: false, error: malformed(problem) };
}

export function opposite(c: Color): Color {
  return c === 'white' ? 'black' : 'white';
}
