/**
 * How a game ends on the board, as the machine applies it through the public API (`apply`, `view`): check
 * and checkmate, stalemate, insufficient material reached by a capture, and the starting positions refused
 * with ERR_BAD_POSITION (dead, already decided, or impossible). chess.js 1.4.0 is the rules authority; the
 * references are to the FIDE Laws of Chess (2023); the harness is in rules.spec-fixtures.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChessMachine } from './machine';
import type { Color } from './types';
import { assertEnded, assertMove, assertOver, assertPlaying, assertRefused, captured, check, checkmate, draw, fromFen, GAME, moved, stalemate, TOKEN, type Body } from './rules.spec-fixtures';

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

// ---- Starting positions the rules cannot have come from --------------------------------------------

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
