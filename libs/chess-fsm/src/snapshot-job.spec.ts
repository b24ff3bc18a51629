import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Chess } from 'chess.js';
import { ChessMachine } from './index';

/** A machine with `games` games in play (some timed, so sweeps flag them), `plies` moves each. */
function busyMachine(games: number, plies: number): { m: ChessMachine; boards: Chess[]; at: number } {
  const m = new ChessMachine({ dedupeLimit: 5000 });
  let at = 1_000;
  const boards: Chess[] = [];
  for (let g = 0; g < games; g++) {
    const timeControl = g % 3 === 0 ? { initialMs: 60_000, incrementMs: 0 } : null;
    assert.ok(m.apply({ type: 'create', requestId: 'c', session: `white-${g}`, gameId: `g${g}`, token: `w${g}`.padEnd(24, 'x'), color: 'white', timeControl }, ++at).result.ok);
    assert.ok(m.apply({ type: 'join', requestId: 'j', session: `black-${g}`, gameId: `g${g}`, token: `b${g}`.padEnd(24, 'x') }, ++at).result.ok);
    boards.push(new Chess());
  }
  for (let p = 0; p < plies; p++) for (let g = 0; g < games; g++) move(m, boards, g, p, ++at);
  return { m, boards, at };
}

function move(m: ChessMachine, boards: Chess[], g: number, p: number, at: number): void {
  const board = boards[g]!;
  if (board.isGameOver()) return;
  const legal = board.moves({ verbose: true });
  const pick = legal[(g * 7 + p * 13) % legal.length]!;
  const white = board.turn() === 'w';
  const out = m.apply({ type: 'move', requestId: `m${p}-${board.history().length}`, session: `${white ? 'white' : 'black'}-${g}`, gameId: `g${g}`, token: `${white ? 'w' : 'b'}${g}`.padEnd(24, 'x'), move: pick.lan }, at);
  if (out.result.ok) board.move(pick.lan);
}

describe('snapshot taken in steps (beginSnapshot)', () => {
  it('gives the bytes snapshot() gave when it began, while moves, resignations, new games and sweeps go on between steps', () => {
    const { m, boards, at: start } = busyMachine(60, 20);
    let at = start;
    // From a twin: snapshot() here would leave every game's line kept, and the job nothing to do.
    const expected = Buffer.from(busyMachine(60, 20).m.snapshot());
    const job = m.beginSnapshot();
    let steps = 0;
    let swept = false;
    for (let round = 0; !job.step(2); round++) {
      steps++;
      // Between steps: moves in games encoded and not yet encoded, a resignation, a new game,
      // and early on a sweep an hour later (it flags every timed game and abandons idle ones,
      // most of them not yet encoded).
      for (let g = round % 7; g < 30; g += 7) move(m, boards, g, 100 + round, ++at);
      if (round === 2) m.apply({ type: 'resign', requestId: 'r', session: 'white-5', gameId: 'g5', token: 'w5'.padEnd(24, 'x') }, ++at);
      if (round === 4) m.apply({ type: 'create', requestId: 'c2', session: 'late-one', gameId: 'late', token: 'l'.padEnd(24, 'x'), color: 'white', timeControl: null }, ++at);
      if (round === 1) {
        const sweep = m.apply({ type: 'sweep', requestId: `s${round}`, session: 'system-sweep' }, at + 3_600_000).result;
        assert.ok(sweep.ok && (sweep.ended?.length ?? 0) > 10, JSON.stringify(sweep));
        swept = true;
      }
    }
    m.endSnapshot(job);
    assert.ok(swept && steps >= 7, `${steps} steps`);
    assert.ok(Buffer.from(job.result()).equals(expected), 'the stepped snapshot differs from the one taken at its start');
    // And it restores to the state of that moment: the late game is not in it.
    const restored = ChessMachine.fromSnapshot(job.result());
    assert.equal(restored.view('late'), undefined);
    assert.ok(Buffer.from(restored.snapshot()).equals(expected));
    assert.notEqual(m.view('g5')?.status, restored.view('g5')?.status, 'g5 resigned after the snapshot began');
  });

  it('a game changed after the job ended is not kept for it any more; a restore drops the job', () => {
    const { m, boards, at } = busyMachine(5, 4);
    const job = m.beginSnapshot();
    while (!job.step(1));
    const done = Buffer.from(job.result());
    m.endSnapshot(job);
    move(m, boards, 0, 50, at + 1);
    assert.ok(Buffer.from(job.result()).equals(done));
    const other = m.beginSnapshot();
    m.restore(done);
    assert.ok(Buffer.from(m.snapshot()).equals(done));
    assert.equal(other.step(0), false, 'the abandoned job is not finished by the restore');
  });

  it('reuses an unchanged game’s line from the last snapshot, never a changed one’s', () => {
    // The machine that snapshots along the way (and so keeps lines), against a fresh one fed
    // the same commands for each comparison (it has never kept a line).
    const kept = busyMachine(12, 6);
    let at = kept.at;
    const log: [Record<string, unknown>, number][] = [];
    const both = (c: Record<string, unknown>): void => {
      at++;
      log.push([c, at]);
      kept.m.apply(c, at);
    };
    const plain = { m: { snapshot: (): Uint8Array => {
      const fresh = busyMachine(12, 6).m;
      for (const [c, t] of log) fresh.apply(c, t);
      return fresh.snapshot();
    } } };
    const seat = (g: number, white: boolean): { session: string; token: string } => ({ session: `${white ? 'white' : 'black'}-${g}`, token: `${white ? 'w' : 'b'}${g}`.padEnd(24, 'x') });
    kept.m.snapshot();
    // Every kind of change, each in its own game, between two snapshots of `kept`.
    both({ type: 'offerDraw', requestId: 'o1', gameId: 'g1', ...seat(1, true) });
    both({ type: 'offerDraw', requestId: 'o2', gameId: 'g2', ...seat(2, true) });
    both({ type: 'declineDraw', requestId: 'd2', gameId: 'g2', ...seat(2, false) });
    both({ type: 'resign', requestId: 'r3', gameId: 'g3', ...seat(3, false) });
    both({ type: 'create', requestId: 'c', gameId: 'new', session: 'fresh-one', token: 'n'.padEnd(24, 'x'), color: 'black', timeControl: null });
    both({ type: 'join', requestId: 'j', gameId: 'new', session: 'fresh-two', token: 'm'.padEnd(24, 'x') });
    for (const g of [4, 5]) {
      const board = kept.boards[g]!;
      const pick = board.moves({ verbose: true })[0]!;
      both({ type: 'move', requestId: 'x', gameId: `g${g}`, ...seat(g, board.turn() === 'w'), move: pick.lan });
      board.move(pick.lan);
    }
    assert.ok(Buffer.from(kept.m.snapshot()).equals(Buffer.from(plain.m.snapshot())), 'after changes: a kept line was stale');
    both({ type: 'sweep', requestId: 's', session: 'system-sweep' });
    at += 7_200_000;
    both({ type: 'sweep', requestId: 's2', session: 'system-sweep' });
    assert.ok(Buffer.from(kept.m.snapshot()).equals(Buffer.from(plain.m.snapshot())), 'after sweeps: a kept line was stale');
  });
});
