import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Chess, SQUARES, type Square } from 'chess.js';
import { canMove, findByCoordinates, findBySan, play } from './board';
import { seeded } from './machine.spec-fixtures';

/** Positions from seeded random games, plus ones that hold every special move. */
function positions(games: number, plies: number): string[] {
  const rand = seeded(4242);
  const out = [
    'r3k2r/pppq1ppp/2n2n2/3pp3/3PP3/2N2N2/PPPQ1PPP/R3K2R w KQkq - 0 1', // both castlings, both sides
    'rnbqkbnr/ppp1p1pp/8/3pPp2/8/8/PPPP1PPP/RNBQKBNR w KQkq f6 0 3', // en passant
    '8/2P1k3/8/8/8/8/4Kp2/6N1 w - - 0 1', // promotions, and a capture-promotion for black next
    '8/8/8/2k5/3Pp3/8/8/4K2R b K d3 0 1', // en passant by black
    '4k3/8/8/8/8/8/8/R3K2R w KQ - 0 1',
    'R6R/8/8/8/8/8/1k6/4K3 w - - 0 1', // two rooks on a rank: disambiguation by file
    '8/k7/8/Q7/8/8/8/Q3K3 w - - 0 1', // two queens on a file: by rank
    '3k4/8/8/8/8/N1N5/8/N3K3 w - - 0 1', // three knights: by square
    '4k3/8/8/8/8/8/5q2/4K3 w - - 0 1', // in check, few moves
    'r1bqkbnr/pppp1ppp/2n5/4p3/2B1P3/5Q2/PPPP1PPP/RNB1K1NR w KQkq - 2 4', // Qxf7#, and checks
    '6k1/5ppp/8/8/8/8/8/R3R1K1 w - - 0 1', // back-rank mates by two rooks, one needing its file
    '7k/8/8/8/8/8/1N3N2/K7 w - - 0 1', // knights to the same squares: Nbd3 and Nfd3
    '4k3/4r3/8/8/8/8/R3R3/4K3 w - - 0 1', // a rook pinned to its king is no rival: Rd2, not Rad2
    '4k3/8/8/8/8/8/R1P1R3/4K3 w - - 0 1', // a rook blocked by its own pawn is no rival
    '4k3/8/8/8/8/8/8/B1B1K3 w - - 0 1', // two bishops on dark squares (a promotion's): Bab2 and Bcb2
    '4k3/8/8/3q4/8/8/8/3qK2q b - - 0 1', // three queens, rivals along a file, a rank and a diagonal
    // Pins, which legality is read from without making the move (board.ts, legal):
    '4k3/8/8/8/4r3/8/4N3/4K3 w - - 0 1', // a knight pinned on a file: no move
    '4k3/8/8/8/4r3/8/4R3/4K3 w - - 0 1', // a rook pinned on a file: along it, up to and onto the pinner
    '4k3/8/8/7b/8/8/4P3/3K4 w - - 0 1', // a pawn pinned on a diagonal: no push
    '4k3/8/8/8/8/2b5/3P4/4K3 w - - 0 1', // a pinned pawn takes its pinner, and cannot push
    '4k3/8/8/8/4q3/8/4P3/4K3 w - - 0 1', // a pawn pinned on a file pushes, once or twice
    '7k/8/8/8/3q4/8/1Q6/K7 w - - 0 1', // a queen pinned by a queen on a diagonal
    '4k3/4n3/8/8/8/8/8/4RK2 b - - 0 1', // a black knight pinned to its king
    'k7/8/8/KPp4r/8/8/8/8 w - c6 0 2', // en passant that would uncover the king along the rank
    '4k3/8/8/8/4b3/8/4N3/4K3 w - - 0 1', // a bishop on the king's file pins nothing
    '4r1k1/8/8/8/8/4N3/4N3/4K3 w - - 0 1', // two pieces between the king and a rook: neither pinned
    '4k3/8/8/8/8/8/3PPP2/r2QK2r w - - 0 1', // pinned both ways along the rank by two rooks
    '8/8/8/8/k2Pp2Q/8/8/4K3 b - d3 0 1', // black's en passant, uncovering its king to a queen
  ];
  for (let g = 0; g < games; g++) {
    const board = new Chess();
    for (let p = 0; p < plies && !board.isGameOver(); p++) {
      out.push(board.fen());
      const moves = board.moves();
      board.move(moves[rand(moves.length)]!);
    }
  }
  return out;
}

describe('board: chess.js reached past its public API, held equal to it', () => {
  const fens = positions(20, 160);

  it(`finds every legal move by coordinates and by SAN as chess.js's move does, in ${fens.length} positions`, () => {
    let moves = 0;
    for (const fen of fens) {
      const board = new Chess(fen);
      // As chess.js writes it back (an en passant square no capture can use is dropped).
      const written = board.fen();
      for (const want of board.moves({ verbose: true })) {
        moves++;
        const byUci = findByCoordinates(board, want.from, want.to, want.promotion);
        assert.ok(byUci !== undefined, `${fen}: ${want.lan} not found`);
        assert.deepEqual(
          byUci.move,
          {
            color: want.color,
            piece: want.piece,
            from: want.from,
            to: want.to,
            lan: want.lan,
            ...(want.captured !== undefined ? { captured: want.captured } : {}),
            ...(want.promotion !== undefined ? { promotion: want.promotion } : {}),
            enPassant: want.isEnPassant(),
          },
          `${fen}: ${want.lan}`,
        );
        assert.equal(byUci.body, want.san.replace(/[+#]$/, ''), `${fen}: ${want.lan} SAN before its suffix`);
        assert.equal(findBySan(board, want.san)?.move.lan, want.lan, `${fen}: ${want.san} by SAN`);
        assert.equal(board.fen(), written, `${fen}: finding ${want.lan} changed the board`);
        // Played (on a board of its own), it leads where chess.js's move does, and its SAN
        // (suffix included, read from the position it made) is chess.js's.
        const own = new Chess(fen);
        const played = play(own, findByCoordinates(own, want.from, want.to, want.promotion)!);
        assert.equal(played.after, want.after, `${fen}: ${want.lan} played`);
        assert.equal(played.san, want.san, `${fen}: ${want.lan} played, its SAN`);
      }
    }
    assert.ok(moves > 30_000, `${moves} moves`);
  });

  it('tells every move the rules of movement allow, legal or not, as chess.js does', () => {
    // Of every pseudo-legal move (pinned pieces' and all), exactly chess.js's legal ones are found.
    let tried = 0;
    for (const fen of fens) {
      const board = new Chess(fen);
      const legalMoves = new Set(board.moves({ verbose: true }).map((m) => m.lan));
      const pseudo = (board as unknown as { _moves(o: { legal: boolean }): { from: number; to: number; promotion?: string }[] })._moves({ legal: false });
      for (const m of pseudo) {
        tried++;
        const from = SQUARES[(m.from >> 4) * 8 + (m.from & 7)]!;
        const to = SQUARES[(m.to >> 4) * 8 + (m.to & 7)]!;
        const lan = from + to + (m.promotion ?? '');
        assert.equal(findByCoordinates(board, from, to, m.promotion as never) !== undefined, legalMoves.has(lan), `${fen}: ${lan}`);
      }
    }
    assert.ok(tried > 30_000, `${tried} moves tried`);
  });

  it('finds nothing for a move that is not legal, nor a promotion without its piece', () => {
    for (const fen of fens.filter((_, i) => i % 5 === 0)) {
      const board = new Chess(fen);
      const legal = new Set(board.moves({ verbose: true }).map((m) => m.lan));
      for (const from of SQUARES) {
        for (const to of ['a1', 'd4', 'e8', 'h5', 'c6'] as Square[]) {
          const found = findByCoordinates(board, from, to, undefined);
          assert.equal(found !== undefined, legal.has(from + to), `${fen}: ${from}${to}`);
        }
      }
      for (const lan of legal) if (lan.length === 5) assert.equal(findByCoordinates(board, lan.slice(0, 2) as Square, lan.slice(2, 4) as Square, undefined), undefined, `${fen}: ${lan} without its piece`);
    }
  });

  it('plays a game move for move into the same positions as chess.js, keeping no undo record', () => {
    // Knights out and back (the positions repeat), castling, a capture, en passant rights.
    const line = ['g1f3', 'g8f6', 'f3g1', 'f6g8', 'g1f3', 'g8f6', 'f3g1', 'f6g8', 'e2e4', 'e7e5', 'g1f3', 'b8c6', 'f1c4', 'f8c5', 'e1g1', 'g8f6', 'd2d4', 'e5d4', 'e4e5', 'd7d5'];
    const ours = new Chess();
    const theirs = new Chess();
    for (const uci of line) {
      const found = findByCoordinates(ours, uci.slice(0, 2) as Square, uci.slice(2, 4) as Square, undefined);
      assert.ok(found, uci);
      play(ours, found);
      theirs.move({ from: uci.slice(0, 2), to: uci.slice(2, 4) });
      assert.equal(ours.fen(), theirs.fen(), uci);
      assert.equal(ours.isCheck(), theirs.isCheck(), `${uci}: check`);
      // Trial moves (legality, SAN, the FEN after) are made and undone on top of it.
      assert.deepEqual(ours.history(), [], `${uci}: no undo record kept`);
    }
  });

  it('says whether each piece of the side to move can move, as chess.js lists its moves', () => {
    for (const fen of fens.filter((_, i) => i % 3 === 0)) {
      const board = new Chess(fen);
      for (const sq of SQUARES) {
        if (board.get(sq)?.color !== board.turn()) continue;
        assert.equal(canMove(board, sq), board.moves({ square: sq }).length > 0, `${fen}: ${sq}`);
      }
    }
  });
});
