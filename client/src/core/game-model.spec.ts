import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Clocks, Color, GameEvent, GameView } from '@rookery/protocol';
import { applyEvent, fromView, openSeat, type GameModel, type Step } from './game-model';

// The client's copy of a game, advanced by the server's events in version order.

const START = 'rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1';
const AFTER_E4 = 'rnbqkbnr/pppppppp/8/8/4P3/8/PPPP1PPP/RNBQKBNR b KQkq - 0 1';
const TC = { initialMs: 60_000, incrementMs: 2_000 };

function view(o: Partial<GameView> = {}): GameView {
  return {
    gameId: 'g1',
    version: 3,
    status: 'started',
    result: '*',
    reason: null,
    fen: START,
    initialFen: START,
    turn: 'white',
    moves: [],
    timeControl: TC,
    clocks: null,
    seats: { white: { name: 'Ann' }, black: { name: 'Bob' } },
    drawOffer: null,
    createdAt: 1_000,
    endedAt: null,
    ...o,
  };
}

const model = (o: Partial<GameView> = {}, m: Partial<GameModel> = {}): GameModel => ({ ...fromView(view(o)), ...m });
const clocks = (white: number, black: number, running: Color | null, at: number): Clocks => ({ white, black, running, at });

/** The event after version `v` of game g1. */
function ev(v: number, at: number, body: DistributiveOmit<GameEvent, 'gameId' | 'version' | 'at'>): GameEvent {
  return { gameId: 'g1', version: v + 1, at, ...body } as GameEvent;
}
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function applied(s: Step): GameModel {
  assert.equal(s.kind, 'applied', JSON.stringify(s));
  return (s as Extract<Step, { kind: 'applied' }>).model;
}

describe('fromView', () => {
  it('takes every field of the view as it is and knows of no check', () => {
    const v = view({ version: 7, drawOffer: 'black', clocks: clocks(50_000, 40_000, 'white', 9_000), moves: [{ san: 'e4', uci: 'e2e4' }], fen: AFTER_E4 });
    assert.deepEqual(fromView(v), {
      gameId: 'g1',
      version: 7,
      status: 'started',
      result: '*',
      reason: null,
      fen: AFTER_E4,
      initialFen: START,
      turn: 'white',
      moves: [{ san: 'e4', uci: 'e2e4' }],
      timeControl: TC,
      clocks: clocks(50_000, 40_000, 'white', 9_000),
      seats: { white: { name: 'Ann' }, black: { name: 'Bob' } },
      drawOffer: 'black',
      check: null,
    });
  });
});

describe('applyEvent: what each event changes', () => {
  const running = clocks(50_000, 40_000, 'black', 10_000);
  const stopped = clocks(50_000, 40_000, null, 10_000);
  const waitingEmpty = { status: 'waiting' as const, seats: { white: null, black: null } };
  const waitingWhite = { status: 'waiting' as const, seats: { white: { name: 'Ann' }, black: null } };
  const cases: { name: string; from: GameModel; event: (v: number) => GameEvent; changes: Partial<GameModel> }[] = [
    {
      name: 'created sets the time control and both positions',
      from: model({ version: 0, ...waitingEmpty, timeControl: null, fen: '', initialFen: '' }),
      event: (v) => ev(v, 1_000, { type: 'created', timeControl: TC, fen: START }),
      changes: { timeControl: TC, fen: START, initialFen: START, turn: 'white' },
    },
    {
      name: 'seated in the first seat: still waiting',
      from: model(waitingEmpty),
      event: (v) => ev(v, 1_000, { type: 'seated', color: 'white', name: 'Ann' }),
      changes: { seats: { white: { name: 'Ann' }, black: null } },
    },
    {
      name: 'seated in the second seat: the game starts',
      from: model(waitingWhite),
      event: (v) => ev(v, 1_000, { type: 'seated', color: 'black', name: 'Bob' }),
      changes: { seats: { white: { name: 'Ann' }, black: { name: 'Bob' } }, status: 'started' },
    },
    {
      name: 'moved with clocks: position, move list and clocks follow',
      from: model({ clocks: stopped }, { check: 'white' }),
      event: (v) => ev(v, 12_000, { type: 'moved', color: 'white', ply: 1, san: 'e4', uci: 'e2e4', fen: AFTER_E4, clocks: clocks(50_000, 40_000, 'black', 12_000) }),
      changes: { fen: AFTER_E4, turn: 'black', moves: [{ san: 'e4', uci: 'e2e4' }], clocks: clocks(50_000, 40_000, 'black', 12_000), check: null },
    },
    {
      name: 'moved without clocks (untimed): no clocks appear',
      from: model({ timeControl: null, clocks: null }),
      event: (v) => ev(v, 12_000, { type: 'moved', color: 'white', ply: 1, san: 'e4', uci: 'e2e4', fen: AFTER_E4, clocks: null }),
      changes: { fen: AFTER_E4, turn: 'black', moves: [{ san: 'e4', uci: 'e2e4' }] },
    },
    { name: 'check marks the side in check', from: model(), event: (v) => ev(v, 1, { type: 'check', color: 'black' }), changes: { check: 'black' } },
    { name: 'captured changes nothing but the version', from: model(), event: (v) => ev(v, 1, { type: 'captured', color: 'white', piece: 'p', square: 'd5' }), changes: {} },
    { name: 'drawOffered puts the offer on the table', from: model(), event: (v) => ev(v, 1, { type: 'drawOffered', color: 'white' }), changes: { drawOffer: 'white' } },
    {
      name: 'drawDeclined takes it off',
      from: model({ drawOffer: 'white' }),
      event: (v) => ev(v, 1, { type: 'drawDeclined', color: 'black', implicit: false }),
      changes: { drawOffer: null },
    },
    {
      name: 'checkmate ends the game; the running clock stops at the event',
      from: model({ clocks: running }),
      event: (v) => ev(v, 13_000, { type: 'checkmate', winner: 'white', result: '1-0' }),
      changes: { status: 'ended', result: '1-0', reason: 'checkmate', clocks: clocks(50_000, 37_000, null, 13_000) },
    },
    {
      name: 'stalemate',
      from: model({ clocks: running }),
      event: (v) => ev(v, 10_500, { type: 'stalemate', result: '1/2-1/2' }),
      changes: { status: 'ended', result: '1/2-1/2', reason: 'stalemate', clocks: clocks(50_000, 39_500, null, 10_500) },
    },
    {
      name: 'draw by agreement clears the offer',
      from: model({ clocks: running, drawOffer: 'white' }),
      event: (v) => ev(v, 11_000, { type: 'draw', reason: 'agreement', result: '1/2-1/2' }),
      changes: { status: 'ended', result: '1/2-1/2', reason: 'agreement', clocks: clocks(50_000, 39_000, null, 11_000), drawOffer: null },
    },
    {
      name: 'draw by insufficient material',
      from: model({ clocks: stopped }),
      event: (v) => ev(v, 11_000, { type: 'draw', reason: 'insufficient-material', result: '1/2-1/2' }),
      changes: { status: 'ended', result: '1/2-1/2', reason: 'insufficient-material' },
    },
    {
      name: 'resigned: the running side is charged up to the resignation',
      from: model({ clocks: running, drawOffer: 'black' }),
      event: (v) => ev(v, 25_000, { type: 'resigned', color: 'black', result: '1-0' }),
      changes: { status: 'ended', result: '1-0', reason: 'resign', clocks: clocks(50_000, 25_000, null, 25_000), drawOffer: null },
    },
    {
      name: 'resigned long after the clock ran out: it stops at zero, not below',
      from: model({ clocks: running }),
      event: (v) => ev(v, 90_000, { type: 'resigned', color: 'black', result: '1-0' }),
      changes: { status: 'ended', result: '1-0', reason: 'resign', clocks: clocks(50_000, 0, null, 90_000) },
    },
    {
      name: 'an end stamped before the clocks were is not a refund',
      from: model({ clocks: running }),
      event: (v) => ev(v, 9_000, { type: 'resigned', color: 'white', result: '0-1' }),
      changes: { status: 'ended', result: '0-1', reason: 'resign', clocks: clocks(50_000, 40_000, null, 9_000) },
    },
    {
      name: 'flagged with a winner: timeout, the event\'s clocks, stopped',
      from: model({ clocks: running }),
      event: (v) => ev(v, 50_000, { type: 'flagged', color: 'black', result: '1-0', clocks: clocks(50_000, 0, 'black', 50_000) }),
      changes: { status: 'ended', result: '1-0', reason: 'timeout', clocks: clocks(50_000, 0, null, 50_000) },
    },
    {
      name: 'flagged against insufficient material: a draw',
      from: model({ clocks: running }),
      event: (v) => ev(v, 50_000, { type: 'flagged', color: 'black', result: '1/2-1/2', clocks: clocks(50_000, 0, 'black', 50_000) }),
      changes: { status: 'ended', result: '1/2-1/2', reason: 'timeout-vs-insufficient', clocks: clocks(50_000, 0, null, 50_000) },
    },
    {
      name: 'aborted',
      from: model({ clocks: stopped }),
      event: (v) => ev(v, 11_000, { type: 'aborted', reason: 'aborted', by: 'white', result: '*' }),
      changes: { status: 'ended', result: '*', reason: 'aborted' },
    },
    {
      name: 'abandoned (untimed: no clocks to stop)',
      from: model({ timeControl: null, clocks: null }),
      event: (v) => ev(v, 11_000, { type: 'aborted', reason: 'abandoned', by: null, result: '*' }),
      changes: { status: 'ended', result: '*', reason: 'abandoned' },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const before = structuredClone(c.from);
      const got = applied(applyEvent(c.from, c.event(c.from.version)));
      assert.deepEqual(got, { ...c.from, ...c.changes, version: c.from.version + 1 });
      assert.deepEqual(c.from, before, 'the model it was given is left as it was');
    });
  }

  it('a move after a check clears the check', () => {
    let m = model();
    for (const e of [
      ev(3, 1, { type: 'moved', color: 'white', ply: 1, san: 'e4', uci: 'e2e4', fen: AFTER_E4, clocks: null }),
      ev(4, 1, { type: 'check', color: 'black' }),
    ])
      m = applied(applyEvent(m, e));
    assert.equal(m.check, 'black');
    m = applied(applyEvent(m, ev(5, 2, { type: 'moved', color: 'black', ply: 2, san: 'e5', uci: 'e7e5', fen: START, clocks: null })));
    assert.equal(m.check, null);
    assert.deepEqual(m.moves.map((x) => x.san), ['e4', 'e5']);
  });
});

describe('applyEvent: events out of order', () => {
  const m = model({ version: 5 });
  const check = (gameId: string, version: number): GameEvent => ({ gameId, version, at: 1, type: 'check', color: 'white' });
  const cases: { name: string; event: GameEvent; step: Step }[] = [
    { name: 'the version already held is stale', event: check('g1', 5), step: { kind: 'stale' } },
    { name: 'an older version is stale', event: check('g1', 2), step: { kind: 'stale' } },
    { name: 'another game\'s event is stale, even at the next version', event: check('g2', 6), step: { kind: 'stale' } },
    { name: 'a skipped version is a gap', event: check('g1', 7), step: { kind: 'gap', have: 5, got: 7 } },
    { name: 'a far-ahead version is a gap', event: check('g1', 100), step: { kind: 'gap', have: 5, got: 100 } },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(applyEvent(m, c.event), c.step));

  it('the next version applies', () => assert.equal(applyEvent(m, check('g1', 6)).kind, 'applied'));
});

describe('openSeat', () => {
  const cases: { name: string; m: GameModel; open: Color | null }[] = [
    { name: 'white waits for black', m: model({ status: 'waiting', seats: { white: { name: 'Ann' }, black: null } }), open: 'black' },
    { name: 'black waits for white', m: model({ status: 'waiting', seats: { white: null, black: { name: 'Bob' } } }), open: 'white' },
    { name: 'no seat taken: none is the open one', m: model({ status: 'waiting', seats: { white: null, black: null } }), open: null },
    { name: 'a started game has none', m: model({ status: 'started' }), open: null },
    { name: 'an ended game with an empty seat has none', m: model({ status: 'ended', seats: { white: { name: 'Ann' }, black: null } }), open: null },
  ];
  for (const c of cases) it(c.name, () => assert.equal(openSeat(c.m), c.open));
});
