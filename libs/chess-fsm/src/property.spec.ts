import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Chess, type Move } from 'chess.js';
import fc from 'fast-check';
import { ChessErrorCode, ChessMachine, DEFAULT_OPTIONS, type ApplyOutput, type Catchup, type Color, type EndReason, type GameEvent, type GameView, type MachineOptions } from './index';
import { SNAPSHOT_HISTORY } from './snapshot';

/**
 * Property tests of the chess state machine, through its public API only:
 * 1. random legal games (from the start and from random positions) never diverge from chess.js;
 * 2. junk never throws and never changes state;
 * 3. snapshot/restore at any point is invisible;
 * 4. the machine is deterministic.
 *
 * Every property runs with a fixed seed (FC_SEED overrides it); fast-check's report of a failure
 * prints the seed, the path and the shrunk counterexample, so `FC_SEED=<seed>` plus the printed
 * `path` replays it.
 */

const SEED = Number(process.env['FC_SEED'] ?? 0x5eed_c4e5);
const params = (numRuns: number): { seed: number; numRuns: number; includeErrorInReport: boolean } => ({ seed: SEED, numRuns, includeErrorInReport: true });

const CODES = new Set<string>(Object.values(ChessErrorCode));
const COLORS: readonly Color[] = ['white', 'black'];
const other = (c: Color): Color => (c === 'white' ? 'black' : 'white');
/** A seat token: 16+ characters of [A-Za-z0-9_-]. */
const token = (s: string): string => `tk_${s}`.padEnd(20, '0');
/** FIDE identity of a position, as chess.js writes it (en passant square only when the capture is legal). */
const positionKey = (fen: string): string => fen.split(' ').slice(0, 4).join(' ');
const halfmoves = (fen: string): number => Number(fen.split(' ')[4]);
const bytesEqual = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
const T0 = 1_700_000_000_000;

function ok(out: ApplyOutput, what: string): void {
  assert.equal(out.result.ok, true, `${what}: ${JSON.stringify(out.result)}`);
}

// ---- 1. Random legal games agree with chess.js ----------------------------------------------------

interface Ply {
  /** 0..9: below `back` replays the mover's last move backwards, below `back + quiet` picks a quiet move, else any move. */
  roll: number;
  pick: number;
  uci: boolean;
}
interface GameCase {
  /** An endgame to start from instead of the standard position (index into ENDGAMES), or null. */
  from: number | null;
  /** Moves played in chess.js first; the machine's game starts from the position they reach. */
  prefix: number[];
  back: number;
  quiet: number;
  plies: Ply[];
}

/** Endgames, where random play soon mates, stalemates, runs out of material or shuffles into the 75-move rule; one is already decided. */
const ENDGAMES = [
  '8/8/8/4k3/8/8/8/4K2Q w - - 0 1',
  '7k/8/8/8/8/8/1Q6/K7 b - - 0 1',
  'k7/8/2Q5/8/8/8/8/K7 w - - 0 1', // Qc7 stalemates
  '8/8/8/4k3/8/8/8/R3K3 w Q - 0 1',
  '8/8/8/4k3/8/8/8/2B1KN2 w - - 0 1',
  '8/8/4k3/8/8/8/4P3/4K3 w - - 0 1',
  '8/8/4k3/8/8/8/8/1N2KN2 w - - 0 1',
  '8/8/2b1k3/8/8/8/8/3BK3 w - - 0 1', // bishops on opposite colors: play on
  '8/8/3bk3/8/8/8/8/3BK3 w - - 0 1', // bishops on one color: already drawn
  '8/5k2/8/8/8/8/1q6/K7 w - - 0 1',
  '6k1/5ppp/8/8/8/8/5PPP/3R2K1 w - - 0 1',
  '4k3/8/8/8/8/8/2n5/4K2N w - - 0 1',
];
const plyArb: fc.Arbitrary<Ply> = fc.record({ roll: fc.nat({ max: 9 }), pick: fc.nat(), uci: fc.boolean() });
const gameCaseArb: fc.Arbitrary<GameCase> = fc.record({
  from: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 2, arbitrary: fc.nat({ max: ENDGAMES.length - 1 }) }),
  prefix: fc.oneof({ weight: 3, arbitrary: fc.constant<number[]>([]) }, { weight: 2, arbitrary: fc.array(fc.nat(), { minLength: 1, maxLength: 120, size: 'max' }) }),
  back: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 10 }) }),
  quiet: fc.oneof({ weight: 2, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 5, max: 10 }) }),
  plies: fc.array(plyArb, { maxLength: 300, size: 'max' }),
});

const isQuiet = (san: string): boolean => !san.includes('x') && san.charCodeAt(0) >= 65 && san.charCodeAt(0) <= 90;

/** Plays the chosen move in `ref` and returns it. */
function playChoice(ref: Chess, ply: Ply, c: GameCase, last: Partial<Record<'w' | 'b', Move>>): Move {
  const lastOwn = last[ref.turn()];
  if (ply.roll < c.back && lastOwn !== undefined) {
    // Undo the mover's own last move (a knight or rook shuffle): this is what makes repetitions.
    const back = ref.moves({ square: lastOwn.to, verbose: true }).find((m) => m.to === lastOwn.from && m.promotion === undefined);
    if (back !== undefined) return ref.move(back.san);
  }
  const sans = ref.moves();
  let pool = sans;
  if (ply.roll < c.back + c.quiet) {
    const quiet = sans.filter(isQuiet);
    if (quiet.length > 0) pool = quiet;
  }
  return ref.move(pool[ply.pick % pool.length]!);
}

const stats = new Map<string, number>();
function bump(k: string): void {
  stats.set(k, (stats.get(k) ?? 0) + 1);
}

function runLegalGame(c: GameCase): void {
  // The start: the standard position, or the one a random prefix reaches.
  const pre = new Chess(c.from === null ? undefined : ENDGAMES[c.from]);
  for (const n of c.prefix) {
    const sans = pre.moves();
    if (sans.length === 0) break;
    pre.move(sans[n % sans.length]!);
  }
  const startFen = pre.fen();
  const decided = pre.isCheckmate() || pre.isStalemate() || pre.isInsufficientMaterial();
  const m = new ChessMachine();
  const W = token('white');
  const B = token('black');
  let t = T0;
  let rid = 0;
  const create = m.apply(
    { type: 'create', requestId: `r${rid++}`, session: 'sw', gameId: 'g', token: W, color: 'white', timeControl: null, ...(c.prefix.length > 0 || c.from !== null ? { fen: startFen } : {}) },
    (t += 1000),
  );
  if (decided) {
    assert.deepEqual(create.result.ok ? create.result : create.result.error.code, ChessErrorCode.BadPosition, `a decided start ${startFen} is refused`);
    assert.deepEqual(create.events, []);
    bump('decided start refused');
    return;
  }
  ok(create, 'create');
  ok(m.apply({ type: 'join', requestId: `r${rid++}`, session: 'sb', gameId: 'g', token: B }, (t += 1000)), 'join');
  const seat: Record<Color, string> = { white: W, black: B };
  const start = m.view('g')!;
  assert.equal(start.fen, startFen);
  assert.equal(start.initialFen, startFen);
  assert.equal(start.status, 'started');

  const ref = new Chess(startFen);
  const seen = new Map<string, number>([[positionKey(startFen), 1]]);
  const last: Partial<Record<'w' | 'b', Move>> = {};
  let version = start.version;
  let checkedThreefold = false;
  let checkedFifty = false;
  for (const [i, ply] of c.plies.entries()) {
    const mover = ref.turn() === 'w' ? 'white' : 'black';
    const mv = playChoice(ref, ply, c, last);
    last[mv.color] = mv;
    const fen = ref.fen();
    const key = positionKey(fen);
    seen.set(key, (seen.get(key) ?? 0) + 1);
    const text = ply.uci ? mv.lan : mv.san;
    const out = m.apply({ type: 'move', requestId: `r${rid++}`, session: mover === 'white' ? 'sw' : 'sb', gameId: 'g', token: seat[mover], move: text }, (t += 1000));
    const where = `ply ${i + 1} ${text} from ${mv.before}`;
    assert.deepEqual(out.result, { ok: true, gameId: 'g', version: version + out.events.length, color: mover }, where);
    const moved = out.events[0];
    assert.ok(moved?.type === 'moved', where);
    assert.deepEqual([moved.san, moved.uci, moved.fen, moved.color, moved.ply], [mv.san, mv.lan, fen, mover, i + 1], where);
    out.events.forEach((e, k) => assert.equal(e.version, version + k + 1, `${where}: versions without gaps`));
    version += out.events.length;
    const view = m.view('g')!;
    assert.equal(view.fen, fen, where);
    assert.equal(view.version, version, where);

    // What ends the game, computed independently of the machine.
    // chess.js's own verdicts come first; fivefold repetition and the 75-move rule are the machine's on top.
    const mate = ref.isCheckmate();
    const verdicts = new Set<EndReason>();
    if (ref.isStalemate()) verdicts.add('stalemate');
    if (ref.isInsufficientMaterial()) verdicts.add('insufficient-material');
    const rules = new Set<EndReason>();
    if (seen.get(key)! >= 5) rules.add('fivefold');
    if (halfmoves(fen) >= 150) rules.add('seventy-five-moves');
    const draws = verdicts.size > 0 ? verdicts : rules;
    if (mate) {
      assert.deepEqual([view.status, view.reason, view.result], ['ended', 'checkmate', mover === 'white' ? '1-0' : '0-1'], where);
      assert.ok(out.events.some((e) => e.type === 'checkmate' && e.winner === mover), where);
    } else if (draws.size > 0) {
      assert.equal(view.status, 'ended', `${where}: ${[...draws].join(', ')} holds (${fen})`);
      assert.ok(view.reason !== null && draws.has(view.reason), `${where}: ended by ${view.reason}, expected ${[...draws].join(' or ')}`);
      assert.equal(view.result, '1/2-1/2', where);
      const ending = out.events[out.events.length - 1]!;
      assert.deepEqual(ending.type === 'stalemate' ? 'stalemate' : ending.type === 'draw' ? ending.reason : ending.type, view.reason, `${where}: the last event says why`);
    } else {
      // Threefold repetition and the 50-move rule never end a game by themselves.
      assert.equal(view.status, 'started', `${where}: the machine ended the game (${view.reason}) while chess.js plays on (${fen})`);
      assert.equal(view.reason, null, where);
    }
    if (view.status === 'ended') {
      bump(`ended: ${view.reason}`);
      break;
    }

    // Claims: refused (changing nothing) unless threefold repetition or the 50-move rule holds.
    const threefold = seen.get(key)! >= 3;
    const fifty = halfmoves(fen) >= 100;
    for (const reason of [undefined, 'threefold', 'fifty-moves'] as const) {
      const holds = reason === undefined ? threefold || fifty : reason === 'threefold' ? threefold : fifty;
      if (holds) continue;
      const claim = m.apply({ type: 'claimDraw', requestId: `c${rid++}`, session: 'sw', gameId: 'g', token: seat[i % 2 === 0 ? 'white' : 'black'], ...(reason ? { reason } : {}) }, t);
      assert.equal(claim.result.ok ? 'ok' : claim.result.error.code, ChessErrorCode.CannotClaim, `${where}: claim ${reason ?? '(any)'}`);
    }
    if ((threefold && !checkedThreefold) || (fifty && !checkedFifty)) {
      // A claim that holds ends the game: try it on a copy.
      const reasons: ('threefold' | 'fifty-moves' | undefined)[] = [undefined];
      if (threefold) reasons.push('threefold');
      if (fifty) reasons.push('fifty-moves');
      for (const reason of reasons) {
        const copy = ChessMachine.fromSnapshot(m.snapshot());
        const claim = copy.apply({ type: 'claimDraw', requestId: `c${rid++}`, session: 'sb', gameId: 'g', token: B, ...(reason ? { reason } : {}) }, t);
        ok(claim, `${where}: claim ${reason ?? '(any)'} (seen ${seen.get(key)}, halfmoves ${halfmoves(fen)})`);
        const v = copy.view('g')!;
        assert.deepEqual([v.status, v.result, v.reason], ['ended', '1/2-1/2', reason ?? (threefold ? 'threefold' : 'fifty-moves')], where);
      }
      if (threefold) checkedThreefold = true;
      if (fifty) checkedFifty = true;
      bump(threefold ? 'threefold claimed' : 'fifty-moves claimed');
    }
  }
  const end = m.view('g')!;
  if (end.status === 'started') bump('unfinished');
  // The moves and the PGN agree with chess.js.
  assert.deepEqual(
    end.moves.map((x) => x.san),
    ref.history(),
  );
  const replay = new Chess();
  replay.loadPgn(m.pgn('g')!);
  assert.equal(replay.fen(), ref.fen(), 'the PGN replays to the same position');
}

// ---- 2. Junk ------------------------------------------------------------------------------------

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
const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
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

const squareArb = fc.tuple(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'), fc.integer({ min: 1, max: 8 })).map(([f, r]) => `${f}${r}`);
const moveTextArb: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(squareArb, squareArb, fc.constantFrom('', 'q', 'r', 'b', 'n')).map(([a, b, p]) => `${a}${b}${p}`),
  fc.tuple(fc.constantFrom('', 'K', 'Q', 'R', 'B', 'N'), fc.constantFrom('', 'x'), squareArb, fc.constantFrom('', '+', '#', '=Q', '=N')).map(([p, x, s, suf]) => `${p}${x}${s}${suf}`),
  fc.constantFrom('O-O', 'O-O-O', '0-0', 'e4', 'e2e4', 'Nf3', 'a8', 'a7a8', 'a8=Q', 'a7a8q', 'Ke2', 'Qh5', 'exd5', 'e1g1', 'e8g8', 'Pa8=Q', 'a8q', 'Nbd7'),
);

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

// ---- 3 & 4. Command streams -----------------------------------------------------------------------

type Intent =
  | { k: 'create'; fresh: boolean; g: number; color: boolean; tc: number; fen: number; s: number; name: boolean }
  | { k: 'join'; g: number; color: number; s: number; tok: number }
  | { k: 'move'; g: number; pick: number; uci: boolean; who: number; ply: number }
  | { k: 'badmove'; g: number; text: string; who: number }
  | { k: 'seat'; type: 'resign' | 'offerDraw' | 'acceptDraw' | 'declineDraw' | 'claimDraw' | 'abort'; g: number; who: number; reason: number }
  | { k: 'flag'; g: number; late: number }
  | { k: 'sweep' }
  | { k: 'dup'; i: number; reuse: boolean }
  | { k: 'junk'; v: unknown };
interface Step {
  intent: Intent;
  dt: number;
}

const TIME_CONTROLS = [null, { initialMs: 1_000, incrementMs: 0 }, { initialMs: 5_000, incrementMs: 1_000 }, { initialMs: 30_000, incrementMs: 0 }, { initialMs: 0, incrementMs: 2_000 }, { initialMs: 180_000, incrementMs: 2_000 }];

/** Start positions: random middlegames (played with a fixed LCG), positions near an end, and ones the machine refuses. */
const START_FENS: (string | undefined)[] = (() => {
  const out: (string | undefined)[] = [undefined, undefined, undefined];
  let x = 12345;
  for (let k = 0; k < 6; k++) {
    const c = new Chess();
    for (let i = 0; i < 10 + k * 12; i++) {
      const sans = c.moves();
      if (sans.length === 0) break;
      x = (x * 1103515245 + 12345) % 2 ** 31;
      c.move(sans[x % sans.length]!);
    }
    out.push(c.fen());
  }
  out.push(
    '6k1/5ppp/8/8/8/8/8/R5K1 w - - 0 1', // mate in one
    '7k/8/6Q1/8/8/8/8/K7 w - - 0 1', // stalemate in one (Qf7)
    '4k3/8/8/8/8/8/4r3/4K2N w - - 96 80', // the 50-move rule in reach; Kxe2 or Nf2/Ng3 captures next
    '8/8/8/3k4/8/3K4/3B4/3b4 w - - 0 1', // one capture from insufficient material
    'not a fen',
    'rnb1kbnr/pppp1ppp/8/4p3/6Pq/5P2/PPPPP2P/RNBQKBNR w KQkq - 1 3', // already mated
    '8/8/8/3k4/8/3K4/8/8 w - - 0 1', // bare kings
    '4k3/8/8/8/8/8/8/4K2R w K - 0 1',
  );
  return out;
})();

const dtArb = fc.oneof(
  { weight: 12, arbitrary: fc.integer({ min: 0, max: 3_000 }) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 30_000 }) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 300_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 4 * 60 * 60_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: -20_000, max: 0 }) },
);
const intentArb: fc.Arbitrary<Intent> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ k: fc.constant('create' as const), fresh: fc.nat({ max: 4 }).map((n) => n > 0), g: fc.nat(), color: fc.boolean(), tc: fc.nat(), fen: fc.nat(), s: fc.nat(), name: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('join' as const), g: fc.nat(), color: fc.nat({ max: 4 }), s: fc.nat(), tok: fc.nat({ max: 9 }) }) },
  { weight: 14, arbitrary: fc.record({ k: fc.constant('move' as const), g: fc.nat(), pick: fc.nat(), uci: fc.boolean(), who: fc.nat({ max: 19 }), ply: fc.nat({ max: 9 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('badmove' as const), g: fc.nat(), text: moveTextArb, who: fc.nat({ max: 3 }) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant('seat' as const),
      type: fc.constantFrom('resign', 'offerDraw', 'offerDraw', 'acceptDraw', 'declineDraw', 'claimDraw', 'abort', 'abort'),
      g: fc.nat(),
      who: fc.nat({ max: 5 }),
      reason: fc.nat({ max: 2 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('flag' as const), g: fc.nat(), late: fc.integer({ min: -500, max: 2_000 }) }) },
  { weight: 1, arbitrary: fc.constant({ k: 'sweep' as const }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('dup' as const), i: fc.nat(), reuse: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('junk' as const), v: fc.jsonValue({ maxDepth: 2 }) }) },
);
const stepsArb: fc.Arbitrary<Step[]> = fc.array(fc.record({ intent: intentArb, dt: dtArb }), { minLength: 1, maxLength: 100, size: 'max' });

const SMALL_OPTIONS: MachineOptions = {
  historyLimit: 2,
  dedupeLimit: 6,
  dedupeTtlMs: 90_000,
  maxGames: 4,
  openTimeoutMs: 200_000,
  firstMoveTimeoutMs: 20_000,
  idleTimeoutMs: 600_000,
  retainEndedMs: 300_000,
};
const optionsArb = fc.constantFrom(DEFAULT_OPTIONS, SMALL_OPTIONS);

interface Entry {
  command: unknown;
  time: number;
}
interface Tracked {
  id: string;
  tokens: Record<Color, string>;
}

/**
 * Turns intents into concrete commands, each built from the state of `m` (the replica being fed)
 * just before it is applied; applies them to `m` and returns the entries and the outputs.
 */
function materialize(m: ChessMachine, steps: Step[]): { entries: Entry[]; outputs: ApplyOutput[]; ids: string[] } {
  const SESSIONS = ['s0', 's1', 's2'];
  const games: Tracked[] = [];
  const entries: Entry[] = [];
  const outputs: ApplyOutput[] = [];
  const lastVersion = new Map<string, number>();
  let t = T0;
  let serial = 0;
  let nextId = 0;
  let minted: Record<Color, string> | undefined;
  const rid = (): string => `r${serial++}`;
  /** Mostly a game in the wanted state (one of the newest three), sometimes any of the newest three, rarely one that does not exist. */
  const pickGame = (g: number, want?: 'waiting' | 'started'): Tracked | undefined => {
    if (g % 17 === 16) return undefined;
    const fits = want === undefined || g % 8 === 7 ? games : games.filter((x) => m.view(x.id)?.status === want);
    const pool = fits.length > 0 ? fits : games;
    return pool.length === 0 ? undefined : pool[pool.length - 1 - (g % Math.min(pool.length, 3))];
  };
  const stranger = token('stranger');
  const withStatus = (status: 'waiting' | 'started'): Tracked[] => games.filter((x) => m.view(x.id)?.status === status);
  for (const step of steps) {
    t += step.dt;
    let it = step.intent;
    // A game command with no game being played mostly becomes the step that would make one: a join, or a create.
    if ((it.k === 'move' || it.k === 'badmove' || it.k === 'seat' || it.k === 'flag') && it.g % 8 !== 7 && withStatus('started').length === 0) {
      it =
        withStatus('waiting').length > 0
          ? { k: 'join', g: it.g, color: 0, s: it.g + 1, tok: 2 }
          : { k: 'create', fresh: true, g: it.g, color: it.g % 2 === 0, tc: it.g >> 1, fen: it.g >> 2, s: it.g, name: it.g % 3 === 0 };
    }
    let command: unknown;
    switch (it.k) {
      case 'create': {
        const id = it.fresh || games.length === 0 ? `g${nextId++}` : games[it.g % games.length]!.id;
        const tokens = { white: token(`${id}_w_${serial}`), black: token(`${id}_b_${serial}`) };
        const color: Color = it.color ? 'white' : 'black';
        const fen = START_FENS[it.fen % START_FENS.length];
        command = {
          type: 'create',
          requestId: rid(),
          session: SESSIONS[it.s % SESSIONS.length]!,
          gameId: id,
          token: tokens[color],
          color,
          timeControl: TIME_CONTROLS[it.tc % TIME_CONTROLS.length]!,
          ...(it.name ? { name: `Player ${it.s % 7}` } : {}),
          ...(fen !== undefined ? { fen } : {}),
        };
        minted = tokens;
        break;
      }
      case 'join': {
        const g = pickGame(it.g, 'waiting');
        const v = g && m.view(g.id);
        const open: Color = v?.seats.white === null ? 'white' : 'black';
        const color = it.color === 1 ? 'white' : it.color === 2 ? 'black' : undefined;
        const want = color ?? open;
        const tok = g === undefined ? stranger : it.tok === 0 ? g.tokens[other(want)] : it.tok === 1 ? stranger : g.tokens[want];
        command = { type: 'join', requestId: rid(), session: SESSIONS[it.s % SESSIONS.length]!, gameId: g?.id ?? 'nope', token: tok, ...(color ? { color } : {}), ...(it.color === 3 ? { name: 'Joiner' } : {}) };
        break;
      }
      case 'move': {
        const g = pickGame(it.g, 'started');
        const v = g && m.view(g.id);
        let text = 'e4';
        if (v?.status === 'started') {
          try {
            const board = new Chess(v.fen);
            const sans = board.moves();
            if (sans.length > 0) {
              const san = sans[it.pick % sans.length]!;
              text = it.uci ? board.move(san).lan : san;
            }
          } catch {
            // A position chess.js cannot load (see the todo test below): any move text will do.
          }
        }
        const turn = v?.turn ?? 'white';
        const seat = it.who === 0 ? other(turn) : turn;
        // Mostly no ply or the game's own; now and then one from before (a stale retry) or after.
        const plies = v?.moves.length ?? 0;
        const ply = it.ply < 4 ? {} : it.ply < 8 ? { ply: plies } : { ply: it.ply === 8 ? Math.max(0, plies - 1) : plies + 1 };
        command = { type: 'move', requestId: rid(), session: 's0', gameId: g?.id ?? 'nope', token: it.who === 1 ? stranger : (g?.tokens[seat] ?? stranger), move: text, ...ply };
        break;
      }
      case 'badmove': {
        const g = pickGame(it.g, 'started');
        const turn = (g && m.view(g.id)?.turn) ?? 'white';
        command = { type: 'move', requestId: rid(), session: 's1', gameId: g?.id ?? 'nope', token: g?.tokens[it.who === 0 ? other(turn) : turn] ?? stranger, move: it.text };
        break;
      }
      case 'seat': {
        const g = pickGame(it.g, 'started');
        const offer = g && m.view(g.id)?.drawOffer;
        // Answers to a draw offer mostly come from the side it was made to.
        const seat: Color = (it.type === 'acceptDraw' || it.type === 'declineDraw') && offer && it.who < 4 ? other(offer) : it.who % 2 === 0 ? 'white' : 'black';
        const tok = g === undefined || it.who === 5 ? stranger : g.tokens[seat];
        const reason = it.type === 'claimDraw' && it.reason > 0 ? { reason: it.reason === 1 ? 'threefold' : 'fifty-moves' } : {};
        command = { type: it.type, requestId: rid(), session: 's2', gameId: g?.id ?? 'nope', token: tok, ...reason };
        break;
      }
      case 'flag': {
        const g = pickGame(it.g, 'started');
        const deadline = g && m.flagDeadline(g.id);
        if (deadline !== undefined && it.late > 0) t = Math.max(t, deadline + it.late - 1_000);
        command = { type: 'flag', requestId: rid(), session: 'leader', gameId: g?.id ?? 'nope' };
        break;
      }
      case 'sweep':
        command = { type: 'sweep', requestId: rid(), session: 'leader' };
        break;
      case 'dup': {
        const earlier = entries.length === 0 ? undefined : entries[it.i % entries.length]!.command;
        // Either the same command again, or another one reusing its (session, request id).
        command = earlier === undefined || !isRecord(earlier) ? { type: 'sweep', requestId: rid(), session: 'leader' } : it.reuse ? earlier : { type: 'sweep', requestId: earlier['requestId'], session: earlier['session'] };
        break;
      }
      case 'junk':
        command = it.v;
        break;
    }
    const out = m.apply(structuredClone(command), t);
    entries.push({ command, time: t });
    // Keep track of who holds which seat: a seat's token is the one of the command that took it.
    if (out.result.ok && out.result.duplicate === undefined && isRecord(command) && (command['type'] === 'create' || command['type'] === 'join')) {
      const id = command['gameId'] as string;
      let g = games.find((x) => x.id === id);
      if (command['type'] === 'create') {
        // (A create applied again by a 'dup' step, after the first game was forgotten, minted nothing.)
        const tokens = minted ?? { white: token(`${id}_w_${serial}`), black: token(`${id}_b_${serial}`) };
        if (g === undefined) games.push((g = { id, tokens }));
        else g.tokens = tokens;
      }
      g!.tokens[out.result.color!] = command['token'] as string;
    }
    minted = undefined;
    outputs.push(out);
    // Cheap invariants on the way: versions go up by one per event, per game.
    for (const e of out.events) {
      const prev = e.type === 'created' ? 0 : lastVersion.get(e.gameId);
      assert.equal(e.version, (prev ?? NaN) + 1, `event versions of ${e.gameId}: ${JSON.stringify(e)}`);
      lastVersion.set(e.gameId, e.version);
    }
    if (!out.result.ok) assert.deepEqual(out.events, []);
    bump(out.result.ok ? (out.result.duplicate ? 'duplicate' : `ok ${isRecord(command) ? String(command['type']) : '?'}`) : out.result.error.code);
    for (const e of out.events) bump(e.type === 'draw' || e.type === 'aborted' ? `${e.type}:${e.reason}` : e.type);
  }
  return { entries, outputs, ids: [...new Set([...games.map((g) => g.id), 'nope'])] };
}

/** Everything a replica answers about its games. */
function observe(m: ChessMachine, ids: string[]): Observed {
  return {
    now: m.now,
    size: m.size,
    options: m.options,
    live: m.liveGames(),
    games: ids.map((id) => {
      const v = m.view(id);
      const version = v?.version ?? 0;
      const asked = [-1, 0, 1, 2.5, NaN, version - 3, version - 1, version, version + 1];
      return {
        id,
        view: v,
        since: asked.map((x) => ({ asked: x, catchup: m.eventsSince(id, x) })),
        pgn: m.pgn(id),
        pgnTagged: m.pgn(id, { event: 'Prop "test"', site: 'here\\there' }),
        deadline: m.flagDeadline(id),
      };
    }),
  };
}
interface Observed {
  now: number;
  size: number;
  options: MachineOptions;
  live: unknown;
  games: { id: string; view: GameView | undefined; since: { asked: number; catchup: Catchup }[]; pgn: unknown; pgnTagged: unknown; deadline: unknown }[];
}

/**
 * A replica restored from a snapshot (and perhaps carrying on) answers as `original` does, but
 * for a catch-up from before the newest events the snapshot kept: one of the two may answer it
 * with the whole game as a resync where the other still holds the events (the restored one
 * holds fewer at first; once the original trims its history, the restored may hold more).
 */
function assertRestoredAgrees(restored: ChessMachine, original: ChessMachine, ids: string[], what: string): void {
  const got = observe(restored, ids);
  const want = observe(original, ids);
  const kept = Math.min(SNAPSHOT_HISTORY, original.options.historyLimit);
  got.games.forEach((g, i) => {
    const w = want.games[i]!;
    g.since.forEach((s, k) => {
      const o = w.since[k]!;
      const oneResyncs = (s.catchup.kind === 'resync' && o.catchup.kind === 'events') || (s.catchup.kind === 'events' && o.catchup.kind === 'resync');
      if (oneResyncs && s.asked < (w.view?.version ?? 0) - kept) {
        const resync = s.catchup.kind === 'resync' ? s.catchup.view : o.catchup.kind === 'resync' ? o.catchup.view : undefined;
        assert.deepEqual(resync, g.view, `${what}: game ${g.id}, a resync from v${s.asked} is the whole game as it is`);
        resyncedAfterRestore++;
        w.since[k] = s;
      }
    });
  });
  assert.deepEqual(got, want, what);
}
let resyncedAfterRestore = 0;

function applyAll(m: ChessMachine, entries: Entry[]): ApplyOutput[] {
  return entries.map((e) => m.apply(structuredClone(e.command), e.time));
}

describe('chess-fsm properties', () => {
  it(`random legal games never diverge from chess.js (seed ${SEED})`, (t) => {
    stats.clear();
    fc.assert(
      fc.property(gameCaseArb, (c) => runLegalGame(c)),
      params(40),
    );
    t.diagnostic(`outcomes: ${[...stats].map(([k, v]) => `${k} ${v}`).join(', ')}`);
  });

  it(`junk never throws and never changes state (seed ${SEED})`, (t) => {
    stats.clear();
    checkJunk(false, 150);
    t.diagnostic(`refusals: ${[...stats].map(([k, v]) => `${k} ${v}`).join(', ')}`);
  });

  it(`junk with BigInt values never throws either (seed ${SEED})`, () => {
    checkJunk(true, 100);
  });

  // Found by the snapshot property: chess.js 1.4.0 loads a FEN whose side NOT to move is in check.
  // When create accepted it, the side to move captured the king; the replica that played the
  // capture kept its board and played on, while a replica restored from a snapshot rebuilt the
  // board from the king-less FEN and chess.js threw on the next move. create now refuses it.
  const KING_EN_PRISE = '4k3/8/8/8/8/8/4r3/R3K3 b - - 0 1';
  it('create refuses a position whose side not to move is in check', () => {
    const m = new ChessMachine();
    const out = m.apply({ type: 'create', requestId: 'r1', session: 'sw', gameId: 'g', token: token('w'), color: 'white', timeControl: null, fen: KING_EN_PRISE }, T0);
    assert.equal(out.result.ok ? 'ok' : out.result.error.code, ChessErrorCode.BadPosition);
  });

  it('create refuses castling rights the position cannot have', () => {
    const m = new ChessMachine();
    const out = m.apply({ type: 'create', requestId: 'r1', session: 'sw', gameId: 'g', token: token('w'), color: 'white', timeControl: null, fen: 'r3k3/8/8/8/8/8/8/4K3 w KQq - 0 1' }, T0);
    assert.equal(out.result.ok ? 'ok' : out.result.error.code, ChessErrorCode.BadPosition);
  });

  it(`snapshot and restore at any point are invisible, but for catch-ups from before the events a snapshot keeps (seed ${SEED})`, (t) => {
    stats.clear();
    resyncedAfterRestore = 0;
    fc.assert(
      fc.property(optionsArb, stepsArb, fc.nat(), (options, steps, cutAt) => {
        const a = new ChessMachine(options);
        const { entries, outputs, ids } = materialize(a, steps);
        const cut = cutAt % (entries.length + 1);
        const finalA = a.snapshot();
        assert.ok(bytesEqual(ChessMachine.fromSnapshot(finalA).snapshot(), finalA), 'snapshot, restore, snapshot gives the same bytes');

        // Replica B applies the prefix, snapshots, and three machines carry on from its snapshot.
        const b = new ChessMachine(options);
        assert.deepEqual(applyAll(b, entries.slice(0, cut)), outputs.slice(0, cut));
        const bytes = b.snapshot();
        const rest = entries.slice(cut);
        const fresh = new ChessMachine();
        fresh.restore(bytes);
        const used = new ChessMachine(options);
        applyAll(used, entries);
        used.restore(bytes);
        for (const [name, r] of [
          ['fromSnapshot', ChessMachine.fromSnapshot(bytes)],
          ['new ChessMachine().restore', fresh],
          ['restore over a used machine', used],
        ] as const) {
          assertRestoredAgrees(r, b, ids, `${name}: the restored replica answers as the original at the cut (${cut})`);
          const got = applyAll(r, rest);
          got.forEach((o, k) => assert.deepEqual(o, outputs[cut + k], `${name}: command ${cut + k} (cut at ${cut}): ${JSON.stringify(entries[cut + k])}`));
          assert.ok(bytesEqual(r.snapshot(), finalA), `${name}: the final snapshots are byte-identical`);
          assertRestoredAgrees(r, a, ids, `${name}: views, events, PGN and the lobby agree`);
        }
        // And B itself, carrying on without restoring.
        applyAll(b, rest);
        assert.ok(bytesEqual(b.snapshot(), finalA));
      }),
      params(120),
    );
    // The relaxation was needed: restored replicas did answer old catch-ups with a resync.
    assert.ok(resyncedAfterRestore > 0, 'no catch-up from before the kept events was asked of a restored replica');
    t.diagnostic(`results and events: ${[...stats].map(([k, v]) => `${k} ${v}`).join(', ')}`);
  });

  it(`the machine is deterministic (seed ${SEED})`, () => {
    fc.assert(
      fc.property(optionsArb, stepsArb, (options, steps) => {
        const a = new ChessMachine(options);
        const { entries, outputs, ids } = materialize(a, steps);
        // Two more replicas in lockstep: the same answers as the first, and the same bytes after every entry.
        const b = new ChessMachine(options);
        const c = new ChessMachine(options);
        entries.forEach((e, k) => {
          assert.deepEqual(b.apply(structuredClone(e.command), e.time), outputs[k], `command ${k}: ${JSON.stringify(e)}`);
          assert.deepEqual(c.apply(structuredClone(e.command), e.time), outputs[k], `command ${k}: ${JSON.stringify(e)}`);
          assert.ok(bytesEqual(b.snapshot(), c.snapshot()), `byte-identical snapshots after command ${k}`);
        });
        assert.ok(bytesEqual(b.snapshot(), a.snapshot()), 'byte-identical snapshots');
        assert.deepEqual(observe(b, ids), observe(a, ids));
        const events = (os: ApplyOutput[]): GameEvent[] => os.flatMap((o) => o.events);
        assert.deepEqual(events(applyAll(new ChessMachine(options), entries)), events(outputs));
      }),
      params(60),
    );
  });
});
