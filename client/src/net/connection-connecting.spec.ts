import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { Handshake } from '@rookery/protocol';
import { NOW, Scope, TestNode, connection, onlineAt, silentNode, trail, until, waiting } from './connection.spec-fixtures';

// How the Connection reaches a node and moves on: the handshake it sends (auth() asked again every
// time), the backoff between attempts, and the nodes it skips for the next one: gone, refusing,
// silent, stalled in the Socket.IO handshake, or draining; and a node that offers only long-polling.
// The test nodes and connection() are in connection.spec-fixtures.ts.

describe('Connection: connecting and reconnecting', () => {
  it('connects to the first node: connecting, then online, and onOnline fires once', async (t) => {
    const scope = new Scope(t);
    const a = await TestNode.start(scope);
    const b = await TestNode.start(scope);
    const seats = { g1: 'seat-token-g1-0123456789' };
    const { conn, states } = connection(scope, [a.url, b.url], { auth: () => ({ session: 'session-0001', seats }) });
    let onlines = 0;
    conn.onOnline(() => onlines++);
    assert.equal(conn.online, false);
    conn.start();
    await until('online on A', () => onlineAt(conn, a.url));
    assert.deepEqual(trail(states, [a.url, b.url]), ['connecting A', 'online A']);
    assert.equal(onlines, 1);
    assert.deepEqual(a.handshakes, [{ session: 'session-0001', seats }]);
    assert.equal(b.tcp, 0, 'the second node is not tried while the first one answers');
  });

  it('asks auth() again for every connection: the seats taken since are in the new handshake', async (t) => {
    const scope = new Scope(t);
    const a = await TestNode.start(scope);
    let auth: Handshake = { session: 'session-0001', seats: {} };
    let asked = 0;
    const { conn } = connection(scope, [a.url], {
      auth: () => {
        asked++;
        return auth;
      },
    });
    conn.start();
    await until('online', () => conn.online);
    auth = { session: 'session-0001', seats: { g1: 'seat-token-g1-0123456789', g2: 'seat-token-g2-0123456789' } };
    a.sockets[0]!.disconnect(true);
    await until('a second connection', () => a.handshakes.length === 2 && conn.online);
    assert.deepEqual(a.handshakes, [{ session: 'session-0001', seats: {} }, auth]);
    assert.equal(asked, 2);
  });

  it('when its node goes away it waits attempt 0 of the backoff, then comes back online on the next node', async (t) => {
    const scope = new Scope(t);
    const a = await TestNode.start(scope);
    const b = await TestNode.start(scope);
    const { conn, states } = connection(scope, [a.url, b.url]);
    let onlines = 0;
    conn.onOnline(() => onlines++);
    conn.start();
    await until('online on A', () => onlineAt(conn, a.url));
    await a.close();
    await until('online on B', () => onlineAt(conn, b.url));
    assert.deepEqual(trail(states, [a.url, b.url]), ['connecting A', 'online A', 'waiting B', 'connecting B', 'online B']);
    const [w] = waiting(states);
    assert.match(w!.reason, /disconnected from/);
    assert.equal(w!.retryAt - NOW, 100, 'backoffDelay(0) with random 0');
    assert.equal(onlines, 2);
    assert.equal(b.handshakes.length, 1);
  });

  it('a node that refuses the connection (connect_error) is skipped for the next one', async (t) => {
    const scope = new Scope(t);
    const a = await TestNode.start(scope, { refuse: 'not ready' });
    const b = await TestNode.start(scope);
    const { conn, states } = connection(scope, [a.url, b.url]);
    conn.start();
    await until('online on B', () => onlineAt(conn, b.url));
    assert.deepEqual(trail(states, [a.url, b.url]), ['connecting A', 'waiting B', 'connecting B', 'online B']);
    assert.match(waiting(states)[0]!.reason, /could not connect to .*not ready/);
    assert.equal(a.refused, 1);
    assert.equal(a.handshakes.length, 0);
    assert.equal(b.handshakes.length, 1);
  });

  it('the backoff doubles while attempts fail, and starts again from attempt 0 after a connection', async (t) => {
    const scope = new Scope(t);
    const a = await TestNode.start(scope, { refuse: 'not ready' });
    const b = await TestNode.start(scope);
    const { conn, states } = connection(scope, [a.url, b.url]);
    conn.start();
    await until('online on B', () => onlineAt(conn, b.url));
    await b.close();
    await until('four waits', () => waiting(states).length === 4);
    conn.close();
    // A refused (attempt 0), B online, B gone (attempt 0 again), A refused (1), B refused (2).
    assert.deepEqual(
      waiting(states).map((w) => w.retryAt - NOW),
      [100, 100, 200, 400],
    );
    assert.deepEqual(
      waiting(states).map((w) => w.node),
      [b.url, a.url, b.url, a.url],
    );
  });

  it('a node that does not answer within connectTimeoutMs is skipped for the next one', async (t) => {
    const scope = new Scope(t);
    const silent = await silentNode(scope);
    const b = await TestNode.start(scope);
    const { conn, states } = connection(scope, [silent, b.url], { connectTimeoutMs: 300 });
    const t0 = performance.now();
    conn.start();
    await until('online on B', () => onlineAt(conn, b.url));
    assert.ok(performance.now() - t0 >= 300, 'the silent node had its connectTimeoutMs');
    assert.deepEqual(trail(states, [silent, b.url]), ['connecting A', 'waiting B', 'connecting B', 'online B']);
    assert.match(waiting(states)[0]!.reason, /timeout/);
  });

  it('a node that offers only HTTP long-polling is still reached (WebSocket first, then the other transport)', async (t) => {
    const scope = new Scope(t);
    const a = await TestNode.start(scope, { pollingOnly: true, onConnection: (s) => s.on('lobby:list', (_p, ack) => ack({ ok: true, games: [] })) });
    const { conn } = connection(scope, [a.url]);
    conn.start();
    await until('online', () => conn.online);
    assert.equal(a.sockets[0]!.conn.transport.name, 'polling');
    assert.deepEqual(await conn.request('lobby:list', {}), { ok: true, games: [] });
  });

  it(
    'a node whose Socket.IO handshake never completes is given up after connectTimeoutMs for the next one',
    async (t) => {
      const scope = new Scope(t);
      const a = await TestNode.start(scope, { stall: true });
      const b = await TestNode.start(scope);
      const { conn, states } = connection(scope, [a.url, b.url], { connectTimeoutMs: 300 });
      conn.start();
      await until('online on B', () => onlineAt(conn, b.url), 1500);
      assert.deepEqual(trail(states, [a.url, b.url]), ['connecting A', 'waiting B', 'connecting B', 'online B']);
    },
  );

  it('server:draining: leaves the node at once and comes back on the next one after drainDelay (reconnectInMs/2 .. 1.5×)', async (t) => {
    const scope = new Scope(t);
    const a = await TestNode.start(scope);
    const b = await TestNode.start(scope);
    const reconnectInMs = 400;
    // Three clients with different jitter: 0 → 0.5×, 0.5 → 1×, 0.999 → 1.5× of reconnectInMs.
    const cases = [0, 0.5, 0.999].map((r) => {
      const c = connection(scope, [a.url, b.url], { random: () => r });
      const rec = { ...c, expected: Math.round(reconnectInMs / 2 + r * reconnectInMs), backAt: 0 };
      c.conn.onOnline(() => {
        if (c.conn.state.node === b.url) rec.backAt = performance.now();
      });
      return rec;
    });
    for (const c of cases) c.conn.start();
    await until('all online on A', () => cases.every((c) => onlineAt(c.conn, a.url)) && a.sockets.length === 3);
    const t0 = performance.now();
    a.io.emit('server:draining', { reconnectInMs });

    await until('A to see all three leave', () => a.disconnects.length === 3);
    for (const d of a.disconnects) {
      assert.equal(d.reason, 'client namespace disconnect', 'the client left; the node did not close it');
      assert.ok(d.at - t0 < 100, `left ${Math.round(d.at - t0)} ms after the drain notice`);
    }
    await delay(reconnectInMs / 2 - 60);
    assert.equal(b.tcp, 0, 'nobody reconnects before reconnectInMs/2');

    await until('all online on B', () => cases.every((c) => onlineAt(c.conn, b.url)));
    for (const c of cases) {
      const w = waiting(c.states);
      assert.equal(w.length, 1);
      assert.equal(w[0]!.node, b.url, 'it waits for the next node');
      assert.match(w[0]!.reason, /draining/);
      assert.equal(w[0]!.retryAt - NOW, c.expected);
      const took = c.backAt - t0;
      assert.ok(took >= c.expected - 5 && took <= c.expected + 250, `expected back after about ${c.expected} ms, took ${Math.round(took)} ms`);
      assert.deepEqual(trail(c.states, [a.url, b.url]), ['connecting A', 'online A', 'waiting B', 'connecting B', 'online B']);
    }
    assert.ok(cases[0]!.backAt < cases[1]!.backAt && cases[1]!.backAt < cases[2]!.backAt, 'the jitter spreads the clients');
  });
});
