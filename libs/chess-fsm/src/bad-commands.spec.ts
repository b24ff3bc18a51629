import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChessMachine, DEFAULT_OPTIONS, MAX_INCREMENT_MS, MAX_INITIAL_MS, type ApplyOutput, type ChessErrorCode, type MachineOptions } from './index';
import { BS, BT, WS, WT, XS, XT, type Body } from './machine.spec-fixtures';

// Bad commands: whatever arrives, `apply` answers with an error code, returns no events and
// changes nothing (the snapshot's bytes are the same before and after). Every bad command is
// applied at entry times not later than the machine's `now`, since time advancing is state.

const NOW = 50_000;


/**
 * The machine every bad command is tried on, at time NOW:
 * - `live`: untimed, 1. e4 e5 played, white to move, white has offered a draw;
 * - `fresh`: untimed, started, no move;
 * - `timed`: 1+0 minute, 1. e4 e5 played at 40 000 and 40 001: white's clock runs, its flag falls at 100 001;
 * - `wait`: created by the spectator session (white), waiting for black;
 * - `over`: started, then black resigned.
 */
function fixture(options: Partial<MachineOptions> = {}): ChessMachine {
  const m = new ChessMachine({ ...DEFAULT_OPTIONS, ...options });
  let n = 0;
  const run = (c: Body, at: number): void => {
    const out = m.apply({ requestId: `setup-${++n}`, ...c }, at);
    assert.equal(out.result.ok, true, `setup ${JSON.stringify(c)}: ${JSON.stringify(out.result)}`);
  };
  const start = (gameId: string, at: number, timeControl: Body | null = null): void => {
    run({ type: 'create', session: WS, gameId, token: WT, color: 'white', timeControl }, at);
    run({ type: 'join', session: BS, gameId, token: BT }, at);
  };
  start('live', 10_000);
  run({ type: 'move', session: WS, gameId: 'live', token: WT, move: 'e4' }, 10_001);
  run({ type: 'move', session: BS, gameId: 'live', token: BT, move: 'e5' }, 10_002);
  run({ type: 'offerDraw', session: WS, gameId: 'live', token: WT }, 10_003);
  start('fresh', 20_000);
  start('timed', 30_000, { initialMs: 60_000, incrementMs: 0 });
  run({ type: 'move', session: WS, gameId: 'timed', token: WT, move: 'e4' }, 40_000);
  run({ type: 'move', session: BS, gameId: 'timed', token: BT, move: 'e5' }, 40_001);
  run({ type: 'create', session: XS, gameId: 'wait', token: XT, color: 'white', timeControl: null }, 45_000);
  start('over', 46_000);
  run({ type: 'resign', session: BS, gameId: 'over', token: BT }, 46_001);
  run({ type: 'sweep', session: 'leader' }, NOW);
  assert.equal(m.now, NOW);
  return m;
}

const utf8 = new TextDecoder();

/** Applies `input` at each entry time (all ≤ now) and checks it is refused with `code`, with no events and no change at all. */
function assertRefused(m: ChessMachine, input: unknown, code: ChessErrorCode): void {
  const before = utf8.decode(m.snapshot());
  const now = m.now;
  for (const at of [now, now - 1, 0, -5, Number.NaN, Number.NEGATIVE_INFINITY]) {
    let out: ApplyOutput | undefined;
    assert.doesNotThrow(() => {
      out = m.apply(input, at);
    }, `at ${at}`);
    assert.equal(out!.result.ok, false, `at ${at}: ${JSON.stringify(out!.result)}`);
    if (!out!.result.ok) {
      assert.equal(out!.result.error.code, code, `at ${at}: ${out!.result.error.message}`);
      assert.equal(typeof out!.result.error.message, 'string');
      assert.notEqual(out!.result.error.message, '');
      assert.deepEqual(Object.keys(out!.result).sort(), ['error', 'ok']);
      assert.deepEqual(Object.keys(out!.result.error).sort(), ['code', 'message']);
    }
    assert.deepEqual(out!.events, [], `at ${at}`);
    assert.equal(m.now, now, `at ${at}`);
    assert.equal(utf8.decode(m.snapshot()), before, `at ${at}`);
  }
}

// Valid commands, one per type, each accepted by the fixture (checked below): every malformed
// case is one of them with one thing wrong, so the refusal is that thing's doing.
const base = {
  create: { type: 'create', requestId: 'req-1', session: 'sess-new', gameId: 'newgame', token: 'tok-new-0000000000000', color: 'white', timeControl: { initialMs: 300_000, incrementMs: 3000 }, name: 'Neo', fen: '4k3/4p3/8/8/8/8/4P3/4K3 w - - 0 1' },
  join: { type: 'join', requestId: 'req-2', session: 'sess-new', gameId: 'wait', token: 'tok-new-0000000000000', color: 'black', name: 'Neo' },
  move: { type: 'move', requestId: 'req-3', session: WS, gameId: 'live', token: WT, move: 'Nf3' },
  resign: { type: 'resign', requestId: 'req-4', session: WS, gameId: 'live', token: WT },
  offerDraw: { type: 'offerDraw', requestId: 'req-5', session: WS, gameId: 'fresh', token: WT },
  acceptDraw: { type: 'acceptDraw', requestId: 'req-6', session: BS, gameId: 'live', token: BT },
  declineDraw: { type: 'declineDraw', requestId: 'req-7', session: BS, gameId: 'live', token: BT },
  claimDraw: { type: 'claimDraw', requestId: 'req-8', session: WS, gameId: 'live', token: WT, reason: 'threefold' },
  abort: { type: 'abort', requestId: 'req-9', session: WS, gameId: 'fresh', token: WT },
  flag: { type: 'flag', requestId: 'req-10', session: 'leader', gameId: 'timed' },
  sweep: { type: 'sweep', requestId: 'req-11', session: 'leader' },
} satisfies Record<string, Body>;
type Base = keyof typeof base;

/** `base[kind]` with fields set (undefined deletes a field). */
function bad(kind: Base, changes: Body): Body {
  const c: Body = { ...base[kind] };
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) delete c[k];
    else c[k] = v;
  }
  return c;
}

describe('the base commands are well formed', () => {
  // claimDraw is refused by the rules (no repetition), and flag until the flag falls: both are well formed.
  const expected: Record<Base, string | undefined> = {
    create: undefined,
    join: undefined,
    move: undefined,
    resign: undefined,
    offerDraw: undefined,
    acceptDraw: undefined,
    declineDraw: undefined,
    claimDraw: 'ERR_CANNOT_CLAIM',
    abort: undefined,
    flag: 'ERR_NOT_FLAGGED',
    sweep: undefined,
  };
  for (const kind of Object.keys(base) as Base[]) {
    it(`${kind} is accepted (or refused by the rules only)`, () => {
      const m = fixture();
      const out = m.apply(base[kind], NOW);
      if (expected[kind] === undefined) assert.equal(out.result.ok, true, JSON.stringify(out.result));
      else assert.equal(out.result.ok ? 'ok' : out.result.error.code, expected[kind]);
    });
  }
  it('the timed game’s flag falls at 100 001, with the base flag command', () => {
    const m = fixture();
    assert.equal(m.flagDeadline('timed'), 100_001);
    assert.equal(m.apply(base.flag, 100_001).result.ok, true);
  });
});

const long = (n: number, ch = 'a'): string => ch.repeat(n);

const malformed: { name: string; input: unknown }[] = [
  // Not an object.
  { name: 'null', input: null },
  { name: 'undefined', input: undefined },
  { name: 'a number', input: 42 },
  { name: 'NaN', input: Number.NaN },
  { name: 'a string', input: 'move e2e4' },
  { name: 'an empty string', input: '' },
  { name: 'the JSON of a command, as a string', input: JSON.stringify(base.move) },
  { name: 'a boolean', input: true },
  { name: 'a symbol', input: Symbol('move') },
  { name: 'a function', input: () => base.move },
  { name: 'an empty array', input: [] },
  { name: 'an array holding a command', input: [base.move] },
  { name: 'an array of entries', input: Object.entries(base.move) },
  // Type.
  { name: 'an empty object', input: {} },
  { name: 'no type', input: bad('move', { type: undefined }) },
  { name: 'an unknown type', input: bad('move', { type: 'castle' }) },
  { name: 'a type in the wrong case', input: bad('move', { type: 'Move' }) },
  { name: 'an empty type', input: bad('move', { type: '' }) },
  { name: 'a numeric type', input: bad('move', { type: 3 }) },
  { name: 'a null type', input: bad('move', { type: null }) },
  { name: 'a type in an array', input: bad('move', { type: ['move'] }) },
  { name: 'type "constructor"', input: bad('sweep', { type: 'constructor' }) },
  { name: 'type "toString"', input: bad('sweep', { type: 'toString' }) },
  { name: 'type "hasOwnProperty"', input: bad('sweep', { type: 'hasOwnProperty' }) },
  { name: 'type "__proto__"', input: bad('sweep', { type: '__proto__' }) },
  // requestId and session.
  { name: 'no requestId', input: bad('move', { requestId: undefined }) },
  { name: 'no session', input: bad('move', { session: undefined }) },
  { name: 'an empty requestId', input: bad('move', { requestId: '' }) },
  { name: 'an empty session', input: bad('sweep', { session: '' }) },
  { name: 'a requestId with a space', input: bad('move', { requestId: 'req 1' }) },
  // A move's ply.
  { name: 'a negative ply', input: bad('move', { ply: -1 }) },
  { name: 'a fractional ply', input: bad('move', { ply: 1.5 }) },
  { name: 'a ply as a string', input: bad('move', { ply: '2' }) },
  { name: 'a null ply', input: bad('move', { ply: null }) },
  { name: 'a ply past the safe integers', input: bad('move', { ply: 2 ** 53 }) },
  { name: 'a session with a space', input: bad('move', { session: 'sess white' }) },
  { name: 'a requestId with a slash', input: bad('move', { requestId: 'req/1' }) },
  { name: 'a session with a non-ASCII letter', input: bad('move', { session: 'séance' }) },
  { name: 'a requestId with a newline', input: bad('sweep', { requestId: 'r\n1' }) },
  { name: 'a requestId of 65 characters', input: bad('move', { requestId: long(65) }) },
  { name: 'a session of 65 characters', input: bad('move', { session: long(65) }) },
  { name: 'a numeric requestId', input: bad('move', { requestId: 7 }) },
  { name: 'a null session', input: bad('move', { session: null }) },
  { name: 'an object for a session', input: bad('sweep', { session: { id: 'x' } }) },
  // Unknown or misplaced fields.
  { name: 'a move with a promotion field', input: bad('move', { promotion: 'q' }) },
  { name: 'a create with an unknown field', input: bad('create', { rated: true }) },
  { name: 'a flag with a token', input: bad('flag', { token: WT }) },
  { name: 'a sweep with a gameId', input: bad('sweep', { gameId: 'live' }) },
  { name: 'a join with a timeControl', input: bad('join', { timeControl: null }) },
  { name: 'a resign with a move', input: bad('resign', { move: 'e4' }) },
  { name: 'a move with a reason', input: bad('move', { reason: 'threefold' }) },
  { name: 'a join with a fen', input: bad('join', { fen: base.create.fen }) },
  { name: 'an own "__proto__" field (from JSON.parse)', input: JSON.parse('{"type":"sweep","requestId":"req-x","session":"leader","__proto__":{"x":1}}') as unknown },
  { name: 'a field named with a typo', input: bad('move', { move: undefined, mvoe: 'Nf3' }) },
  // gameId.
  { name: 'no gameId', input: bad('move', { gameId: undefined }) },
  { name: 'an empty gameId', input: bad('move', { gameId: '' }) },
  { name: 'a gameId of 33 characters', input: bad('create', { gameId: long(33) }) },
  { name: 'a gameId with a dot', input: bad('create', { gameId: 'new.game' }) },
  { name: 'a gameId with a space', input: bad('join', { gameId: 'wa it' }) },
  { name: 'a numeric gameId', input: bad('flag', { gameId: 7 }) },
  { name: 'a null gameId', input: bad('resign', { gameId: null }) },
  // token.
  { name: 'no token', input: bad('move', { token: undefined }) },
  { name: 'a token of 15 characters', input: bad('create', { token: long(15, 'T') }) },
  { name: 'a token of 129 characters', input: bad('join', { token: long(129, 'T') }) },
  { name: 'a token with a dot', input: bad('move', { token: 'tok.white.0000000000001' }) },
  { name: 'a token with a space', input: bad('abort', { token: 'tok white 0000000000001' }) },
  { name: 'a numeric token', input: bad('offerDraw', { token: 12_345_678_901_234 }) },
  { name: 'a null token', input: bad('acceptDraw', { token: null }) },
  // color.
  { name: 'a create without color', input: bad('create', { color: undefined }) },
  { name: 'color "red"', input: bad('create', { color: 'red' }) },
  { name: 'color "White"', input: bad('create', { color: 'White' }) },
  { name: 'color "random" (resolved before proposing)', input: bad('create', { color: 'random' }) },
  { name: 'a null color (join)', input: bad('join', { color: null }) },
  { name: 'a numeric color (join)', input: bad('join', { color: 0 }) },
  // timeControl.
  { name: 'a create without timeControl', input: bad('create', { timeControl: undefined }) },
  { name: 'a negative initial time', input: bad('create', { timeControl: { initialMs: -1, incrementMs: 0 } }) },
  { name: 'a negative increment', input: bad('create', { timeControl: { initialMs: 60_000, incrementMs: -1000 } }) },
  { name: 'a non-integer initial time', input: bad('create', { timeControl: { initialMs: 1.5, incrementMs: 0 } }) },
  { name: 'a non-integer increment', input: bad('create', { timeControl: { initialMs: 60_000, incrementMs: 0.5 } }) },
  { name: '0+0', input: bad('create', { timeControl: { initialMs: 0, incrementMs: 0 } }) },
  { name: 'an initial time over the maximum', input: bad('create', { timeControl: { initialMs: MAX_INITIAL_MS + 1, incrementMs: 0 } }) },
  { name: 'an increment over the maximum', input: bad('create', { timeControl: { initialMs: 60_000, incrementMs: MAX_INCREMENT_MS + 1 } }) },
  { name: 'an infinite initial time', input: bad('create', { timeControl: { initialMs: Number.POSITIVE_INFINITY, incrementMs: 0 } }) },
  { name: 'a NaN increment', input: bad('create', { timeControl: { initialMs: 60_000, incrementMs: Number.NaN } }) },
  { name: 'an initial time as a string', input: bad('create', { timeControl: { initialMs: '300000', incrementMs: 0 } }) },
  { name: 'no increment', input: bad('create', { timeControl: { initialMs: 300_000 } }) },
  { name: 'no initial time', input: bad('create', { timeControl: { incrementMs: 3000 } }) },
  { name: 'an extra time control field', input: bad('create', { timeControl: { initialMs: 300_000, incrementMs: 3000, delayMs: 0 } }) },
  { name: 'a time control as an array', input: bad('create', { timeControl: [300_000, 3000] }) },
  { name: 'a time control as a string', input: bad('create', { timeControl: '5+3' }) },
  { name: 'a time control as a number', input: bad('create', { timeControl: 300_000 }) },
  { name: 'a time control of false', input: bad('create', { timeControl: false }) },
  // name.
  { name: 'an empty name', input: bad('create', { name: '' }) },
  { name: 'a name of 33 characters', input: bad('join', { name: long(33) }) },
  { name: 'a name with a double quote', input: bad('create', { name: 'Bob "the" Rook' }) },
  { name: 'a name with a backslash', input: bad('join', { name: 'Bob\\' }) },
  { name: 'a name with a newline', input: bad('create', { name: 'Bob\n[Result "1-0"]' }) },
  { name: 'a name with a NUL', input: bad('join', { name: 'Bob\u0000' }) },
  { name: 'a name with a zero-width space', input: bad('create', { name: 'Bo\u200bb' }) },
  { name: 'a name with a right-to-left override', input: bad('join', { name: 'Bob\u202e' }) },
  { name: 'a numeric name', input: bad('create', { name: 42 }) },
  { name: 'a null name', input: bad('join', { name: null }) },
  // fen.
  { name: 'a fen of 101 characters', input: bad('create', { fen: `${base.create.fen}${long(101 - base.create.fen.length, ' ')}` }) },
  { name: 'a numeric fen', input: bad('create', { fen: 1 }) },
  { name: 'a null fen', input: bad('create', { fen: null }) },
  // move text.
  { name: 'no move', input: bad('move', { move: undefined }) },
  { name: 'move "--" (a null move)', input: bad('move', { move: '--' }) },
  { name: 'move ""', input: bad('move', { move: '' }) },
  { name: 'move "e2e9"', input: bad('move', { move: 'e2e9' }) },
  { name: 'move "Zz9"', input: bad('move', { move: 'Zz9' }) },
  { name: 'move "i2i4"', input: bad('move', { move: 'i2i4' }) },
  { name: 'move "e2-e4"', input: bad('move', { move: 'e2-e4' }) },
  { name: 'move "e2 e4"', input: bad('move', { move: 'e2 e4' }) },
  { name: 'move " Nf3"', input: bad('move', { move: ' Nf3' }) },
  { name: 'move "Nf3 "', input: bad('move', { move: 'Nf3 ' }) },
  { name: 'move "nf3" (a lower-case piece)', input: bad('move', { move: 'nf3' }) },
  { name: 'move "Nf3!!" (an annotation)', input: bad('move', { move: 'Nf3!!' }) },
  { name: 'move "e8=K"', input: bad('move', { move: 'e8=K' }) },
  { name: 'move "e7e8k"', input: bad('move', { move: 'e7e8k' }) },
  { name: 'move "O-O-O-O"', input: bad('move', { move: 'O-O-O-O' }) },
  { name: 'move "e2e4e5"', input: bad('move', { move: 'e2e4e5' }) },
  { name: 'a long move', input: bad('move', { move: 'e2e4'.repeat(20) }) },
  { name: 'a numeric move', input: bad('move', { move: 24 }) },
  { name: 'a move object', input: bad('move', { move: { from: 'g1', to: 'f3' } }) },
  // claimDraw reason.
  { name: 'claim reason "agreement"', input: bad('claimDraw', { reason: 'agreement' }) },
  { name: 'claim reason "Threefold"', input: bad('claimDraw', { reason: 'Threefold' }) },
  { name: 'a null claim reason', input: bad('claimDraw', { reason: null }) },
];

describe('malformed commands: ERR_MALFORMED, no events, nothing changes', () => {
  for (const c of malformed) {
    it(c.name, () => assertRefused(fixture(), c.input, 'ERR_MALFORMED'));
  }

  it('a malformed command reusing a remembered request id is still malformed (it is parsed first)', () => {
    const m = fixture();
    const first = m.apply(base.move, NOW);
    assert.equal(first.result.ok, true);
    assertRefused(m, bad('move', { move: '--' }), 'ERR_MALFORMED');
  });

  it('a refused command is not remembered: the same one is refused again, every time', () => {
    const m = fixture();
    for (let i = 0; i < 3; i++) {
      const out = m.apply(bad('move', { move: 'e2e9' }), NOW);
      assert.deepEqual(out.result.ok ? 'ok' : [out.result.error.code, 'duplicate' in out.result], ['ERR_MALFORMED', false]);
    }
  });
});

const rules: { name: string; input: Body; code: ChessErrorCode; options?: Partial<MachineOptions> }[] = [
  { name: 'join a game that does not exist', input: bad('join', { gameId: 'ghost' }), code: 'ERR_UNKNOWN_GAME' },
  { name: 'move in a game that does not exist', input: bad('move', { gameId: 'ghost' }), code: 'ERR_UNKNOWN_GAME' },
  { name: 'flag a game that does not exist', input: bad('flag', { gameId: 'ghost' }), code: 'ERR_UNKNOWN_GAME' },
  { name: 'resign a game that does not exist', input: bad('resign', { gameId: 'ghost' }), code: 'ERR_UNKNOWN_GAME' },
  { name: 'create a game id in use', input: bad('create', { gameId: 'live' }), code: 'ERR_GAME_EXISTS' },
  { name: 'create a game id in use by an ended game', input: bad('create', { gameId: 'over' }), code: 'ERR_GAME_EXISTS' },
  { name: 'create beyond maxGames', input: bad('create', {}), code: 'ERR_TOO_MANY_GAMES', options: { maxGames: 5 } },
  { name: 'create from garbage', input: bad('create', { fen: 'not a position' }), code: 'ERR_BAD_POSITION' },
  { name: 'create from a stalemate', input: bad('create', { fen: 'k7/8/1QK5/8/8/8/8/8 b - - 0 1' }), code: 'ERR_BAD_POSITION' },
  { name: 'create from a checkmate', input: bad('create', { fen: '3R2k1/5ppp/8/8/8/8/8/6K1 b - - 0 1' }), code: 'ERR_BAD_POSITION' },
  { name: 'create from K v K', input: bad('create', { fen: '4k3/8/8/8/8/8/8/4K3 w - - 0 1' }), code: 'ERR_BAD_POSITION' },
  { name: 'join a full game', input: bad('join', { gameId: 'live', color: undefined }), code: 'ERR_SEAT_TAKEN' },
  { name: 'join a named seat someone holds', input: bad('join', { color: 'white' }), code: 'ERR_SEAT_TAKEN' },
  { name: 'join the other seat of one’s own game', input: bad('join', { session: XS }), code: 'ERR_ALREADY_SEATED' },
  { name: 'a spectator moves', input: bad('move', { session: XS, token: XT }), code: 'ERR_NOT_SEATED' },
  { name: 'a spectator resigns', input: bad('resign', { session: XS, token: XT }), code: 'ERR_NOT_SEATED' },
  { name: 'a spectator aborts', input: bad('abort', { session: XS, token: XT }), code: 'ERR_NOT_SEATED' },
  { name: 'a move before the second player', input: bad('move', { gameId: 'wait', session: XS, token: XT, move: 'e4' }), code: 'ERR_NOT_STARTED' },
  { name: 'resign before the second player', input: bad('resign', { gameId: 'wait', session: XS, token: XT }), code: 'ERR_NOT_STARTED' },
  { name: 'offer a draw before the second player', input: bad('offerDraw', { gameId: 'wait', session: XS, token: XT }), code: 'ERR_NOT_STARTED' },
  { name: 'move in an ended game', input: bad('move', { gameId: 'over', move: 'e4' }), code: 'ERR_GAME_OVER' },
  { name: 'join an ended game', input: bad('join', { gameId: 'over', color: undefined }), code: 'ERR_GAME_OVER' },
  { name: 'flag an ended game', input: bad('flag', { gameId: 'over' }), code: 'ERR_GAME_OVER' },
  { name: 'abort an ended game', input: bad('abort', { gameId: 'over' }), code: 'ERR_GAME_OVER' },
  { name: 'offer a draw in an ended game', input: bad('offerDraw', { gameId: 'over' }), code: 'ERR_GAME_OVER' },
  { name: 'black moves on white’s turn', input: bad('move', { session: BS, token: BT, move: 'Nf6' }), code: 'ERR_NOT_YOUR_TURN' },
  { name: 'black moves on white’s turn (timed, its clock not running)', input: bad('move', { gameId: 'timed', session: BS, token: BT, move: 'Nf6' }), code: 'ERR_NOT_YOUR_TURN' },
  { name: 'an illegal move', input: bad('move', { move: 'e2e4' }), code: 'ERR_ILLEGAL_MOVE' },
  { name: 'a legal move made on an earlier position (ply 1 of 2)', input: bad('move', { ply: 1 }), code: 'ERR_STALE_MOVE' },
  { name: 'a legal move made on a later position (ply 3 of 2)', input: bad('move', { ply: 3 }), code: 'ERR_STALE_MOVE' },
  { name: 'a stale move by the side not to move', input: bad('move', { session: BS, token: BT, move: 'Nc6', ply: 0 }), code: 'ERR_STALE_MOVE' },
  { name: 'an illegal SAN move', input: bad('move', { move: 'Bc5' }), code: 'ERR_ILLEGAL_MOVE' },
  { name: 'an illegal castling', input: bad('move', { move: 'O-O' }), code: 'ERR_ILLEGAL_MOVE' },
  { name: 'an illegal move in a timed game', input: bad('move', { gameId: 'timed', move: 'Ke3' }), code: 'ERR_ILLEGAL_MOVE' },
  { name: 'accept one’s own draw offer', input: bad('acceptDraw', { session: WS, token: WT }), code: 'ERR_NO_DRAW_OFFER' },
  { name: 'decline with no offer', input: bad('declineDraw', { gameId: 'fresh' }), code: 'ERR_NO_DRAW_OFFER' },
  { name: 'offer a draw twice', input: bad('offerDraw', { gameId: 'live' }), code: 'ERR_DRAW_ALREADY_OFFERED' },
  { name: 'claim threefold without a repetition', input: bad('claimDraw', {}), code: 'ERR_CANNOT_CLAIM' },
  { name: 'claim the 50-move rule early', input: bad('claimDraw', { reason: 'fifty-moves' }), code: 'ERR_CANNOT_CLAIM' },
  { name: 'claim without a reason', input: bad('claimDraw', { reason: undefined }), code: 'ERR_CANNOT_CLAIM' },
  { name: 'abort after both moved', input: bad('abort', { gameId: 'live' }), code: 'ERR_CANNOT_ABORT' },
  { name: 'flag an untimed game', input: bad('flag', { gameId: 'live' }), code: 'ERR_NOT_FLAGGED' },
  { name: 'flag a timed game with time left', input: bad('flag', {}), code: 'ERR_NOT_FLAGGED' },
  { name: 'flag a game without a first move', input: bad('flag', { gameId: 'fresh' }), code: 'ERR_NOT_FLAGGED' },
  { name: 'flag a waiting game', input: bad('flag', { gameId: 'wait' }), code: 'ERR_NOT_FLAGGED' },
];

describe('commands the rules refuse: the code, no events, nothing changes', () => {
  for (const c of rules) {
    it(`${c.name}: ${c.code}`, () => assertRefused(fixture(c.options), c.input, c.code));
  }
});
