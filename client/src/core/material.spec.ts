import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { materialDiff, type MaterialDiff } from './material';

// The material balance beside the board, lichess style: pieces both sides have cancel out.

const even = { pieces: [], score: 0 };

describe('materialDiff', () => {
  const cases: { name: string; fen: string; diff: MaterialDiff }[] = [
    { name: 'the start: even', fen: 'rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1', diff: { white: even, black: even } },
    { name: 'bare kings: even', fen: '4k3/8/8/8/8/8/8/4K3 w - - 0 1', diff: { white: even, black: even } },
    {
      name: 'black has lost its queen',
      fen: 'rnb1kbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1',
      diff: { white: { pieces: ['q'], score: 9 }, black: even },
    },
    {
      name: 'a knight for a pawn: each side shows what it has more of, only the side ahead a score',
      fen: 'rnbqkbnr/ppppppp1/8/8/8/8/PPPPPPPP/R1BQKBNR w KQkq - 0 1',
      diff: { white: { pieces: ['p'], score: 0 }, black: { pieces: ['n'], score: 2 } },
    },
    {
      name: 'a promotion: two white queens against one, for a rook and the pawn',
      fen: 'rnbqkbnr/pppppppp/8/8/8/8/1PPPPPPP/RNBQKBNQ w Qkq - 0 1',
      diff: { white: { pieces: ['q'], score: 3 }, black: { pieces: ['r', 'p'], score: 0 } },
    },
    {
      name: 'pieces listed by value, repeated as often as they lead',
      fen: '4k3/8/8/8/8/8/P7/RR2K3 w - - 0 1',
      diff: { white: { pieces: ['r', 'r', 'p'], score: 11 }, black: even },
    },
    {
      name: 'black ahead',
      fen: 'r3k2r/pppppppp/8/8/8/8/8/4K3 b kq - 0 1',
      diff: { white: even, black: { pieces: ['r', 'r', 'p', 'p', 'p', 'p', 'p', 'p', 'p', 'p'], score: 18 } },
    },
    {
      name: 'a board without the rest of the FEN',
      fen: '4k3/8/8/8/8/8/8/3QK3',
      diff: { white: { pieces: ['q'], score: 9 }, black: even },
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(materialDiff(c.fen), c.diff));

  it('a score is never negative, and at most one side has one', () => {
    for (const c of cases) {
      const d = materialDiff(c.fen);
      assert.ok(d.white.score >= 0 && d.black.score >= 0, c.name);
      assert.ok(d.white.score === 0 || d.black.score === 0, c.name);
    }
  });
});
