/**
 * A game in play, driven through the public API only: moves and turns (ply checks, SAN and UCI,
 * captures, checks, checkmate, and the refusals for the wrong seat or move), resigning, draw
 * offers, aborting, and the rule that every event is its game's previous version + 1.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type GameEvent } from './index';
import { BS, BT, WS, WT, XS, XT, Table, ev, ok, refused, unchanged } from './machine.spec-fixtures';

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
