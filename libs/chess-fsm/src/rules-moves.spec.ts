/**
 * The moves that are more than a piece's step, and how moves are written, as the machine applies them
 * through the public API (`apply`, `view`): en passant, castling, promotion, then SAN and UCI (disambiguation,
 * illegal and pinned moves, a promotion piece on a move that does not promote). chess.js 1.4.0 is the rules
 * authority; the references are to the FIDE Laws of Chess (2023); the harness is in rules.spec-fixtures.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Color, GameEvent } from './types';
import { assertEnded, assertMove, assertOver, assertPlaying, assertRefused, captured, check, checkmate, draw, fenField, fromFen, moved, type Body } from './rules.spec-fixtures';

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

// ---- UCI with a promotion piece on a move that does not promote -----------------------------------

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
