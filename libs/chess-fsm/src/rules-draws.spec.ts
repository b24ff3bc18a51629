/**
 * Draws by rule as the machine applies them through the public API (`apply`, `view`): threefold repetition
 * and the 50-move rule (claimed), fivefold repetition and the 75-move rule (automatic). chess.js 1.4.0 is the
 * rules authority; the references are to the FIDE Laws of Chess (2023); the harness is in rules.spec-fixtures.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_POSITION } from 'chess.js';
import type { Color } from './types';
import { assertEnded, assertMove, assertOver, assertPlaying, assertRefused, bodies, check, checkmate, draw, fenField, fromFen, GAME, moved, stalemate, type Body } from './rules.spec-fixtures';

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
