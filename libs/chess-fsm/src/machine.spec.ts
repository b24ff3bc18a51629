import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_POSITION } from 'chess.js';
import {
  ChessMachine,
  DEFAULT_OPTIONS,
  pgnDate,
  type ApplyOutput,
  type ChessErrorCode,
  type Color,
  type CommandResult,
  type GameEvent,
  type GameSummary,
  type MachineOptions,
  type TimeControl,
} from './index';
import { SNAPSHOT_HISTORY } from './snapshot';
import { BS, BT, WS, WT, XS, XT, type Body } from './spec-fixtures';

// The command lifecycle, driven through the public API only.

const SECRETS = [WT, BT, XT, WS, BS, XS];


/** A machine plus everything it answered, so a test can check versions and secrets at the end. */
class Table {
  readonly m: ChessMachine;
  readonly outputs: ApplyOutput[] = [];
  private n = 0;

  constructor(options: Partial<MachineOptions> = {}) {
    this.m = new ChessMachine({ ...DEFAULT_OPTIONS, ...options });
  }

  apply(c: Body, at: number): ApplyOutput {
    const out = this.m.apply({ requestId: `req-${++this.n}`, ...c }, at);
    this.outputs.push(out);
    return out;
  }

  create(gameId: string, at: number, o: { color?: Color; timeControl?: TimeControl | null; name?: string; fen?: string; token?: string; session?: string } = {}): ApplyOutput {
    const c: Body = { type: 'create', session: o.session ?? WS, gameId, token: o.token ?? WT, color: o.color ?? 'white', timeControl: o.timeControl ?? null };
    if (o.name !== undefined) c['name'] = o.name;
    if (o.fen !== undefined) c['fen'] = o.fen;
    return this.apply(c, at);
  }

  join(gameId: string, at: number, o: { color?: Color; name?: string; token?: string; session?: string } = {}): ApplyOutput {
    const c: Body = { type: 'join', session: o.session ?? BS, gameId, token: o.token ?? BT };
    if (o.color !== undefined) c['color'] = o.color;
    if (o.name !== undefined) c['name'] = o.name;
    return this.apply(c, at);
  }

  /** A seat command by the holder of `token` (WT is white's session, BT black's, anything else the spectator's). */
  act(type: string, gameId: string, token: string, at: number, extra: Body = {}): ApplyOutput {
    const session = token === WT ? WS : token === BT ? BS : XS;
    return this.apply({ type, session, gameId, token, ...extra }, at);
  }

  move(gameId: string, token: string, move: string, at: number): ApplyOutput {
    return this.act('move', gameId, token, at, { move });
  }

  /** Plays `moves` in order, each by the side to move, one ms apart from `at`; every one must be accepted. */
  play(gameId: string, moves: string[], at: number): GameEvent[] {
    const events: GameEvent[] = [];
    moves.forEach((mv, i) => {
      const turn = this.m.view(gameId)!.turn;
      const out = this.move(gameId, turn === 'white' ? WT : BT, mv, at + i);
      assert.equal(out.result.ok, true, `${mv}: ${JSON.stringify(out.result)}`);
      events.push(...out.events);
    });
    return events;
  }

  /** A started game: white WT (created at `at`), black BT (joined at `at` + 1). */
  started(gameId: string, at: number, timeControl: TimeControl | null = null): void {
    ok(this.create(gameId, at, { timeControl }));
    ok(this.join(gameId, at + 1));
  }

  events(gameId: string): GameEvent[] {
    return this.outputs.flatMap((o) => o.events).filter((e) => e.gameId === gameId);
  }
}

function ok(out: ApplyOutput): CommandResult & { ok: true } {
  assert.equal(out.result.ok, true, JSON.stringify(out.result));
  return out.result as CommandResult & { ok: true };
}

function refused(out: ApplyOutput, code: ChessErrorCode): void {
  assert.equal(out.result.ok, false, `expected ${code}, got ${JSON.stringify(out.result)}`);
  if (!out.result.ok) {
    assert.equal(out.result.error.code, code, out.result.error.message);
    assert.equal(typeof out.result.error.message, 'string');
    assert.ok(out.result.error.message.length > 0);
  }
  assert.deepEqual(out.events, []);
}

function ev(gameId: string, version: number, at: number, body: Body): GameEvent {
  return { ...body, gameId, version, at } as GameEvent;
}

const utf8 = new TextDecoder();

/** The machine's snapshot bytes are still `before` (compared as text, for a readable diff). */
function unchanged(before: Uint8Array, m: ChessMachine): void {
  assert.equal(utf8.decode(m.snapshot()), utf8.decode(before));
}

describe('create', () => {
  for (const color of ['white', 'black'] as const) {
    it(`seats the creator as ${color}: created v1, seated v2, result { ok, gameId, version 2, color }`, () => {
      const t = new Table();
      const out = t.create('g1', 1000, { color, name: 'Alice', timeControl: { initialMs: 300_000, incrementMs: 3000 } });
      assert.deepEqual(out.result, { ok: true, gameId: 'g1', version: 2, color });
      assert.deepEqual(out.events, [
        ev('g1', 1, 1000, { type: 'created', timeControl: { initialMs: 300_000, incrementMs: 3000 }, fen: DEFAULT_POSITION }),
        ev('g1', 2, 1000, { type: 'seated', color, name: 'Alice' }),
      ]);
      const v = t.m.view('g1')!;
      assert.equal(v.status, 'waiting');
      assert.equal(v.version, 2);
      assert.equal(v.result, '*');
      assert.equal(v.reason, null);
      assert.equal(v.fen, DEFAULT_POSITION);
      assert.equal(v.initialFen, DEFAULT_POSITION);
      assert.equal(v.turn, 'white');
      assert.deepEqual(v.moves, []);
      assert.equal(v.createdAt, 1000);
      assert.equal(v.endedAt, null);
      assert.equal(v.drawOffer, null);
      assert.deepEqual(v.seats, color === 'white' ? { white: { name: 'Alice' }, black: null } : { white: null, black: { name: 'Alice' } });
      assert.deepEqual(v.clocks, { white: 300_000, black: 300_000, running: null, at: 1000 });
      assert.equal(t.m.size, 1);
    });
  }

  it('names an unnamed player "Anonymous" and an untimed game has no clocks', () => {
    const t = new Table();
    const out = t.create('g1', 5);
    assert.deepEqual(out.events[1], ev('g1', 2, 5, { type: 'seated', color: 'white', name: 'Anonymous' }));
    assert.equal(t.m.view('g1')!.clocks, null);
    assert.equal(t.m.view('g1')!.timeControl, null);
  });

  it('starts from a FEN, normalised by chess.js (an impossible en passant square is dropped)', () => {
    const t = new Table();
    // After 1. e4 the e3 square is written only if a black pawn could take en passant: none can.
    const out = t.create('g1', 0, { fen: 'rnbqkbnr/pppppppp/8/8/4P3/8/PPPP1PPP/RNBQKBNR b KQkq e3 0 1' });
    ok(out);
    const fen = 'rnbqkbnr/pppppppp/8/8/4P3/8/PPPP1PPP/RNBQKBNR b KQkq - 0 1';
    assert.deepEqual(out.events[0], ev('g1', 1, 0, { type: 'created', timeControl: null, fen }));
    assert.equal(t.m.view('g1')!.fen, fen);
    assert.equal(t.m.view('g1')!.initialFen, fen);
    assert.equal(t.m.view('g1')!.turn, 'black');
  });

  it('ERR_GAME_EXISTS for a game id in use (by anyone), and the first game is untouched', () => {
    const t = new Table();
    ok(t.create('g1', 0, { name: 'Alice' }));
    const before = t.m.snapshot();
    refused(t.create('g1', 0, { session: XS, token: XT, color: 'black' }), 'ERR_GAME_EXISTS');
    refused(t.create('g1', 0), 'ERR_GAME_EXISTS');
    unchanged(before, t.m);
    assert.deepEqual(t.m.view('g1')!.seats, { white: { name: 'Alice' }, black: null });
  });

  it('ERR_TOO_MANY_GAMES at maxGames, counting ended games until the sweep forgets them', () => {
    const t = new Table({ maxGames: 2, retainEndedMs: 100 });
    ok(t.create('g1', 0));
    ok(t.create('g2', 0));
    refused(t.create('g3', 0), 'ERR_TOO_MANY_GAMES');
    assert.equal(t.m.size, 2);
    assert.equal(t.m.view('g3'), undefined);
    ok(t.act('abort', 'g1', WT, 10));
    refused(t.create('g3', 50), 'ERR_TOO_MANY_GAMES');
    assert.deepEqual(t.apply({ type: 'sweep', session: 'leader' }, 110).result, { ok: true, ended: [], forgotten: 1 });
    assert.deepEqual(ok(t.create('g3', 111)), { ok: true, gameId: 'g3', version: 2, color: 'white' });
    refused(t.create('g4', 112), 'ERR_TOO_MANY_GAMES');
  });

  const badPositions: { name: string; fen: string }[] = [
    { name: 'not a FEN', fen: 'garbage' },
    { name: 'seven fields', fen: 'rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1 x' },
    { name: 'five fields', fen: 'rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0' },
    { name: 'a castling right without its rook', fen: '4k3/8/8/8/8/8/4P3/4K3 w K - 0 1' },
    { name: 'an en passant square no pawn has just crossed', fen: '4k3/8/8/8/8/8/4P3/4K3 b - e3 0 1' },
    { name: 'the side not to move in check', fen: '4k3/8/8/8/8/8/4Q3/4K3 w - - 0 1' },
    { name: 'no kings', fen: '8/8/8/8/8/8/8/8 w - - 0 1' },
    { name: 'no white king', fen: '4k3/8/8/8/8/8/4P3/8 w - - 0 1' },
    { name: 'two white kings', fen: '4k3/8/8/8/8/8/4P3/3KK3 w - - 0 1' },
    { name: 'a pawn on the first rank', fen: '4k3/8/8/8/8/8/8/P3K3 w - - 0 1' },
    { name: 'a pawn on the last rank', fen: 'P3k3/8/8/8/8/8/8/4K3 w - - 0 1' },
    { name: 'nine ranks', fen: '4k3/8/8/8/8/8/8/8/4K3 w - - 0 1' },
    { name: 'a bad side to move', fen: '4k3/8/8/8/8/8/4P3/4K3 x - - 0 1' },
    { name: 'an impossible en passant square', fen: '4k3/8/8/8/4p3/8/8/4K3 w - e3 0 1' },
    { name: 'checkmate already (back rank)', fen: '3R2k1/5ppp/8/8/8/8/8/6K1 b - - 0 1' },
    { name: 'checkmate already (fool’s mate)', fen: 'rnb1kbnr/pppp1ppp/8/4p3/6Pq/5P2/PPPPP2P/RNBQKBNR w KQkq - 1 3' },
    { name: 'stalemate already', fen: 'k7/8/1QK5/8/8/8/8/8 b - - 0 1' },
    { name: 'K v K', fen: '4k3/8/8/8/8/8/8/4K3 w - - 0 1' },
    { name: 'K+N v K', fen: '4k3/8/8/8/8/8/8/4KN2 w - - 0 1' },
    { name: 'K v K+B', fen: '4kb2/8/8/8/8/8/8/4K3 w - - 0 1' },
    { name: 'K+B v K+B, bishops on one color', fen: '4k3/8/8/8/8/8/b7/4KB2 w - - 0 1' },
  ];
  for (const c of badPositions) {
    it(`ERR_BAD_POSITION from a FEN: ${c.name}, and no game is made`, () => {
      const t = new Table();
      const before = t.m.snapshot();
      refused(t.create('g1', 0, { fen: c.fen }), 'ERR_BAD_POSITION');
      assert.equal(t.m.view('g1'), undefined);
      assert.equal(t.m.size, 0);
      unchanged(before, t.m);
    });
  }

  it('accepts a live position from a FEN (K+B v K+B on opposite colors can still mate)', () => {
    const t = new Table();
    ok(t.create('g1', 0, { fen: '4k3/8/8/8/8/8/1b6/4KB2 w - - 0 1' }));
    assert.equal(t.m.view('g1')!.status, 'waiting');
  });

  it('ERR_BAD_POSITION when the side not to move is in check (its king could be captured)', () => {
    const t = new Table();
    // White to move, but the black king on e8 is attacked by the queen on e2: not a legal position.
    refused(t.create('g1', 0, { fen: '4k3/8/8/8/8/8/4Q3/4K3 w - - 0 1' }), 'ERR_BAD_POSITION');
    assert.equal(t.m.size, 0);
  });
});

describe('join', () => {
  it('takes the open seat: seated v3, the game starts', () => {
    const t = new Table();
    ok(t.create('g1', 0, { name: 'Alice' }));
    const out = t.join('g1', 7, { name: 'Bob' });
    assert.deepEqual(out.result, { ok: true, gameId: 'g1', version: 3, color: 'black' });
    assert.deepEqual(out.events, [ev('g1', 3, 7, { type: 'seated', color: 'black', name: 'Bob' })]);
    const v = t.m.view('g1')!;
    assert.equal(v.status, 'started');
    assert.equal(v.version, 3);
    assert.deepEqual(v.seats, { white: { name: 'Alice' }, black: { name: 'Bob' } });
  });

  it('takes white when the creator chose black', () => {
    const t = new Table();
    ok(t.create('g1', 0, { color: 'black', token: BT, session: BS }));
    const out = t.join('g1', 1, { token: WT, session: WS });
    assert.deepEqual(out.result, { ok: true, gameId: 'g1', version: 3, color: 'white' });
    assert.deepEqual(out.events, [ev('g1', 3, 1, { type: 'seated', color: 'white', name: 'Anonymous' })]);
  });

  it('takes a named seat when it is open', () => {
    const t = new Table();
    ok(t.create('g1', 0, { color: 'black', token: BT, session: BS }));
    assert.deepEqual(t.join('g1', 1, { color: 'white', token: WT, session: WS }).result, { ok: true, gameId: 'g1', version: 3, color: 'white' });
  });

  it('ERR_SEAT_TAKEN for a named seat someone holds, and for any seat of a full game', () => {
    const t = new Table();
    ok(t.create('g1', 0));
    const before = t.m.snapshot();
    refused(t.join('g1', 0, { color: 'white' }), 'ERR_SEAT_TAKEN');
    unchanged(before, t.m);
    ok(t.join('g1', 1));
    refused(t.join('g1', 2, { token: XT, session: XS }), 'ERR_SEAT_TAKEN');
    refused(t.join('g1', 2, { token: XT, session: XS, color: 'white' }), 'ERR_SEAT_TAKEN');
    refused(t.join('g1', 2, { token: XT, session: XS, color: 'black' }), 'ERR_SEAT_TAKEN');
    assert.equal(t.m.view('g1')!.version, 3);
  });

  it('ERR_ALREADY_SEATED when the session already holds the other seat (even with a new token)', () => {
    const t = new Table();
    ok(t.create('g1', 0));
    const before = t.m.snapshot();
    refused(t.join('g1', 0, { session: WS, token: XT }), 'ERR_ALREADY_SEATED');
    refused(t.join('g1', 0, { session: WS, token: XT, color: 'black' }), 'ERR_ALREADY_SEATED');
    unchanged(before, t.m);
    assert.equal(t.m.view('g1')!.status, 'waiting');
  });

  it('ERR_ALREADY_SEATED when another session presents the token of the other seat', () => {
    const t = new Table();
    ok(t.create('g1', 0));
    refused(t.join('g1', 0, { session: XS, token: WT }), 'ERR_ALREADY_SEATED');
    assert.equal(t.m.view('g1')!.seats.black, null);
  });

  it('ERR_UNKNOWN_GAME for a game never created', () => {
    const t = new Table();
    ok(t.create('g1', 0));
    refused(t.join('nope', 0), 'ERR_UNKNOWN_GAME');
    refused(t.join('G1', 0), 'ERR_UNKNOWN_GAME');
  });

  it('ERR_GAME_OVER for a game that ended while waiting', () => {
    const t = new Table();
    ok(t.create('g1', 0));
    ok(t.act('abort', 'g1', WT, 1));
    refused(t.join('g1', 2), 'ERR_GAME_OVER');
  });
});

describe('moves and turns', () => {
  it('ERR_NOT_STARTED for a move, resign or draw command while the game waits for its second player', () => {
    const t = new Table();
    ok(t.create('g1', 0));
    const before = t.m.snapshot();
    refused(t.move('g1', WT, 'e2e4', 0), 'ERR_NOT_STARTED');
    refused(t.act('resign', 'g1', WT, 0), 'ERR_NOT_STARTED');
    refused(t.act('offerDraw', 'g1', WT, 0), 'ERR_NOT_STARTED');
    refused(t.act('acceptDraw', 'g1', WT, 0), 'ERR_NOT_STARTED');
    refused(t.act('declineDraw', 'g1', WT, 0), 'ERR_NOT_STARTED');
    refused(t.act('claimDraw', 'g1', WT, 0), 'ERR_NOT_STARTED');
    unchanged(before, t.m);
  });

  it('ERR_NOT_YOUR_TURN for the side not to move, before and after a move', () => {
    const t = new Table();
    t.started('g1', 0);
    refused(t.move('g1', BT, 'e7e5', 2), 'ERR_NOT_YOUR_TURN');
    ok(t.move('g1', WT, 'e2e4', 3));
    refused(t.move('g1', WT, 'd2d4', 4), 'ERR_NOT_YOUR_TURN');
    assert.deepEqual(t.m.view('g1')!.moves, [{ san: 'e4', uci: 'e2e4' }]);
  });

  it('plies counts the moves played, as the view lists them; undefined for an unknown game', () => {
    const t = new Table();
    assert.equal(t.m.plies('g1'), undefined);
    t.started('g1', 0);
    assert.equal(t.m.plies('g1'), 0);
    ok(t.move('g1', WT, 'e2e4', 3));
    refused(t.move('g1', WT, 'd2d4', 4), 'ERR_NOT_YOUR_TURN');
    ok(t.move('g1', BT, 'e7e5', 5));
    assert.equal(t.m.plies('g1'), 2);
    assert.equal(t.m.plies('g1'), t.m.view('g1')!.moves.length);
  });

  it('a move with the ply it was made on is played; one with another ply is refused (ERR_STALE_MOVE), before it is proposed too, and changes nothing', () => {
    const t = new Table();
    t.started('g1', 0);
    ok(t.act('move', 'g1', WT, 2, { move: 'e2e4', ply: 0 }));
    const before = t.m.snapshot();
    for (const ply of [0, 2, 1000]) {
      // At the same entry time: a later one is state (the machine's clock) even for a refusal.
      refused(t.act('move', 'g1', BT, 2, { move: 'e7e5', ply }), 'ERR_STALE_MOVE');
      const pre = t.m.precheck({ type: 'move', requestId: `pre-${ply}`, session: BS, gameId: 'g1', token: BT, move: 'e7e5', ply });
      assert.equal(pre?.ok === false ? pre.error.code : pre, 'ERR_STALE_MOVE');
    }
    unchanged(before, t.m);
    ok(t.act('move', 'g1', BT, 4, { move: 'e7e5', ply: 1 }));
    assert.deepEqual(t.m.view('g1')!.moves.map((m) => m.san), ['e4', 'e5']);
  });

  it('a move retried after the dedupe table forgot it: played again without its ply, refused with it', () => {
    for (const withPly of [false, true]) {
      // A table of 2: the move's entry is gone three commands later.
      const t = new Table({ dedupeLimit: 2 });
      t.started('g1', 0);
      const nf3 = { type: 'move', requestId: 'w-nf3', session: WS, gameId: 'g1', token: WT, move: 'Nf3', ...(withPly ? { ply: 0 } : {}) };
      ok(t.m.apply(nf3, 10));
      // The knight goes back: Nf3 is legal again, and the same request comes again (a client
      // that never heard the first answer).
      t.play('g1', ['Nc6', 'Ng1', 'Nb8'], 11);
      const before = t.m.snapshot();
      const retry = t.m.apply(nf3, 13);
      if (withPly) {
        refused(retry, 'ERR_STALE_MOVE');
        unchanged(before, t.m);
      } else {
        // The hole the ply closes: the one request, applied twice.
        ok(retry);
        assert.deepEqual(t.m.view('g1')!.moves.map((m) => m.san), ['Nf3', 'Nc6', 'Ng1', 'Nb8', 'Nf3']);
      }
    }
  });

  it('ERR_NOT_SEATED for a spectator, a wrong token and another game’s token', () => {
    const t = new Table();
    t.started('g1', 0);
    ok(t.create('g2', 0, { token: XT, session: XS }));
    const before = t.m.snapshot();
    refused(t.move('g1', XT, 'e2e4', 1), 'ERR_NOT_SEATED');
    refused(t.apply({ type: 'move', session: WS, gameId: 'g1', token: 'tok-white-0000000000009', move: 'e2e4' }, 1), 'ERR_NOT_SEATED');
    for (const type of ['resign', 'offerDraw', 'acceptDraw', 'declineDraw', 'claimDraw', 'abort']) refused(t.act(type, 'g1', XT, 1), 'ERR_NOT_SEATED');
    refused(t.move('g2', WT, 'e2e4', 0), 'ERR_NOT_SEATED');
    unchanged(before, t.m);
  });

  it('ERR_UNKNOWN_GAME for every game command on a game that does not exist', () => {
    const t = new Table();
    for (const type of ['move', 'resign', 'offerDraw', 'acceptDraw', 'declineDraw', 'claimDraw', 'abort']) {
      refused(t.act(type, 'ghost', WT, 0, type === 'move' ? { move: 'e4' } : {}), 'ERR_UNKNOWN_GAME');
    }
    refused(t.apply({ type: 'flag', session: 'leader', gameId: 'ghost' }, 0), 'ERR_UNKNOWN_GAME');
  });

  it('ERR_ILLEGAL_MOVE for a move chess.js refuses, and for an unnamed promotion', () => {
    const t = new Table();
    t.started('g1', 0);
    refused(t.move('g1', WT, 'e2e5', 2), 'ERR_ILLEGAL_MOVE');
    refused(t.move('g1', WT, 'Nf6', 2), 'ERR_ILLEGAL_MOVE');
    refused(t.move('g1', WT, 'O-O', 2), 'ERR_ILLEGAL_MOVE');
    ok(t.create('p', 3, { fen: '8/4P3/8/8/8/8/k7/4K3 w - - 0 1' }));
    ok(t.join('p', 4));
    refused(t.move('p', WT, 'e7e8', 5), 'ERR_ILLEGAL_MOVE');
    refused(t.move('p', WT, 'e8', 5), 'ERR_ILLEGAL_MOVE');
    const out = t.move('p', WT, 'e7e8n', 6);
    assert.deepEqual(out.events[0], ev('p', 4, 6, { type: 'moved', color: 'white', ply: 1, san: 'e8=N', uci: 'e7e8n', fen: '4N3/8/8/8/8/8/k7/4K3 b - - 0 1', clocks: null }));
  });

  it('a move in UCI or SAN: moved (ply, SAN, UCI, FEN after), captured, check', () => {
    const t = new Table();
    t.started('g1', 0);
    assert.deepEqual(t.move('g1', WT, 'e2e4', 10), {
      result: { ok: true, gameId: 'g1', version: 4, color: 'white' },
      events: [ev('g1', 4, 10, { type: 'moved', color: 'white', ply: 1, san: 'e4', uci: 'e2e4', fen: 'rnbqkbnr/pppppppp/8/8/4P3/8/PPPP1PPP/RNBQKBNR b KQkq - 0 1', clocks: null })],
    });
    assert.deepEqual(t.move('g1', BT, 'd5', 11).events, [
      ev('g1', 5, 11, { type: 'moved', color: 'black', ply: 2, san: 'd5', uci: 'd7d5', fen: 'rnbqkbnr/ppp1pppp/8/3p4/4P3/8/PPPP1PPP/RNBQKBNR w KQkq - 0 2', clocks: null }),
    ]);
    assert.deepEqual(t.move('g1', WT, 'exd5', 12).events, [
      ev('g1', 6, 12, { type: 'moved', color: 'white', ply: 3, san: 'exd5', uci: 'e4d5', fen: 'rnbqkbnr/ppp1pppp/8/3P4/8/8/PPPP1PPP/RNBQKBNR b KQkq - 0 2', clocks: null }),
      ev('g1', 7, 12, { type: 'captured', color: 'white', piece: 'p', square: 'd5' }),
    ]);
    assert.deepEqual(t.move('g1', BT, 'e7e6', 13).events.length, 1);
    assert.deepEqual(t.move('g1', WT, 'Bb5+', 14).events, [
      ev('g1', 9, 14, { type: 'moved', color: 'white', ply: 5, san: 'Bb5+', uci: 'f1b5', fen: 'rnbqkbnr/ppp2ppp/4p3/1B1P4/8/8/PPPP1PPP/RNBQK1NR b KQkq - 1 3', clocks: null }),
      ev('g1', 10, 14, { type: 'check', color: 'black' }),
    ]);
    const v = t.m.view('g1')!;
    assert.equal(v.version, 10);
    assert.equal(v.turn, 'black');
    assert.deepEqual(v.moves.map((m) => m.uci), ['e2e4', 'd7d5', 'e4d5', 'e7e6', 'f1b5']);
  });

  it('en passant: captured names the captured pawn’s square', () => {
    const t = new Table();
    t.started('g1', 0);
    t.play('g1', ['e4', 'a6', 'e5', 'd5'], 10);
    const out = t.move('g1', WT, 'e5d6', 20);
    assert.deepEqual(out.events.slice(1), [ev('g1', 9, 20, { type: 'captured', color: 'white', piece: 'p', square: 'd5' })]);
    assert.equal((out.events[0] as GameEvent & { san: string }).san, 'exd6');
  });

  it('checkmate ends the game: checkmate event, result, reason, then ERR_GAME_OVER', () => {
    const t = new Table();
    t.started('g1', 0);
    t.play('g1', ['f3', 'e5', 'g4'], 10);
    const out = t.move('g1', BT, 'Qh4#', 20);
    assert.deepEqual(out.result, { ok: true, gameId: 'g1', version: 8, color: 'black' });
    assert.deepEqual(out.events.map((e) => e.type), ['moved', 'checkmate']);
    assert.deepEqual(out.events[1], ev('g1', 8, 20, { type: 'checkmate', winner: 'black', result: '0-1' }));
    const v = t.m.view('g1')!;
    assert.equal(v.status, 'ended');
    assert.equal(v.result, '0-1');
    assert.equal(v.reason, 'checkmate');
    assert.equal(v.endedAt, 20);
    refused(t.move('g1', WT, 'a3', 21), 'ERR_GAME_OVER');
  });
});

describe('resign', () => {
  for (const [color, token, result] of [['white', WT, '0-1'], ['black', BT, '1-0']] as const) {
    it(`${color} resigns (even when not to move): resigned, result ${result}`, () => {
      const t = new Table();
      t.started('g1', 0);
      ok(t.move('g1', WT, 'e4', 2));
      const out = t.act('resign', 'g1', token, 3);
      assert.deepEqual(out, { result: { ok: true, gameId: 'g1', version: 5, color }, events: [ev('g1', 5, 3, { type: 'resigned', color, result })] });
      const v = t.m.view('g1')!;
      assert.equal(v.status, 'ended');
      assert.equal(v.result, result);
      assert.equal(v.reason, 'resign');
      assert.equal(v.endedAt, 3);
    });
  }

  it('ERR_GAME_OVER for every command on an ended game, and nothing changes', () => {
    const t = new Table();
    t.started('g1', 0, { initialMs: 60_000, incrementMs: 0 });
    ok(t.act('resign', 'g1', BT, 3));
    const before = t.m.snapshot();
    refused(t.move('g1', WT, 'e4', 3), 'ERR_GAME_OVER');
    for (const token of [WT, BT]) {
      for (const type of ['resign', 'offerDraw', 'acceptDraw', 'declineDraw', 'claimDraw', 'abort']) refused(t.act(type, 'g1', token, 3), 'ERR_GAME_OVER');
    }
    refused(t.apply({ type: 'flag', session: 'leader', gameId: 'g1' }, 3), 'ERR_GAME_OVER');
    refused(t.join('g1', 3, { token: XT, session: XS }), 'ERR_GAME_OVER');
    unchanged(before, t.m);
  });
});

describe('draw offers', () => {
  it('offer, ERR_DRAW_ALREADY_OFFERED, ERR_NO_DRAW_OFFER for the offerer, decline, then ERR_NO_DRAW_OFFER', () => {
    const t = new Table();
    t.started('g1', 0);
    assert.deepEqual(t.act('offerDraw', 'g1', WT, 5), { result: { ok: true, gameId: 'g1', version: 4, color: 'white' }, events: [ev('g1', 4, 5, { type: 'drawOffered', color: 'white' })] });
    assert.equal(t.m.view('g1')!.drawOffer, 'white');
    refused(t.act('offerDraw', 'g1', WT, 6), 'ERR_DRAW_ALREADY_OFFERED');
    refused(t.act('acceptDraw', 'g1', WT, 6), 'ERR_NO_DRAW_OFFER');
    refused(t.act('declineDraw', 'g1', WT, 6), 'ERR_NO_DRAW_OFFER');
    assert.deepEqual(t.act('declineDraw', 'g1', BT, 7), {
      result: { ok: true, gameId: 'g1', version: 5, color: 'black' },
      events: [ev('g1', 5, 7, { type: 'drawDeclined', color: 'black', implicit: false })],
    });
    assert.equal(t.m.view('g1')!.drawOffer, null);
    assert.equal(t.m.view('g1')!.status, 'started');
    refused(t.act('declineDraw', 'g1', BT, 8), 'ERR_NO_DRAW_OFFER');
    refused(t.act('acceptDraw', 'g1', BT, 8), 'ERR_NO_DRAW_OFFER');
    // After a decline the same side may offer again.
    assert.deepEqual(t.act('offerDraw', 'g1', WT, 9).events, [ev('g1', 6, 9, { type: 'drawOffered', color: 'white' })]);
  });

  it('ERR_NO_DRAW_OFFER to accept or decline when nobody offered', () => {
    const t = new Table();
    t.started('g1', 0);
    for (const token of [WT, BT]) {
      refused(t.act('acceptDraw', 'g1', token, 2), 'ERR_NO_DRAW_OFFER');
      refused(t.act('declineDraw', 'g1', token, 2), 'ERR_NO_DRAW_OFFER');
    }
  });

  it('accept: a draw by agreement, 1/2-1/2', () => {
    const t = new Table();
    t.started('g1', 0);
    ok(t.act('offerDraw', 'g1', BT, 5));
    assert.deepEqual(t.act('acceptDraw', 'g1', WT, 6), {
      result: { ok: true, gameId: 'g1', version: 5, color: 'white' },
      events: [ev('g1', 5, 6, { type: 'draw', reason: 'agreement', result: '1/2-1/2' })],
    });
    const v = t.m.view('g1')!;
    assert.deepEqual([v.status, v.result, v.reason, v.drawOffer, v.endedAt], ['ended', '1/2-1/2', 'agreement', null, 6]);
  });

  it('offering when the opponent has offered is an agreement', () => {
    const t = new Table();
    t.started('g1', 0);
    ok(t.act('offerDraw', 'g1', WT, 5));
    assert.deepEqual(t.act('offerDraw', 'g1', BT, 6), {
      result: { ok: true, gameId: 'g1', version: 5, color: 'black' },
      events: [ev('g1', 5, 6, { type: 'draw', reason: 'agreement', result: '1/2-1/2' })],
    });
    assert.equal(t.m.view('g1')!.reason, 'agreement');
  });

  it('the opponent’s move declines implicitly (drawDeclined implicit: true); the offer is gone', () => {
    const t = new Table();
    t.started('g1', 0);
    ok(t.move('g1', WT, 'e4', 2));
    ok(t.act('offerDraw', 'g1', WT, 3));
    const out = t.move('g1', BT, 'e5', 4);
    assert.deepEqual(out.result, { ok: true, gameId: 'g1', version: 7, color: 'black' });
    assert.deepEqual(out.events.map((e) => [e.type, e.version]), [['moved', 6], ['drawDeclined', 7]]);
    assert.deepEqual(out.events[1], ev('g1', 7, 4, { type: 'drawDeclined', color: 'black', implicit: true }));
    assert.equal(t.m.view('g1')!.drawOffer, null);
    refused(t.act('acceptDraw', 'g1', BT, 5), 'ERR_NO_DRAW_OFFER');
  });

  it('the offerer’s own move does not withdraw the offer', () => {
    const t = new Table();
    t.started('g1', 0);
    ok(t.act('offerDraw', 'g1', WT, 2));
    const out = t.move('g1', WT, 'e4', 3);
    assert.deepEqual(out.events.map((e) => e.type), ['moved']);
    assert.equal(t.m.view('g1')!.drawOffer, 'white');
    assert.equal(ok(t.act('acceptDraw', 'g1', BT, 4)).version, 6);
    assert.equal(t.m.view('g1')!.result, '1/2-1/2');
  });
});

describe('abort', () => {
  it('the creator aborts while waiting: aborted (by white), result *, status ended', () => {
    const t = new Table();
    ok(t.create('g1', 0));
    assert.deepEqual(t.act('abort', 'g1', WT, 9), {
      result: { ok: true, gameId: 'g1', version: 3, color: 'white' },
      events: [ev('g1', 3, 9, { type: 'aborted', reason: 'aborted', by: 'white', result: '*' })],
    });
    const v = t.m.view('g1')!;
    assert.deepEqual([v.status, v.result, v.reason, v.endedAt], ['ended', '*', 'aborted', 9]);
    assert.deepEqual(t.m.liveGames(), []);
  });

  it('either seat may abort before any move, and after only white’s first move', () => {
    for (const [plies, token, by] of [[0, WT, 'white'], [0, BT, 'black'], [1, WT, 'white'], [1, BT, 'black']] as const) {
      const t = new Table();
      t.started('g1', 0);
      if (plies === 1) ok(t.move('g1', WT, 'e4', 2));
      const out = t.act('abort', 'g1', token, 5);
      assert.deepEqual(out.events, [ev('g1', 4 + plies, 5, { type: 'aborted', reason: 'aborted', by, result: '*' })], `${plies} plies, ${by}`);
      assert.equal(t.m.view('g1')!.reason, 'aborted');
    }
  });

  it('ERR_CANNOT_ABORT once both sides have moved, then ERR_GAME_OVER after the end', () => {
    const t = new Table();
    t.started('g1', 0);
    t.play('g1', ['e4', 'e5'], 2);
    const before = t.m.snapshot();
    refused(t.act('abort', 'g1', WT, 3), 'ERR_CANNOT_ABORT');
    refused(t.act('abort', 'g1', BT, 3), 'ERR_CANNOT_ABORT');
    unchanged(before, t.m);
    ok(t.act('resign', 'g1', WT, 5));
    refused(t.act('abort', 'g1', WT, 6), 'ERR_GAME_OVER');
  });
});

describe('versions', () => {
  it('every event is the previous version + 1, and a result carries its last event’s version', () => {
    const t = new Table();
    t.started('g1', 0);
    ok(t.create('g2', 1, { token: XT, session: XS }));
    t.play('g1', ['e4', 'd5', 'exd5'], 10);
    ok(t.act('offerDraw', 'g1', BT, 20));
    ok(t.act('declineDraw', 'g1', WT, 21));
    ok(t.act('offerDraw', 'g1', WT, 22));
    t.play('g1', ['Qxd5', 'Nc3', 'Qe5+'], 30);
    ok(t.join('g2', 40, { session: 'sess-other', token: 'tok-other-0000000000004' }));
    ok(t.act('offerDraw', 'g1', WT, 41));
    ok(t.act('offerDraw', 'g1', BT, 42));

    for (const id of ['g1', 'g2']) {
      const events = t.events(id);
      assert.deepEqual(events.map((e) => e.version), events.map((_, i) => i + 1), id);
      assert.equal(t.m.view(id)!.version, events.length, id);
    }
    assert.equal(t.events('g1').length, 18);
    let okCount = 0;
    for (const out of t.outputs) {
      if (!out.result.ok || out.events.length === 0) continue;
      okCount++;
      assert.equal(out.result.version, out.events[out.events.length - 1]!.version);
      // The events of one command are consecutive.
      out.events.forEach((e, i) => assert.equal(e.version, out.events[0]!.version + i));
    }
    assert.equal(okCount, t.outputs.length);
    assert.deepEqual(t.events('g1').map((e) => e.type), [
      'created', 'seated', 'seated', 'moved', 'moved', 'moved', 'captured', 'drawOffered', 'drawDeclined', 'drawOffered',
      'moved', 'captured', 'drawDeclined', 'moved', 'moved', 'check', 'drawOffered', 'draw',
    ]);
    assert.equal(t.m.view('g1')!.status, 'ended');
    assert.equal(t.m.view('g1')!.reason, 'agreement');
  });
});

describe('no secrets in what the machine shows', () => {
  it('views, the lobby, events, results, catch-ups and PGN never contain a token or a session', () => {
    const t = new Table({ historyLimit: 8 });
    t.started('g1', 0, { initialMs: 60_000, incrementMs: 1000 });
    ok(t.create('g2', 1, { token: XT, session: XS, name: 'Spec' }));
    t.play('g1', ['e4', 'e5', 'Nf3'], 10);
    for (let i = 0; i < 40; i++) {
      ok(t.act('offerDraw', 'g1', BT, 20 + i));
      ok(t.act('declineDraw', 'g1', WT, 20 + i));
    }
    ok(t.act('resign', 'g1', BT, 100));
    refused(t.move('g1', WT, 'a3', 101), 'ERR_GAME_OVER');
    refused(t.join('g2', 102, { session: XS, token: 'tok-x-another-000000' }), 'ERR_ALREADY_SEATED');
    const shown = JSON.stringify({
      views: [t.m.view('g1'), t.m.view('g2')],
      lobby: t.m.liveGames(),
      outputs: t.outputs,
      catchups: [t.m.eventsSince('g1', 0), t.m.eventsSince('g1', 80), t.m.eventsSince('g2', 0), t.m.eventsSince('g1', 999)],
      pgn: [t.m.pgn('g1'), t.m.pgn('g2')],
    });
    for (const s of SECRETS.concat('tok-x-another-000000')) assert.equal(shown.includes(s), false, `${s} leaked`);
    // The check can fail: the snapshot does hold the tokens and sessions.
    const snap = utf8.decode(t.m.snapshot());
    for (const s of [WT, BT, XT, WS, BS, XS]) assert.equal(snap.includes(s), true, s);
  });
});

describe('liveGames', () => {
  it('lists waiting and started games (oldest first), not ended ones', () => {
    const t = new Table();
    ok(t.create('wait', 10, { name: 'W', timeControl: { initialMs: 180_000, incrementMs: 2000 } }));
    t.started('live', 20);
    t.play('live', ['e4', 'c5', 'Nf3'], 30);
    t.started('over', 40);
    ok(t.act('resign', 'over', WT, 41));
    ok(t.create('aborted', 50));
    ok(t.act('abort', 'aborted', WT, 51));
    const want: GameSummary[] = [
      { gameId: 'wait', status: 'waiting', version: 2, timeControl: { initialMs: 180_000, incrementMs: 2000 }, seats: { white: { name: 'W' }, black: null }, plies: 0, createdAt: 10 },
      { gameId: 'live', status: 'started', version: 6, timeControl: null, seats: { white: { name: 'Anonymous' }, black: { name: 'Anonymous' } }, plies: 3, createdAt: 20 },
    ];
    assert.deepEqual(t.m.liveGames(), want);
    ok(t.act('resign', 'live', BT, 60));
    assert.deepEqual(t.m.liveGames().map((g) => g.gameId), ['wait']);
  });
});

describe('eventsSince', () => {
  it('gives exactly the events after v; none at v === version; ahead beyond; unknown for no game', () => {
    const t = new Table();
    t.started('g1', 0);
    t.play('g1', ['e4', 'd5', 'exd5'], 10);
    const all = t.events('g1');
    assert.equal(all.length, 7);
    for (let v = 0; v <= 7; v++) assert.deepEqual(t.m.eventsSince('g1', v), { kind: 'events', events: all.slice(v) }, `since ${v}`);
    assert.deepEqual(t.m.eventsSince('g1', 7), { kind: 'events', events: [] });
    assert.deepEqual(t.m.eventsSince('g1', 8), { kind: 'ahead', version: 7 });
    assert.deepEqual(t.m.eventsSince('g1', 1000), { kind: 'ahead', version: 7 });
    assert.deepEqual(t.m.eventsSince('nope', 0), { kind: 'unknown' });
  });

  it('a full view marked resync once the events after v are no longer kept (historyLimit 8)', () => {
    const t = new Table({ historyLimit: 8 });
    t.started('g1', 0);
    for (let i = 0; i < 60; i++) {
      ok(t.act('offerDraw', 'g1', WT, 10 + i));
      ok(t.act('declineDraw', 'g1', BT, 10 + i));
    }
    const all = t.events('g1');
    assert.equal(all.length, 123);
    const view = t.m.view('g1')!;
    assert.equal(view.version, 123);
    for (const v of [0, 1, 2, 50]) assert.deepEqual(t.m.eventsSince('g1', v), { kind: 'resync', view }, `since ${v}`);
    // At least the last historyLimit events are kept.
    for (const k of [0, 1, 5, 8]) assert.deepEqual(t.m.eventsSince('g1', 123 - k), { kind: 'events', events: all.slice(123 - k) }, `last ${k}`);
    assert.deepEqual(t.m.eventsSince('g1', 124), { kind: 'ahead', version: 123 });
  });

  it('the resync view is the same as view() and reflects the game now', () => {
    const t = new Table({ historyLimit: 8 });
    t.started('g1', 0);
    for (let i = 0; i < 40; i++) {
      ok(t.act('offerDraw', 'g1', BT, 10 + i));
      ok(t.act('declineDraw', 'g1', WT, 10 + i));
    }
    ok(t.move('g1', WT, 'd4', 100));
    const c = t.m.eventsSince('g1', 0);
    assert.equal(c.kind, 'resync');
    if (c.kind === 'resync') {
      assert.deepEqual(c.view, t.m.view('g1'));
      assert.equal(c.view.version, 84);
      assert.deepEqual(c.view.moves, [{ san: 'd4', uci: 'd2d4' }]);
    }
  });
});

describe('the events a snapshot keeps', () => {
  /** Draw offers and declines in game g1 (two events each), applied to `m` from version `from` on. */
  const offers = (m: ChessMachine, from: number, to: number): void => {
    for (let v = from; v < to; v += 2) {
      assert.ok(m.apply({ type: 'offerDraw', requestId: `o${v}`, session: WS, gameId: 'g1', token: WT }, 1000 + v).result.ok);
      assert.ok(m.apply({ type: 'declineDraw', requestId: `d${v}`, session: BS, gameId: 'g1', token: BT }, 1000 + v).result.ok);
    }
  };

  it(`a restored replica has the newest ${SNAPSHOT_HISTORY} events of a game: a catch-up from within them is the same, from before them a resync`, () => {
    const t = new Table();
    t.started('g1', 0);
    offers(t.m, 3, 43);
    const version = t.m.view('g1')!.version;
    assert.equal(version, 43);
    const r = ChessMachine.fromSnapshot(t.m.snapshot());
    const kept = version - SNAPSHOT_HISTORY;
    for (let v = kept; v <= version; v++) assert.deepEqual(r.eventsSince('g1', v), t.m.eventsSince('g1', v), `since ${v}`);
    assert.equal(t.m.eventsSince('g1', kept - 1).kind, 'events', 'the original still has them');
    for (const v of [0, 1, kept - 1]) assert.deepEqual(r.eventsSince('g1', v), { kind: 'resync', view: t.m.view('g1') }, `since ${v}`);
    // And it carries on: the events after the restore join the kept ones.
    offers(t.m, 43, 47);
    offers(r, 43, 47);
    assert.deepEqual(r.eventsSince('g1', kept), t.m.eventsSince('g1', kept));
  });

  it(`with a historyLimit below ${SNAPSHOT_HISTORY}, a restored replica's snapshots stay byte-identical to the original's`, () => {
    // historyLimit 4: the original trims its history back to 4 events whenever it passes 68.
    // A replica restored with more than 4 would trim at other versions, and for a while hold
    // more of the newest events than the original: its snapshots would differ.
    const a = new Table({ historyLimit: 4 }).m;
    a.apply({ type: 'create', requestId: 'c', session: WS, gameId: 'g1', token: WT, color: 'white', timeControl: null }, 1);
    a.apply({ type: 'join', requestId: 'j', session: BS, gameId: 'g1', token: BT }, 2);
    offers(a, 3, 33);
    const r = ChessMachine.fromSnapshot(a.snapshot());
    let compared = 0;
    for (let v = 33; v < 181; v += 2) {
      offers(a, v, v + 2);
      offers(r, v, v + 2);
      assert.ok(Buffer.from(r.snapshot()).equals(Buffer.from(a.snapshot())), `snapshots differ at version ${v + 2}`);
      compared++;
    }
    assert.equal(compared, 74);
  });
});

describe('PGN', () => {
  const dates: [number, string][] = [
    [0, '1970.01.01'],
    [86_399_999, '1970.01.01'],
    [86_400_000, '1970.01.02'],
    [951_782_400_000, '2000.02.29'],
    [951_868_800_000, '2000.03.01'],
    [1_700_000_000_000, '2023.11.14'],
    [4_107_542_400_000, '2100.03.01'],
    [-1, '1969.12.31'],
  ];
  for (const [ms, want] of dates) {
    it(`pgnDate(${ms}) is ${want}`, () => assert.equal(pgnDate(ms), want));
  }

  it('pgnDate agrees with Date (UTC) every 13 days and 7 hours from 1900 to 2200', () => {
    const from = Date.UTC(1900, 0, 1);
    const to = Date.UTC(2200, 0, 1);
    let n = 0;
    for (let ms = from; ms < to; ms += 13 * 86_400_000 + 7 * 3_600_000) {
      const d = new Date(ms);
      const want = `${d.getUTCFullYear()}.${String(d.getUTCMonth() + 1).padStart(2, '0')}.${String(d.getUTCDate()).padStart(2, '0')}`;
      assert.equal(pgnDate(ms), want, String(ms));
      n++;
    }
    assert.ok(n > 8000);
  });

  it('a resigned timed game: the tags, then the moves ending with the result', () => {
    const t = new Table();
    ok(t.create('g1', 1_700_000_000_000, { name: 'Alice', timeControl: { initialMs: 300_000, incrementMs: 3000 } }));
    ok(t.join('g1', 1_700_000_000_001, { name: 'Bob' }));
    t.play('g1', ['e4', 'e5'], 1_700_000_000_002);
    ok(t.act('resign', 'g1', WT, 1_700_000_000_100));
    assert.equal(
      t.m.pgn('g1'),
      [
        '[Event "Rookery casual game"]',
        '[Site "Rookery"]',
        '[Date "2023.11.14"]',
        '[Round "-"]',
        '[White "Alice"]',
        '[Black "Bob"]',
        '[Result "0-1"]',
        '[TimeControl "300+3"]',
        '[Termination "normal"]',
        '[RookeryReason "resign"]',
        '',
        '1. e4 e5 0-1',
        '',
      ].join('\n'),
    );
    assert.match(t.m.pgn('g1', { event: 'Club night', site: 'Paris FRA' })!, /^\[Event "Club night"\]\n\[Site "Paris FRA"\]\n\[Date "2023\.11\.14"\]/);
    assert.equal(t.m.pgn('nope'), undefined);
  });

  it('the Opera game: long movetext wrapped greedily at 80 characters, checkmate 1-0, untimed "-"', () => {
    const t = new Table();
    ok(t.create('opera', 0, { name: 'Morphy' }));
    ok(t.join('opera', 1, { name: 'Duke Karl / Count Isouard' }));
    const sans = [
      'e4', 'e5', 'Nf3', 'd6', 'd4', 'Bg4', 'dxe5', 'Bxf3', 'Qxf3', 'dxe5', 'Bc4', 'Nf6', 'Qb3', 'Qe7', 'Nc3', 'c6', 'Bg5', 'b5',
      'Nxb5', 'cxb5', 'Bxb5+', 'Nbd7', 'O-O-O', 'Rd8', 'Rxd7', 'Rxd7', 'Rd1', 'Qe6', 'Bxd7+', 'Nxd7', 'Qb8+', 'Nxb8', 'Rd8#',
    ];
    t.play('opera', sans, 10);
    assert.deepEqual(t.m.view('opera')!.moves.map((m) => m.san), sans);
    assert.equal(t.m.view('opera')!.result, '1-0');
    const text = t.m.pgn('opera')!;
    const [head, body] = text.split('\n\n') as [string, string];
    assert.deepEqual(head.split('\n'), [
      '[Event "Rookery casual game"]',
      '[Site "Rookery"]',
      '[Date "1970.01.01"]',
      '[Round "-"]',
      '[White "Morphy"]',
      '[Black "Duke Karl / Count Isouard"]',
      '[Result "1-0"]',
      '[TimeControl "-"]',
      '[Termination "normal"]',
      '[RookeryReason "checkmate"]',
    ]);
    assert.ok(text.endsWith('1-0\n'));
    const lines = body.replace(/\n$/, '').split('\n');
    const tokens = lines.join(' ').split(' ');
    assert.equal(
      lines.join(' '),
      '1. e4 e5 2. Nf3 d6 3. d4 Bg4 4. dxe5 Bxf3 5. Qxf3 dxe5 6. Bc4 Nf6 7. Qb3 Qe7 8. Nc3 c6 9. Bg5 b5 10. Nxb5 cxb5 ' +
        '11. Bxb5+ Nbd7 12. O-O-O Rd8 13. Rxd7 Rxd7 14. Rd1 Qe6 15. Bxd7+ Nxd7 16. Qb8+ Nxb8 17. Rd8# 1-0',
    );
    assert.ok(lines.length >= 3, `${lines.length} lines`);
    for (const [i, line] of lines.entries()) {
      assert.ok(line.length <= 80, `line ${i} has ${line.length} characters`);
      assert.equal(line, line.trim());
      // Greedy: the next line's first token would not have fit.
      const next = lines[i + 1];
      if (next !== undefined) assert.ok(line.length + 1 + next.split(' ')[0]!.length > 80, `line ${i} could hold more`);
    }
    assert.equal(tokens.length, 17 + 33 + 1);
    for (const line of text.split('\n')) assert.ok(line.length <= 80, line);
  });

  it('from a FEN with black to move: SetUp, FEN, "12... e5" and a running game is "*"', () => {
    const t = new Table();
    const fen = '4k3/4p3/8/8/8/8/4P3/4K3 b - - 0 12';
    ok(t.create('g1', 0, { fen, color: 'black', token: BT, session: BS }));
    ok(t.join('g1', 1, { token: WT, session: WS }));
    t.play('g1', ['e7e5', 'e2e4', 'Kd7'], 5);
    const text = t.m.pgn('g1')!;
    assert.equal(
      text,
      [
        '[Event "Rookery casual game"]',
        '[Site "Rookery"]',
        '[Date "1970.01.01"]',
        '[Round "-"]',
        '[White "Anonymous"]',
        '[Black "Anonymous"]',
        '[Result "*"]',
        '[TimeControl "-"]',
        '[Termination "unterminated"]',
        '[SetUp "1"]',
        `[FEN "${fen}"]`,
        '',
        '12... e5 13. e4 Kd7 *',
        '',
      ].join('\n'),
    );
  });

  it('a waiting game has "?" for the empty seat and no moves', () => {
    const t = new Table();
    ok(t.create('g1', 0, { color: 'black', token: BT, session: BS, name: 'Carol' }));
    const text = t.m.pgn('g1')!;
    assert.match(text, /\[White "\?"\]\n\[Black "Carol"\]\n\[Result "\*"\]/);
    assert.ok(text.endsWith('\n\n*\n'));
  });

  const terminations: { name: string; tc: TimeControl | null; end: (t: Table) => void; result: string; termination: string; reason: string }[] = [
    { name: 'resignation', tc: null, end: (t) => ok(t.act('resign', 'g1', BT, 100)), result: '1-0', termination: 'normal', reason: 'resign' },
    { name: 'agreement', tc: null, end: (t) => (ok(t.act('offerDraw', 'g1', BT, 100)), ok(t.act('acceptDraw', 'g1', WT, 101))), result: '1/2-1/2', termination: 'normal', reason: 'agreement' },
    {
      name: 'a flag fall',
      tc: { initialMs: 1000, incrementMs: 0 },
      end: (t) => ok(t.apply({ type: 'flag', session: 'leader', gameId: 'g1' }, 2000)),
      result: '0-1',
      termination: 'time forfeit',
      reason: 'timeout',
    },
    { name: 'abort', tc: { initialMs: 90_500, incrementMs: 0 }, end: (t) => ok(t.act('abort', 'g1', WT, 100)), result: '*', termination: 'unterminated', reason: 'aborted' },
    {
      name: 'abandonment (sweep)',
      tc: null,
      end: (t) => assert.deepEqual(t.apply({ type: 'sweep', session: 'leader' }, DEFAULT_OPTIONS.firstMoveTimeoutMs + 1).result, { ok: true, ended: ['g1'], forgotten: 0 }),
      result: '*',
      termination: 'abandoned',
      reason: 'abandoned',
    },
  ];
  for (const c of terminations) {
    it(`Termination "${c.termination}" and RookeryReason "${c.reason}" after ${c.name}`, () => {
      const t = new Table();
      t.started('g1', 0, c.tc);
      if (c.reason !== 'abandoned' && c.reason !== 'aborted') t.play('g1', ['e4', 'e5'], 10);
      else if (c.reason === 'aborted') t.play('g1', ['e4'], 10);
      c.end(t);
      const text = t.m.pgn('g1')!;
      const tc = c.tc === null ? '-' : c.tc.initialMs === 1000 ? '1+0' : '90.5+0';
      assert.ok(text.includes(`[Result "${c.result}"]\n[TimeControl "${tc}"]\n[Termination "${c.termination}"]\n[RookeryReason "${c.reason}"]\n\n`), text);
      assert.equal(text.split('\n\n')[1]!.trimEnd().split(/\s+/).pop(), c.result, text);
      assert.ok(text.endsWith(`${c.result}\n`), text);
    });
  }
});
