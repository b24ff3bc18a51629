import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diagnose } from './fanout';
import type { MoveSample, SideResult } from './fanout-load';

describe('fan-out diagnostics', () => {
  const sample = (ply: number, last: number, received = 3): MoveSample => ({
    ply,
    at: 1_700_000_000_000 + ply * 500,
    ack: last + 1,
    first: 2,
    last,
    received,
    elu: 0.5,
    server: { run: last - 10, wait: 5 },
    client: { run: last / 2, wait: 3 },
  });
  const zero = { run: 0, wait: 0 };
  const side = (samples: MoveSample[]): SideResult => ({ samples, soloAcks: [4, 5, 6], eventBytes: 180, time: { wall: 0, server: zero, client: zero, others: zero, machineBusy: 0 }, disconnects: 0 });

  it('keeps every measured move, in the order played, beside the summaries made of them', () => {
    const moves = [sample(26, 120), sample(27, 180), sample(28, 110, 2), sample(29, 130)];
    const d = diagnose(side(moves), 3);
    assert.deepEqual(d.moves, moves);
    assert.deepEqual(d.toLast, { p50: 120, p99: 180, max: 180 });
    assert.equal(d.slowest?.ply, 27);
    // The move a spectator missed is counted, and stays among the moves for a look at it.
    assert.equal(d.incomplete, 1);
    assert.equal(d.moves.find((m) => m.received < 3)?.ply, 28);
  });
});
