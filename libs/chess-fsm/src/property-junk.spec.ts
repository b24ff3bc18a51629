/**
 * Property tests of the chess state machine, through its public API only: junk (any value, a valid command
 * broken one way, a well-formed command the game's state refuses) never throws, is refused with the code
 * it must give, and never changes state. The seed and its replay: property.spec-fixtures.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Chess } from 'chess.js';
import fc from 'fast-check';
import { ChessErrorCode, ChessMachine, type ApplyOutput, type Color } from './index';
import { T0, bump, bytesEqual, isRecord, moveTextArb, ok, other, SEED, params, stats, token } from './property.spec-fixtures';
const CODES = new Set<string>(Object.values(ChessErrorCode));
const COLORS: readonly Color[] = ['white', 'black'];

// ---- Junk ---------------------------------------------------------------------------------------

interface JunkGame {
  id: string;
  seats: Partial<Record<Color, { token: string; session: string }>>;
  status: 'waiting' | 'started' | 'ended';
  turn: Color;
  fen: string;
  /** Who has a standing draw offer. */
  offer: Color | null;
}

/** A machine with games in every state: waiting, started (untimed, with a draw offer), timed with clocks running, a promotion pending, over. */
function junkSetup(): { m: ChessMachine; games: JunkGame[] } {
  const m = new ChessMachine();
  let t = T0;
  let n = 0;
  const run = (c: Record<string, unknown>): void => ok(m.apply({ requestId: `setup-${n++}`, ...c }, (t += 1000)), JSON.stringify(c));
  const seat = (id: string, color: Color, session: string): { token: string; session: string } => ({ token: token(`${id}_${color}`), session });
  const game = (id: string, tc: unknown, fen: string | undefined, moves: string[], white: string, black: string | null): void => {
    run({ type: 'create', session: white, gameId: id, token: seat(id, 'white', white).token, color: 'white', timeControl: tc, ...(fen ? { fen } : {}) });
    if (black !== null) run({ type: 'join', session: black, gameId: id, token: seat(id, 'black', black).token });
    moves.forEach((mv, i) => run({ type: 'move', session: i % 2 === 0 ? white : black!, gameId: id, token: seat(id, i % 2 === 0 ? 'white' : 'black', '').token, move: mv }));
  };
  game('open', { initialMs: 60_000, incrementMs: 0 }, undefined, [], 'sA', null);
  game('live', null, undefined, ['e4', 'e5', 'Nf3'], 'sA', 'sB');
  run({ type: 'offerDraw', session: 'sA', gameId: 'live', token: seat('live', 'white', '').token });
  game('timed', { initialMs: 300_000, incrementMs: 2_000 }, undefined, ['e4', 'c5', 'Nf3', 'd6'], 'sC', 'sD');
  game('promo', null, '8/P6k/8/8/8/8/8/K7 w - - 0 1', [], 'sA', 'sB');
  game('over', null, undefined, ['d4'], 'sA', 'sB');
  run({ type: 'resign', session: 'sB', gameId: 'over', token: seat('over', 'black', '').token });
  const games: JunkGame[] = ['open', 'live', 'timed', 'promo', 'over'].map((id) => {
    const v = m.view(id)!;
    const white = id === 'timed' ? 'sC' : 'sA';
    const black = id === 'timed' ? 'sD' : 'sB';
    return {
      id,
      seats: { white: seat(id, 'white', white), ...(v.seats.black ? { black: seat(id, 'black', black) } : {}) },
      status: v.status,
      turn: v.turn,
      fen: v.fen,
      offer: v.drawOffer,
    };
  });
  assert.deepEqual(
    games.map((g) => [g.id, g.status, g.turn, g.offer]),
    [
      ['open', 'waiting', 'white', null],
      ['live', 'started', 'black', 'white'],
      ['timed', 'started', 'white', null],
      ['promo', 'started', 'white', null],
      ['over', 'ended', 'black', null],
    ],
  );
  return { m, games };
}

const TYPES = ['create', 'join', 'move', 'resign', 'offerDraw', 'acceptDraw', 'declineDraw', 'claimDraw', 'abort', 'flag', 'sweep'] as const;
type Type = (typeof TYPES)[number];
const FIELDS: Record<Type, { required: string[]; optional: string[] }> = {
  create: { required: ['gameId', 'token', 'color', 'timeControl'], optional: ['name', 'fen'] },
  join: { required: ['gameId', 'token'], optional: ['color', 'name'] },
  move: { required: ['gameId', 'token', 'move'], optional: ['ply'] },
  resign: { required: ['gameId', 'token'], optional: [] },
  offerDraw: { required: ['gameId', 'token'], optional: [] },
  acceptDraw: { required: ['gameId', 'token'], optional: [] },
  declineDraw: { required: ['gameId', 'token'], optional: [] },
  claimDraw: { required: ['gameId', 'token'], optional: ['reason'] },
  abort: { required: ['gameId', 'token'], optional: [] },
  flag: { required: ['gameId'], optional: [] },
  sweep: { required: [], optional: [] },
};

/** A junk input and the codes it may be refused with. */
interface Junk {
  value: unknown;
  codes: readonly string[];
}

const ID_RE = /^[A-Za-z0-9_.:-]{1,64}$/;
const GAME_RE = /^[A-Za-z0-9_-]{1,32}$/;
const TOKEN_RE = /^[A-Za-z0-9_-]{16,128}$/;
// "1-32 printable characters": no control or format characters, no quote or backslash (PGN headers).
const NAME_RE = /^[^\p{Cc}\p{Cf}"\\]{1,32}$/u;
const MAX_INITIAL = 3 * 60 * 60_000;
const MAX_INCREMENT = 3 * 60_000;
const safeInt = (x: unknown, max: number): boolean => Number.isSafeInteger(x) && (x as number) >= 0 && (x as number) <= max;
function validTimeControl(v: unknown): boolean {
  if (v === null) return true;
  if (!isRecord(v)) return false;
  const keys = Object.keys(v).sort();
  if (keys.length !== 2 || keys[0] !== 'incrementMs' || keys[1] !== 'initialMs') return false;
  return safeInt(v['initialMs'], MAX_INITIAL) && safeInt(v['incrementMs'], MAX_INCREMENT) && (v['initialMs'] !== 0 || v['incrementMs'] !== 0);
}

/** Whether `v` could pass as the value of `field` (erring on the side of "valid": only clearly bad values are used as bad ones). */
function plausible(field: string, v: unknown): boolean {
  switch (field) {
    case 'type':
      return typeof v === 'string' && (TYPES as readonly string[]).includes(v);
    case 'requestId':
    case 'session':
      return typeof v === 'string' && ID_RE.test(v);
    case 'gameId':
      return typeof v === 'string' && GAME_RE.test(v);
    case 'token':
      return typeof v === 'string' && TOKEN_RE.test(v);
    case 'color':
      return v === 'white' || v === 'black';
    case 'name':
      return v === undefined || (typeof v === 'string' && NAME_RE.test(v));
    case 'fen':
      return v === undefined || (typeof v === 'string' && v.length <= 100);
    case 'move':
      // Only clearly malformed move texts count as bad: not a string, or nothing like SAN or UCI.
      return typeof v === 'string' && /^[a-hKQRBNPO0x1-8=+#qrbn-]{2,9}$/.test(v);
    case 'reason':
      return v === undefined || v === 'threefold' || v === 'fifty-moves';
    case 'ply':
      return v === undefined || (Number.isSafeInteger(v) && (v as number) >= 0);
    case 'timeControl':
      return validTimeControl(v);
    default:
      return true;
  }
}

const anythingArb = (withBigInt: boolean): fc.Arbitrary<unknown> =>
  fc.anything({
    maxDepth: 3,
    withBigInt,
    withBoxedValues: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withNullPrototype: true,
    withObjectString: true,
    withSparseArray: true,
    withTypedArray: true,
    stringUnit: 'grapheme',
  });

function badValueArb(field: string, withBigInt: boolean): fc.Arbitrary<unknown> {
  const specific: Record<string, unknown[]> = {
    type: ['Move', 'moves', 'sweep ', '', 'constructor', '__proto__', 'toString', 'hasOwnProperty'],
    requestId: ['', 'a'.repeat(65), 'has space', 'slash/', 'émoji', 'tab\t', 7],
    session: ['', 's'.repeat(65), 'a b', 'x#y', 'ü', null],
    gameId: ['', 'g'.repeat(33), 'dot.ted', 'a b', 'ü', 'colon:', 42],
    token: ['', 'short_token_15c', 'x'.repeat(129), 'has.dot.in.the.token', 'has space in the token', 'ü'.repeat(20)],
    color: ['White', 'BLACK', 'random', 'w', '', null, 0, undefined],
    name: ['', 'n'.repeat(33), 'quote"d', 'back\\slash', 'new\nline', 'nul\u0000', 'zero\u200bwidth', 'bidi\u202e', 5],
    fen: ['f'.repeat(101), 3, null, ['8/8/8/8/8/8/8/8 w - - 0 1']],
    move: ['', 'e2 e4', 'e2e4 ', 'E4', 'i2i4', 'e9', 'Pawn to e4', 'e2e4e5', 'k', 'e2e4qq', 'o-o', 7, null],
    reason: ['three-fold', 'fifty', 'Threefold', '', null, 3, 'agreement'],
    timeControl: [
      {},
      { initialMs: 1000 },
      { initialMs: -1, incrementMs: 0 },
      { initialMs: 1.5, incrementMs: 0 },
      { initialMs: MAX_INITIAL + 1, incrementMs: 0 },
      { initialMs: 1000, incrementMs: MAX_INCREMENT + 1 },
      { initialMs: 0, incrementMs: 0 },
      { initialMs: '1000', incrementMs: 0 },
      { initialMs: NaN, incrementMs: 0 },
      { initialMs: Infinity, incrementMs: 0 },
      { initialMs: 1000, incrementMs: 0, delayMs: 0 },
      [1000, 0],
      '5+3',
      300,
      undefined,
    ],
  };
  return fc.oneof(fc.constantFrom(...(specific[field] ?? [null])), anythingArb(withBigInt)).filter((v) => !plausible(field, v));
}

/** Keys a command of `type` does not have. */
const extraKeyArb = (type: Type): fc.Arbitrary<string> =>
  fc
    .oneof(fc.constantFrom('extra', 'gameID', 'Token', 'promotion', 'name', 'fen', 'reason', 'color', 'move', 'token', 'gameId', 'timeControl', '__proto__', 'constructor', ''), fc.string())
    .filter((k) => k !== 'type' && k !== 'requestId' && k !== 'session' && !FIELDS[type].required.includes(k) && !FIELDS[type].optional.includes(k));

let junkSerial = 0;
const junkId = (): string => `junk.${junkSerial++}`;

/** Whether chess.js would play `text` in `fen`, read the way the machine reads it (UCI first, else SAN). */
function legalIn(fen: string, text: string): boolean {
  const board = new Chess(fen);
  const uci = /^([a-h][1-8])([a-h][1-8])([qrbn])?$/.exec(text);
  try {
    if (uci) board.move({ from: uci[1]!, to: uci[2]!, ...(uci[3] ? { promotion: uci[3] } : {}) });
    else board.move(text);
    return true;
  } catch {
    return false;
  }
}

/** Commands with the right shape that the machine must refuse, each with the code it must give. */
function semanticJunkArb(games: JunkGame[]): fc.Arbitrary<Junk> {
  const byId = (id: string): JunkGame => games.find((g) => g.id === id)!;
  const stranger = token('stranger');
  const base = (type: Type, session: string, fields: Record<string, unknown>): Record<string, unknown> => ({ type, requestId: junkId(), session, ...fields });
  const seatTypes = ['move', 'resign', 'offerDraw', 'acceptDraw', 'declineDraw', 'claimDraw', 'abort'] as const;
  const fieldsFor = (type: Type, text: string): Record<string, unknown> => (type === 'move' ? { move: text } : {});
  const wellFormed = fc.constantFrom('e4', 'e2e4', 'Nf3', 'a7a8q', 'O-O', 'Kb1');
  const gameArb = fc.constantFrom(...games);
  return fc.oneof(
    // No such game.
    fc.tuple(fc.constantFrom(...TYPES.filter((t) => t !== 'create' && t !== 'sweep')), wellFormed, fc.constantFrom('nope', 'Live', 'open-', 'x_1')).map(([type, text, id]) => ({
      value: base(type, 'sA', { gameId: id, ...(type === 'flag' ? {} : { token: token('open_white') }), ...fieldsFor(type, text) }),
      codes: [ChessErrorCode.UnknownGame],
    })),
    // A game id in use.
    fc.tuple(gameArb, fc.constantFrom(...COLORS), fc.constantFrom(null, { initialMs: 1000, incrementMs: 0 })).map(([g, color, tc]) => ({
      value: base('create', 'sZ', { gameId: g.id, token: stranger, color, timeControl: tc }),
      codes: [ChessErrorCode.GameExists],
    })),
    // A token that holds no seat.
    fc.tuple(gameArb, fc.constantFrom(...seatTypes), wellFormed, fc.constantFrom(stranger, token('live_white'), token('open_black'))).map(([g, type, text, tok]) => ({
      value: base(type, 'sA', { gameId: g.id, token: tok === token('live_white') && g.id === 'live' ? stranger : tok, ...fieldsFor(type, text) }),
      codes: [ChessErrorCode.NotSeated],
    })),
    // Joining a full game, a finished one, a taken seat, or the other seat of one's own game.
    fc.tuple(gameArb, fc.constantFrom<Color | undefined>(undefined, 'white', 'black'), fc.constantFrom('sA', 'sB', 'sZ')).chain(([g, color, session]) => {
      if (g.status === 'ended') return fc.constant<Junk>({ value: base('join', session, { gameId: g.id, token: stranger, ...(color ? { color } : {}) }), codes: [ChessErrorCode.GameOver] });
      if (g.status === 'started') return fc.constant<Junk>({ value: base('join', session, { gameId: g.id, token: stranger, ...(color ? { color } : {}) }), codes: [ChessErrorCode.SeatTaken] });
      // The waiting game: white (sA) is seated, black is open.
      return fc.constantFrom<Junk>(
        { value: base('join', 'sZ', { gameId: g.id, token: stranger, color: 'white' }), codes: [ChessErrorCode.SeatTaken] },
        { value: base('join', 'sA', { gameId: g.id, token: stranger, ...(color === 'white' ? {} : color ? { color } : {}) }), codes: [ChessErrorCode.AlreadySeated] },
        { value: base('join', 'sZ', { gameId: g.id, token: g.seats.white!.token }), codes: [ChessErrorCode.AlreadySeated] },
      );
    }),
    // Game commands by a seat of a game that has not started or is over.
    fc.tuple(fc.constantFrom(byId('open'), byId('over')), fc.constantFrom(...seatTypes), wellFormed, fc.constantFrom(...COLORS)).chain(([g, type, text, color]) => {
      const s = g.seats[color] ?? g.seats.white!;
      // (Aborting a waiting game is allowed; a flag there is not.)
      if (g.status === 'waiting' && type === 'abort') return fc.constant<Junk>({ value: base('flag', 'sA', { gameId: g.id }), codes: [ChessErrorCode.NotFlagged] });
      return fc.constant<Junk>({
        value: base(type, s.session, { gameId: g.id, token: s.token, ...fieldsFor(type, text) }),
        codes: [g.status === 'ended' ? ChessErrorCode.GameOver : type === 'abort' ? ChessErrorCode.CannotAbort : ChessErrorCode.NotStarted],
      });
    }),
    // A move by the side not to move.
    fc.tuple(fc.constantFrom(byId('live'), byId('timed'), byId('promo')), moveTextArb).map(([g, text]) => {
      const s = g.seats[other(g.turn)]!;
      return { value: base('move', s.session, { gameId: g.id, token: s.token, move: text }), codes: [ChessErrorCode.NotYourTurn, ChessErrorCode.Malformed] };
    }),
    // An illegal move by the side to move (a pawn promoting without naming the piece, among others).
    fc
      .tuple(fc.constantFrom(byId('live'), byId('timed'), byId('promo')), moveTextArb)
      .filter(([g, text]) => !legalIn(g.fen, text))
      .map(([g, text]) => {
        const s = g.seats[g.turn]!;
        return { value: base('move', s.session, { gameId: g.id, token: s.token, move: text }), codes: [ChessErrorCode.IllegalMove, ChessErrorCode.Malformed] };
      }),
    // Draw commands that do not apply, claims that do not hold, aborts too late, flags with time left.
    fc.tuple(fc.constantFrom(byId('live'), byId('timed'), byId('promo')), fc.constantFrom(...COLORS), fc.constantFrom('offerDraw', 'acceptDraw', 'declineDraw', 'claimDraw', 'abort', 'flag')).chain(([g, color, type]) => {
      const s = g.seats[color]!;
      const cmd = (t: Type, extra: Record<string, unknown> = {}): Record<string, unknown> => base(t, s.session, { gameId: g.id, ...(t === 'flag' ? {} : { token: s.token }), ...extra });
      switch (type) {
        case 'offerDraw':
          // Only the standing offer can be repeated; anything else would be a real offer or an acceptance.
          return fc.constant<Junk>(g.offer !== null ? { value: base('offerDraw', g.seats[g.offer]!.session, { gameId: g.id, token: g.seats[g.offer]!.token }), codes: [ChessErrorCode.DrawAlreadyOffered] } : { value: cmd('claimDraw'), codes: [ChessErrorCode.CannotClaim] });
        case 'acceptDraw':
        case 'declineDraw': {
          // Answering one's own offer (or no offer at all).
          const by = g.offer !== null && g.offer === other(color) ? g.seats[g.offer]! : s;
          return fc.constant<Junk>({ value: base(type, by.session, { gameId: g.id, token: by.token }), codes: [ChessErrorCode.NoDrawOffer] });
        }
        case 'claimDraw':
          return fc.constantFrom<Junk>({ value: cmd('claimDraw'), codes: [ChessErrorCode.CannotClaim] }, { value: cmd('claimDraw', { reason: 'threefold' }), codes: [ChessErrorCode.CannotClaim] }, { value: cmd('claimDraw', { reason: 'fifty-moves' }), codes: [ChessErrorCode.CannotClaim] });
        case 'abort':
          // (Nobody has moved in 'promo', so an abort there would be allowed: a resign with a stray field instead.)
          return fc.constant<Junk>(g.id === 'promo' ? { value: cmd('resign', { move: 'e4' }), codes: [ChessErrorCode.Malformed] } : { value: cmd('abort'), codes: [ChessErrorCode.CannotAbort] });
        default:
          return fc.constant<Junk>({ value: cmd('flag'), codes: [ChessErrorCode.NotFlagged] });
      }
    }),
  );
}

/** Commands that would succeed (or be answered from the dedupe table), to be broken by a mutation. */
function validCommandArb(games: JunkGame[]): fc.Arbitrary<Record<string, unknown>> {
  const live = games.find((g) => g.id === 'live')!;
  const timed = games.find((g) => g.id === 'timed')!;
  const promo = games.find((g) => g.id === 'promo')!;
  const open = games.find((g) => g.id === 'open')!;
  const mover = (g: JunkGame): { token: string; session: string } => g.seats[g.turn]!;
  return fc.constantFrom<Record<string, unknown>>(
    { type: 'create', session: 'sN', gameId: 'fresh', token: token('fresh'), color: 'black', timeControl: { initialMs: 60_000, incrementMs: 1_000 }, name: 'Nina' },
    { type: 'create', session: 'sN', gameId: 'fresh2', token: token('fresh2'), color: 'white', timeControl: null, fen: '4k3/8/8/8/8/8/4P3/4K3 w - - 0 1' },
    { type: 'join', session: 'sN', gameId: 'open', token: token('joiner') },
    { type: 'join', session: 'sN', gameId: 'open', token: token('joiner'), color: 'black', name: 'Jo' },
    { type: 'move', session: mover(live).session, gameId: 'live', token: mover(live).token, move: 'Nc6' },
    { type: 'move', session: mover(timed).session, gameId: 'timed', token: mover(timed).token, move: 'd2d4' },
    { type: 'move', session: mover(promo).session, gameId: 'promo', token: mover(promo).token, move: 'a7a8q' },
    { type: 'resign', session: 'sA', gameId: 'live', token: live.seats.white!.token },
    { type: 'offerDraw', session: 'sC', gameId: 'timed', token: timed.seats.white!.token },
    { type: 'acceptDraw', session: 'sB', gameId: 'live', token: live.seats.black!.token },
    { type: 'declineDraw', session: 'sB', gameId: 'live', token: live.seats.black!.token },
    { type: 'abort', session: 'sA', gameId: 'open', token: open.seats.white!.token },
    { type: 'sweep', session: 'leader' },
  );
}

/** A valid command broken one way: a field with a bad value, an unknown field, a missing field. */
function mutatedJunkArb(games: JunkGame[], withBigInt: boolean): fc.Arbitrary<Junk> {
  return validCommandArb(games).chain((c0) => {
    const c: Record<string, unknown> = { ...c0, requestId: junkId() };
    const type = c['type'] as Type;
    const present = Object.keys(c);
    const required = ['type', 'requestId', 'session', ...FIELDS[type].required];
    const replaced = fc
      .constantFrom(...present, ...FIELDS[type].optional)
      // (An explicit `color: undefined` on a join might fairly be read as no color: not used as a bad value.)
      .chain((field) => badValueArb(field, withBigInt).filter((v) => !(type === 'join' && field === 'color' && v === undefined)).map((v) => ({ value: { ...c, [field]: v }, codes: [ChessErrorCode.Malformed] as const })));
    const extra = fc.tuple(extraKeyArb(type), anythingArb(withBigInt)).map(([k, v]) => {
      const value: Record<string, unknown> = { ...c };
      Object.defineProperty(value, k, { value: v, enumerable: true, writable: true, configurable: true });
      return { value, codes: [ChessErrorCode.Malformed] as const };
    });
    const missing = fc.constantFrom(...required).map((k) => {
      const value: Record<string, unknown> = { ...c };
      delete value[k];
      return { value, codes: [ChessErrorCode.Malformed] as const };
    });
    return fc.oneof(replaced, extra, missing);
  });
}

function junkArb(games: JunkGame[], withBigInt: boolean): fc.Arbitrary<Junk> {
  return fc.oneof(
    { weight: 2, arbitrary: anythingArb(withBigInt).map((value) => ({ value, codes: [ChessErrorCode.Malformed] })) },
    {
      weight: 1,
      arbitrary: fc
        .record({ type: fc.constantFrom(...TYPES), requestId: fc.string(), session: fc.string() })
        .filter((v) => !(plausible('requestId', v.requestId) && plausible('session', v.session)))
        .map((value) => ({ value, codes: [ChessErrorCode.Malformed] })),
    },
    { weight: 4, arbitrary: mutatedJunkArb(games, withBigInt) },
    { weight: 4, arbitrary: semanticJunkArb(games) },
  );
}

const junkTimeArb = (now: number): fc.Arbitrary<number> =>
  fc.oneof({ weight: 4, arbitrary: fc.integer({ min: now - 10_000_000, max: now }) }, { weight: 1, arbitrary: fc.constantFrom(now, 0, -1, NaN, -Infinity) });

function checkJunk(withBigInt: boolean, numRuns: number): void {
  const { m: probe, games } = junkSetup();
  const now = probe.now;
  fc.assert(
    fc.property(fc.array(fc.tuple(junkArb(games, withBigInt), junkTimeArb(now)), { minLength: 1, maxLength: 20 }), (junk) => {
      const { m } = junkSetup();
      const before = m.snapshot();
      for (const [{ value, codes }, time] of junk) {
        let out: ApplyOutput;
        try {
          out = m.apply(value, time);
        } catch (e) {
          assert.fail(`apply threw ${e instanceof Error ? e.message : String(e)}`);
        }
        assert.equal(out.result.ok, false, `refused: ${JSON.stringify(out.result)}`);
        if (out.result.ok) return;
        assert.deepEqual(Object.keys(out.result).sort(), ['error', 'ok']);
        assert.deepEqual(Object.keys(out.result.error).sort(), ['code', 'message']);
        assert.ok(CODES.has(out.result.error.code), out.result.error.code);
        assert.equal(typeof out.result.error.message, 'string');
        if (codes.length > 0) assert.ok(codes.includes(out.result.error.code), `expected ${codes.join(' or ')}, got ${out.result.error.code}: ${out.result.error.message}`);
        bump(out.result.error.code);
        assert.deepEqual(out.events, []);
        assert.ok(bytesEqual(m.snapshot(), before), 'the snapshot is unchanged');
        assert.equal(m.now, now);
      }
    }),
    params(numRuns),
  );
}

describe('chess-fsm properties', () => {
  it(`junk never throws and never changes state (seed ${SEED})`, (t) => {
    stats.clear();
    checkJunk(false, 150);
    t.diagnostic(`refusals: ${[...stats].map(([k, v]) => `${k} ${v}`).join(', ')}`);
  });

  it(`junk with BigInt values never throws either (seed ${SEED})`, () => {
    checkJunk(true, 100);
  });
});
