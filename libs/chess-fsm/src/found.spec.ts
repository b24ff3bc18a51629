/**
 * A move carries what its proposer found it to do (MoveFound, log version 3): the replicas that
 * take it must end exactly where the ones that find the move themselves do, and a finding made
 * in a position the game has since left must be ignored.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Chess } from 'chess.js';
import fc from 'fast-check';
import { ChessErrorCode, ChessMachine, type Color, type Command, type MoveFound } from './index';
import { T0, SEED, bump, bytesEqual, ok, params, stats, token } from './property.spec-fixtures';

const W = token('white');
const B = token('black');
const seats: Record<Color, { session: string; token: string }> = { white: { session: 'sw', token: W }, black: { session: 'sb', token: B } };

const START = [
  undefined,
  '8/8/8/4k3/8/8/8/4K2Q w - - 0 1',
  'k7/8/8/2Q5/8/8/8/K7 w - - 0 1', // Qc7 stalemates
  '6k1/5ppp/8/8/8/8/5PPP/3R2K1 w - - 0 1', // Rd8 mates
  '4k3/1P6/8/8/8/8/6p1/4K3 w - - 0 1', // promotions
  'r3k2r/ppp1qppp/2n2n2/3pP3/1b6/2N2N2/PPPQ1PPP/R3K2R w KQkq d6 0 8', // castling, en passant
];

interface Step {
  pick: number;
  uci: boolean;
  /**
   * 0: as proposed; 1: a draw offer lands between the finding and the move (the game's version
   * moves on, its position does not); 2: the text is a move of another position, mostly illegal
   * here; 3: a whole move is played between the finding and the move (another position).
   */
  twist: number;
  /** Whether the follower had built its own board by finding this move itself (no `found`). */
  followerFinds: boolean;
}

const stepArb: fc.Arbitrary<Step> = fc.record({
  pick: fc.nat(),
  uci: fc.boolean(),
  twist: fc.oneof({ weight: 8, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.constant(2) }, { weight: 1, arbitrary: fc.constant(3) }),
  followerFinds: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
});

/**
 * Three replicas of one game: the proposer checks each move (precheck), takes what it found and
 * applies the move with it; a follower applies the same entry (with the finding, or now and
 * then without, as an entry from before version 3); a reference never sees a finding.
 */
function run(start: string | undefined, steps: Step[]): void {
  const proposer = new ChessMachine();
  const follower = new ChessMachine();
  const reference = new ChessMachine();
  let t = T0;
  let rid = 0;
  const all = (c: Command, forFollower: Command = c, forReference: Command = c): void => {
    t += 1000;
    const p = proposer.apply(c, t);
    const f = follower.apply(forFollower, t);
    const r = reference.apply(forReference, t);
    assert.deepEqual(f, p, `${c.type}: the follower answers and emits as the proposer`);
    assert.deepEqual(r, p, `${c.type}: the reference answers and emits as the proposer`);
  };
  all({ type: 'create', requestId: `r${rid++}`, session: 'sw', gameId: 'g', token: W, color: 'white', timeControl: null, ...(start === undefined ? {} : { fen: start }) });
  all({ type: 'join', requestId: `r${rid++}`, session: 'sb', gameId: 'g', token: B });
  assert.equal(proposer.view('g')?.status, 'started', `the game starts from ${start ?? 'the standard position'}`);
  const ref = new Chess(start);
  // chess.js follows what was played (a strange text may have been legal here after all).
  const follow = (): void => {
    const played = proposer.view('g')!.moves;
    if (played.length > ref.history().length) {
      const uci = played[played.length - 1]!.uci;
      ref.move({ from: uci.slice(0, 2), to: uci.slice(2, 4), promotion: uci[4] });
    }
  };
  const plain = (c: Command): void => {
    all(c);
    follow();
  };
  const strange = new Chess('rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1').moves({ verbose: true });
  for (const step of steps) {
    if (proposer.view('g')!.status !== 'started') break;
    const mover: Color = ref.turn() === 'w' ? 'white' : 'black';
    const legal = ref.moves({ verbose: true });
    const mv = step.twist === 2 ? strange[step.pick % strange.length]! : legal[step.pick % legal.length]!;
    const text = step.uci ? mv.lan : mv.san;
    const move: Command = { type: 'move', requestId: `r${rid++}`, ...seats[mover], gameId: 'g', move: text };
    const refused = proposer.precheck(move);
    const found = refused === undefined ? proposer.found(move) : undefined;
    if (refused !== undefined) {
      assert.equal(found, undefined, 'nothing is found for a move precheck refused');
      bump('refused at precheck');
    }
    if (step.twist === 3 && ref.moves().length > 1) {
      // The game goes on by a whole move (another of the mover's, then a reply) before the move
      // is applied: it is applied in another position, where the finding would be wrong.
      const other = legal[(step.pick + 1) % legal.length]!;
      plain({ type: 'move', requestId: `r${rid++}`, ...seats[mover], gameId: 'g', move: other.lan });
      const reply = ref.moves({ verbose: true })[0];
      if (reply !== undefined) plain({ type: 'move', requestId: `r${rid++}`, ...seats[mover === 'white' ? 'black' : 'white'], gameId: 'g', move: reply.lan });
      bump('applied in another position');
    }
    if (step.twist === 1) {
      // The opponent offers a draw after the move was checked and before it is applied: the game's
      // version moves on, and the finding, made at the old one, must be set aside.
      all({ type: 'offerDraw', requestId: `r${rid++}`, ...seats[mover === 'white' ? 'black' : 'white'], gameId: 'g' });
      bump('finding made stale');
    }
    const withFound: Command = found === undefined ? move : { ...move, found };
    all(withFound, step.followerFinds ? move : withFound, move);
    if (found !== undefined && step.twist === 0) bump('applied as found');
    follow();
  }
  const end = proposer.view('g')!;
  bump(end.status === 'ended' ? `ended: ${end.reason}` : 'unfinished');
  assert.equal(end.fen, ref.fen(), 'the proposer is where chess.js is');
  assert.ok(bytesEqual(follower.snapshot(), proposer.snapshot()), "the follower's state is the proposer's, byte for byte");
  assert.ok(bytesEqual(reference.snapshot(), proposer.snapshot()), "the reference's state is the proposer's, byte for byte");
}

describe('a move applied as its proposer found it (MoveFound)', () => {
  it(`leaves every replica where finding it anew would, stale findings set aside (seed ${SEED})`, (t) => {
    stats.clear();
    fc.assert(
      fc.property(fc.nat({ max: START.length - 1 }), fc.array(stepArb, { maxLength: 160, size: 'max' }), (s, steps) => run(START[s], steps)),
      params(40),
    );
    t.diagnostic(`outcomes: ${[...stats].map(([k, v]) => `${k} ${v}`).join(', ')}`);
    for (const needed of ['applied as found', 'finding made stale', 'applied in another position', 'refused at precheck']) assert.ok((stats.get(needed) ?? 0) > 0, `the runs covered: ${needed}`);
  });

  it('says what the move does: SAN with its suffix, UCI, the FEN after, the piece, a capture, en passant, stalemate', () => {
    const m = new ChessMachine();
    ok(m.apply({ type: 'create', requestId: 'c', session: 'sw', gameId: 'g', token: W, color: 'white', timeControl: null, fen: 'k7/8/8/2Q5/8/8/8/K7 w - - 0 1' }, T0), 'create');
    ok(m.apply({ type: 'join', requestId: 'j', session: 'sb', gameId: 'g', token: B }, T0), 'join');
    const move: Command = { type: 'move', requestId: 'm', session: 'sw', gameId: 'g', token: W, move: 'c5c7' };
    assert.equal(m.found(move), undefined, 'nothing until precheck has found the move');
    assert.equal(m.precheck(move), undefined);
    const found = m.found(move);
    assert.deepEqual(found, { version: m.view('g')!.version, san: 'Qc7', uci: 'c5c7', fen: 'k7/2Q5/8/8/8/8/8/K7 b - - 1 1', piece: 'q', stalemate: true } satisfies MoveFound);
    assert.equal(m.found({ ...move, move: 'Qc7' }), undefined, 'only for the text precheck was asked about');

    const ep = new ChessMachine();
    ok(ep.apply({ type: 'create', requestId: 'c', session: 'sw', gameId: 'g', token: W, color: 'white', timeControl: null, fen: '4k3/8/8/3pP3/8/8/8/4K3 w - d6 0 2' }, T0), 'create');
    ok(ep.apply({ type: 'join', requestId: 'j', session: 'sb', gameId: 'g', token: B }, T0), 'join');
    const take: Command = { type: 'move', requestId: 'e', session: 'sw', gameId: 'g', token: W, move: 'exd6' };
    assert.equal(ep.precheck(take), undefined);
    assert.deepEqual(ep.found(take), { version: ep.view('g')!.version, san: 'exd6', uci: 'e5d6', fen: '4k3/8/3P4/8/8/8/8/4K3 b - - 0 2', piece: 'p', captured: 'p', enPassant: true });
  });

  it('is refused (ERR_MALFORMED, nothing changed) when it is not of its form', () => {
    const m = new ChessMachine();
    ok(m.apply({ type: 'create', requestId: 'c', session: 'sw', gameId: 'g', token: W, color: 'white', timeControl: null }, T0), 'create');
    ok(m.apply({ type: 'join', requestId: 'j', session: 'sb', gameId: 'g', token: B }, T0), 'join');
    const good = { version: 2, san: 'e4', uci: 'e2e4', fen: 'rnbqkbnr/pppppppp/8/8/4P3/8/PPPP1PPP/RNBQKBNR b KQkq - 0 1', piece: 'p' };
    const bad: unknown[] = [
      null,
      'e4',
      [],
      { ...good, extra: 1 },
      { ...good, version: -1 },
      { ...good, version: 1.5 },
      { ...good, san: 'e9' },
      { ...good, uci: 'e2-e4' },
      { ...good, fen: 'not a fen' },
      { ...good, fen: 'rnbqkbnr/pppppppp/8/8/4P3/8/PPPP1PPP/RNBQKBNR b  - 0 1' },
      { ...good, piece: 'x' },
      { ...good, captured: 'P' },
      { ...good, enPassant: false },
      { ...good, stalemate: 'yes' },
    ];
    const before = m.snapshot();
    for (const found of bad) {
      const out = m.apply({ type: 'move', requestId: 'x', session: 'sw', gameId: 'g', token: W, move: 'e2e4', found } as unknown as Command, T0);
      assert.equal(out.result.ok ? 'ok' : out.result.error.code, ChessErrorCode.Malformed, JSON.stringify(found));
      assert.deepEqual(out.events, []);
    }
    assert.ok(bytesEqual(m.snapshot(), before), 'nothing changed');
    ok(m.apply({ type: 'move', requestId: 'y', session: 'sw', gameId: 'g', token: W, move: 'e2e4', found: good as MoveFound }, T0 + 2), 'the well-formed finding is taken');
  });
});
