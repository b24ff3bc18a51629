/**
 * Flag falls, from entry times only: the flag command at and around the fall, a move at or past
 * the fall (not played: the mover loses on time), and when a fall is a draw because the opponent
 * cannot mate. The Table and checks are in clock.spec-fixtures.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Clocks, Color } from './index';
import { TC, Table, clocks, movedClocks, ok, refused } from './clock.spec-fixtures';
import { WS, WT, type Body } from './machine.spec-fixtures';

function flagCmd(gameId: string): Body {
  return { type: 'flag', requestId: 'flag-probe', session: 'leader', gameId };
}

describe('flag', () => {
  /** White's clock runs from 70 000 with 60 000 left: its flag falls at 130 000. */
  function whiteRunning(): Table {
    const t = new Table();
    t.start('g', 0, TC, { joinAt: 100 });
    t.play('g', 'e4', 30_000);
    t.play('g', 'e5', 70_000);
    return t;
  }

  it('ERR_NOT_FLAGGED 1 ms before the fall; at the fall: flagged, the loser’s clock 0, the result', () => {
    const t = whiteRunning();
    refused(t.flag('g', 129_999), 'ERR_NOT_FLAGGED');
    assert.equal(t.m.view('g')!.status, 'started');
    const out = t.flag('g', 130_000);
    assert.deepEqual(out, {
      result: { ok: true, gameId: 'g', version: 6, color: 'white' },
      events: [{ type: 'flagged', color: 'white', result: '0-1', clocks: clocks(0, 60_000, null, 130_000), gameId: 'g', version: 6, at: 130_000 }],
    });
    const v = t.m.view('g')!;
    assert.deepEqual([v.status, v.result, v.reason, v.endedAt], ['ended', '0-1', 'timeout', 130_000]);
    assert.deepEqual(v.clocks, clocks(0, 60_000, null, 130_000));
    assert.equal(t.m.flagDeadline('g'), undefined);
    refused(t.flag('g', 130_001), 'ERR_GAME_OVER');
    assert.match(t.m.pgn('g')!, /\[Result "0-1"\]\n\[TimeControl "60\+2"\]\n\[Termination "time forfeit"\]\n\[RookeryReason "timeout"\]/);
  });

  it('a flag long after the fall: the loser’s clock is 0, not negative, and the event is at the flag’s time', () => {
    const t = whiteRunning();
    const out = t.flag('g', 500_000);
    assert.deepEqual(out.events.map((e) => [e.type, (e as { clocks?: Clocks }).clocks]), [['flagged', clocks(0, 60_000, null, 500_000)]]);
  });

  it('black’s flag: its clock runs once white has made its second move', () => {
    const t = whiteRunning();
    t.play('g', 'Nf3', 75_000); // white 60 000 - 5000 + 2000 = 57 000
    assert.equal(t.m.flagDeadline('g'), 135_000);
    refused(t.flag('g', 134_999), 'ERR_NOT_FLAGGED');
    assert.deepEqual(t.flag('g', 135_000).events, [
      { type: 'flagged', color: 'black', result: '1-0', clocks: clocks(57_000, 0, null, 135_000), gameId: 'g', version: 7, at: 135_000 },
    ]);
    assert.equal(t.m.view('g')!.result, '1-0');
  });

  it('ERR_NOT_FLAGGED in an untimed game, whatever the time', () => {
    const t = new Table();
    t.start('g', 0, null);
    t.play('g', 'e4', 10);
    t.play('g', 'e5', 20);
    refused(t.flag('g', 20), 'ERR_NOT_FLAGGED');
    refused(t.flag('g', 1e12), 'ERR_NOT_FLAGGED');
    assert.equal(t.m.view('g')!.status, 'started');
  });

  it('ERR_NOT_FLAGGED while no clock runs: waiting, no move yet, only white’s first move', () => {
    const t = new Table();
    ok(t.apply({ type: 'create', session: WS, gameId: 'w', token: WT, color: 'white', timeControl: TC }, 0));
    refused(t.flag('w', 10_000_000), 'ERR_NOT_FLAGGED');
    t.start('g', 10_000_000, TC);
    refused(t.flag('g', 20_000_000), 'ERR_NOT_FLAGGED');
    t.play('g', 'e4', 20_000_000);
    refused(t.flag('g', 30_000_000), 'ERR_NOT_FLAGGED');
    assert.equal(t.m.flagDeadline('w'), undefined);
    assert.equal(t.m.flagDeadline('g'), undefined);
  });

  it('ERR_UNKNOWN_GAME for a game that does not exist; flagDeadline is undefined', () => {
    const t = new Table();
    refused(t.flag('nope', 0), 'ERR_UNKNOWN_GAME');
    assert.equal(t.m.flagDeadline('nope'), undefined);
  });

  it('flagDeadline is the first time a flag succeeds, at every move of a game (deadline - 1 refused)', () => {
    const t = new Table();
    t.start('g', 0, { initialMs: 20_000, incrementMs: 1500 });
    const moves = ['e4', 'c5', 'Nf3', 'd6', 'd4', 'cxd4', 'Nxd4', 'Nf6', 'Nc3', 'a6', 'Be3', 'e5', 'Nb3', 'Be6'];
    const thinks = [100, 200, 3000, 4500, 1, 7000, 2500, 0, 4999, 1234, 5, 4000, 6000, 2];
    let at = 0;
    let checked = 0;
    moves.forEach((mv, i) => {
      at += thinks[i]!;
      t.play('g', mv, at);
      const d = t.m.flagDeadline('g');
      if (i === 0) {
        assert.equal(d, undefined);
        return;
      }
      assert.ok(d !== undefined && d > at, `after ${mv}: ${d}`);
      const before = t.fork();
      refused(before.apply(flagCmd('g'), d - 1), 'ERR_NOT_FLAGGED');
      const after = t.fork();
      const out = after.apply(flagCmd('g'), d);
      assert.deepEqual(out.events.map((e) => e.type), ['flagged'], `after ${mv}`);
      // The side to move has, at its deadline, exactly nothing left.
      const view = t.m.view('g')!;
      assert.equal(d, view.clocks!.at + view.clocks![view.turn]);
      checked++;
    });
    assert.equal(checked, moves.length - 1);
  });
});

describe('a move at or past the fall is not played: the mover loses on time', () => {
  function whiteRunning(): Table {
    const t = new Table();
    t.start('g', 0, TC);
    t.play('g', 'e4', 1000);
    t.play('g', 'e5', 2000);
    assert.equal(t.m.flagDeadline('g'), 62_000);
    return t;
  }

  it('1 ms before the fall the move is played, with 1 ms + the increment left', () => {
    const t = whiteRunning();
    const out = t.move('g', 'white', 'Nf3', 61_999);
    assert.deepEqual(out.events.map((e) => e.type), ['moved']);
    assert.deepEqual(movedClocks(out.events), clocks(2001, 60_000, 'black', 61_999));
  });

  for (const at of [62_000, 62_001, 1_000_000]) {
    it(`a move at ${at} (fall at 62 000): flagged, not moved`, () => {
      const t = whiteRunning();
      const out = t.move('g', 'white', 'Nf3', at);
      assert.deepEqual(out, {
        result: { ok: true, gameId: 'g', version: 6, color: 'white', flagged: true },
        events: [{ type: 'flagged', color: 'white', result: '0-1', clocks: clocks(0, 60_000, null, at), gameId: 'g', version: 6, at }],
      });
      const v = t.m.view('g')!;
      assert.deepEqual(v.moves.map((m) => m.san), ['e4', 'e5']);
      assert.deepEqual([v.status, v.result, v.reason], ['ended', '0-1', 'timeout']);
      refused(t.move('g', 'black', 'Nf6', at), 'ERR_GAME_OVER');
    });
  }

  it('an illegal move past the fall still loses on time (the clock is checked first)', () => {
    const t = whiteRunning();
    const out = t.move('g', 'white', 'e2e4', 70_000);
    assert.deepEqual(out.events.map((e) => e.type), ['flagged']);
    assert.equal(t.m.view('g')!.reason, 'timeout');
  });
});

describe('a flag fall against a side whose opponent cannot mate', () => {
  const cases: {
    name: string;
    fen: string;
    moves: string[];
    loser: Color;
    result: string;
    reason: 'timeout' | 'timeout-vs-insufficient';
  }[] = [
    { name: 'white (K+P) flags v a lone king: draw', fen: '4k3/8/8/8/8/8/4P3/4K3 w - - 0 1', moves: ['Kd1', 'Kd8'], loser: 'white', result: '1/2-1/2', reason: 'timeout-vs-insufficient' },
    { name: 'white (K+Q) flags v a lone king: draw', fen: '4k3/8/8/8/8/8/8/3QK3 w - - 0 1', moves: ['Ke2', 'Kf7'], loser: 'white', result: '1/2-1/2', reason: 'timeout-vs-insufficient' },
    { name: 'black (K+R) flags v a lone king: draw', fen: 'r3k3/8/8/8/8/8/8/4K3 w - - 0 1', moves: ['Kd1', 'Kd8', 'Kc1'], loser: 'black', result: '1/2-1/2', reason: 'timeout-vs-insufficient' },
    { name: 'black (lone king) flags v K+P: a loss', fen: '4k3/8/8/8/8/8/4P3/4K3 w - - 0 1', moves: ['Kd1', 'Kd8', 'Kc1'], loser: 'black', result: '1-0', reason: 'timeout' },
    // K+N cannot mate a king with one queen, nor bishops on one color a king with one rook: draws.
    { name: 'white (K+Q) flags v K+N: draw', fen: '4kn2/8/8/8/8/8/8/3QK3 w - - 0 1', moves: ['Ke2', 'Kf7'], loser: 'white', result: '1/2-1/2', reason: 'timeout-vs-insufficient' },
    { name: 'black (K+R) flags v K+B: draw', fen: 'r3k3/8/8/8/8/8/8/4KB2 w - - 0 1', moves: ['Kd2', 'Kd8', 'Kc2'], loser: 'black', result: '1/2-1/2', reason: 'timeout-vs-insufficient' },
    { name: 'black (K+R+P) flags v K+B: a loss', fen: 'r3k3/p7/8/8/8/8/8/4KB2 w - - 0 1', moves: ['Kd2', 'Kd8', 'Kc2'], loser: 'black', result: '1-0', reason: 'timeout' },
    // With the flagged side's pawn to help, K+N and K+B can mate (FIDE 6.9: any series of legal moves), so these are losses.
    { name: 'black (K+P) flags v K+N: a loss', fen: '4k3/4p3/8/8/8/8/8/4KN2 w - - 0 1', moves: ['Kd2', 'Kd8', 'Kc2'], loser: 'black', result: '1-0', reason: 'timeout' },
    { name: 'black (K+P) flags v K+B: a loss', fen: '4k3/4p3/8/8/8/8/8/4KB2 w - - 0 1', moves: ['Kd2', 'Kd8', 'Kc2'], loser: 'black', result: '1-0', reason: 'timeout' },
    { name: 'white (K+N) flags v K+P: a loss', fen: '4k3/4p3/8/8/8/8/8/4KN2 w - - 0 1', moves: ['Kd2', 'Kd8'], loser: 'white', result: '0-1', reason: 'timeout' },
  ];
  for (const c of cases) {
    for (const how of ['flag', 'move'] as const) {
      it(`${c.name} (by ${how === 'flag' ? 'a flag command' : 'a move past the fall'})`, () => {
        const t = new Table();
        t.start('g', 0, { initialMs: 10_000, incrementMs: 0 }, { fen: c.fen });
        c.moves.forEach((mv, i) => t.play('g', mv, 10 * (i + 1)));
        assert.equal(t.m.view('g')!.turn, c.loser);
        const fall = t.m.flagDeadline('g')!;
        assert.equal(fall, 10 * c.moves.length + 10_000);
        const out = how === 'flag' ? t.flag('g', fall) : t.move('g', c.loser, 'Kc8', fall);
        // With three first moves, white's second one was charged 10 ms.
        const winnerLeft = c.moves.length === 3 ? 9990 : 10_000;
        const loserClock = clocks(c.loser === 'white' ? 0 : winnerLeft, c.loser === 'black' ? 0 : winnerLeft, null, fall);
        assert.deepEqual(out.events, [{ type: 'flagged', color: c.loser, result: c.result, clocks: loserClock, gameId: 'g', version: 3 + c.moves.length + 1, at: fall }]);
        const v = t.m.view('g')!;
        assert.deepEqual([v.status, v.result, v.reason], ['ended', c.result, c.reason]);
        assert.match(t.m.pgn('g')!, new RegExp(`\\[Termination "time forfeit"\\]\\n\\[RookeryReason "${c.reason}"\\]`));
      });
    }
  }
});
