/**
 * The rules of chess as the machine applies them, driven only through the public API
 * (`apply`, `view`). One table per rule: each row is a FEN, the move(s) played through the machine,
 * and the expected outcome (result, exact events, view). chess.js 1.4.0 is the rules authority;
 * the references are to the FIDE Laws of Chess (2023).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_POSITION } from 'chess.js';
import { ChessMachine } from './machine';
import type { ApplyOutput, Color, GameEvent, GameView } from './types';

// ---- Harness ------------------------------------------------------------------------------------

const GAME = 'rules-game';
const TOKEN: Record<Color, string> = { white: 'white-seat-token-0001', black: 'black-seat-token-0001' };
const SESSION: Record<Color, string> = { white: 'session.white', black: 'session.black' };

/** An event without its envelope (gameId, version, at): what the rule decided. */
type Body = Record<string, unknown>;
function bodies(events: GameEvent[]): Body[] {
  return events.map((e) => {
    const { gameId: _g, version: _v, at: _a, ...body } = e;
    return body;
  });
}

function moved(color: Color, ply: number, san: string, uci: string, fen: string): Body {
  return { type: 'moved', color, ply, san, uci, fen, clocks: null };
}
const captured = (color: Color, piece: string, square: string): Body => ({ type: 'captured', color, piece, square });
const check = (color: Color): Body => ({ type: 'check', color });
const checkmate = (winner: Color): Body => ({ type: 'checkmate', winner, result: winner === 'white' ? '1-0' : '0-1' });
const stalemate: Body = { type: 'stalemate', result: '1/2-1/2' };
const draw = (reason: string): Body => ({ type: 'draw', reason, result: '1/2-1/2' });

/** The FEN's fields by name. */
function fenField(fen: string, field: 'placement' | 'turn' | 'castling' | 'ep' | 'halfmove' | 'fullmove'): string {
  const i = ['placement', 'turn', 'castling', 'ep', 'halfmove', 'fullmove'].indexOf(field);
  return fen.split(' ')[i]!;
}

interface Table {
  machine: ChessMachine;
  view(): GameView;
  /** One move by `as` (the side to move unless given); the output, whatever it is. */
  move(text: string, as?: Color): ApplyOutput;
  /** Plays every move, each of which must be accepted; the events of each move. */
  play(...moves: string[]): GameEvent[][];
  claim(as: Color, reason?: 'threefold' | 'fifty-moves'): ApplyOutput;
}

/** A game from `fen` (the standard position without one) with both seats taken, untimed. */
function fromFen(fen?: string): Table {
  const machine = new ChessMachine();
  let time = 1_000;
  let seq = 0;
  const create = machine.apply(
    { type: 'create', requestId: 'create-1', session: SESSION.white, gameId: GAME, token: TOKEN.white, color: 'white', timeControl: null, fen },
    time,
  );
  assert.deepEqual(create.result, { ok: true, gameId: GAME, version: 2, color: 'white' }, `create from ${fen}`);
  const join = machine.apply({ type: 'join', requestId: 'join-1', session: SESSION.black, gameId: GAME, token: TOKEN.black }, ++time);
  assert.deepEqual(join.result, { ok: true, gameId: GAME, version: 3, color: 'black' });
  const view = (): GameView => machine.view(GAME)!;
  const move = (text: string, as: Color = view().turn): ApplyOutput =>
    machine.apply({ type: 'move', requestId: `move-${++seq}`, session: SESSION[as], gameId: GAME, token: TOKEN[as], move: text }, ++time);
  return {
    machine,
    view,
    move,
    play(...moves) {
      return moves.map((text) => {
        const before = view();
        const out = move(text);
        assert.equal(out.result.ok, true, `${text} in ${before.fen}: ${JSON.stringify(out.result)}`);
        return out.events;
      });
    },
    claim(as, reason) {
      return machine.apply(
        { type: 'claimDraw', requestId: `claim-${++seq}`, session: SESSION[as], gameId: GAME, token: TOKEN[as], ...(reason === undefined ? {} : { reason }) },
        ++time,
      );
    },
  };
}

/** A refused command: exactly this error code, no events, and the game exactly as it was. */
function assertRefused(t: Table, attempt: () => ApplyOutput, code: string, what: string): void {
  const before = t.view();
  const out = attempt();
  assert.equal(out.result.ok, false, `${what} should be refused in ${before.fen}`);
  assert.equal(!out.result.ok && out.result.error.code, code, `${what} in ${before.fen}: ${JSON.stringify(out.result)}`);
  assert.deepEqual(out.events, [], `${what}: a refused command has no events`);
  assert.deepEqual(t.view(), before, `${what}: a refused command changes nothing (version, fen, moves)`);
}

/** A move accepted with exactly these events (versions following on from the game's), and the new version in the result. */
function assertMove(t: Table, text: string, expected: Body[], what = text): GameEvent[] {
  const before = t.view();
  const out = t.move(text);
  assert.equal(out.result.ok, true, `${what} in ${before.fen}: ${JSON.stringify(out.result)}`);
  assert.deepEqual(bodies(out.events), expected, `${what} in ${before.fen}`);
  assert.deepEqual(
    out.events.map((e) => e.version),
    expected.map((_, i) => before.version + i + 1),
    'versions follow on without gaps',
  );
  assert.deepEqual(out.result, { ok: true, gameId: GAME, version: before.version + expected.length, color: before.turn });
  return out.events;
}

function assertEnded(view: GameView, result: string, reason: string): void {
  assert.deepEqual([view.status, view.result, view.reason], ['ended', result, reason]);
  assert.equal(view.endedAt !== null, true);
}

function assertPlaying(view: GameView): void {
  assert.deepEqual([view.status, view.result, view.reason, view.endedAt], ['started', '*', null, null]);
}

/** After the end every game command is refused with ERR_GAME_OVER, and changes nothing. */
function assertOver(t: Table): void {
  const turn = t.view().turn;
  assertRefused(t, () => t.move('Kd1', turn), 'ERR_GAME_OVER', 'a move after the end');
  assertRefused(t, () => t.move('e2e4', turn === 'white' ? 'black' : 'white'), 'ERR_GAME_OVER', "the other side's move after the end");
  assertRefused(t, () => t.claim('white'), 'ERR_GAME_OVER', 'a claim after the end');
}

// ---- En passant (FIDE 3.7, en passant) ------------------------------------------------------------

describe('en passant', () => {
  // A pawn that has just advanced two squares may be captured as if it had advanced one, by the very next move only.
  const legal: { name: string; fen: string; push: string; capture: string; events: Body[] }[] = [
    {
      name: 'white captures towards the queenside (SAN)',
      fen: '4k3/3p4/8/4P3/8/8/8/4K3 b - - 0 1',
      push: 'd5',
      capture: 'exd6',
      events: [moved('white', 2, 'exd6', 'e5d6', '4k3/8/3P4/8/8/8/8/4K3 b - - 0 2'), captured('white', 'p', 'd5')],
    },
    {
      name: 'white captures towards the queenside (UCI)',
      fen: '4k3/3p4/8/4P3/8/8/8/4K3 b - - 0 1',
      push: 'd7d5',
      capture: 'e5d6',
      events: [moved('white', 2, 'exd6', 'e5d6', '4k3/8/3P4/8/8/8/8/4K3 b - - 0 2'), captured('white', 'p', 'd5')],
    },
    {
      name: 'white captures towards the kingside',
      fen: '4k3/5p2/8/4P3/8/8/8/4K3 b - - 0 1',
      push: 'f5',
      capture: 'exf6',
      events: [moved('white', 2, 'exf6', 'e5f6', '4k3/8/5P2/8/8/8/8/4K3 b - - 0 2'), captured('white', 'p', 'f5')],
    },
    {
      name: 'black captures (SAN)',
      fen: '4k3/8/8/8/1p6/8/2P5/4K3 w - - 0 1',
      push: 'c4',
      capture: 'bxc3',
      events: [moved('black', 2, 'bxc3', 'b4c3', '4k3/8/8/8/8/2p5/8/4K3 w - - 0 2'), captured('black', 'p', 'c4')],
    },
    {
      name: 'black captures (UCI) on the a-file',
      fen: '4k3/8/8/8/1p6/8/P7/4K3 w - - 0 1',
      push: 'a2a4',
      capture: 'b4a3',
      events: [moved('black', 2, 'bxa3', 'b4a3', '4k3/8/8/8/8/p7/8/4K3 w - - 0 2'), captured('black', 'p', 'a4')],
    },
    {
      name: 'the capture gives check: the pawn lands next to the king',
      fen: '8/2kp4/8/4P3/8/8/8/4K3 b - - 0 1',
      push: 'd5',
      capture: 'exd6+',
      events: [moved('white', 2, 'exd6+', 'e5d6', '8/2k5/3P4/8/8/8/8/4K3 b - - 0 2'), captured('white', 'p', 'd5'), check('black')],
    },
  ];
  for (const row of legal) {
    it(`${row.name}: ${row.push} then ${row.capture}; the captured event names the captured pawn's square, not the destination`, () => {
      const t = fromFen(row.fen);
      t.play(row.push);
      assert.notEqual(fenField(t.view().fen, 'ep'), '-', 'the double step leaves an en passant square');
      assertMove(t, row.capture, row.events);
      assertPlaying(t.view());
      assert.equal(t.view().fen, (row.events[0] as { fen: string }).fen);
    });
  }

  it('the right lapses if not used at once: after a king move each, exd6 and e5d6 are illegal and change nothing', () => {
    const t = fromFen('4k3/3p4/8/4P3/8/8/8/4K3 b - - 0 1');
    t.play('d5');
    assert.equal(t.view().fen, '4k3/8/8/3pP3/8/8/8/4K3 w - d6 0 2');
    t.play('Kd2', 'Ke7');
    assert.equal(t.view().fen, '8/4k3/8/3pP3/8/8/3K4/8 w - - 2 3', 'no en passant square once the moment passed');
    assertRefused(t, () => t.move('exd6'), 'ERR_ILLEGAL_MOVE', 'a late en passant (SAN)');
    assertRefused(t, () => t.move('e5d6'), 'ERR_ILLEGAL_MOVE', 'a late en passant (UCI)');
    assertMove(t, 'e6', [moved('white', 4, 'e6', 'e5e6', '8/4k3/4P3/3p4/8/8/3K4/8 b - - 0 3')], 'the pawn may still advance');
  });

  // FIDE 3.9.2: no piece may be moved that exposes its own king to check. An en passant capture
  // empties two squares of one rank at once, so it can expose the king along that rank even though
  // neither pawn alone is pinned; and the capturing pawn itself may be pinned along a diagonal.
  const pinned: { name: string; fen: string; push: string; capture: string[]; after: string }[] = [
    {
      name: 'along the rank: Ka5, the two pawns, and a rook on h5',
      fen: '4k3/3p4/8/K3P2r/8/8/8/8 b - - 0 1',
      push: 'd5',
      capture: ['exd6', 'e5d6'],
      after: '4k3/8/8/K2pP2r/8/8/8/8 w - - 0 2',
    },
    {
      name: 'along the rank, for black: Ka4, the two pawns, and a rook on h4',
      fen: '8/8/8/8/k3p2R/8/3P4/4K3 w - - 0 1',
      push: 'd4',
      capture: ['exd3', 'e4d3'],
      after: '8/8/8/8/k2Pp2R/8/8/4K3 b - - 0 1',
    },
    {
      name: 'along a diagonal: the capturing pawn is pinned by a bishop on g7 against Kb2',
      fen: '4k3/3p2b1/8/4P3/8/8/1K6/8 b - - 0 1',
      push: 'd5',
      capture: ['exd6', 'e5d6'],
      after: '4k3/6b1/8/3pP3/8/8/1K6/8 w - - 0 2',
    },
  ];
  for (const row of pinned) {
    it(`illegal when it exposes the king ${row.name}: ERR_ILLEGAL_MOVE and nothing changes`, () => {
      const t = fromFen(row.fen);
      t.play(row.push);
      // chess.js writes the en passant square only when the capture is legal.
      assert.equal(t.view().fen, row.after);
      for (const capture of row.capture) assertRefused(t, () => t.move(capture), 'ERR_ILLEGAL_MOVE', `pinned en passant ${capture}`);
      assertPlaying(t.view());
    });
  }

  it('along the rank, the pawn may still push (it leaves the rank but the other pawn still shields the king)', () => {
    const t = fromFen('4k3/3p4/8/K3P2r/8/8/8/8 b - - 0 1');
    t.play('d5');
    assertRefused(t, () => t.move('exd6'), 'ERR_ILLEGAL_MOVE', 'pinned en passant');
    assertMove(t, 'e6', [moved('white', 2, 'e6', 'e5e6', '4k3/8/4P3/K2p3r/8/8/8/8 b - - 0 2')]);
  });
});

// ---- Castling (FIDE 3.8.2) --------------------------------------------------------------------

describe('castling', () => {
  const BOTH = 'r3k2r/8/8/8/8/8/8/R3K2R w KQkq - 0 1';
  const BOTH_BLACK = 'r3k2r/8/8/8/8/8/8/R3K2R b KQkq - 0 1';
  const legal: { fen: string; move: string; san: string; uci: string; after: string }[] = [
    { fen: BOTH, move: 'O-O', san: 'O-O', uci: 'e1g1', after: 'r3k2r/8/8/8/8/8/8/R4RK1 b kq - 1 1' },
    { fen: BOTH, move: 'O-O-O', san: 'O-O-O', uci: 'e1c1', after: 'r3k2r/8/8/8/8/8/8/2KR3R b kq - 1 1' },
    { fen: BOTH, move: 'e1g1', san: 'O-O', uci: 'e1g1', after: 'r3k2r/8/8/8/8/8/8/R4RK1 b kq - 1 1' },
    { fen: BOTH, move: 'e1c1', san: 'O-O-O', uci: 'e1c1', after: 'r3k2r/8/8/8/8/8/8/2KR3R b kq - 1 1' },
    { fen: BOTH, move: '0-0', san: 'O-O', uci: 'e1g1', after: 'r3k2r/8/8/8/8/8/8/R4RK1 b kq - 1 1' },
    { fen: BOTH, move: '0-0-0', san: 'O-O-O', uci: 'e1c1', after: 'r3k2r/8/8/8/8/8/8/2KR3R b kq - 1 1' },
    { fen: BOTH_BLACK, move: 'O-O', san: 'O-O', uci: 'e8g8', after: 'r4rk1/8/8/8/8/8/8/R3K2R w KQ - 1 2' },
    { fen: BOTH_BLACK, move: 'O-O-O', san: 'O-O-O', uci: 'e8c8', after: '2kr3r/8/8/8/8/8/8/R3K2R w KQ - 1 2' },
    { fen: BOTH_BLACK, move: 'e8g8', san: 'O-O', uci: 'e8g8', after: 'r4rk1/8/8/8/8/8/8/R3K2R w KQ - 1 2' },
    { fen: BOTH_BLACK, move: 'e8c8', san: 'O-O-O', uci: 'e8c8', after: '2kr3r/8/8/8/8/8/8/R3K2R w KQ - 1 2' },
    // FIDE 3.8.2.2 forbids only squares the *king* crosses: b1 attacked (by the bishop on f5) does not stop O-O-O.
    { fen: 'r3k2r/8/8/5b2/8/8/8/R3K2R w KQkq - 0 1', move: 'O-O-O', san: 'O-O-O', uci: 'e1c1', after: 'r3k2r/8/8/5b2/8/8/8/2KR3R b kq - 1 1' },
    // (In BOTH the h1 rook already stands attacked by the h8 rook on the open file: that does not stop O-O either.)
    // Each attack below stops one side only.
    { fen: 'r3k2r/8/8/8/6b1/8/8/R3K2R w KQkq - 0 1', move: 'O-O', san: 'O-O', uci: 'e1g1', after: 'r3k2r/8/8/8/6b1/8/8/R4RK1 b kq - 1 1' },
    { fen: 'r3k2r/8/8/8/2b5/8/8/R3K2R w KQkq - 0 1', move: 'O-O-O', san: 'O-O-O', uci: 'e1c1', after: 'r3k2r/8/8/8/2b5/8/8/2KR3R b kq - 1 1' },
    { fen: 'r3k2r/8/8/2b5/8/8/8/R3K2R w KQkq - 0 1', move: 'O-O-O', san: 'O-O-O', uci: 'e1c1', after: 'r3k2r/8/8/2b5/8/8/8/2KR3R b kq - 1 1' },
    { fen: 'r3k2r/8/8/8/8/1n6/8/R3K2R w KQkq - 0 1', move: 'O-O', san: 'O-O', uci: 'e1g1', after: 'r3k2r/8/8/8/8/1n6/8/R4RK1 b kq - 1 1' },
    // Castling that gives check.
    { fen: '5k2/8/8/8/8/8/8/4K2R w K - 0 1', move: 'O-O', san: 'O-O+', uci: 'e1g1', after: '5k2/8/8/8/8/8/8/5RK1 b - - 1 1' },
  ];
  for (const row of legal) {
    it(`${row.move} from ${row.fen} is ${row.san} (${row.uci})`, () => {
      const t = fromFen(row.fen);
      const color: Color = fenField(row.fen, 'turn') === 'w' ? 'white' : 'black';
      const expected = [moved(color, 1, row.san, row.uci, row.after)];
      if (row.san.endsWith('+')) expected.push(check(color === 'white' ? 'black' : 'white'));
      assertMove(t, row.move, expected);
      assert.deepEqual(t.view().moves, [{ san: row.san, uci: row.uci }]);
      assertPlaying(t.view());
    });
  }

  const refused: { why: string; fen: string; moves: string[] }[] = [
    // FIDE 3.8.2.2: not while in check, not across a square attacked by the opponent, not into check.
    { why: 'out of check (the bishop on b4 checks e1)', fen: 'r3k2r/8/8/8/1b6/8/8/R3K2R w KQkq - 0 1', moves: ['O-O', 'O-O-O', 'e1g1', 'e1c1', '0-0'] },
    { why: 'through f1, attacked by the bishop on c4', fen: 'r3k2r/8/8/8/2b5/8/8/R3K2R w KQkq - 0 1', moves: ['O-O', 'e1g1'] },
    { why: 'through d1, attacked by the bishop on g4', fen: 'r3k2r/8/8/8/6b1/8/8/R3K2R w KQkq - 0 1', moves: ['O-O-O', 'e1c1'] },
    { why: 'into check on g1 (the bishop on c5)', fen: 'r3k2r/8/8/2b5/8/8/8/R3K2R w KQkq - 0 1', moves: ['O-O', 'e1g1'] },
    { why: 'into check on c1 (the knight on b3)', fen: 'r3k2r/8/8/8/8/1n6/8/R3K2R w KQkq - 0 1', moves: ['O-O-O', 'e1c1'] },
    // FIDE 3.8.2.2: every square between the king and the rook must be empty, b1 included.
    { why: 'with a piece between king and rook (Nb1)', fen: 'r3k2r/8/8/8/8/8/8/RN2K2R w KQkq - 0 1', moves: ['O-O-O', 'e1c1'] },
    { why: 'black, through f8 attacked by the bishop on c5', fen: 'r3k2r/8/8/2B5/8/8/8/R3K2R b KQkq - 0 1', moves: ['O-O', 'e8g8'] },
    { why: 'without the right (the FEN gives only the queenside)', fen: 'r3k2r/8/8/8/8/8/8/R3K2R w Qkq - 0 1', moves: ['O-O', 'e1g1'] },
    { why: 'the king onto the rook (not a castling notation here)', fen: BOTH, moves: ['e1h1', 'e1a1'] },
  ];
  for (const row of refused) {
    it(`refused ${row.why}: ${row.moves.join(', ')} → ERR_ILLEGAL_MOVE, nothing changes`, () => {
      const t = fromFen(row.fen);
      for (const m of row.moves) assertRefused(t, () => t.move(m), 'ERR_ILLEGAL_MOVE', m);
    });
  }

  // FIDE 3.8.2.1: the right is lost for good once the king, or that rook, has moved — even if it went back.
  it('refused on both sides after the king moved and came back (rights "-")', () => {
    const t = fromFen(BOTH);
    t.play('Ke2', 'Ke7', 'Ke1', 'Ke8');
    assert.equal(t.view().fen, 'r3k2r/8/8/8/8/8/8/R3K2R w - - 4 3');
    for (const m of ['O-O', 'O-O-O', 'e1g1', 'e1c1']) assertRefused(t, () => t.move(m), 'ERR_ILLEGAL_MOVE', m);
  });

  it('refused on the side whose rook moved and came back; the other side still castles', () => {
    const t = fromFen(BOTH);
    t.play('Rh2', 'Ra7', 'Rh1', 'Ra8');
    assert.equal(t.view().fen, 'r3k2r/8/8/8/8/8/8/R3K2R w Qk - 4 3');
    for (const m of ['O-O', 'e1g1']) assertRefused(t, () => t.move(m), 'ERR_ILLEGAL_MOVE', m);
    assertMove(t, 'O-O-O', [moved('white', 5, 'O-O-O', 'e1c1', 'r3k2r/8/8/8/8/8/8/2KR3R b k - 5 3')]);
    for (const m of ['O-O-O', 'e8c8']) assertRefused(t, () => t.move(m), 'ERR_ILLEGAL_MOVE', m);
    assertMove(t, 'O-O', [moved('black', 6, 'O-O', 'e8g8', 'r4rk1/8/8/8/8/8/8/2KR3R w - - 6 4')]);
  });

});

// ---- Promotion (FIDE 3.7, promotion) --------------------------------------------------------------

describe('promotion', () => {
  // A black pawn on h6 keeps mating material on the board, so every promotion leaves the game going.
  const FEN = '8/P6k/7p/8/8/8/8/4K3 w - - 0 1';
  const promotions: { move: string; san: string; uci: string; placement: string }[] = [
    { move: 'a8=Q', san: 'a8=Q', uci: 'a7a8q', placement: 'Q7/7k/7p/8/8/8/8/4K3' },
    { move: 'a8=R', san: 'a8=R', uci: 'a7a8r', placement: 'R7/7k/7p/8/8/8/8/4K3' },
    { move: 'a8=B', san: 'a8=B', uci: 'a7a8b', placement: 'B7/7k/7p/8/8/8/8/4K3' },
    { move: 'a8=N', san: 'a8=N', uci: 'a7a8n', placement: 'N7/7k/7p/8/8/8/8/4K3' },
    { move: 'a8Q', san: 'a8=Q', uci: 'a7a8q', placement: 'Q7/7k/7p/8/8/8/8/4K3' },
    { move: 'a7a8q', san: 'a8=Q', uci: 'a7a8q', placement: 'Q7/7k/7p/8/8/8/8/4K3' },
    { move: 'a7a8r', san: 'a8=R', uci: 'a7a8r', placement: 'R7/7k/7p/8/8/8/8/4K3' },
    { move: 'a7a8b', san: 'a8=B', uci: 'a7a8b', placement: 'B7/7k/7p/8/8/8/8/4K3' },
    { move: 'a7a8n', san: 'a8=N', uci: 'a7a8n', placement: 'N7/7k/7p/8/8/8/8/4K3' },
  ];
  for (const row of promotions) {
    it(`${row.move} promotes: ${row.san} (${row.uci})`, () => {
      const t = fromFen(FEN);
      assertMove(t, row.move, [moved('white', 1, row.san, row.uci, `${row.placement} b - - 0 1`)]);
      assertPlaying(t.view());
    });
  }

  it('a black pawn promotes on the first rank', () => {
    const t = fromFen('4k3/8/8/8/8/8/p7/4K2R b - - 0 1');
    assertMove(t, 'a1=N', [moved('black', 1, 'a1=N', 'a2a1n', '4k3/8/8/8/8/8/8/n3K2R w - - 0 2')]);
    const u = fromFen('4k3/8/8/8/8/8/p7/4K2R b - - 0 1');
    assertMove(u, 'a2a1q', [moved('black', 1, 'a1=Q+', 'a2a1q', '4k3/8/8/8/8/8/8/q3K2R w - - 0 2'), check('white')]);
  });

  // FIDE 3.7: the pawn must be exchanged, as part of the same move, for a new queen, rook, bishop or knight.
  const unnamed: { move: string; code: string }[] = [
    { move: 'a8', code: 'ERR_ILLEGAL_MOVE' },
    { move: 'a7a8', code: 'ERR_ILLEGAL_MOVE' },
    { move: 'a8=K', code: 'ERR_MALFORMED' },
    { move: 'a8=P', code: 'ERR_MALFORMED' },
    { move: 'a7a8k', code: 'ERR_MALFORMED' },
  ];
  for (const row of unnamed) {
    it(`${row.move} names no piece it may become → ${row.code}, nothing changes`, () => {
      const t = fromFen(FEN);
      assertRefused(t, () => t.move(row.move), row.code, row.move);
    });
  }

  it('onto the last rank without a piece, with or without a capture (a7b8, Pa8, Pxb8) → ERR_ILLEGAL_MOVE', () => {
    const t = fromFen('1r2k3/P7/8/8/8/8/8/4K3 w - - 0 1');
    for (const m of ['a8', 'a7a8', 'a7b8', 'Pa8', 'Pxb8']) assertRefused(t, () => t.move(m), 'ERR_ILLEGAL_MOVE', m);
  });

  // chess.js's permissive SAN parser, reached when the strict one fails, matches a promotion move
  // whose piece is left out by "(!promotion || ...)" and takes the first promotion it generated:
  // a knight. The README promises "promotion must be named".
  for (const m of ['axb8', 'a7xb8', 'Paxb8', 'Pa7xb8', 'Pa7a8']) {
    it(`${m} names no piece → ERR_ILLEGAL_MOVE (not a silent underpromotion to a knight)`, () => {
      const t = fromFen('1r2k3/P7/8/8/8/8/8/4K3 w - - 0 1');
      assertRefused(t, () => t.move(m), 'ERR_ILLEGAL_MOVE', m);
    });
  }

  const withCapture: { move: string; events: Body[]; end?: [string, string] }[] = [
    {
      move: 'axb8=Q+',
      events: [moved('white', 1, 'axb8=Q+', 'a7b8q', '1Q2k3/8/8/8/8/8/8/4K3 b - - 0 1'), captured('white', 'r', 'b8'), check('black')],
    },
    {
      move: 'a7b8r',
      events: [moved('white', 1, 'axb8=R+', 'a7b8r', '1R2k3/8/8/8/8/8/8/4K3 b - - 0 1'), captured('white', 'r', 'b8'), check('black')],
    },
    // Underpromoting to a minor piece here leaves K+N (or K+B) v K: a dead position, drawn at once (FIDE 5.2.2).
    {
      move: 'a7b8n',
      events: [moved('white', 1, 'axb8=N', 'a7b8n', '1N2k3/8/8/8/8/8/8/4K3 b - - 0 1'), captured('white', 'r', 'b8'), draw('insufficient-material')],
      end: ['1/2-1/2', 'insufficient-material'],
    },
    {
      move: 'axb8=B',
      events: [moved('white', 1, 'axb8=B', 'a7b8b', '1B2k3/8/8/8/8/8/8/4K3 b - - 0 1'), captured('white', 'r', 'b8'), draw('insufficient-material')],
      end: ['1/2-1/2', 'insufficient-material'],
    },
  ];
  for (const row of withCapture) {
    it(`promotion with capture ${row.move} from 1r2k3/P7/…: ${row.events.map((e) => e['type']).join(', ')}`, () => {
      const t = fromFen('1r2k3/P7/8/8/8/8/8/4K3 w - - 0 1');
      assertMove(t, row.move, row.events);
      if (row.end) assertEnded(t.view(), ...row.end);
      else assertPlaying(t.view());
    });
  }

  // The same pawn, four choices, four outcomes: queen and rook mate; bishop and knight leave a dead position.
  const mates: { fen: string; move: string; events: Body[]; result: string; reason: string }[] = [
    { fen: 'k7/2P5/1K6/8/8/8/8/8 w - - 0 1', move: 'c8=Q#', events: [moved('white', 1, 'c8=Q#', 'c7c8q', 'k1Q5/8/1K6/8/8/8/8/8 b - - 0 1'), checkmate('white')], result: '1-0', reason: 'checkmate' },
    { fen: 'k7/2P5/1K6/8/8/8/8/8 w - - 0 1', move: 'c8=R', events: [moved('white', 1, 'c8=R#', 'c7c8r', 'k1R5/8/1K6/8/8/8/8/8 b - - 0 1'), checkmate('white')], result: '1-0', reason: 'checkmate' },
    { fen: 'k7/2P5/1K6/8/8/8/8/8 w - - 0 1', move: 'c7c8q', events: [moved('white', 1, 'c8=Q#', 'c7c8q', 'k1Q5/8/1K6/8/8/8/8/8 b - - 0 1'), checkmate('white')], result: '1-0', reason: 'checkmate' },
    { fen: 'k7/2P5/1K6/8/8/8/8/8 w - - 0 1', move: 'c8=B', events: [moved('white', 1, 'c8=B', 'c7c8b', 'k1B5/8/1K6/8/8/8/8/8 b - - 0 1'), draw('insufficient-material')], result: '1/2-1/2', reason: 'insufficient-material' },
    { fen: 'k7/2P5/1K6/8/8/8/8/8 w - - 0 1', move: 'c8=N', events: [moved('white', 1, 'c8=N', 'c7c8n', 'k1N5/8/1K6/8/8/8/8/8 b - - 0 1'), draw('insufficient-material')], result: '1/2-1/2', reason: 'insufficient-material' },
    { fen: '8/8/8/8/8/1k6/2p5/K7 b - - 0 1', move: 'c1=Q#', events: [moved('black', 1, 'c1=Q#', 'c2c1q', '8/8/8/8/8/1k6/8/K1q5 w - - 0 2'), checkmate('black')], result: '0-1', reason: 'checkmate' },
    { fen: '8/8/8/8/8/1k6/2p5/K7 b - - 0 1', move: 'c2c1r', events: [moved('black', 1, 'c1=R#', 'c2c1r', '8/8/8/8/8/1k6/8/K1r5 w - - 0 2'), checkmate('black')], result: '0-1', reason: 'checkmate' },
    // Promotion giving check, not mate.
    { fen: '4k3/P7/8/8/8/8/8/4K3 w - - 0 1', move: 'a8=Q', events: [moved('white', 1, 'a8=Q+', 'a7a8q', 'Q3k3/8/8/8/8/8/8/4K3 b - - 0 1'), check('black')], result: '*', reason: '' },
    { fen: '4k3/P7/8/8/8/8/8/4K3 w - - 0 1', move: 'a8=R+', events: [moved('white', 1, 'a8=R+', 'a7a8r', 'R3k3/8/8/8/8/8/8/4K3 b - - 0 1'), check('black')], result: '*', reason: '' },
  ];
  for (const row of mates) {
    it(`${row.move} from ${row.fen} → ${row.reason || 'check, game goes on'}`, () => {
      const t = fromFen(row.fen);
      assertMove(t, row.move, row.events);
      if (row.result === '*') assertPlaying(t.view());
      else {
        assertEnded(t.view(), row.result, row.reason);
        assertOver(t);
      }
    });
  }
});

// ---- Check and checkmate (FIDE 3.9, 5.1.1) --------------------------------------------------------

describe('check and checkmate', () => {
  const mates: { name: string; fen?: string; setup: string[]; move: string; events: Body[] }[] = [
    {
      name: "fool's mate",
      setup: ['f3', 'e5', 'g4'],
      move: 'Qh4#',
      events: [moved('black', 4, 'Qh4#', 'd8h4', 'rnb1kbnr/pppp1ppp/8/4p3/6Pq/5P2/PPPPP2P/RNBQKBNR w KQkq - 1 3'), checkmate('black')],
    },
    {
      name: 'fool\'s mate given without the "#" (and as UCI)',
      setup: ['f2f3', 'e7e5', 'g2g4'],
      move: 'd8h4',
      events: [moved('black', 4, 'Qh4#', 'd8h4', 'rnb1kbnr/pppp1ppp/8/4p3/6Pq/5P2/PPPPP2P/RNBQKBNR w KQkq - 1 3'), checkmate('black')],
    },
    {
      name: "scholar's mate: a capture that mates (moved, captured, checkmate)",
      setup: ['e4', 'e5', 'Bc4', 'Nc6', 'Qh5', 'Nf6'],
      move: 'Qxf7#',
      events: [
        moved('white', 7, 'Qxf7#', 'h5f7', 'r1bqkb1r/pppp1Qpp/2n2n2/4p3/2B1P3/8/PPPP1PPP/RNB1K1NR b KQkq - 0 4'),
        captured('white', 'p', 'f7'),
        checkmate('white'),
      ],
    },
    {
      name: 'back-rank mate',
      fen: '6k1/5ppp/8/8/8/8/8/R5K1 w - - 0 1',
      setup: [],
      move: 'Ra8',
      events: [moved('white', 1, 'Ra8#', 'a1a8', 'R5k1/5ppp/8/8/8/8/8/6K1 b - - 1 1'), checkmate('white')],
    },
    {
      name: 'smothered mate',
      fen: '6rk/6pp/8/6N1/8/8/8/6K1 w - - 0 1',
      setup: [],
      move: 'Nf7#',
      events: [moved('white', 1, 'Nf7#', 'g5f7', '6rk/5Npp/8/8/8/8/8/6K1 b - - 1 1'), checkmate('white')],
    },
  ];
  for (const row of mates) {
    it(`${row.name}: events moved then checkmate with the winner and result; the game is over`, () => {
      const t = fromFen(row.fen);
      t.play(...row.setup);
      const winner = (row.events.at(-1) as { winner: Color }).winner;
      assertMove(t, row.move, row.events);
      const view = t.view();
      assertEnded(view, winner === 'white' ? '1-0' : '0-1', 'checkmate');
      assert.equal(view.moves.at(-1)!.san, (row.events[0] as { san: string }).san);
      assertOver(t);
      assertRefused(t, () => t.claim('black', 'threefold'), 'ERR_GAME_OVER', 'a claim after mate');
    });
  }

  const checks: { name: string; fen?: string; setup: string[]; move: string; events: Body[] }[] = [
    {
      name: 'a bishop check, given with "+"',
      fen: '4k3/8/8/8/8/8/7P/4KB2 w - - 0 1',
      setup: [],
      move: 'Bb5+',
      events: [moved('white', 1, 'Bb5+', 'f1b5', '4k3/8/8/1B6/8/8/7P/4K3 b - - 1 1'), check('black')],
    },
    {
      name: 'the same check given without "+" (SAN records it)',
      fen: '4k3/8/8/8/8/8/7P/4KB2 w - - 0 1',
      setup: [],
      move: 'Bb5',
      events: [moved('white', 1, 'Bb5+', 'f1b5', '4k3/8/8/1B6/8/8/7P/4K3 b - - 1 1'), check('black')],
    },
    {
      name: 'a discovered check (the knight unmasks the rook); one check event',
      fen: '4k3/8/8/8/8/8/4N3/4R1K1 w - - 0 1',
      setup: [],
      move: 'Nc3',
      events: [moved('white', 1, 'Nc3+', 'e2c3', '4k3/8/8/8/8/2N5/8/4R1K1 b - - 1 1'), check('black')],
    },
    {
      name: 'a double check (bishop and rook); still one check event',
      fen: '4k3/8/8/8/8/8/4B3/4R1K1 w - - 0 1',
      setup: [],
      move: 'Bb5+',
      events: [moved('white', 1, 'Bb5+', 'e2b5', '4k3/8/8/1B6/8/8/8/4R1K1 b - - 1 1'), check('black')],
    },
    {
      name: 'black checks white; the check event names the side in check',
      setup: ['e4', 'e5', 'd4'],
      move: 'Bb4+',
      events: [moved('black', 4, 'Bb4+', 'f8b4', 'rnbqk1nr/pppp1ppp/8/4p3/1b1PP3/8/PPP2PPP/RNBQKBNR w KQkq - 1 3'), check('white')],
    },
    {
      name: 'a capture with check: moved, captured, check',
      setup: ['e4', 'd5', 'Bb5+', 'c6'],
      move: 'Bxc6+',
      events: [moved('white', 5, 'Bxc6+', 'b5c6', 'rnbqkbnr/pp2pppp/2B5/3p4/4P3/8/PPPP1PPP/RNBQK1NR b KQkq - 0 3'), captured('white', 'p', 'c6'), check('black')],
    },
    {
      name: 'a capture without check: moved, captured',
      setup: ['e4', 'd5', 'Bb5+', 'c6', 'Bxc6+'],
      move: 'bxc6',
      events: [moved('black', 6, 'bxc6', 'b7c6', 'rnbqkbnr/p3pppp/2p5/3p4/4P3/8/PPPP1PPP/RNBQK1NR w KQkq - 0 4'), captured('black', 'b', 'c6')],
    },
  ];
  for (const row of checks) {
    it(`${row.name}`, () => {
      const t = fromFen(row.fen);
      t.play(...row.setup);
      assertMove(t, row.move, row.events);
      assertPlaying(t.view());
    });
  }

  it('in check, only a move that ends the check is legal (FIDE 3.9.2: no move may leave the king in check)', () => {
    const t = fromFen('4k3/7p/8/8/8/8/7P/4KB2 w - - 0 1');
    t.play('Bb5+');
    // h6 ignores the check; Kd7 stays on the bishop's diagonal.
    for (const m of ['h6', 'h7h5', 'Kd7', 'e8d7']) assertRefused(t, () => t.move(m), 'ERR_ILLEGAL_MOVE', m);
    assertMove(t, 'Kf8', [moved('black', 2, 'Kf8', 'e8f8', '5k2/7p/8/1B6/8/8/7P/4K3 w - - 2 2')]);
  });
});

// ---- Stalemate (FIDE 5.2.1) -------------------------------------------------------------------------

describe('stalemate', () => {
  const rows: { name: string; fen: string; move: string; events: Body[] }[] = [
    { name: 'queen and king box the king in the corner', fen: '7k/8/6K1/8/8/8/8/5Q2 w - - 0 1', move: 'Qf7', events: [moved('white', 1, 'Qf7', 'f1f7', '7k/5Q2/6K1/8/8/8/8/8 b - - 1 1'), stalemate] },
    { name: 'black stalemates white', fen: '5q2/8/8/8/8/6k1/8/7K b - - 0 1', move: 'Qf2', events: [moved('black', 1, 'Qf2', 'f8f2', '8/8/8/8/8/6k1/5q2/7K w - - 1 2'), stalemate] },
    {
      name: 'a capture that stalemates: moved, captured, stalemate',
      fen: 'k7/2r5/1K6/8/8/8/8/2Q5 w - - 0 1',
      move: 'Qxc7',
      events: [moved('white', 1, 'Qxc7', 'c1c7', 'k7/2Q5/1K6/8/8/8/8/8 b - - 0 1'), captured('white', 'r', 'c7'), stalemate],
    },
  ];
  for (const row of rows) {
    it(`${row.name}: event stalemate, result 1/2-1/2, game over`, () => {
      const t = fromFen(row.fen);
      assertMove(t, row.move, row.events);
      assertEnded(t.view(), '1/2-1/2', 'stalemate');
      assertOver(t);
    });
  }

  it('not stalemate when the boxed-in side still has a pawn move', () => {
    const t = fromFen('7k/8/6K1/8/8/p7/8/5Q2 w - - 0 1');
    assertMove(t, 'Qf7', [moved('white', 1, 'Qf7', 'f1f7', '7k/5Q2/6K1/8/8/p7/8/8 b - - 1 1')]);
    assertPlaying(t.view());
  });
});

// ---- Threefold repetition (FIDE 9.2) --------------------------------------------------------------

const KNIGHTS = ['Nf3', 'Nf6', 'Ng1', 'Ng8'];

describe('threefold repetition (claimed)', () => {
  it('a claim before the third occurrence fails with ERR_CANNOT_CLAIM; at the third it succeeds (draw, threefold)', () => {
    const t = fromFen();
    assertRefused(t, () => t.claim('white'), 'ERR_CANNOT_CLAIM', 'a claim in the first occurrence');
    t.play(...KNIGHTS);
    assert.equal(t.view().fen, `${DEFAULT_POSITION.slice(0, -3)}4 3`);
    assertRefused(t, () => t.claim('white'), 'ERR_CANNOT_CLAIM', 'a claim at the second occurrence');
    assertRefused(t, () => t.claim('black', 'threefold'), 'ERR_CANNOT_CLAIM', "black's claim at the second occurrence");
    t.play('Nf3', 'Nf6', 'Ng1');
    assertRefused(t, () => t.claim('white', 'threefold'), 'ERR_CANNOT_CLAIM', 'one ply before the third occurrence');
    t.play('Ng8');
    assertRefused(t, () => t.claim('white', 'fifty-moves'), 'ERR_CANNOT_CLAIM', 'the 50-move rule does not hold');
    const out = t.claim('white');
    assert.deepEqual(out.result, { ok: true, gameId: GAME, version: 12, color: 'white' });
    assert.deepEqual(bodies(out.events), [draw('threefold')]);
    assert.equal(out.events[0]!.version, 12);
    assertEnded(t.view(), '1/2-1/2', 'threefold');
    assertOver(t);
  });

  it('either player may claim, with or without naming the rule', () => {
    for (const [as, reason] of [['black', 'threefold'], ['white', 'threefold'], ['black', undefined]] as const) {
      const t = fromFen();
      t.play(...KNIGHTS, ...KNIGHTS);
      const out = t.claim(as, reason);
      assert.deepEqual(out.result, { ok: true, gameId: GAME, version: 12, color: as });
      assert.deepEqual(bodies(out.events), [draw('threefold')]);
      assertEnded(t.view(), '1/2-1/2', 'threefold');
    }
  });

  it('the claim is about the current position: once a new position is reached it fails (the third occurrence is past)', () => {
    const t = fromFen();
    t.play(...KNIGHTS, ...KNIGHTS, 'Nc3');
    assertRefused(t, () => t.claim('black'), 'ERR_CANNOT_CLAIM', 'after moving away');
  });

  it('the occurrences need not be consecutive', () => {
    const t = fromFen();
    t.play('Nf3', 'Nf6', 'Nc3', 'Nc6', 'Nb1', 'Nb8', 'Ng1', 'Ng8'); // start, 2nd time
    t.play('Nc3', 'Nc6', 'Nb1', 'Nb8'); // start, 3rd time
    assert.deepEqual(bodies(t.claim('white').events), [draw('threefold')]);
  });

  // FIDE 9.2.3: positions are the same only if the same player has the move, the same pieces stand
  // on the same squares, and the possible moves are the same: 9.2.3.1, not if at the start of the
  // sequence a pawn could have been captured en passant; 9.2.3.2, not if castling rights differ.
  // A double step that no pawn can (legally) take en passant changes nothing about the possible moves.
  const alike: { name: string; fen: string; setup: string[]; cycle: string[]; claimAfter: number }[] = [
    {
      name: 'en passant legal after d5: that first position is not repeated by the later ones',
      fen: '4k1n1/3p4/8/4P3/8/8/8/4K1N1 b - - 0 1',
      setup: ['d5'],
      cycle: ['Nf3', 'Nh6', 'Ng1', 'Ng8'],
      claimAfter: 3,
    },
    {
      name: 'd5 next to no white pawn: no en passant, the position after d5 counts',
      fen: '4k1n1/3p4/8/P7/8/8/8/4K1N1 b - - 0 1',
      setup: ['d5'],
      cycle: ['Nf3', 'Nh6', 'Ng1', 'Ng8'],
      claimAfter: 2,
    },
    {
      name: 'en passant pseudo-legal but illegal (pinned along the rank): counts as the same',
      fen: '4k1n1/3p4/8/K3P2r/8/8/8/6N1 b - - 0 1',
      setup: ['d5'],
      cycle: ['Nf3', 'Nh6', 'Ng1', 'Ng8'],
      claimAfter: 2,
    },
    {
      name: 'en passant pseudo-legal but illegal (capturer pinned on a diagonal): counts as the same',
      fen: '4k1n1/3p2b1/8/4P3/8/8/1K6/6N1 b - - 0 1',
      setup: ['d5'],
      cycle: ['Nf3', 'Nh6', 'Ng1', 'Ng8'],
      claimAfter: 2,
    },
    {
      name: 'castling rights kept (knights shuffle): the starting position counts',
      fen: 'r3k1nr/8/8/8/8/8/8/R3K1NR w KQkq - 0 1',
      setup: [],
      cycle: KNIGHTS,
      claimAfter: 2,
    },
    {
      name: 'castling rights lost (the h-rooks went out and back): the starting position is not repeated',
      fen: 'r3k1nr/8/8/8/8/8/8/R3K1NR w KQkq - 0 1',
      setup: ['Rh2', 'Rh7', 'Rh1', 'Rh8'],
      cycle: KNIGHTS,
      claimAfter: 2,
    },
    {
      name: 'castling rights lost (the kings went out and back)',
      fen: 'r3k1nr/8/8/8/8/8/8/R3K1NR w KQkq - 0 1',
      setup: ['Kd1', 'Kd8', 'Ke1', 'Ke8'],
      cycle: KNIGHTS,
      claimAfter: 2,
    },
  ];
  for (const row of alike) {
    it(`${row.name}: claim fails after ${row.claimAfter - 1} cycles, succeeds after ${row.claimAfter}`, () => {
      const t = fromFen(row.fen);
      t.play(...row.setup);
      const after = t.view().fen;
      for (let i = 1; i < row.claimAfter; i++) t.play(...row.cycle);
      assert.equal(fenField(t.view().fen, 'placement'), fenField(after, 'placement'), 'the cycle comes back to the same placement');
      assertRefused(t, () => t.claim('white', 'threefold'), 'ERR_CANNOT_CLAIM', `after ${row.claimAfter - 1} cycles`);
      assertRefused(t, () => t.claim('black'), 'ERR_CANNOT_CLAIM', `after ${row.claimAfter - 1} cycles (no reason)`);
      t.play(...row.cycle);
      const out = t.claim('black', 'threefold');
      assert.equal(out.result.ok, true, JSON.stringify(out.result));
      assert.deepEqual(bodies(out.events), [draw('threefold')]);
      assertEnded(t.view(), '1/2-1/2', 'threefold');
    });
  }

  it('the setups above reach what they claim to: the ep square is written only when the capture is legal; castling rights are lost', () => {
    const ep = fromFen('4k1n1/3p4/8/4P3/8/8/8/4K1N1 b - - 0 1');
    ep.play('d5');
    assert.equal(fenField(ep.view().fen, 'ep'), 'd6');
    ep.play('Nf3', 'Nh6', 'Ng1', 'Ng8');
    assert.equal(fenField(ep.view().fen, 'ep'), '-');
    const rooks = fromFen('r3k1nr/8/8/8/8/8/8/R3K1NR w KQkq - 0 1');
    rooks.play('Rh2', 'Rh7', 'Rh1', 'Rh8');
    assert.equal(rooks.view().fen, 'r3k1nr/8/8/8/8/8/8/R3K1NR w Qq - 4 3');
  });
});

// ---- Fivefold repetition (FIDE 9.6.1) ---------------------------------------------------------------

describe('fivefold repetition (automatic)', () => {
  // The game is drawn when the same position has appeared at least five times; no one needs to claim.
  for (const fen of [DEFAULT_POSITION, 'rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR b KQkq - 0 1']) {
    it(`the fifth occurrence ends the game at once: the 16th ply of knight shuffles, from ${fenField(fen, 'turn') === 'w' ? 'white' : 'black'} to move`, () => {
      const t = fromFen(fen);
      const cycle = fenField(fen, 'turn') === 'w' ? KNIGHTS : ['Nf6', 'Nf3', 'Ng8', 'Ng1'];
      for (let i = 0; i < 15; i++) {
        const events = t.play(cycle[i % 4]!)[0]!;
        assert.deepEqual(
          events.map((e) => e.type),
          ['moved'],
          `ply ${i + 1}: no automatic end before the fifth occurrence`,
        );
      }
      assertPlaying(t.view());
      const last = cycle[3]!;
      const mover: Color = fenField(fen, 'turn') === 'w' ? 'black' : 'white';
      const uci = last === 'Ng8' ? 'f6g8' : 'f3g1';
      assertMove(t, last, [moved(mover, 16, last, uci, `${fenField(fen, 'placement')} ${fenField(fen, 'turn')} KQkq - 16 9`), draw('fivefold')]);
      assertEnded(t.view(), '1/2-1/2', 'fivefold');
      assertOver(t);
    });
  }

  it('positions that differ only in castling rights are not the same for fivefold either', () => {
    const t = fromFen('r3k1nr/8/8/8/8/8/8/R3K1NR w KQkq - 0 1');
    t.play(...KNIGHTS, ...KNIGHTS, ...KNIGHTS); // the start, 4th time
    t.play('Rh2', 'Rh7', 'Rh1', 'Rh8'); // same placement, rights Qq: 1st time
    t.play(...KNIGHTS, ...KNIGHTS, ...KNIGHTS); // 4th time
    assertPlaying(t.view());
    const events = t.play(...KNIGHTS).at(-1)!;
    assert.deepEqual(bodies(events).map((b) => b['type']), ['moved', 'draw']);
    assert.deepEqual(bodies(events)[1], draw('fivefold'));
  });
});

// ---- The 50-move rule (claimed, FIDE 9.3) and the 75-move rule (automatic, FIDE 9.6.2) -------------

describe('the 50-move rule', () => {
  it('halfmove clock 98: one quiet move (99) cannot be claimed; the second (100) can, by either side', () => {
    for (const claimer of ['white', 'black'] as const) {
      const t = fromFen('7k/8/6K1/8/8/8/8/R7 w - - 98 80');
      assertRefused(t, () => t.claim(claimer, 'fifty-moves'), 'ERR_CANNOT_CLAIM', 'at 98');
      t.play('Rb1');
      assert.equal(fenField(t.view().fen, 'halfmove'), '99');
      assertRefused(t, () => t.claim(claimer, 'fifty-moves'), 'ERR_CANNOT_CLAIM', 'at 99');
      assertRefused(t, () => t.claim(claimer), 'ERR_CANNOT_CLAIM', 'at 99, no reason');
      t.play('Kg8');
      assert.equal(t.view().fen, '6k1/8/6K1/8/8/8/8/1R6 w - - 100 81');
      assertRefused(t, () => t.claim(claimer, 'threefold'), 'ERR_CANNOT_CLAIM', 'threefold does not hold at 100');
      const out = t.claim(claimer);
      assert.deepEqual(out.result, { ok: true, gameId: GAME, version: 6, color: claimer });
      assert.deepEqual(bodies(out.events), [draw('fifty-moves')]);
      assertEnded(t.view(), '1/2-1/2', 'fifty-moves');
      assertOver(t);
    }
  });

  // A capture or a pawn move starts the count again (FIDE 9.3.1).
  const resets: { name: string; moves: string[]; halfmove: string; claim: boolean }[] = [
    { name: 'two quiet moves reach 100', moves: ['Rb1', 'Kg8'], halfmove: '100', claim: true },
    { name: 'three quiet moves reach 101 (the claim may come later)', moves: ['Rb1', 'Kg8', 'Kf6'], halfmove: '101', claim: true },
    { name: 'a pawn move resets', moves: ['a3', 'Kg8'], halfmove: '1', claim: false },
    { name: 'a pawn double step resets', moves: ['a4', 'Kg8'], halfmove: '1', claim: false },
    { name: 'a white capture resets', moves: ['Rxd1', 'Kg8'], halfmove: '1', claim: false },
    { name: "a black capture resets (a quiet move first)", moves: ['Rb1', 'Nxf2'], halfmove: '0', claim: false },
  ];
  for (const row of resets) {
    it(`from halfmove clock 98, ${row.moves.join(' ')}: ${row.name} → clock ${row.halfmove}, claim ${row.claim ? 'succeeds' : 'fails'}`, () => {
      const t = fromFen('7k/8/6K1/8/8/8/P4P2/R2n4 w - - 98 80');
      t.play(...row.moves);
      assert.equal(fenField(t.view().fen, 'halfmove'), row.halfmove);
      if (row.claim) {
        assert.deepEqual(bodies(t.claim('white', 'fifty-moves').events), [draw('fifty-moves')]);
        assertEnded(t.view(), '1/2-1/2', 'fifty-moves');
      } else assertRefused(t, () => t.claim('white', 'fifty-moves'), 'ERR_CANNOT_CLAIM', 'after the reset');
    });
  }
});

describe('the 75-move rule', () => {
  // FIDE 9.6.2: 75 moves by each side (150 plies) without a pawn move or capture draw the game at
  // once, unless the last move checkmates; a check is not a mate, and stalemate ends the game anyway.
  const rows: { name: string; fen: string; moves: string[]; events: Body[]; end: [string, string] | null }[] = [
    {
      name: 'a quiet move at 149 → 150 plies: drawn, seventy-five-moves',
      fen: '7k/8/6K1/8/8/8/8/R7 w - - 149 100',
      moves: ['Rb1'],
      events: [moved('white', 1, 'Rb1', 'a1b1', '7k/8/6K1/8/8/8/8/1R6 b - - 150 100'), draw('seventy-five-moves')],
      end: ['1/2-1/2', 'seventy-five-moves'],
    },
    {
      name: 'the 150th ply by black',
      fen: '7k/8/6K1/8/8/8/8/R7 w - - 148 100',
      moves: ['Rb1', 'Kg8'],
      events: [moved('black', 2, 'Kg8', 'h8g8', '6k1/8/6K1/8/8/8/8/1R6 w - - 150 101'), draw('seventy-five-moves')],
      end: ['1/2-1/2', 'seventy-five-moves'],
    },
    {
      name: 'the 150th ply mates: checkmate takes precedence',
      fen: '7k/8/6K1/8/8/8/8/R7 w - - 149 100',
      moves: ['Ra8'],
      events: [moved('white', 1, 'Ra8#', 'a1a8', 'R6k/8/6K1/8/8/8/8/8 b - - 150 100'), checkmate('white')],
      end: ['1-0', 'checkmate'],
    },
    {
      name: 'the 150th ply checks without mating: still drawn',
      fen: '7k/8/6K1/8/8/8/8/R7 w - - 149 100',
      moves: ['Rh1+'],
      events: [moved('white', 1, 'Rh1+', 'a1h1', '7k/8/6K1/8/8/8/8/7R b - - 150 100'), check('black'), draw('seventy-five-moves')],
      end: ['1/2-1/2', 'seventy-five-moves'],
    },
    {
      name: 'the 150th ply stalemates: stalemate',
      fen: '7k/8/6K1/8/8/8/8/5Q2 w - - 149 100',
      moves: ['Qf7'],
      events: [moved('white', 1, 'Qf7', 'f1f7', '7k/5Q2/6K1/8/8/8/8/8 b - - 150 100'), stalemate],
      end: ['1/2-1/2', 'stalemate'],
    },
    {
      name: 'a pawn move at 149 resets the count: the game goes on',
      fen: '7k/8/6K1/8/8/8/P7/R7 w - - 149 100',
      moves: ['a3'],
      events: [moved('white', 1, 'a3', 'a2a3', '7k/8/6K1/8/8/P7/8/R7 b - - 0 100')],
      end: null,
    },
    {
      name: 'at 148, a quiet move (149) is not yet the end',
      fen: '7k/8/6K1/8/8/8/8/R7 w - - 148 100',
      moves: ['Rb1'],
      events: [moved('white', 1, 'Rb1', 'a1b1', '7k/8/6K1/8/8/8/8/1R6 b - - 149 100')],
      end: null,
    },
  ];
  for (const row of rows) {
    it(`${row.name}`, () => {
      const t = fromFen(row.fen);
      t.play(...row.moves.slice(0, -1));
      assertMove(t, row.moves.at(-1)!, row.events);
      if (row.end === null) assertPlaying(t.view());
      else {
        assertEnded(t.view(), ...row.end);
        assertOver(t);
      }
    });
  }
});

// ---- Insufficient material: a dead position reached by a capture (FIDE 5.2.2) ---------------------

describe('insufficient material reached by a capture', () => {
  // The game is drawn at once when neither side can mate by any series of legal moves. Starting
  // positions with such material are refused, so each row reaches it by a capture.
  const rows: { name: string; fen: string; move: string; events: Body[]; drawn: boolean }[] = [
    { name: 'K v K', fen: '4k3/8/8/8/8/8/3r4/4K3 w - - 0 1', move: 'Kxd2', drawn: true, events: [moved('white', 1, 'Kxd2', 'e1d2', '4k3/8/8/8/8/8/3K4/8 b - - 0 1'), captured('white', 'r', 'd2')] },
    { name: 'K+N v K', fen: '4k3/8/8/8/8/8/3r4/4KN2 w - - 0 1', move: 'Nxd2', drawn: true, events: [moved('white', 1, 'Nxd2', 'f1d2', '4k3/8/8/8/8/8/3N4/4K3 b - - 0 1'), captured('white', 'r', 'd2')] },
    { name: 'K+B v K', fen: '4k3/8/8/8/8/8/3r4/4K2B w - - 0 1', move: 'Kxd2', drawn: true, events: [moved('white', 1, 'Kxd2', 'e1d2', '4k3/8/8/8/8/8/3K4/7B b - - 0 1'), captured('white', 'r', 'd2')] },
    { name: 'K v K+N, black captures', fen: '8/8/8/8/8/8/2kP4/5K1n b - - 0 1', move: 'Kxd2', drawn: true, events: [moved('black', 1, 'Kxd2', 'c2d2', '8/8/8/8/8/8/3k4/5K1n w - - 0 2'), captured('black', 'p', 'd2')] },
    { name: 'K+B v K+B, both light squares (h1, c8)', fen: '2b1k3/8/8/8/8/8/3r4/4K2B w - - 0 1', move: 'Kxd2', drawn: true, events: [moved('white', 1, 'Kxd2', 'e1d2', '2b1k3/8/8/8/8/8/3K4/7B b - - 0 1'), captured('white', 'r', 'd2')] },
    { name: 'K+B v K+B, both dark squares (c1, f8)', fen: '4kb2/8/8/8/8/8/3r4/2B1K3 w - - 0 1', move: 'Kxd2', drawn: true, events: [moved('white', 1, 'Kxd2', 'e1d2', '4kb2/8/8/8/8/8/3K4/2B5 b - - 0 1'), captured('white', 'r', 'd2')] },
    { name: 'K+B+B v K+B, all on light squares (h1, f3; c8)', fen: '2b1k3/8/8/8/8/5B2/3r4/4K2B w - - 0 1', move: 'Kxd2', drawn: true, events: [moved('white', 1, 'Kxd2', 'e1d2', '2b1k3/8/8/8/8/5B2/3K4/7B b - - 0 1'), captured('white', 'r', 'd2')] },
    { name: 'K+B+B v K, both on light squares', fen: '4k3/8/8/8/8/5B2/3r4/4K2B w - - 0 1', move: 'Kxd2', drawn: true, events: [moved('white', 1, 'Kxd2', 'e1d2', '4k3/8/8/8/8/5B2/3K4/7B b - - 0 1'), captured('white', 'r', 'd2')] },
    {
      name: 'K+B v K, the capture giving check: moved, captured, check, draw',
      fen: '4k3/8/8/1r6/8/8/4B3/4K3 w - - 0 1',
      move: 'Bxb5+',
      drawn: true,
      events: [moved('white', 1, 'Bxb5+', 'e2b5', '4k3/8/8/1B6/8/8/8/4K3 b - - 0 1'), captured('white', 'r', 'b5'), check('black')],
    },
    // Sufficient: a mate exists (with the opponent's help, which counts).
    { name: 'K+B v K+B on opposite colors', fen: '4kb2/8/8/8/8/8/3r4/4K2B w - - 0 1', move: 'Kxd2', drawn: false, events: [moved('white', 1, 'Kxd2', 'e1d2', '4kb2/8/8/8/8/8/3K4/7B b - - 0 1'), captured('white', 'r', 'd2')] },
    { name: 'K+N v K+N', fen: '4kn2/8/8/8/8/8/3r4/4KN2 w - - 0 1', move: 'Nxd2', drawn: false, events: [moved('white', 1, 'Nxd2', 'f1d2', '4kn2/8/8/8/8/8/3N4/4K3 b - - 0 1'), captured('white', 'r', 'd2')] },
    { name: 'K+B v K+N', fen: '4kn2/8/8/8/8/8/3r4/4K2B w - - 0 1', move: 'Kxd2', drawn: false, events: [moved('white', 1, 'Kxd2', 'e1d2', '4kn2/8/8/8/8/8/3K4/7B b - - 0 1'), captured('white', 'r', 'd2')] },
    { name: 'K+N+N v K', fen: '4k3/8/8/8/8/8/3r4/4KNN1 w - - 0 1', move: 'Nxd2', drawn: false, events: [moved('white', 1, 'Nxd2', 'f1d2', '4k3/8/8/8/8/8/3N4/4K1N1 b - - 0 1'), captured('white', 'r', 'd2')] },
    { name: 'K+B+N v K', fen: '4k3/8/8/8/8/8/3r4/4KN1B w - - 0 1', move: 'Nxd2', drawn: false, events: [moved('white', 1, 'Nxd2', 'f1d2', '4k3/8/8/8/8/8/3N4/4K2B b - - 0 1'), captured('white', 'r', 'd2')] },
    { name: 'K+B+B v K on both colors', fen: '4k3/8/8/8/8/8/3r4/2B1K2B w - - 0 1', move: 'Kxd2', drawn: false, events: [moved('white', 1, 'Kxd2', 'e1d2', '4k3/8/8/8/8/8/3K4/2B4B b - - 0 1'), captured('white', 'r', 'd2')] },
    { name: 'K+P v K', fen: '4k3/8/8/8/8/8/P2r4/4K3 w - - 0 1', move: 'Kxd2', drawn: false, events: [moved('white', 1, 'Kxd2', 'e1d2', '4k3/8/8/8/8/8/P2K4/8 b - - 0 1'), captured('white', 'r', 'd2')] },
    { name: 'K+R v K', fen: '4k3/8/8/8/8/8/3r4/R3K3 w - - 0 1', move: 'Kxd2', drawn: false, events: [moved('white', 1, 'Kxd2', 'e1d2', '4k3/8/8/8/8/8/3K4/R7 b - - 0 1'), captured('white', 'r', 'd2')] },
    { name: 'K+Q v K', fen: '4k3/8/8/8/8/8/3r4/Q3K3 w - - 0 1', move: 'Kxd2', drawn: false, events: [moved('white', 1, 'Kxd2', 'e1d2', '4k3/8/8/8/8/8/3K4/Q7 b - - 0 1'), captured('white', 'r', 'd2')] },
  ];
  for (const row of rows) {
    it(`${row.name}: ${row.move} → ${row.drawn ? 'drawn at once (insufficient-material)' : 'the game goes on'}`, () => {
      const t = fromFen(row.fen);
      assertMove(t, row.move, row.drawn ? [...row.events, draw('insufficient-material')] : row.events);
      if (row.drawn) {
        assertEnded(t.view(), '1/2-1/2', 'insufficient-material');
        assertOver(t);
      } else assertPlaying(t.view());
    });
  }

  it('a game cannot start from a dead position, nor from one that is already decided → ERR_BAD_POSITION', () => {
    for (const fen of [
      '4k3/8/8/8/8/8/8/4K3 w - - 0 1',
      '4k3/8/8/8/8/8/8/4KN2 w - - 0 1',
      '4k3/8/8/8/8/8/8/4K2B b - - 0 1',
      '2b1k3/8/8/8/8/8/8/4K2B w - - 0 1',
      'rnb1kbnr/pppp1ppp/8/4p3/6Pq/5P2/PPPPP2P/RNBQKBNR w KQkq - 1 3', // checkmated
      '7k/5Q2/6K1/8/8/8/8/8 b - - 1 1', // stalemated
    ]) {
      const machine = new ChessMachine();
      const out = machine.apply({ type: 'create', requestId: 'c', session: 's', gameId: GAME, token: TOKEN.white, color: 'white', timeControl: null, fen }, 1);
      assert.equal(!out.result.ok && out.result.error.code, 'ERR_BAD_POSITION', fen);
      assert.deepEqual(out.events, []);
      assert.equal(machine.view(GAME), undefined);
    }
    // Opposite-colored bishops can still mate: that start is accepted.
    fromFen('4kb2/8/8/8/8/8/8/4K2B w - - 0 1');
  });
});

// ---- Move notation: SAN and UCI -------------------------------------------------------------------

describe('move notation', () => {
  const same: { fen?: string; moves: string[]; san: string; uci: string }[] = [
    { moves: ['e4', 'e2e4'], san: 'e4', uci: 'e2e4' },
    { moves: ['Nf3', 'g1f3', 'Ng1f3', 'Nf3+', 'Nf3#'], san: 'Nf3', uci: 'g1f3' },
    { moves: ['Nc3', 'b1c3'], san: 'Nc3', uci: 'b1c3' },
    { fen: 'rnbqkbnr/ppp1pppp/8/3p4/4P3/8/PPPP1PPP/RNBQKBNR w KQkq - 0 2', moves: ['exd5', 'e4d5'], san: 'exd5', uci: 'e4d5' },
    // Disambiguation by file: both knights reach d7.
    { fen: '1n2k3/8/5n2/8/8/8/8/R3K3 b - - 0 1', moves: ['Nbd7', 'b8d7'], san: 'Nbd7', uci: 'b8d7' },
    { fen: '1n2k3/8/5n2/8/8/8/8/R3K3 b - - 0 1', moves: ['Nfd7', 'f6d7'], san: 'Nfd7', uci: 'f6d7' },
    // By rank: both rooks stand on the a-file.
    { fen: '4k3/8/8/R7/8/8/8/R3K3 w - - 0 1', moves: ['R5a3', 'a5a3'], san: 'R5a3', uci: 'a5a3' },
    { fen: '4k3/8/8/R7/8/8/8/R3K3 w - - 0 1', moves: ['R1a3', 'a1a3'], san: 'R1a3', uci: 'a1a3' },
    // By square: three queens reach e1; h4 shares a file with h1 and a rank with e4.
    { fen: '2k5/8/8/8/4Q2Q/8/8/K6Q w - - 0 1', moves: ['Qh4e1', 'h4e1'], san: 'Qh4e1', uci: 'h4e1' },
    { fen: '2k5/8/8/8/4Q2Q/8/8/K6Q w - - 0 1', moves: ['Qee1', 'e4e1'], san: 'Qee1', uci: 'e4e1' },
    { fen: '2k5/8/8/8/4Q2Q/8/8/K6Q w - - 0 1', moves: ['Q1e1', 'h1e1'], san: 'Q1e1', uci: 'h1e1' },
  ];
  for (const row of same) {
    for (const text of row.moves) {
      it(`${text} from ${row.fen ?? 'the start'} is ${row.san} (${row.uci})`, () => {
        const t = fromFen(row.fen);
        const events = t.play(text)[0]!;
        const m = events[0] as Extract<GameEvent, { type: 'moved' }>;
        assert.deepEqual([m.type, m.san, m.uci], ['moved', row.san, row.uci]);
        assert.deepEqual(t.view().moves, [{ san: row.san, uci: row.uci }]);
      });
    }
  }

  const ambiguous: { fen: string; moves: string[] }[] = [
    { fen: '1n2k3/8/5n2/8/8/8/8/R3K3 b - - 0 1', moves: ['Nd7'] },
    { fen: '4k3/8/8/R7/8/8/8/R3K3 w - - 0 1', moves: ['Ra3'] },
    { fen: '2k5/8/8/8/4Q2Q/8/8/K6Q w - - 0 1', moves: ['Qe1'] },
  ];
  for (const row of ambiguous) {
    it(`ambiguous SAN ${row.moves.join(', ')} in ${row.fen} → ERR_ILLEGAL_MOVE, nothing changes`, () => {
      const t = fromFen(row.fen);
      for (const m of row.moves) assertRefused(t, () => t.move(m), 'ERR_ILLEGAL_MOVE', m);
    });
  }

  // Under-disambiguated SAN (a file or rank that two pieces share) is just as ambiguous, but chess.js's
  // permissive parser takes the first piece it generated: Qhe1 → Qh4e1, Q4e1 → Qee1, Raa3 → R5a3.
  const underDisambiguated: { fen: string; move: string }[] = [
    { fen: '2k5/8/8/8/4Q2Q/8/8/K6Q w - - 0 1', move: 'Qhe1' },
    { fen: '2k5/8/8/8/4Q2Q/8/8/K6Q w - - 0 1', move: 'Q4e1' },
    { fen: '4k3/8/8/R7/8/8/8/R3K3 w - - 0 1', move: 'Raa3' },
  ];
  for (const row of underDisambiguated) {
    it(`ambiguous SAN ${row.move} in ${row.fen} → ERR_ILLEGAL_MOVE`, () => {
      const t = fromFen(row.fen);
      assertRefused(t, () => t.move(row.move), 'ERR_ILLEGAL_MOVE', row.move);
    });
  }

  const illegal: { why: string; fen?: string; moves: string[]; as?: Color; code?: string }[] = [
    { why: "a black pawn's move, by white", moves: ['e7e5', 'e5'] },
    { why: "a black knight's move, by white", moves: ['Nf6', 'g8f6'] },
    { why: 'a blocked king, a blocked rook, a pawn three squares', moves: ['Ke2', 'e1e2', 'Ra3', 'e2e5'] },
    { why: 'onto an own piece', moves: ['d1d2', 'Qxd2'] },
    { why: 'from an empty square, or a piece that cannot get there', moves: ['e3e4', 'Bb5', 'Nd4'] },
    { why: 'the king into check (the rook on d8 guards the d-file)', fen: '3rk3/8/8/8/8/8/8/4K2R w - - 0 1', moves: ['Kd1', 'Kd2', 'e1d1'] },
    { why: 'the king next to the other king', fen: '8/8/8/8/8/3k4/8/3K3R w - - 0 1', moves: ['Kd2', 'Ke2', 'Kc2', 'd1c2'] },
    { why: 'a pinned knight (rook on e7, king on e1)', fen: '4k3/4r3/8/8/8/8/4N3/4K3 w - - 0 1', moves: ['Nc3', 'e2c3', 'Ng3', 'Nd4'] },
    { why: 'a pinned bishop off its pin line', fen: '4k3/7p/8/b7/8/8/3B4/4K3 w - - 0 1', moves: ['Be3', 'Bc1', 'd2e3'] },
    { why: 'a pinned rook off its pin line', fen: '4k3/4r3/8/8/8/8/4R3/4K3 w - - 0 1', moves: ['Ra2', 'Rh2', 'e2d2'] },
    { why: 'a move that leaves the king in check (the bishop on b4 checks)', fen: '4k3/8/8/8/1b6/8/8/R3K3 w - - 0 1', moves: ['Ra2', 'Rb1', 'a1a8'] },
    { why: 'a black move played with the black token on white’s turn', moves: ['e5', 'e7e5'], as: 'black', code: 'ERR_NOT_YOUR_TURN' },
  ];
  for (const row of illegal) {
    it(`refused: ${row.why}: ${row.moves.join(', ')} → ${row.code ?? 'ERR_ILLEGAL_MOVE'}, nothing changes`, () => {
      const t = fromFen(row.fen);
      for (const m of row.moves) assertRefused(t, () => t.move(m, row.as), row.code ?? 'ERR_ILLEGAL_MOVE', m);
    });
  }

  const pinLine: { fen: string; move: string; san: string; uci: string }[] = [
    // A pinned piece may still move along the line of the pin (FIDE 3.9.2 forbids only exposing the king).
    { fen: '4k3/7p/8/b7/8/8/3B4/4K3 w - - 0 1', move: 'Bc3', san: 'Bc3', uci: 'd2c3' },
    { fen: '4k3/7p/8/b7/8/8/3B4/4K3 w - - 0 1', move: 'Bxa5', san: 'Bxa5', uci: 'd2a5' },
    { fen: '4k3/4r3/8/8/8/8/4R3/4K3 w - - 0 1', move: 'Re5', san: 'Re5', uci: 'e2e5' },
    { fen: '4k3/4r3/8/8/8/8/4R3/4K3 w - - 0 1', move: 'Rxe7+', san: 'Rxe7+', uci: 'e2e7' },
  ];
  for (const row of pinLine) {
    it(`a pinned piece along its pin line: ${row.move} is legal`, () => {
      const t = fromFen(row.fen);
      const m = t.play(row.move)[0]![0] as Extract<GameEvent, { type: 'moved' }>;
      assert.deepEqual([m.san, m.uci], [row.san, row.uci]);
    });
  }

  it('after refused moves the game goes on normally (the board was not disturbed)', () => {
    const t = fromFen('4k3/4r3/8/8/8/8/4N3/4K3 w - - 0 1');
    for (const m of ['Nc3', 'e2c3', 'Ke2']) assertRefused(t, () => t.move(m), 'ERR_ILLEGAL_MOVE', m);
    assertMove(t, 'Kd1', [moved('white', 1, 'Kd1', 'e1d1', '4k3/4r3/8/8/8/8/4N3/3K4 b - - 1 1')]);
    assertMove(t, 'Rxe2', [moved('black', 2, 'Rxe2', 'e7e2', '4k3/8/8/8/8/8/4r3/3K4 w - - 0 2'), captured('black', 'n', 'e2')]);
  });
});

// ---- Starting positions the rules cannot have come from --------------------------------------------

describe('UCI with a promotion piece on a move that does not promote', () => {
  // chess.js's object form ignores a promotion piece on an ordinary move; the machine refuses it.
  for (const [fen, text] of [
    [undefined, 'e2e4q'],
    [undefined, 'g1f3n'],
    ['4k3/8/8/8/8/8/4P3/4K3 w - - 0 1', 'e2e3r'],
  ] as const) {
    it(`${text} from ${fen ?? 'the start'} → ERR_ILLEGAL_MOVE, nothing changes`, () => {
      const t = fromFen(fen);
      const before = t.view();
      const out = t.move(text);
      assert.deepEqual(out.result.ok ? 'ok' : out.result.error.code, 'ERR_ILLEGAL_MOVE');
      assert.deepEqual(out.events, []);
      assert.deepEqual(t.view(), before);
    });
  }
});

describe('starting positions that are not legal (ERR_BAD_POSITION)', () => {
  // chess.js's FEN validation checks the syntax, the kings and the pawns' ranks, not whether the
  // position could arise: the machine must refuse what chess.js lets through, or the game plays on
  // from an impossible position.
  const rows: { why: string; fen: string; move: string }[] = [
    // The side not to move is in check: white could take the king (chess.js plays Qxe8, captured 'k').
    { why: 'the side not to move is in check', fen: '4k3/8/8/8/4Q3/8/8/K7 w - - 0 1', move: 'Qxe8' },
    // Castling rights with no rook on a1: chess.js then castles queenside with a rook that is not there.
    { why: 'castling rights (Q) with no rook on a1', fen: '4k3/8/8/8/8/8/8/4K2R w KQ - 0 1', move: 'O-O-O' },
    // Castling rights with the king not on e1.
    { why: 'castling rights (K) with the king on g1', fen: '4k3/8/8/8/8/8/8/R5K1 w K - 0 1', move: 'O-O' },
    // An en passant square behind no pawn that could just have double-stepped: exd6 takes a ghost on d5.
    { why: 'an en passant square with no pawn that just double-stepped', fen: '4k3/8/8/4P3/8/8/8/4K3 w - d6 0 1', move: 'exd6' },
  ];
  for (const row of rows) {
    it(
      `${row.why}: ${row.fen} → ERR_BAD_POSITION (else ${row.move} is played from it)`,
      () => {
        const machine = new ChessMachine();
        const out = machine.apply({ type: 'create', requestId: 'c', session: 's', gameId: GAME, token: TOKEN.white, color: 'white', timeControl: null, fen: row.fen }, 1);
        assert.equal(!out.result.ok && out.result.error.code, 'ERR_BAD_POSITION', JSON.stringify(out.result));
      },
    );
  }
});
