import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { ChessErrorCode, GatewayErrorCode } from '@rookery/protocol';
import { Scope, until } from './connection.spec-fixtures';
import { FakeNode, GAME, setup } from './game-session.spec-fixtures';

// What a GameSession sends: a move and its acknowledgement, through every way it can go wrong. A
// move made offline waits for the connection, carries the plies it was made on, is sent again under
// the same request id after ERR_UNAVAILABLE, a node that died with it in flight, or a node that
// started draining, and is applied once; a refused move is reported once and never sent again.
// The fake nodes and setup() are in game-session.spec-fixtures.ts.

describe('GameSession: commands', () => {
  it('a move made while offline is sent when the connection is back, under the same request id, and settled on ok', async (t) => {
    const scope = new Scope(t);
    const { state, nodes, conn, session, ui } = await setup(t);
    const [a] = nodes as [FakeNode];
    await a.kill();
    await until('offline', () => !conn.online);
    const p = session.send('game:move', 'e2e4');
    assert.deepEqual(session.outbox.pending(), [p]);
    await delay(50);
    assert.equal(state.arrivals.size, 0, 'nothing sent while offline');

    const back = await FakeNode.start(scope, state, {}, a.port); // the same node, restarted
    await until('the move settled', () => session.outbox.pending().length === 0);
    assert.deepEqual(back.watches, [{ gameId: GAME, version: 3 }]);
    assert.deepEqual(back.moves.map((m) => m.requestId), [p.requestId]);
    // With the plies it was made on: sent later, it can only be played on that position.
    assert.deepEqual(back.moves.map((m) => m.ply), [0]);
    assert.deepEqual([...state.arrivals], [[p.requestId, 1]]);
    assert.deepEqual(back.answers, [{ ok: true, gameId: GAME, version: 4 }]);
    await until('the move in the model', () => session.model!.version === 4);
    assert.deepEqual(session.model!.moves, [{ san: 'e4', uci: 'e2e4' }]);
    assert.deepEqual(ui.refusals, []);
  });

  it('a move carries the plies of the position it was made on, however late it is sent', async (t) => {
    const scope = new Scope(t);
    const { state, nodes, conn, session } = await setup(t, { opening: ['e2e4', 'e7e5'] });
    const [a] = nodes as [FakeNode];
    await a.kill();
    await until('offline', () => !conn.online);
    const p = session.send('game:move', 'g1f3');
    const back = await FakeNode.start(scope, state, {}, a.port);
    await until('the move settled', () => session.outbox.pending().length === 0);
    assert.deepEqual(
      back.moves.map((m) => [m.requestId, m.ply]),
      [[p.requestId, 2]],
    );
  });

  it('a move answered ERR_UNAVAILABLE is sent again, with the same request id and a backoff, until it is ok', async (t) => {
    const { state, nodes, session, ui } = await setup(t, { nodes: [{ move: (_p, n) => (n <= 2 ? { refuse: GatewayErrorCode.Unavailable } : 'apply') }] });
    const [a] = nodes as [FakeNode];
    const p = session.send('game:move', 'e2e4');
    await until('the move settled', () => session.outbox.pending().length === 0);
    assert.deepEqual(
      a.moves.map((m) => m.requestId),
      [p.requestId, p.requestId, p.requestId],
    );
    assert.deepEqual([...state.arrivals], [[p.requestId, 3]]);
    const [t1, t2, t3] = a.moves.map((m) => m.at) as [number, number, number];
    // backoffDelay(1) and backoffDelay(2) with random 0: 200 and 400 ms.
    assert.ok(t2 - t1 >= 195, `second attempt after ${Math.round(t2 - t1)} ms`);
    assert.ok(t3 - t2 >= 395, `third attempt after ${Math.round(t3 - t2)} ms`);
    assert.deepEqual(state.moves(), [{ san: 'e4', uci: 'e2e4' }]);
    await until('the move in the model', () => session.model!.version === 4);
    assert.deepEqual(session.model!.moves, [{ san: 'e4', uci: 'e2e4' }]);
    assert.deepEqual(ui.refusals, []);
  });

  it('a move refused ERR_ILLEGAL_MOVE is settled and reported once, and never sent again (not even after a reconnect)', async (t) => {
    const { state, nodes, session, ui } = await setup(t);
    const [a] = nodes as [FakeNode];
    const p = session.send('game:move', 'e2e5');
    await until('the refusal', () => ui.refusals.length === 1);
    assert.deepEqual(ui.refusals, [{ requestId: p.requestId, code: ChessErrorCode.IllegalMove }]);
    assert.deepEqual(session.outbox.pending(), []);

    a.sockets[0]!.disconnect(true);
    await until('watching again', () => a.watches.length === 2);
    await delay(300); // past backoffDelay(1) too
    assert.deepEqual([...state.arrivals], [[p.requestId, 1]]);
    assert.equal(ui.refusals.length, 1);
    assert.equal(session.model!.version, 3);
  });

  it('a node that dies with a move in flight: the move is sent again to the next node under the same id, and applied once', async (t) => {
    const { state, nodes, session, ui } = await setup(t, { nodes: [{ move: (_p, n) => (n === 1 ? 'apply-then-die' : 'apply') }, {}] });
    const [a, b] = nodes as [FakeNode, FakeNode];
    const p = session.send('game:move', 'e2e4');
    await until('the move settled', () => session.outbox.pending().length === 0);
    assert.deepEqual(
      a.moves.map((m) => m.requestId),
      [p.requestId],
    );
    assert.deepEqual(
      b.moves.map((m) => m.requestId),
      [p.requestId],
    );
    assert.deepEqual([...state.arrivals], [[p.requestId, 2]]);
    assert.deepEqual(b.answers, [{ ok: true, gameId: GAME, version: 4, duplicate: true }], 'the state answered the retry with its first answer');
    assert.deepEqual(state.moves(), [{ san: 'e4', uci: 'e2e4' }], 'applied once');
    assert.deepEqual(b.watches, [{ gameId: GAME, version: 3 }]);
    await until('the move in the model', () => session.model!.version === 4);
    assert.deepEqual(session.model!.moves, [{ san: 'e4', uci: 'e2e4' }]);
    assert.deepEqual(ui.refusals, []);
  });
});

describe('GameSession: a draining node', () => {
  it('a move refused by a node that starts draining is sent to the next node under the same id, and applied once', async (t) => {
    const { state, nodes, session, ui } = await setup(t, { nodes: [{ move: () => 'drain' }, {}] });
    const [a, b] = nodes as [FakeNode, FakeNode];
    const p = session.send('game:move', 'e2e4');
    await until('the move settled', () => session.outbox.pending().length === 0);
    assert.deepEqual(
      [...a.moves, ...b.moves].map((m) => m.requestId),
      [p.requestId, p.requestId],
    );
    assert.deepEqual(b.answers, [{ ok: true, gameId: GAME, version: 4 }]);
    assert.deepEqual(b.watches, [{ gameId: GAME, version: 3 }]);
    assert.deepEqual(state.moves(), [{ san: 'e4', uci: 'e2e4' }]);
    await until('the move in the model', () => session.model!.version === 4);
    assert.deepEqual(session.model!.moves, [{ san: 'e4', uci: 'e2e4' }]);
    assert.deepEqual(ui.refusals, []);
  });
});
