import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createServer as createTcpServer, type Socket as TcpSocket } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { ClientToServerEvents, Handshake, ServerToClientEvents } from '@rookery/protocol';
import { Server, type Socket as ServerSocket } from 'socket.io';
import { NodeList } from '../core/nodes';
import { Connection, type ConnectionOptions, type ConnectionState } from './connection';

// The client's one connection to the cluster, against real Socket.IO servers on 127.0.0.1, port 0,
// each standing in for a Rookery node with just the behaviour a case needs.

type NodeSocket = ServerSocket<ClientToServerEvents, ServerToClientEvents>;

/** Cleanups run in reverse order after the test: the client goes before the nodes it talks to. */
class Scope {
  private readonly stack: (() => unknown)[] = [];
  constructor(t: TestContext) {
    t.after(async () => {
      while (this.stack.length > 0) await this.stack.pop()!();
    });
  }
  defer(fn: () => unknown): void {
    this.stack.push(fn);
  }
}

interface NodeOptions {
  /** Refuse every connection in the `io.use` middleware with this message. */
  refuse?: string;
  /** Never finish the Socket.IO handshake: the middleware never calls next (an overloaded or frozen node). */
  stall?: true;
  /** Offer HTTP long-polling only (no WebSocket), as behind a proxy that will not upgrade. */
  pollingOnly?: true;
  /** Per-connection handlers for the case. */
  onConnection?: (socket: NodeSocket, node: TestNode) => void;
}

/** A Socket.IO server playing a Rookery node, and what it saw. */
class TestNode {
  /** TCP connections accepted: every attempt to reach the node, refused or not. */
  tcp = 0;
  /** Connections refused by the middleware. */
  refused = 0;
  readonly handshakes: Handshake[] = [];
  readonly sockets: NodeSocket[] = [];
  readonly received: { event: string; payload: unknown }[] = [];
  readonly disconnects: { reason: string; at: number }[] = [];
  private readonly open = new Set<TcpSocket>();
  private closing: Promise<void> | null = null;

  private constructor(
    readonly io: Server<ClientToServerEvents, ServerToClientEvents>,
    readonly url: string,
  ) {}

  static async start(scope: Scope, o: NodeOptions = {}): Promise<TestNode> {
    const http = createServer();
    const io = new Server<ClientToServerEvents, ServerToClientEvents>(http, { serveClient: false, ...(o.pollingOnly ? { transports: ['polling'] as const } : {}) });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const address = http.address();
    assert.ok(address !== null && typeof address === 'object');
    const node = new TestNode(io, `http://127.0.0.1:${address.port}`);
    scope.defer(() => node.kill());
    http.on('connection', (s: TcpSocket) => {
      node.tcp++;
      node.open.add(s);
      s.on('close', () => node.open.delete(s));
    });
    if (o.refuse !== undefined) {
      const message = o.refuse;
      io.use((_socket, next) => {
        node.refused++;
        next(new Error(message));
      });
    }
    if (o.stall) io.use(() => undefined);
    io.on('connection', (socket) => {
      node.handshakes.push(socket.handshake.auth as Handshake);
      node.sockets.push(socket);
      socket.onAny((event: string, payload: unknown) => node.received.push({ event, payload }));
      socket.on('disconnect', (reason) => node.disconnects.push({ reason, at: performance.now() }));
      o.onConnection?.(socket, node);
    });
    return node;
  }

  /** Shuts down the way a server does: the sockets are told and the port is released. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => void this.io.close(() => resolve()));
    return this.closing;
  }

  /** Dies: every TCP connection is cut at once, nobody is told. */
  kill(): Promise<void> {
    for (const s of this.open) s.destroy();
    return this.close();
  }
}

/** A TCP port that accepts connections and never says a word. */
async function silentNode(scope: Scope): Promise<string> {
  const held = new Set<TcpSocket>();
  const server = createTcpServer((s) => held.add(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  scope.defer(
    () =>
      new Promise<void>((resolve) => {
        for (const s of held) s.destroy();
        server.close(() => resolve());
      }),
  );
  const a = server.address();
  assert.ok(a !== null && typeof a === 'object');
  return `http://127.0.0.1:${a.port}`;
}

async function until(what: string, cond: () => boolean, ms = 3000): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await delay(5);
  }
}

const NOW = 1_000_000;

/** A connection over `urls` (first is the page's origin) with a fixed random source and clock, its states recorded; not started. */
function connection(scope: Scope, urls: string[], o: Partial<ConnectionOptions> = {}): { conn: Connection; states: ConnectionState[] } {
  const conn = new Connection({ nodes: new NodeList(urls[0]!, urls.slice(1)), auth: () => ({ session: 'session-0001' }), random: () => 0, now: () => NOW, ...o });
  const states: ConnectionState[] = [];
  conn.onState((s) => states.push(s));
  scope.defer(() => conn.close());
  return { conn, states };
}

/** The states as `kind node`, with the nodes named A, B, …, repeats of the same line merged. */
function trail(states: readonly ConnectionState[], urls: readonly string[]): string[] {
  const out: string[] = [];
  for (const s of states) {
    const line = `${s.kind} ${String.fromCharCode(65 + urls.indexOf(s.node))}`;
    if (out[out.length - 1] !== line) out.push(line);
  }
  return out;
}

const waiting = (states: readonly ConnectionState[]): Extract<ConnectionState, { kind: 'waiting' }>[] =>
  states.filter((s): s is Extract<ConnectionState, { kind: 'waiting' }> => s.kind === 'waiting');

const onlineAt = (conn: Connection, url: string): boolean => conn.online && conn.state.node === url;

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
