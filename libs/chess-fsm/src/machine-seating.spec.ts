/**
 * Seating, driven through the public API only: `create` (the creator's seat, names, time control,
 * a start from a FEN, and the refusals: a game id in use, too many games, a bad position) and
 * `join` (the open or a named seat, and the refusals for taken seats, the same session, unknown
 * and ended games).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_POSITION } from 'chess.js';
import { BS, BT, WS, WT, XS, XT, Table, ev, ok, refused, unchanged } from './machine.spec-fixtures';

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
