import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { claimableDraw, moveSquares, Position } from './legal';

// What the board asks of a position: FEN tables, as chess.js's own tests are written.

const START = 'rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1';
const CASTLE = 'r3k2r/8/8/8/8/8/8/R3K2R w KQkq - 0 1';
/** White's e4 pawn may take on d5. */
const CAPTURE = 'rnbqkbnr/ppp1pppp/8/3p4/4P3/8/PPPP1PPP/RNBQKBNR w KQkq d6 0 2';
/** White knights on b1 and f3 can both go to d2. */
const TWO_KNIGHTS = '4k3/8/8/8/8/5N2/8/1N2K3 w - - 0 1';
/** White's e7 pawn promotes on e8 or by taking on d8. */
const PROMOTE = '3r4/4P3/8/8/8/8/k7/4K3 w - - 0 1';
/** Ra8 is mate. */
const BACK_RANK = '6k1/5ppp/8/8/8/8/8/R5K1 w - - 0 1';

const sorted = (xs: string[]): string[] => [...xs].sort();

describe('Position.destinations', () => {
  const cases: { name: string; fen: string; from: string; to: string[] }[] = [
    { name: 'a pawn on its first move', fen: START, from: 'e2', to: ['e3', 'e4'] },
    { name: 'a knight', fen: START, from: 'g1', to: ['f3', 'h3'] },
    { name: 'a piece of the side not to move', fen: START, from: 'e7', to: [] },
    { name: 'an empty square', fen: START, from: 'e4', to: [] },
    { name: 'a knight pinned to its king cannot move', fen: '4k3/4r3/8/8/8/8/4N3/4K3 w - - 0 1', from: 'e2', to: [] },
    { name: 'a pinned bishop moves only along the pin', fen: '4k3/8/8/8/q7/8/2B5/3K4 w - - 0 1', from: 'c2', to: ['a4', 'b3'] },
    { name: 'a pinned rook moves only along the pin', fen: '4r1k1/8/8/8/4R3/8/8/4K3 w - - 0 1', from: 'e4', to: ['e2', 'e3', 'e5', 'e6', 'e7', 'e8'] },
    { name: 'the king may castle both ways', fen: CASTLE, from: 'e1', to: ['c1', 'd1', 'd2', 'e2', 'f1', 'f2', 'g1'] },
    { name: 'black castles too', fen: 'r3k2r/8/8/8/8/8/8/R3K2R b KQkq - 0 1', from: 'e8', to: ['c8', 'd7', 'd8', 'e7', 'f7', 'f8', 'g8'] },
    { name: 'not through an attacked square', fen: '4kr2/8/8/8/8/8/8/R3K2R w KQ - 0 1', from: 'e1', to: ['c1', 'd1', 'd2', 'e2'] },
    { name: 'not without the right', fen: 'r3k2r/8/8/8/8/8/8/R3K2R w - - 0 1', from: 'e1', to: ['d1', 'd2', 'e2', 'f1', 'f2'] },
    { name: 'en passant', fen: 'rnbqkbnr/ppp1p1pp/8/3pPp2/8/8/PPPP1PPP/RNBQKBNR w KQkq f6 0 3', from: 'e5', to: ['e6', 'f6'] },
    { name: 'in check, the king only where it is safe', fen: '4k3/8/8/8/8/8/3PP3/r3K3 w - - 0 1', from: 'e1', to: ['f2'] },
    { name: 'in check, a piece that cannot help cannot move', fen: '4k3/8/8/8/8/8/3PP3/r3K3 w - - 0 1', from: 'd2', to: [] },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(sorted(new Position(c.fen).destinations(c.from)), c.to));
});

describe('Position: turn, movable, pieceAt', () => {
  it('turn follows the FEN', () => {
    assert.equal(new Position(START).turn, 'white');
    assert.equal(new Position('rnbqkbnr/pppppppp/8/8/4P3/8/PPPP1PPP/RNBQKBNR b KQkq - 0 1').turn, 'black');
  });

  const movable: { name: string; fen: string; squares: string[] }[] = [
    { name: 'the start: pawns and knights', fen: START, squares: ['a2', 'b1', 'b2', 'c2', 'd2', 'e2', 'f2', 'g1', 'g2', 'h2'] },
    { name: 'in check, only what can answer it', fen: '4k3/8/8/8/8/8/3PP3/r3K3 w - - 0 1', squares: ['e1'] },
    { name: 'a pinned piece is not movable', fen: '4k3/4r3/8/8/8/8/4N3/4K3 w - - 0 1', squares: ['e1'] },
    { name: 'mated: nothing', fen: 'rnb1kbnr/pppp1ppp/8/4p3/6Pq/5P2/PPPPP2P/RNBQKBNR w KQkq - 1 3', squares: [] },
  ];
  for (const c of movable) it(`movable: ${c.name}`, () => assert.deepEqual(sorted(new Position(c.fen).movable()), c.squares));

  it('pieceAt tells occupied squares of either color from empty ones', () => {
    const p = new Position(START);
    assert.deepEqual(['e2', 'e7', 'e1', 'e4', 'h5'].map((s) => p.pieceAt(s)), [true, true, true, false, false]);
  });
});

describe('Position.isPromotion', () => {
  const cases: { name: string; fen: string; from: string; to: string; promotes: boolean }[] = [
    { name: 'a white pawn reaching the last rank', fen: PROMOTE, from: 'e7', to: 'e8', promotes: true },
    { name: 'a white pawn taking onto the last rank', fen: PROMOTE, from: 'e7', to: 'd8', promotes: true },
    { name: 'a black pawn reaching the first rank', fen: '4k3/8/8/8/8/8/p7/4K3 b - - 0 1', from: 'a2', to: 'a1', promotes: true },
    { name: 'a pawn one step short', fen: START, from: 'e2', to: 'e4', promotes: false },
    { name: 'a king move', fen: PROMOTE, from: 'e1', to: 'e2', promotes: false },
    { name: 'an illegal promotion square', fen: PROMOTE, from: 'e7', to: 'f8', promotes: false },
    { name: 'the pawn of the side not to move', fen: PROMOTE.replace(' w ', ' b '), from: 'e7', to: 'e8', promotes: false },
  ];
  for (const c of cases) it(c.name, () => assert.equal(new Position(c.fen).isPromotion(c.from, c.to), c.promotes));
});

describe('Position.checkedKing', () => {
  const cases: { name: string; fen: string; king: string | null }[] = [
    { name: 'no check at the start', fen: START, king: null },
    { name: 'white in check', fen: '4k3/8/8/8/8/8/3PP3/r3K3 w - - 0 1', king: 'e1' },
    { name: 'black in check', fen: '4k2R/8/8/8/8/8/8/4K3 b - - 0 1', king: 'e8' },
    { name: 'mated counts as in check', fen: 'rnb1kbnr/pppp1ppp/8/4p3/6Pq/5P2/PPPPP2P/RNBQKBNR w KQkq - 1 3', king: 'e1' },
    { name: 'stalemate is not check', fen: '7k/5Q2/6K1/8/8/8/8/8 b - - 0 1', king: null },
  ];
  for (const c of cases) it(c.name, () => assert.equal(new Position(c.fen).checkedKing(), c.king));
});

describe('Position.parse: what a player may type', () => {
  const accepted: { fen: string; text: string; uci: string; san: string }[] = [
    { fen: START, text: 'e4', uci: 'e2e4', san: 'e4' },
    { fen: START, text: 'e2e4', uci: 'e2e4', san: 'e4' },
    { fen: START, text: 'E2E4', uci: 'e2e4', san: 'e4' },
    { fen: START, text: '  e4 ', uci: 'e2e4', san: 'e4' },
    { fen: START, text: 'Nf3', uci: 'g1f3', san: 'Nf3' },
    { fen: START, text: 'g1f3', uci: 'g1f3', san: 'Nf3' },
    { fen: CASTLE, text: 'O-O', uci: 'e1g1', san: 'O-O' },
    { fen: CASTLE, text: '0-0', uci: 'e1g1', san: 'O-O' },
    { fen: CASTLE, text: 'O-O-O', uci: 'e1c1', san: 'O-O-O' },
    { fen: CASTLE, text: '0-0-0', uci: 'e1c1', san: 'O-O-O' },
    { fen: CASTLE, text: 'e1g1', uci: 'e1g1', san: 'O-O' },
    { fen: CAPTURE, text: 'exd5', uci: 'e4d5', san: 'exd5' },
    { fen: CAPTURE, text: 'ed5', uci: 'e4d5', san: 'exd5' },
    { fen: CAPTURE, text: 'e4d5', uci: 'e4d5', san: 'exd5' },
    { fen: TWO_KNIGHTS, text: 'Nbd2', uci: 'b1d2', san: 'Nbd2' },
    { fen: TWO_KNIGHTS, text: 'Nfd2', uci: 'f3d2', san: 'Nfd2' },
    { fen: TWO_KNIGHTS, text: 'b1d2', uci: 'b1d2', san: 'Nbd2' },
    { fen: PROMOTE, text: 'e8=Q', uci: 'e7e8q', san: 'e8=Q' },
    { fen: PROMOTE, text: 'e8Q', uci: 'e7e8q', san: 'e8=Q' },
    { fen: PROMOTE, text: 'e7e8q', uci: 'e7e8q', san: 'e8=Q' },
    { fen: PROMOTE, text: 'e7e8Q', uci: 'e7e8q', san: 'e8=Q' },
    { fen: PROMOTE, text: 'exd8=N', uci: 'e7d8n', san: 'exd8=N' },
    { fen: PROMOTE, text: 'e7d8r', uci: 'e7d8r', san: 'exd8=R' },
    { fen: BACK_RANK, text: 'Ra8#', uci: 'a1a8', san: 'Ra8#' },
    { fen: BACK_RANK, text: 'Ra8+', uci: 'a1a8', san: 'Ra8#' },
    { fen: BACK_RANK, text: 'Ra8', uci: 'a1a8', san: 'Ra8#' },
    { fen: CASTLE, text: 'O-O+', uci: 'e1g1', san: 'O-O' },
    // As the server's notation reads them (libs/chess-fsm/src/notation.ts).
    { fen: START, text: 'Pe4', uci: 'e2e4', san: 'e4' },
    { fen: PROMOTE, text: 'e8=q', uci: 'e7e8q', san: 'e8=Q' },
  ];
  for (const c of accepted) {
    it(`${JSON.stringify(c.text)} in ${c.fen.split(' ')[0]} → ${c.uci}`, () => assert.deepEqual(new Position(c.fen).parse(c.text), { ok: true, uci: c.uci, san: c.san }));
  }

  const refused: { why: string; fen: string; text: string; message: RegExp }[] = [
    { why: 'a lowercase piece letter is a pawn file', fen: START, text: 'nf3', message: /^nf3 is not a legal move/ },
    { why: 'illegal here', fen: START, text: 'e5', message: /^e5 is not a legal move/ },
    { why: 'illegal UCI', fen: START, text: 'e2e5', message: /^e2e5 is not a legal move/ },
    { why: 'a promotion piece on a move that does not promote', fen: START, text: 'e2e4q', message: /^e2e4q is not a legal move/ },
    { why: 'castling without the right', fen: 'r3k2r/8/8/8/8/8/8/R3K2R w - - 0 1', text: 'O-O', message: /^O-O is not a legal move/ },
    { why: 'two knights can go to d2', fen: TWO_KNIGHTS, text: 'Nd2', message: /^Nd2 is ambiguous/ },
    { why: 'UCI promotion without its piece', fen: PROMOTE, text: 'e7e8', message: /^e7e8 needs its promotion piece/ },
    { why: 'SAN promotion without its piece', fen: PROMOTE, text: 'e8', message: /^e8 needs its promotion piece/ },
    { why: 'a capturing promotion without its piece', fen: PROMOTE, text: 'e7d8', message: /^e7d8 needs its promotion piece/ },
    { why: 'promotion to a king', fen: PROMOTE, text: 'e8=K', message: /^e8=K is not a legal move/ },
    { why: 'junk', fen: START, text: 'xx', message: /^xx is not a legal move/ },
    { why: 'off the board', fen: START, text: 'e9', message: /^e9 is not a legal move/ },
    { why: 'two moves at once', fen: START, text: 'e4 e5', message: /^e4 e5 is not a legal move/ },
    { why: 'nothing typed', fen: START, text: '', message: /type a move/ },
    { why: 'only spaces', fen: START, text: '   ', message: /type a move/ },
    // A pawn's capture names its file; castling is not written as the king's step.
    { why: 'a pawn capture without the pawn\'s file', fen: CAPTURE, text: 'xd5', message: /^xd5 is not a legal move/ },
    { why: 'a pawn capture written as a push', fen: CAPTURE, text: 'd5', message: /^d5 is not a legal move/ },
    { why: 'castling written as the king\'s step', fen: CASTLE, text: 'Kg1', message: /^Kg1 is not a legal move/ },
  ];
  for (const c of refused) {
    it(`${JSON.stringify(c.text)} is refused: ${c.why}`, () => {
      const r = new Position(c.fen).parse(c.text);
      assert.equal(r.ok, false, JSON.stringify(r));
      assert.match((r as { message: string }).message, c.message);
    });
  }
});

describe('Position.after', () => {
  const cases: { name: string; fen: string; uci: string; after: { fen: string; san: string } | null }[] = [
    { name: 'a pawn push', fen: START, uci: 'e2e4', after: { fen: 'rnbqkbnr/pppppppp/8/8/4P3/8/PPPP1PPP/RNBQKBNR b KQkq - 0 1', san: 'e4' } },
    { name: 'castling moves the rook too', fen: CASTLE, uci: 'e1g1', after: { fen: 'r3k2r/8/8/8/8/8/8/R4RK1 b kq - 1 1', san: 'O-O' } },
    { name: 'a promotion', fen: PROMOTE, uci: 'e7e8q', after: { fen: '3rQ3/8/8/8/8/8/k7/4K3 b - - 0 1', san: 'e8=Q' } },
    { name: 'an illegal move', fen: START, uci: 'e2e5', after: null },
    { name: 'a promotion without its piece', fen: PROMOTE, uci: 'e7e8', after: null },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(new Position(c.fen).after(c.uci), c.after));

  it('leaves the position it was asked about as it was', () => {
    const p = new Position(START);
    p.after('e2e4');
    assert.deepEqual(p.destinations('e2').sort(), ['e3', 'e4']);
  });

  it('never throws on text parse accepts: it answers the move, or null', () => {
    const p = new Position(START);
    const e4 = p.after('e2e4');
    assert.deepEqual(p.after('E2E4'), e4);
    assert.deepEqual(p.after(' e2e4'), e4);
    const nf3 = p.after('Nf3');
    assert.ok(nf3 === null || nf3.san === 'Nf3', JSON.stringify(nf3));
  });
});

describe('moveSquares', () => {
  const cases: [uci: string, squares: [string, string] | null][] = [
    ['e2e4', ['e2', 'e4']],
    ['e7e8q', ['e7', 'e8']],
    ['Nf3', null],
    ['', null],
  ];
  for (const [uci, squares] of cases) it(`${JSON.stringify(uci)} → ${JSON.stringify(squares)}`, () => assert.deepEqual(moveSquares(uci), squares));
});

describe('claimableDraw: when the Claim draw button shows', () => {
  const shuffle = ['g1f3', 'g8f6', 'f3g1', 'f6g8'].map((uci) => ({ uci }));
  it('nothing to claim at the start', () => assert.equal(claimableDraw(START, []), null));
  it('the start position seen twice is not yet a threefold', () => assert.equal(claimableDraw(START, shuffle), null));
  it('the start position seen three times is', () => assert.equal(claimableDraw(START, [...shuffle, ...shuffle]), 'threefold'));
  it('fifty moves by each side with no capture or pawn move', () =>
    assert.equal(claimableDraw('4k3/8/8/8/8/8/8/4K2R w - - 99 80', [{ uci: 'h1h2' }]), 'fifty-moves'));
  it('a pawn move resets the count', () => assert.equal(claimableDraw('4k3/8/8/8/8/8/4P3/4K3 w - - 99 80', [{ uci: 'e2e3' }]), null));
  it('moves that do not fit the position give no hint rather than an error', () => assert.equal(claimableDraw(START, [{ uci: 'e2e5' }]), null));
});
