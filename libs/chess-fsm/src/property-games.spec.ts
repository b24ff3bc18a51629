/**
 * Property tests of the chess state machine, through its public API only: random legal games (from the
 * start, from random positions and from endgames) never diverge from chess.js: moves, events, how and when
 * the game ends, the draw claims it allows, and the PGN. The seed and its replay: property.spec-fixtures.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Chess, type Move } from 'chess.js';
import fc from 'fast-check';
import { ChessErrorCode, ChessMachine, type Color, type EndReason } from './index';
import { T0, bump, ok, SEED, params, stats, token } from './property.spec-fixtures';

/** FIDE identity of a position, as chess.js writes it (en passant square only when the capture is legal). */
const positionKey = (fen: string): string => fen.split(' ').slice(0, 4).join(' ');
const halfmoves = (fen: string): number => Number(fen.split(' ')[4]);

// ---- Random legal games agree with chess.js -------------------------------------------------------

interface Ply {
  /** 0..9: below `back` replays the mover's last move backwards, below `back + quiet` picks a quiet move, else any move. */
  roll: number;
  pick: number;
  uci: boolean;
}
interface GameCase {
  /** An endgame to start from instead of the standard position (index into ENDGAMES), or null. */
  from: number | null;
  /** Moves played in chess.js first; the machine's game starts from the position they reach. */
  prefix: number[];
  back: number;
  quiet: number;
  plies: Ply[];
}

/** Endgames, where random play soon mates, stalemates, runs out of material or shuffles into the 75-move rule; one is already decided. */
const ENDGAMES = [
  '8/8/8/4k3/8/8/8/4K2Q w - - 0 1',
  '7k/8/8/8/8/8/1Q6/K7 b - - 0 1',
  'k7/8/2Q5/8/8/8/8/K7 w - - 0 1', // Qc7 stalemates
  '8/8/8/4k3/8/8/8/R3K3 w Q - 0 1',
  '8/8/8/4k3/8/8/8/2B1KN2 w - - 0 1',
  '8/8/4k3/8/8/8/4P3/4K3 w - - 0 1',
  '8/8/4k3/8/8/8/8/1N2KN2 w - - 0 1',
  '8/8/2b1k3/8/8/8/8/3BK3 w - - 0 1', // bishops on opposite colors: play on
  '8/8/3bk3/8/8/8/8/3BK3 w - - 0 1', // bishops on one color: already drawn
  '8/5k2/8/8/8/8/1q6/K7 w - - 0 1',
  '6k1/5ppp/8/8/8/8/5PPP/3R2K1 w - - 0 1',
  '4k3/8/8/8/8/8/2n5/4K2N w - - 0 1',
];
const plyArb: fc.Arbitrary<Ply> = fc.record({ roll: fc.nat({ max: 9 }), pick: fc.nat(), uci: fc.boolean() });
const gameCaseArb: fc.Arbitrary<GameCase> = fc.record({
  from: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 2, arbitrary: fc.nat({ max: ENDGAMES.length - 1 }) }),
  prefix: fc.oneof({ weight: 3, arbitrary: fc.constant<number[]>([]) }, { weight: 2, arbitrary: fc.array(fc.nat(), { minLength: 1, maxLength: 120, size: 'max' }) }),
  back: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 10 }) }),
  quiet: fc.oneof({ weight: 2, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 5, max: 10 }) }),
  plies: fc.array(plyArb, { maxLength: 300, size: 'max' }),
});

const isQuiet = (san: string): boolean => !san.includes('x') && san.charCodeAt(0) >= 65 && san.charCodeAt(0) <= 90;

/** Plays the chosen move in `ref` and returns it. */
function playChoice(ref: Chess, ply: Ply, c: GameCase, last: Partial<Record<'w' | 'b', Move>>): Move {
  const lastOwn = last[ref.turn()];
  if (ply.roll < c.back && lastOwn !== undefined) {
    // Undo the mover's own last move (a knight or rook shuffle): this is what makes repetitions.
    const back = ref.moves({ square: lastOwn.to, verbose: true }).find((m) => m.to === lastOwn.from && m.promotion === undefined);
    if (back !== undefined) return ref.move(back.san);
  }
  const sans = ref.moves();
  let pool = sans;
  if (ply.roll < c.back + c.quiet) {
    const quiet = sans.filter(isQuiet);
    if (quiet.length > 0) pool = quiet;
  }
  return ref.move(pool[ply.pick % pool.length]!);
}

function runLegalGame(c: GameCase): void {
  // The start: the standard position, or the one a random prefix reaches.
  const pre = new Chess(c.from === null ? undefined : ENDGAMES[c.from]);
  for (const n of c.prefix) {
    const sans = pre.moves();
    if (sans.length === 0) break;
    pre.move(sans[n % sans.length]!);
  }
  const startFen = pre.fen();
  const decided = pre.isCheckmate() || pre.isStalemate() || pre.isInsufficientMaterial();
  const m = new ChessMachine();
  const W = token('white');
  const B = token('black');
  let t = T0;
  let rid = 0;
  const create = m.apply(
    { type: 'create', requestId: `r${rid++}`, session: 'sw', gameId: 'g', token: W, color: 'white', timeControl: null, ...(c.prefix.length > 0 || c.from !== null ? { fen: startFen } : {}) },
    (t += 1000),
  );
  if (decided) {
    assert.deepEqual(create.result.ok ? create.result : create.result.error.code, ChessErrorCode.BadPosition, `a decided start ${startFen} is refused`);
    assert.deepEqual(create.events, []);
    bump('decided start refused');
    return;
  }
  ok(create, 'create');
  ok(m.apply({ type: 'join', requestId: `r${rid++}`, session: 'sb', gameId: 'g', token: B }, (t += 1000)), 'join');
  const seat: Record<Color, string> = { white: W, black: B };
  const start = m.view('g')!;
  assert.equal(start.fen, startFen);
  assert.equal(start.initialFen, startFen);
  assert.equal(start.status, 'started');

  const ref = new Chess(startFen);
  const seen = new Map<string, number>([[positionKey(startFen), 1]]);
  const last: Partial<Record<'w' | 'b', Move>> = {};
  let version = start.version;
  let checkedThreefold = false;
  let checkedFifty = false;
  for (const [i, ply] of c.plies.entries()) {
    const mover = ref.turn() === 'w' ? 'white' : 'black';
    const mv = playChoice(ref, ply, c, last);
    last[mv.color] = mv;
    const fen = ref.fen();
    const key = positionKey(fen);
    seen.set(key, (seen.get(key) ?? 0) + 1);
    const text = ply.uci ? mv.lan : mv.san;
    const out = m.apply({ type: 'move', requestId: `r${rid++}`, session: mover === 'white' ? 'sw' : 'sb', gameId: 'g', token: seat[mover], move: text }, (t += 1000));
    const where = `ply ${i + 1} ${text} from ${mv.before}`;
    assert.deepEqual(out.result, { ok: true, gameId: 'g', version: version + out.events.length, color: mover }, where);
    const moved = out.events[0];
    assert.ok(moved?.type === 'moved', where);
    assert.deepEqual([moved.san, moved.uci, moved.fen, moved.color, moved.ply], [mv.san, mv.lan, fen, mover, i + 1], where);
    out.events.forEach((e, k) => assert.equal(e.version, version + k + 1, `${where}: versions without gaps`));
    version += out.events.length;
    const view = m.view('g')!;
    assert.equal(view.fen, fen, where);
    assert.equal(view.version, version, where);

    // What ends the game, computed independently of the machine.
    // chess.js's own verdicts come first; fivefold repetition and the 75-move rule are the machine's on top.
    const mate = ref.isCheckmate();
    const verdicts = new Set<EndReason>();
    if (ref.isStalemate()) verdicts.add('stalemate');
    if (ref.isInsufficientMaterial()) verdicts.add('insufficient-material');
    const rules = new Set<EndReason>();
    if (seen.get(key)! >= 5) rules.add('fivefold');
    if (halfmoves(fen) >= 150) rules.add('seventy-five-moves');
    const draws = verdicts.size > 0 ? verdicts : rules;
    if (mate) {
      assert.deepEqual([view.status, view.reason, view.result], ['ended', 'checkmate', mover === 'white' ? '1-0' : '0-1'], where);
      assert.ok(out.events.some((e) => e.type === 'checkmate' && e.winner === mover), where);
    } else if (draws.size > 0) {
      assert.equal(view.status, 'ended', `${where}: ${[...draws].join(', ')} holds (${fen})`);
      assert.ok(view.reason !== null && draws.has(view.reason), `${where}: ended by ${view.reason}, expected ${[...draws].join(' or ')}`);
      assert.equal(view.result, '1/2-1/2', where);
      const ending = out.events[out.events.length - 1]!;
      assert.deepEqual(ending.type === 'stalemate' ? 'stalemate' : ending.type === 'draw' ? ending.reason : ending.type, view.reason, `${where}: the last event says why`);
    } else {
      // Threefold repetition and the 50-move rule never end a game by themselves.
      assert.equal(view.status, 'started', `${where}: the machine ended the game (${view.reason}) while chess.js plays on (${fen})`);
      assert.equal(view.reason, null, where);
    }
    if (view.status === 'ended') {
      bump(`ended: ${view.reason}`);
      break;
    }

    // Claims: refused (changing nothing) unless threefold repetition or the 50-move rule holds.
    const threefold = seen.get(key)! >= 3;
    const fifty = halfmoves(fen) >= 100;
    for (const reason of [undefined, 'threefold', 'fifty-moves'] as const) {
      const holds = reason === undefined ? threefold || fifty : reason === 'threefold' ? threefold : fifty;
      if (holds) continue;
      const claim = m.apply({ type: 'claimDraw', requestId: `c${rid++}`, session: 'sw', gameId: 'g', token: seat[i % 2 === 0 ? 'white' : 'black'], ...(reason ? { reason } : {}) }, t);
      assert.equal(claim.result.ok ? 'ok' : claim.result.error.code, ChessErrorCode.CannotClaim, `${where}: claim ${reason ?? '(any)'}`);
    }
    if ((threefold && !checkedThreefold) || (fifty && !checkedFifty)) {
      // A claim that holds ends the game: try it on a copy.
      const reasons: ('threefold' | 'fifty-moves' | undefined)[] = [undefined];
      if (threefold) reasons.push('threefold');
      if (fifty) reasons.push('fifty-moves');
      for (const reason of reasons) {
        const copy = ChessMachine.fromSnapshot(m.snapshot());
        const claim = copy.apply({ type: 'claimDraw', requestId: `c${rid++}`, session: 'sb', gameId: 'g', token: B, ...(reason ? { reason } : {}) }, t);
        ok(claim, `${where}: claim ${reason ?? '(any)'} (seen ${seen.get(key)}, halfmoves ${halfmoves(fen)})`);
        const v = copy.view('g')!;
        assert.deepEqual([v.status, v.result, v.reason], ['ended', '1/2-1/2', reason ?? (threefold ? 'threefold' : 'fifty-moves')], where);
      }
      if (threefold) checkedThreefold = true;
      if (fifty) checkedFifty = true;
      bump(threefold ? 'threefold claimed' : 'fifty-moves claimed');
    }
  }
  const end = m.view('g')!;
  if (end.status === 'started') bump('unfinished');
  // The moves and the PGN agree with chess.js.
  assert.deepEqual(
    end.moves.map((x) => x.san),
    ref.history(),
  );
  const replay = new Chess();
  replay.loadPgn(m.pgn('g')!);
  assert.equal(replay.fen(), ref.fen(), 'the PGN replays to the same position');
}

describe('chess-fsm properties', () => {
  it(`random legal games never diverge from chess.js (seed ${SEED})`, (t) => {
    stats.clear();
    fc.assert(
      fc.property(gameCaseArb, (c) => runLegalGame(c)),
      params(40),
    );
    t.diagnostic(`outcomes: ${[...stats].map(([k, v]) => `${k} ${v}`).join(', ')}`);
  });
});
