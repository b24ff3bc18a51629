import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { Clocks } from '@rookery/protocol';
import { until } from './connection.spec-fixtures';
import { GAME, setup, versions, type FakeNode } from './game-session.spec-fixtures';

// What a GameSession hears from the cluster: the first watch (a whole view) and the room events
// around it; catching up after a reconnect, a resume or a version gap by watching again from its
// version; a game the cluster does not know; and the clock syncs and spectator counts it is sent.
// The fake nodes and setup() are in game-session.spec-fixtures.ts.

describe('GameSession: watching', () => {
  it('the first watch names no version and takes the whole game (a resync view)', async (t) => {
    const { state, nodes, session, ui } = await setup(t, { opening: ['e2e4', 'e7e5'] });
    assert.deepEqual(nodes[0]!.watches, [{ gameId: GAME }]);
    const m = session.model!;
    assert.equal(m.version, 5);
    assert.deepEqual(m.moves, [
      { san: 'e4', uci: 'e2e4' },
      { san: 'e5', uci: 'e7e5' },
    ]);
    assert.equal(m.fen, state.view().fen);
    assert.equal(m.status, 'started');
    assert.deepEqual(m.seats, { white: { name: 'Alice' }, black: { name: 'Bob' } });
    assert.equal(session.seat, 'white');
    assert.deepEqual(ui.events, [], 'a view is not a list of events');
    assert.ok(ui.changes > 0);
  });

  it('after a reconnect it watches from its version and applies exactly the events it missed', async (t) => {
    const { state, nodes, session, ui } = await setup(t, { seat: 'black', opening: ['e2e4', 'e7e5'], nodes: [{}, {}] });
    const [a, b] = nodes as [FakeNode, FakeNode];
    assert.equal(session.model!.version, 5);
    const dying = a.kill();
    // Played while the page is away (before it can reach B): it hears none of them live.
    state.play('g1f3');
    state.play('b8c6');
    state.play('f1b5');
    await dying;
    await until('caught up on B', () => session.model!.version === 8);
    await delay(50);
    assert.deepEqual(b.watches, [{ gameId: GAME, version: 5 }]);
    assert.deepEqual(session.model!.moves, state.moves());
    assert.deepEqual(
      session.model!.moves.map((x) => x.san),
      ['e4', 'e5', 'Nf3', 'Nc6', 'Bb5'],
    );
    assert.deepEqual(versions(ui.events), [6, 7, 8], 'each missed event once, in order');
    assert.equal(session.model!.fen, state.view().fen);
  });

  it('room events that arrive before the first watch is answered are not lost (nor applied twice)', async (t) => {
    // On the first watch, v6 reaches the client early and is also in the view; v7 reaches it early and is not.
    const { session, nodes, ui } = await setup(t, {
      opening: ['e2e4', 'e7e5'],
      loaded: false,
      nodes: [
        {
          watchJoined: (p, state) => p.version === undefined && state.version === 5 && state.play('g1f3'),
          beforeWatchAnswer: (p, state) => p.version === undefined && state.version === 6 && state.play('b8c6'),
        },
      ],
    });
    await until('model at v7', () => session.model?.version === 7);
    await delay(100);
    assert.deepEqual(
      session.model!.moves.map((x) => x.san),
      ['e4', 'e5', 'Nf3', 'Nc6'],
    );
    assert.deepEqual(versions(ui.events), [7], 'v6 came with the view, v7 after it');
    assert.equal(nodes[0]!.watches.length, 1, 'no second watch was needed');
  });
});

describe('GameSession: resuming', () => {
  it('a room event that arrives before a resume is answered is applied after the catch-up, with no further watch', async (t) => {
    const { state, nodes, session, ui } = await setup(t, {
      opening: ['e2e4', 'e7e5'],
      // On the resume from v5: the catch-up holds v6; v7 is played before the answer goes out.
      nodes: [{ beforeWatchAnswer: (p, s) => p.version === 5 && s.version === 6 && s.play('b8c6') }],
    });
    const [a] = nodes as [FakeNode];
    a.sockets[0]!.disconnect(true);
    state.play('g1f3'); // missed: the page is between connections
    await until('model at v7', () => session.model!.version === 7);
    await delay(100);
    assert.deepEqual(a.watches, [{ gameId: GAME }, { gameId: GAME, version: 5 }]);
    assert.deepEqual(session.model!.moves, state.moves());
    assert.deepEqual(versions(ui.events), [6, 7]);
  });

  it('a version gap (an event it never got) makes it watch again from its version', async (t) => {
    const { state, nodes, session, ui } = await setup(t, { opening: ['e2e4', 'e7e5'] });
    const [a] = nodes as [FakeNode];
    state.play('g1f3', { broadcast: false }); // v6 is lost on the way
    state.play('b8c6'); // v7 arrives: two ahead of the model
    await until('model at v7', () => session.model!.version === 7);
    await delay(50);
    assert.deepEqual(a.watches, [{ gameId: GAME }, { gameId: GAME, version: 5 }]);
    assert.deepEqual(session.model!.moves, state.moves());
    assert.deepEqual(versions(ui.events), [6, 7]);
  });

  it('a game the cluster does not know is reported once through ui.missing, and not watched again', async (t) => {
    const { nodes, session, ui } = await setup(t, { gameId: 'nope', loaded: false });
    await until('ui.missing', () => ui.missing.length === 1);
    await delay(300);
    assert.deepEqual(nodes[0]!.watches, [{ gameId: 'nope' }]);
    assert.deepEqual(ui.missing, ['no game nope']);
    assert.equal(session.model, null);
  });
});

describe('GameSession: clocks and spectators', () => {
  const clocks = (white: number, black: number): Clocks => ({ white, black, running: 'white', at: Date.now() });

  it('clock:sync for the current version replaces the clocks; one for an older version or another game does not', async (t) => {
    const { nodes, session } = await setup(t, { opening: ['e2e4', 'e7e5'] });
    const s = nodes[0]!.sockets[0]!;
    const now = clocks(170_000, 175_000);
    s.emit('clock:sync', { gameId: GAME, version: 5, clocks: now, serverTime: Date.now() });
    s.emit('clock:sync', { gameId: GAME, version: 4, clocks: clocks(1, 1), serverTime: Date.now() });
    s.emit('clock:sync', { gameId: 'g2', version: 5, clocks: clocks(2, 2), serverTime: Date.now() });
    s.emit('game:spectators', { gameId: GAME, count: 1 }); // a marker: the syncs before it were handled
    await until('the marker', () => session.spectators === 1);
    assert.deepEqual(session.model!.clocks, now);
    assert.equal(session.time.known, true);
  });

  it('game:spectators sets the spectator count and asks the page to draw again; another game’s count is ignored', async (t) => {
    const { nodes, session, ui } = await setup(t);
    const s = nodes[0]!.sockets[0]!;
    assert.equal(session.spectators, 0);
    const before = ui.changes;
    s.emit('game:spectators', { gameId: GAME, count: 3 });
    await until('three spectators', () => session.spectators === 3);
    assert.ok(ui.changes > before);
    const marker = clocks(1234, 5678);
    s.emit('game:spectators', { gameId: 'g2', count: 9 });
    s.emit('clock:sync', { gameId: GAME, version: 3, clocks: marker, serverTime: Date.now() }); // handled after the count before it
    await until('the marker', () => session.model!.clocks?.white === 1234);
    assert.equal(session.spectators, 3);
    s.emit('game:spectators', { gameId: GAME, count: 0 });
    await until('none', () => session.spectators === 0);
  });
});
