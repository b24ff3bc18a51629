import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { Connection } from './connection';
import { Scope, TestNode, connection, onlineAt, until, waiting, type NodeSocket } from './connection.spec-fixtures';

// What the Connection does once started: requests (ERR_OFFLINE when not connected, the answer, or
// ERR_NO_ANSWER at the timeout or at once when the connection drops), close() in each state, and
// listeners added with on() that last across connections until removed.
// The test nodes and connection() are in connection.spec-fixtures.ts.

describe('Connection: requests', () => {
  it('answers ERR_OFFLINE when not connected, and never sends that request later', async (t) => {
    const scope = new Scope(t);
    const a = await TestNode.start(scope);
    const b = await TestNode.start(scope);
    const { conn } = connection(scope, [a.url, b.url]);
    assert.deepEqual(await conn.request('lobby:list', {}), { ok: false, error: { code: 'ERR_OFFLINE', message: 'not connected: lobby:list not sent' } });

    conn.start();
    await until('online on A', () => onlineAt(conn, a.url));
    // Asked while it waits to reconnect, and while its next socket is still connecting: Socket.IO
    // would buffer an emit on a socket that is not connected yet and send it once it is.
    const asked: { state: string; answer: ReturnType<Connection['request']> }[] = [];
    const ask = (): void => void asked.push({ state: conn.state.kind, answer: conn.request('lobby:list', {}) });
    conn.onState((s) => {
      if (s.kind === 'waiting') ask();
      if (s.kind === 'connecting') setImmediate(ask); // once the socket exists
    });
    await a.close();
    await until('online on B', () => onlineAt(conn, b.url));
    assert.deepEqual(
      asked.map((x) => x.state),
      ['waiting', 'connecting'],
    );
    for (const x of asked) {
      const r = await x.answer;
      assert.equal(!r.ok && r.error.code, 'ERR_OFFLINE', `asked while ${x.state}`);
    }
    await delay(100);
    assert.deepEqual(
      [...a.received, ...b.received].map((x) => x.event),
      [],
      'nothing was sent to either node',
    );
  });

  it('resolves with the answer, or with ERR_NO_ANSWER when none comes within timeoutMs', async (t) => {
    const scope = new Scope(t);
    const a = await TestNode.start(scope, {
      onConnection: (s) => {
        s.on('lobby:list', (_p, ack) => ack({ ok: true, games: [] }));
        s.on('game:unwatch', () => undefined);
      },
    });
    const { conn } = connection(scope, [a.url]);
    conn.start();
    await until('online', () => conn.online);
    assert.deepEqual(await conn.request('lobby:list', {}), { ok: true, games: [] });

    const t0 = performance.now();
    const r = await conn.request('game:unwatch', { gameId: 'g1' }, 150);
    const took = performance.now() - t0;
    assert.equal(!r.ok && r.error.code, 'ERR_NO_ANSWER');
    assert.ok(took >= 145 && took < 1000, `answered after ${Math.round(took)} ms`);
    assert.deepEqual(
      a.received.map((x) => x.event),
      ['lobby:list', 'game:unwatch'],
    );
    assert.equal(conn.online, true, 'an unanswered request does not drop the connection');
  });

  const drops: [string, (node: TestNode, socket: NodeSocket) => void][] = [
    ['the node closes the connection', (_node, socket) => void socket.disconnect(true)],
    ['the node dies', (node) => void node.kill()],
  ];
  for (const [name, drop] of drops) {
    it(`a request pending when ${name} resolves ERR_NO_ANSWER at once, not at its timeout`, async (t) => {
      const scope = new Scope(t);
      const node = await TestNode.start(scope, { onConnection: (s, self) => s.on('lobby:list', () => setImmediate(() => drop(self, s))) });
      const { conn } = connection(scope, [node.url]);
      conn.start();
      await until('online', () => conn.online);
      const t0 = performance.now();
      const r = await conn.request('lobby:list', {}, 5000);
      const took = performance.now() - t0;
      assert.equal(!r.ok && r.error.code, 'ERR_NO_ANSWER');
      assert.ok(took < 500, `answered after ${Math.round(took)} ms`);
      assert.equal(node.received.length, 1, 'it was sent');
    });
  }
});

describe('Connection: close and listeners', () => {
  it('close() while it cycles through refusing nodes: no attempt reaches any node afterwards', async (t) => {
    const scope = new Scope(t);
    const a = await TestNode.start(scope, { refuse: 'not ready' });
    const b = await TestNode.start(scope, { refuse: 'not ready' });
    const { conn, states } = connection(scope, [a.url, b.url]);
    conn.start();
    await until('two refusals, and the client waiting after the second', () => waiting(states).length === 2);
    assert.equal(a.refused + b.refused, 2);
    conn.close();
    const seen = [a.tcp, b.tcp, states.length];
    await delay(600); // attempts 1 and 2 would have come after 200 and 400 ms
    assert.deepEqual([a.tcp, b.tcp, states.length], seen);
    assert.equal(conn.online, false);
  });

  it('close() while online: the node sees the client leave and no new connection', async (t) => {
    const scope = new Scope(t);
    const a = await TestNode.start(scope);
    const { conn } = connection(scope, [a.url]);
    conn.start();
    await until('online', () => conn.online);
    conn.close();
    await until('A sees the client leave', () => a.disconnects.length === 1);
    assert.equal(a.disconnects[0]!.reason, 'client namespace disconnect');
    await delay(300);
    assert.equal(a.tcp, 1);
    assert.equal(a.handshakes.length, 1);
    assert.equal(conn.online, false);
  });

  it('close() while waiting out a drain: the next node is never reached', async (t) => {
    const scope = new Scope(t);
    const a = await TestNode.start(scope);
    const b = await TestNode.start(scope);
    const { conn } = connection(scope, [a.url, b.url]);
    conn.start();
    await until('online on A', () => onlineAt(conn, a.url));
    a.sockets[0]!.emit('server:draining', { reconnectInMs: 200 });
    await until('waiting', () => conn.state.kind === 'waiting');
    conn.close();
    await delay(400);
    assert.equal(b.tcp, 0);
    assert.equal(a.tcp, 1);
  });

  it('listeners added with on() after start hear events, on later connections too, until removed', async (t) => {
    const scope = new Scope(t);
    const a = await TestNode.start(scope);
    const { conn } = connection(scope, [a.url]);
    conn.start();
    await until('online', () => conn.online);
    const heard: number[] = [];
    const off = conn.on('game:spectators', (s) => heard.push(s.count));
    a.sockets[0]!.emit('game:spectators', { gameId: 'g1', count: 1 });
    await until('the first event', () => heard.length === 1);

    a.sockets[0]!.disconnect(true);
    await until('a second connection', () => a.sockets.length === 2 && conn.online);
    a.sockets[1]!.emit('game:spectators', { gameId: 'g1', count: 2 });
    await until('the second event', () => heard.length === 2);
    assert.deepEqual(heard, [1, 2]);

    off();
    const control: number[] = [];
    conn.on('game:spectators', (s) => control.push(s.count));
    a.sockets[1]!.emit('game:spectators', { gameId: 'g1', count: 3 });
    await until('the control listener to hear the third', () => control.length === 1);
    assert.deepEqual(heard, [1, 2], 'a removed listener hears nothing more');
  });
});
