import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { until } from '@rookery/raft/testing';
import { Server } from 'socket.io';
import { LeanSocket } from './lean-io';

/** The load generators' lean client against a real Socket.IO server (the version the nodes run). */
describe('LeanSocket: the Socket.IO wire protocol, lean', () => {
  let io: Server;
  let url: string;
  /** Why each socket the server saw went away, by the name it gave. */
  const gone = new Map<string, string>();

  before(async () => {
    const http = createServer();
    // Pings every 50 ms, given up after 100 ms unanswered: a client that does not pong is gone within the tests.
    io = new Server(http, { transports: ['websocket'], pingInterval: 50, pingTimeout: 100 });
    io.use((socket, next) => {
      const auth = socket.handshake.auth as { name?: string };
      if (auth.name === 'mallory') return next(new Error('ERR_BAD_REQUEST: not you'));
      socket.data = { name: auth.name ?? 'anonymous' };
      next();
    });
    io.on('connection', (socket) => {
      socket.on('hello', (arg: { n: number }, ack: (answer: unknown) => void) => ack({ ok: true, name: socket.data.name, twice: arg.n * 2 }));
      socket.on('silent', () => undefined);
      socket.on('shout', (arg: string) => {
        // Events the client has no handler for come first, one of them a prefix of the one it has.
        socket.emit('new', 'unheard');
        socket.emit('newsflash', { text: 'unheard' });
        socket.emit('news', { text: arg.toUpperCase(), at: [1, 2, 3] }, 'and', 'more');
      });
      socket.on('leave-me', () => socket.disconnect(true));
      socket.on('disconnect', (reason) => gone.set(socket.data.name as string, reason));
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });

  after(() => new Promise<void>((resolve) => void io.close(() => resolve())));

  it('connects with a handshake the server reads, and gets answers to its events', async () => {
    const s = await LeanSocket.connect(url, { name: 'alice' });
    try {
      assert.deepEqual(await s.emitWithAck('hello', { n: 21 }, 1000), { ok: true, name: 'alice', twice: 42 });
      // Answers are matched by id, not by order.
      const answers = await Promise.all([1, 2, 3].map((n) => s.emitWithAck('hello', { n }, 1000)));
      assert.deepEqual(answers.map((a) => (a as { twice: number }).twice), [2, 4, 6]);
    } finally {
      s.close();
    }
  });

  it('receives the events the server emits', async () => {
    const s = await LeanSocket.connect(url);
    try {
      const heard: unknown[][] = [];
      const news = new Promise((resolve) => s.on('news', (...args) => resolve(heard.push(args))));
      s.emit('shout', 'check', 1000, () => undefined);
      await news;
      assert.deepEqual(heard, [[{ text: 'CHECK', at: [1, 2, 3] }, 'and', 'more']], 'only the event with a handler, under its own name');
    } finally {
      s.close();
    }
  });

  it('hands an event with a raw handler its packet\'s JSON array as text, unparsed', async () => {
    const s = await LeanSocket.connect(url);
    try {
      const parsed: unknown[][] = [];
      s.on('news', (...args) => parsed.push(args));
      const raw = new Promise<string>((resolve) => s.onRaw('news', resolve));
      s.emit('shout', 'mate', 1000, () => undefined);
      assert.equal(await raw, JSON.stringify(['news', { text: 'MATE', at: [1, 2, 3] }, 'and', 'more']));
      assert.deepEqual(parsed, [], 'the raw handler takes the event in place of the parsed one');
    } finally {
      s.close();
    }
  });

  it('closes as socket.io-client does: the server hears a namespace disconnect, not a lost transport', async () => {
    const s = await LeanSocket.connect(url, { name: 'polite' });
    assert.deepEqual(await s.emitWithAck('hello', { n: 1 }, 1000), { ok: true, name: 'polite', twice: 2 });
    s.close();
    await until(() => gone.has('polite'), 1000, 'the server to hear the polite client go');
    assert.equal(gone.get('polite'), 'client namespace disconnect');
  });

  it('rejects the connection with the reason the server refused it', async () => {
    await assert.rejects(LeanSocket.connect(url, { name: 'mallory' }), /ERR_BAD_REQUEST: not you/);
  });

  it('answers the heartbeat, so the server keeps it connected', async () => {
    const s = await LeanSocket.connect(url);
    let lost: string | undefined;
    s.onDisconnect((reason) => (lost = reason));
    try {
      // Ten ping intervals, twice the server's patience each time.
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(lost, undefined);
      assert.equal(io.sockets.sockets.size, 1);
      assert.equal(((await s.emitWithAck('hello', { n: 1 }, 1000)) as { ok: boolean }).ok, true);
    } finally {
      s.close();
    }
  });

  it('gives up on an unanswered event after its timeout, and fails what is in flight when the server disconnects it', async () => {
    const s = await LeanSocket.connect(url);
    let lost: string | undefined;
    s.onDisconnect((reason) => (lost = reason));
    await assert.rejects(s.emitWithAck('silent', {}, 100), /silent: no answer within 100 ms/);
    const inFlight = s.emitWithAck('silent', {}, 5000);
    s.emit('leave-me', {}, 5000, () => undefined);
    await assert.rejects(inFlight, /disconnected \(io server disconnect\)/);
    assert.equal(lost, 'io server disconnect');
    await assert.rejects(s.emitWithAck('hello', { n: 1 }, 1000), /not connected/);
  });

  it('fails to connect where no server listens', async () => {
    const http = createServer();
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const port = (http.address() as AddressInfo).port;
    await new Promise<void>((resolve) => http.close(() => resolve()));
    await assert.rejects(LeanSocket.connect(`http://127.0.0.1:${port}`, undefined, 2000), /ECONNREFUSED/);
  });
});
