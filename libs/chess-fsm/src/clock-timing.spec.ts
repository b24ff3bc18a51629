/**
 * Clocks from entry times only: what each move charges and adds (the first moves free, the
 * increment, a FEN with black to move, untimed games, 0+n), and entry times that go backwards or
 * are not finite. The Table and checks are in clock.spec-fixtures.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TC, Table, clocks, movedClocks, refused } from './clock.spec-fixtures';

describe('timing the moves', () => {
  it('the first move of each side is free (no charge, no increment); then charges and increments, exact', () => {
    const t = new Table();
    t.start('g', 0, TC, { joinAt: 100 });
    assert.deepEqual(t.m.view('g')!.clocks, clocks(60_000, 60_000, null, 100));

    // White thinks 30 s over its first move: free, and no clock runs after it.
    assert.deepEqual(movedClocks(t.play('g', 'e4', 30_000)), clocks(60_000, 60_000, null, 30_000));
    assert.deepEqual(t.m.view('g')!.clocks, clocks(60_000, 60_000, null, 30_000));
    assert.equal(t.m.flagDeadline('g'), undefined);

    // Black thinks 40 s: free too, no increment; now white's clock runs.
    assert.deepEqual(movedClocks(t.play('g', 'e5', 70_000)), clocks(60_000, 60_000, 'white', 70_000));
    assert.deepEqual(t.m.view('g')!.clocks, clocks(60_000, 60_000, 'white', 70_000));
    assert.equal(t.m.flagDeadline('g'), 130_000);

    // White: 3 s charged, 2 s increment.
    assert.deepEqual(movedClocks(t.play('g', 'Nf3', 73_000)), clocks(59_000, 60_000, 'black', 73_000));
    assert.equal(t.m.flagDeadline('g'), 133_000);
    // Black: 10.5 s charged, 2 s increment.
    assert.deepEqual(movedClocks(t.play('g', 'Nc6', 83_500)), clocks(59_000, 51_500, 'white', 83_500));
    assert.equal(t.m.flagDeadline('g'), 142_500);
    // White, 1 ms before its flag falls: 1 ms left, plus the increment.
    assert.deepEqual(movedClocks(t.play('g', 'Bb5', 142_499)), clocks(2001, 51_500, 'black', 142_499));
    assert.equal(t.m.flagDeadline('g'), 194_000 - 1);

    // The view's clocks are as of the last move (`at`), the running side's time counting down from there.
    t.tick(150_000);
    assert.equal(t.m.now, 150_000);
    assert.deepEqual(t.m.view('g')!.clocks, clocks(2001, 51_500, 'black', 142_499));
    assert.deepEqual(t.m.liveGames()[0]!.timeControl, TC);
  });

  it('an increment of 0: a move just charges', () => {
    const t = new Table();
    t.start('g', 0, { initialMs: 10_000, incrementMs: 0 });
    t.play('g', 'd4', 10);
    t.play('g', 'd5', 20);
    assert.deepEqual(movedClocks(t.play('g', 'c4', 1020)), clocks(9000, 10_000, 'black', 1020));
    assert.deepEqual(movedClocks(t.play('g', 'e6', 1030)), clocks(9000, 9990, 'white', 1030));
  });

  it('a game from a FEN with black to move: black’s and then white’s first moves are free, then black’s clock runs', () => {
    const t = new Table();
    t.start('g', 0, TC, { fen: 'rnbqkbnr/pppppppp/8/8/4P3/8/PPPP1PPP/RNBQKBNR b KQkq - 0 1' });
    assert.deepEqual(movedClocks(t.play('g', 'c5', 5000)), clocks(60_000, 60_000, null, 5000));
    assert.equal(t.m.flagDeadline('g'), undefined);
    assert.deepEqual(movedClocks(t.play('g', 'Nf3', 9000)), clocks(60_000, 60_000, 'black', 9000));
    assert.equal(t.m.flagDeadline('g'), 69_000);
    assert.deepEqual(movedClocks(t.play('g', 'd6', 10_000)), clocks(60_000, 61_000, 'white', 10_000));
    assert.deepEqual(movedClocks(t.play('g', 'd4', 14_000)), clocks(58_000, 61_000, 'black', 14_000));
  });

  it('an untimed game has no clocks anywhere', () => {
    const t = new Table();
    t.start('g', 0, null);
    assert.equal(movedClocks(t.play('g', 'e4', 10)), null);
    assert.equal(movedClocks(t.play('g', 'e5', 20)), null);
    assert.equal(t.m.view('g')!.clocks, null);
    assert.equal(t.m.flagDeadline('g'), undefined);
  });

  // The first moves earn no increment, so a clock with no initial time would fall as it starts:
  // as on lichess, it starts with the increment, at least 3 s.
  for (const [incrementMs, initial] of [[3000, 3000], [1000, 3000], [5000, 5000]] as const) {
    it(`0+${incrementMs / 1000}: each clock starts with ${initial} ms, and white can make its second move`, () => {
      const t = new Table();
      t.start('g', 0, { initialMs: 0, incrementMs });
      assert.deepEqual(t.m.view('g')!.clocks, clocks(initial, initial, null, 0));
      t.play('g', 'e4', 10);
      assert.deepEqual(movedClocks(t.play('g', 'e5', 20)), clocks(initial, initial, 'white', 20));
      assert.equal(t.m.flagDeadline('g'), 20 + initial);
      refused(t.flag('g', 20), 'ERR_NOT_FLAGGED');
      refused(t.flag('g', 19 + initial), 'ERR_NOT_FLAGGED');
      assert.deepEqual(movedClocks(t.move('g', 'white', 'Nf3', 19 + initial).events), clocks(1 + incrementMs, initial, 'black', 19 + initial));
    });
  }
});

describe('entry time never goes backwards', () => {
  it('an earlier entry time is treated as the latest seen: machine.now, event times and charges', () => {
    const t = new Table();
    t.start('g', 0, TC);
    t.play('g', 'e4', 1000);
    t.play('g', 'e5', 5000);
    assert.equal(t.m.now, 5000);
    // The entry says 3000 but the machine has seen 5000: no time passed, so white is charged 0.
    const events = t.play('g', 'Nf3', 3000);
    assert.equal(t.m.now, 5000);
    assert.deepEqual(events.map((e) => e.at), [5000]);
    assert.deepEqual(movedClocks(events), clocks(62_000, 60_000, 'black', 5000));
    // Black's flag falls at 65 000; once the machine has seen 65 000, a flag stamped 1 succeeds at 65 000.
    t.tick(65_000);
    const out = t.flag('g', 1);
    assert.deepEqual(out.events.map((e) => [e.type, e.at]), [['flagged', 65_000]]);
    assert.equal(t.m.now, 65_000);
  });

  it('a flag stamped earlier than the latest time seen is judged at that latest time (refused before the fall)', () => {
    const t = new Table();
    t.start('g', 0, TC);
    t.play('g', 'e4', 1000);
    t.play('g', 'e5', 2000);
    refused(t.flag('g', 61_999), 'ERR_NOT_FLAGGED');
    // Going back to 0 changes nothing: still 61 999 as far as the machine knows.
    refused(t.flag('g', 0), 'ERR_NOT_FLAGGED');
    assert.equal(t.m.now, 61_999);
  });

  it('non-finite entry times are ignored', () => {
    const t = new Table();
    t.start('g', 0, TC);
    t.tick(7000);
    for (const at of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      t.tick(at);
      assert.equal(t.m.now, 7000, String(at));
    }
    const events = t.play('g', 'e4', Number.POSITIVE_INFINITY);
    assert.equal(events[0]!.at, 7000);
  });

  it('now never decreases over a shuffled run of entry times', () => {
    const t = new Table();
    let max = 0;
    for (const at of [5, 3, 9, 9, 1, 0, 12, 11, 40, 39, 2]) {
      t.tick(at);
      max = Math.max(max, at);
      assert.equal(t.m.now, max);
    }
  });
});
