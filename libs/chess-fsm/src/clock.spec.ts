import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChessMachine, DEFAULT_OPTIONS, type ApplyOutput, type ChessErrorCode, type Clocks, type Color, type GameEvent, type MachineOptions, type TimeControl } from './index';
import { BS, BT, WS, WT, XS, XT, type Body } from './machine.spec-fixtures';

// Clocks, flag falls and the sweep, from entry times only.

const TC: TimeControl = { initialMs: 60_000, incrementMs: 2000 };


class Table {
  readonly m: ChessMachine;
  private n = 0;

  constructor(options: Partial<MachineOptions> = {}) {
    this.m = new ChessMachine({ ...DEFAULT_OPTIONS, ...options });
  }

  apply(c: Body, at: number): ApplyOutput {
    return this.m.apply({ requestId: `req-${++this.n}`, ...c }, at);
  }

  /** White WT created at `at`, black BT joined at `joinAt` (default `at`). */
  start(gameId: string, at: number, timeControl: TimeControl | null, o: { fen?: string; joinAt?: number } = {}): void {
    const c: Body = { type: 'create', session: WS, gameId, token: WT, color: 'white', timeControl };
    if (o.fen !== undefined) c['fen'] = o.fen;
    ok(this.apply(c, at));
    ok(this.apply({ type: 'join', session: BS, gameId, token: BT }, o.joinAt ?? at));
  }

  move(gameId: string, color: Color, move: string, at: number): ApplyOutput {
    return this.apply({ type: 'move', session: color === 'white' ? WS : BS, gameId, token: color === 'white' ? WT : BT, move }, at);
  }

  /** The side to move plays `move` at `at`; it must be accepted. */
  play(gameId: string, move: string, at: number): GameEvent[] {
    const out = this.move(gameId, this.m.view(gameId)!.turn, move, at);
    ok(out);
    return out.events;
  }

  flag(gameId: string, at: number): ApplyOutput {
    return this.apply({ type: 'flag', session: 'leader', gameId }, at);
  }

  sweep(at: number): ApplyOutput {
    return this.apply({ type: 'sweep', session: 'leader' }, at);
  }

  /** A refused command that only moves the machine's time forward. */
  tick(at: number): void {
    refused(this.apply({ type: 'join', session: XS, gameId: 'no-such-game', token: XT }, at), 'ERR_UNKNOWN_GAME');
  }

  /** A copy of the machine as it is now. */
  fork(): ChessMachine {
    return ChessMachine.fromSnapshot(this.m.snapshot());
  }
}

function ok(out: ApplyOutput): void {
  assert.equal(out.result.ok, true, JSON.stringify(out.result));
}

function refused(out: ApplyOutput, code: ChessErrorCode): void {
  assert.equal(out.result.ok ? 'ok' : out.result.error.code, code, JSON.stringify(out.result));
  assert.deepEqual(out.events, []);
}

function clocks(white: number, black: number, running: Color | null, at: number): Clocks {
  return { white, black, running, at };
}

/** The clocks of the single `moved` event in `events`. */
function movedClocks(events: GameEvent[]): Clocks | null {
  const moved = events.filter((e) => e.type === 'moved');
  assert.equal(moved.length, 1, JSON.stringify(events));
  return (moved[0] as GameEvent & { type: 'moved' }).clocks;
}

function flagCmd(gameId: string): Body {
  return { type: 'flag', requestId: 'flag-probe', session: 'leader', gameId };
}

describe('timing the moves', () => {
  it('the first move of each side is free (no charge, no increment); then charges and increments, exact', () => {
    const t = new Table();
    t.start('g', 0, TC, { joinAt: 100 });
    assert.deepEqual(t.m.view('g')!.clocks, clocks(60_000, 60_000, null, 100));

    // White thinks 30 s over its first move: free, and no clock runs after it.
    assert.deepEqual(movedClocks(t.play('g', 'e4', 30_000)), clocks(60_000, 60_000, null, 30_000));
    assert.deepEqual(t.m.view('g')!.clocks, clocks(60_000, 60_000, null, 30_000));
    assert.equal(t.m.flagDeadline('g'), undefined);

    // Black thinks 40 s: free too, no increment; now white's clock runs.
    assert.deepEqual(movedClocks(t.play('g', 'e5', 70_000)), clocks(60_000, 60_000, 'white', 70_000));
    assert.deepEqual(t.m.view('g')!.clocks, clocks(60_000, 60_000, 'white', 70_000));
    assert.equal(t.m.flagDeadline('g'), 130_000);

    // White: 3 s charged, 2 s increment.
    assert.deepEqual(movedClocks(t.play('g', 'Nf3', 73_000)), clocks(59_000, 60_000, 'black', 73_000));
    assert.equal(t.m.flagDeadline('g'), 133_000);
    // Black: 10.5 s charged, 2 s increment.
    assert.deepEqual(movedClocks(t.play('g', 'Nc6', 83_500)), clocks(59_000, 51_500, 'white', 83_500));
    assert.equal(t.m.flagDeadline('g'), 142_500);
    // White, 1 ms before its flag falls: 1 ms left, plus the increment.
    assert.deepEqual(movedClocks(t.play('g', 'Bb5', 142_499)), clocks(2001, 51_500, 'black', 142_499));
    assert.equal(t.m.flagDeadline('g'), 194_000 - 1);

    // The view's clocks are as of the last move (`at`), the running side's time counting down from there.
    t.tick(150_000);
    assert.equal(t.m.now, 150_000);
    assert.deepEqual(t.m.view('g')!.clocks, clocks(2001, 51_500, 'black', 142_499));
    assert.deepEqual(t.m.liveGames()[0]!.timeControl, TC);
  });

  it('an increment of 0: a move just charges', () => {
    const t = new Table();
    t.start('g', 0, { initialMs: 10_000, incrementMs: 0 });
    t.play('g', 'd4', 10);
    t.play('g', 'd5', 20);
    assert.deepEqual(movedClocks(t.play('g', 'c4', 1020)), clocks(9000, 10_000, 'black', 1020));
    assert.deepEqual(movedClocks(t.play('g', 'e6', 1030)), clocks(9000, 9990, 'white', 1030));
  });

  it('a game from a FEN with black to move: black’s and then white’s first moves are free, then black’s clock runs', () => {
    const t = new Table();
    t.start('g', 0, TC, { fen: 'rnbqkbnr/pppppppp/8/8/4P3/8/PPPP1PPP/RNBQKBNR b KQkq - 0 1' });
    assert.deepEqual(movedClocks(t.play('g', 'c5', 5000)), clocks(60_000, 60_000, null, 5000));
    assert.equal(t.m.flagDeadline('g'), undefined);
    assert.deepEqual(movedClocks(t.play('g', 'Nf3', 9000)), clocks(60_000, 60_000, 'black', 9000));
    assert.equal(t.m.flagDeadline('g'), 69_000);
    assert.deepEqual(movedClocks(t.play('g', 'd6', 10_000)), clocks(60_000, 61_000, 'white', 10_000));
    assert.deepEqual(movedClocks(t.play('g', 'd4', 14_000)), clocks(58_000, 61_000, 'black', 14_000));
  });

  it('an untimed game has no clocks anywhere', () => {
    const t = new Table();
    t.start('g', 0, null);
    assert.equal(movedClocks(t.play('g', 'e4', 10)), null);
    assert.equal(movedClocks(t.play('g', 'e5', 20)), null);
    assert.equal(t.m.view('g')!.clocks, null);
    assert.equal(t.m.flagDeadline('g'), undefined);
  });

  // The first moves earn no increment, so a clock with no initial time would fall as it starts:
  // as on lichess, it starts with the increment, at least 3 s.
  for (const [incrementMs, initial] of [[3000, 3000], [1000, 3000], [5000, 5000]] as const) {
    it(`0+${incrementMs / 1000}: each clock starts with ${initial} ms, and white can make its second move`, () => {
      const t = new Table();
      t.start('g', 0, { initialMs: 0, incrementMs });
      assert.deepEqual(t.m.view('g')!.clocks, clocks(initial, initial, null, 0));
      t.play('g', 'e4', 10);
      assert.deepEqual(movedClocks(t.play('g', 'e5', 20)), clocks(initial, initial, 'white', 20));
      assert.equal(t.m.flagDeadline('g'), 20 + initial);
      refused(t.flag('g', 20), 'ERR_NOT_FLAGGED');
      refused(t.flag('g', 19 + initial), 'ERR_NOT_FLAGGED');
      assert.deepEqual(movedClocks(t.move('g', 'white', 'Nf3', 19 + initial).events), clocks(1 + incrementMs, initial, 'black', 19 + initial));
    });
  }
});

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

describe('entry time never goes backwards', () => {
  it('an earlier entry time is treated as the latest seen: machine.now, event times and charges', () => {
    const t = new Table();
    t.start('g', 0, TC);
    t.play('g', 'e4', 1000);
    t.play('g', 'e5', 5000);
    assert.equal(t.m.now, 5000);
    // The entry says 3000 but the machine has seen 5000: no time passed, so white is charged 0.
    const events = t.play('g', 'Nf3', 3000);
    assert.equal(t.m.now, 5000);
    assert.deepEqual(events.map((e) => e.at), [5000]);
    assert.deepEqual(movedClocks(events), clocks(62_000, 60_000, 'black', 5000));
    // Black's flag falls at 65 000; once the machine has seen 65 000, a flag stamped 1 succeeds at 65 000.
    t.tick(65_000);
    const out = t.flag('g', 1);
    assert.deepEqual(out.events.map((e) => [e.type, e.at]), [['flagged', 65_000]]);
    assert.equal(t.m.now, 65_000);
  });

  it('a flag stamped earlier than the latest time seen is judged at that latest time (refused before the fall)', () => {
    const t = new Table();
    t.start('g', 0, TC);
    t.play('g', 'e4', 1000);
    t.play('g', 'e5', 2000);
    refused(t.flag('g', 61_999), 'ERR_NOT_FLAGGED');
    // Going back to 0 changes nothing: still 61 999 as far as the machine knows.
    refused(t.flag('g', 0), 'ERR_NOT_FLAGGED');
    assert.equal(t.m.now, 61_999);
  });

  it('non-finite entry times are ignored', () => {
    const t = new Table();
    t.start('g', 0, TC);
    t.tick(7000);
    for (const at of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      t.tick(at);
      assert.equal(t.m.now, 7000, String(at));
    }
    const events = t.play('g', 'e4', Number.POSITIVE_INFINITY);
    assert.equal(events[0]!.at, 7000);
  });

  it('now never decreases over a shuffled run of entry times', () => {
    const t = new Table();
    let max = 0;
    for (const at of [5, 3, 9, 9, 1, 0, 12, 11, 40, 39, 2]) {
      t.tick(at);
      max = Math.max(max, at);
      assert.equal(t.m.now, max);
    }
  });
});

describe('sweep', () => {
  const options = { openTimeoutMs: 1000, firstMoveTimeoutMs: 500, idleTimeoutMs: 2000, retainEndedMs: 3000 };

  function abandoned(gameId: string, version: number, at: number): GameEvent {
    return { type: 'aborted', reason: 'abandoned', by: null, result: '*', gameId, version, at };
  }

  it('aborts an open game openTimeoutMs after it was created (not 1 ms sooner)', () => {
    const t = new Table(options);
    ok(t.apply({ type: 'create', session: WS, gameId: 'open', token: WT, color: 'white', timeControl: TC }, 0));
    assert.deepEqual(t.sweep(999), { result: { ok: true, ended: [], forgotten: 0 }, events: [] });
    assert.equal(t.m.view('open')!.status, 'waiting');
    assert.deepEqual(t.sweep(1000), { result: { ok: true, ended: ['open'], forgotten: 0 }, events: [abandoned('open', 3, 1000)] });
    const v = t.m.view('open')!;
    assert.deepEqual([v.status, v.result, v.reason, v.endedAt], ['ended', '*', 'abandoned', 1000]);
    assert.deepEqual(t.m.liveGames(), []);
  });

  it('aborts a started game with no first move firstMoveTimeoutMs after the join', () => {
    const t = new Table(options);
    t.start('g', 0, TC, { joinAt: 200 });
    assert.deepEqual(t.sweep(699).result, { ok: true, ended: [], forgotten: 0 });
    assert.deepEqual(t.sweep(700), { result: { ok: true, ended: ['g'], forgotten: 0 }, events: [abandoned('g', 4, 700)] });
    assert.equal(t.m.view('g')!.reason, 'abandoned');
  });

  it('aborts a game whose black player has not made a first move firstMoveTimeoutMs after white’s', () => {
    const t = new Table(options);
    t.start('g', 0, null);
    t.play('g', 'e4', 300);
    assert.deepEqual(t.sweep(799).result, { ok: true, ended: [], forgotten: 0 });
    assert.deepEqual(t.sweep(800), { result: { ok: true, ended: ['g'], forgotten: 0 }, events: [abandoned('g', 5, 800)] });
  });

  it('ends an untimed game with no move for idleTimeoutMs', () => {
    const t = new Table(options);
    t.start('g', 0, null);
    t.play('g', 'e4', 10);
    t.play('g', 'e5', 20);
    t.play('g', 'Nf3', 30);
    assert.deepEqual(t.sweep(2029).result, { ok: true, ended: [], forgotten: 0 });
    assert.deepEqual(t.sweep(2030), { result: { ok: true, ended: ['g'], forgotten: 0 }, events: [abandoned('g', 7, 2030)] });
  });

  it('leaves an idle timed game to its clock, and flags it when the clock has run out', () => {
    const t = new Table(options);
    t.start('g', 0, { initialMs: 60_000, incrementMs: 0 });
    t.play('g', 'e4', 10);
    t.play('g', 'e5', 20);
    assert.deepEqual(t.sweep(50_000).result, { ok: true, ended: [], forgotten: 0 });
    assert.deepEqual(t.sweep(60_019).result, { ok: true, ended: [], forgotten: 0 });
    assert.deepEqual(t.sweep(60_020), {
      result: { ok: true, ended: ['g'], forgotten: 0 },
      events: [{ type: 'flagged', color: 'white', result: '0-1', clocks: clocks(0, 60_000, null, 60_020), gameId: 'g', version: 6, at: 60_020 }],
    });
    assert.equal(t.m.view('g')!.reason, 'timeout');
  });

  it('forgets an ended game retainEndedMs after it ended: then ERR_UNKNOWN_GAME everywhere', () => {
    const t = new Table(options);
    t.start('g', 0, TC);
    t.play('g', 'e4', 10);
    ok(t.apply({ type: 'resign', session: BS, gameId: 'g', token: BT }, 100));
    assert.deepEqual(t.sweep(3099).result, { ok: true, ended: [], forgotten: 0 });
    assert.equal(t.m.view('g')!.status, 'ended');
    assert.equal(t.m.size, 1);
    assert.deepEqual(t.sweep(3100), { result: { ok: true, ended: [], forgotten: 1 }, events: [] });
    assert.equal(t.m.size, 0);
    assert.equal(t.m.view('g'), undefined);
    assert.equal(t.m.pgn('g'), undefined);
    assert.equal(t.m.flagDeadline('g'), undefined);
    assert.deepEqual(t.m.eventsSince('g', 0), { kind: 'unknown' });
    refused(t.apply({ type: 'join', session: XS, gameId: 'g', token: XT }, 3100), 'ERR_UNKNOWN_GAME');
    refused(t.move('g', 'black', 'e5', 3100), 'ERR_UNKNOWN_GAME');
    refused(t.apply({ type: 'resign', session: WS, gameId: 'g', token: WT }, 3100), 'ERR_UNKNOWN_GAME');
    refused(t.flag('g', 3100), 'ERR_UNKNOWN_GAME');
    // The id is free again.
    ok(t.apply({ type: 'create', session: XS, gameId: 'g', token: XT, color: 'black', timeControl: null }, 3200));
    assert.equal(t.m.view('g')!.version, 2);
  });

  it('a game the sweep ended is kept retainEndedMs from then, and forgotten by a later sweep', () => {
    const t = new Table(options);
    ok(t.apply({ type: 'create', session: WS, gameId: 'open', token: WT, color: 'white', timeControl: null }, 0));
    assert.deepEqual(t.sweep(1000).result, { ok: true, ended: ['open'], forgotten: 0 });
    assert.deepEqual(t.sweep(3999).result, { ok: true, ended: [], forgotten: 0 });
    assert.deepEqual(t.sweep(4000).result, { ok: true, ended: [], forgotten: 1 });
    assert.equal(t.m.view('open'), undefined);
  });

  it('leaves fresh games alone; ends several due games in one sweep, in creation order', () => {
    const t = new Table(options);
    ok(t.apply({ type: 'create', session: WS, gameId: 'open-old', token: WT, color: 'white', timeControl: null }, 0));
    t.start('nomove', 100, null);
    t.start('idle', 200, null);
    t.play('idle', 'e4', 210);
    t.play('idle', 'e5', 220);
    t.start('clock', 300, { initialMs: 5000, incrementMs: 0 });
    t.play('clock', 'e4', 310);
    t.play('clock', 'e5', 320);
    t.start('over', 400, null);
    ok(t.apply({ type: 'resign', session: WS, gameId: 'over', token: WT }, 401));
    ok(t.apply({ type: 'create', session: WS, gameId: 'open-new', token: WT, color: 'black', timeControl: null }, 450));

    const views = (): unknown => ['open-old', 'nomove', 'idle', 'clock', 'over', 'open-new'].map((id) => t.m.view(id));
    const before = JSON.stringify(views());
    assert.deepEqual(t.sweep(599), { result: { ok: true, ended: [], forgotten: 0 }, events: [] });
    assert.equal(JSON.stringify(views()), before);

    // At 3500: open-old has been open 3500 ms (≥ 1000), nomove has waited 3400 ms for a first move (≥ 500), idle has had
    // no move for 3280 ms (≥ 2000), open-new has been open 3050 ms; clock still has time (its flag falls at 5320);
    // over ended 3099 ms ago (≥ 3000): forgotten.
    const out = t.sweep(3500);
    assert.deepEqual(out.result, { ok: true, ended: ['open-old', 'nomove', 'idle', 'open-new'], forgotten: 1 });
    assert.deepEqual(out.events, [abandoned('open-old', 3, 3500), abandoned('nomove', 4, 3500), abandoned('idle', 6, 3500), abandoned('open-new', 3, 3500)]);
    assert.equal(t.m.view('clock')!.status, 'started');
    assert.equal(t.m.view('over'), undefined);
    assert.deepEqual(t.m.liveGames().map((g) => g.gameId), ['clock']);
    assert.deepEqual(t.sweep(5320).result, { ok: true, ended: ['clock'], forgotten: 0 });
  });
});
