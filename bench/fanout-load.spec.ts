import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bareEvents, loopDelayOf, movedPly } from './fanout-load';

/** The fan-out spectators read a move's ply off the packet's text; it must agree with parsing it. */
describe('movedPly', () => {
  const packet = (...events: object[]): string => JSON.stringify(['game:event', ...events]);

  it('reads the ply of every move of a game, as JSON.parse does', () => {
    const moves = ['e2e4', 'e7e5', 'g1f3', 'b8c6', 'f1b5', 'a7a6', 'b5c6', 'd7c6', 'e1g1', 'f7f6'];
    const events = bareEvents('g-Ab_9', moves);
    for (const e of events) assert.equal(movedPly(packet(e)), (JSON.parse(packet(e)) as [string, { ply: number }])[1].ply);
    assert.deepEqual(events.map((e) => movedPly(packet(e))), moves.map((_, i) => i + 1));
  });

  it('takes the first event of a packet: a move with its capture and check, or nothing when another kind leads', () => {
    const moved = { gameId: 'g1', version: 231, at: 1, type: 'moved', color: 'black', ply: 123, san: 'Qxf2+', uci: 'd4f2', fen: '8/8/8/8/8/8/5q2/4K2k w - - 0 62', clocks: null };
    const captured = { gameId: 'g1', version: 232, at: 1, type: 'captured', ply: 7, square: 'f2', piece: 'p', color: 'white' };
    const check = { gameId: 'g1', version: 233, at: 1, type: 'check', color: 'white' };
    assert.equal(movedPly(packet(moved, captured, check)), 123);
    assert.equal(movedPly(packet(captured, moved)), undefined);
    assert.equal(movedPly(packet({ gameId: 'g1', version: 3, at: 1, type: 'joined', color: 'black', name: 'ply' })), undefined);
    assert.equal(movedPly('["game:event"]'), undefined);
  });
});

describe('loopDelayOf', () => {
  it("reads a node's event-loop delay off its metrics, in ms, and names what is missing", () => {
    const text = [
      '# HELP rookery_process_nodejs_eventloop_lag_max_seconds The maximum recorded event loop delay.',
      '# TYPE rookery_process_nodejs_eventloop_lag_max_seconds gauge',
      'rookery_process_nodejs_eventloop_lag_max_seconds 0.118489087',
      'rookery_process_nodejs_eventloop_lag_p90_seconds 0.010190463',
      'rookery_process_nodejs_eventloop_lag_p99_seconds 0.1123',
    ].join('\n');
    assert.deepEqual(loopDelayOf(text, 'http://n1'), { p99: 112.3, max: 118.5 });
    assert.throws(() => loopDelayOf(text.replace(/_p99_/g, '_p95_'), 'http://n1'), /http:\/\/n1\/metrics has no rookery_process_nodejs_eventloop_lag_p99_seconds/);
  });
});
