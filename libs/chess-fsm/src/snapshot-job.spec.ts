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
    const expected = Buffer.from(m.snapshot());
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
});
