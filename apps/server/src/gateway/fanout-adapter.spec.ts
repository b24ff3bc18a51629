import assert from 'node:assert/strict';
import { createServer, type Server as HttpServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { until } from '@rookery/raft/testing';
import { Server, type Socket } from 'socket.io';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { FanoutAdapter, SWEEP_CHUNK, textFrame } from './fanout-adapter';
import { WriteThreads } from './write-threads';

/**
 * FanoutAdapter on a real Socket.IO server and real socket.io-client sockets (WebSocket and
 * long-polling): what a room broadcast promises — every member gets it once, in order with
 * the socket's own packets, whichever path it took.
 */

interface Harness {
  http: HttpServer;
  io: Server;
  url: string;
  adapter: () => FanoutAdapter;
}

async function start(threads?: WriteThreads): Promise<Harness> {
  const http = createServer();
  const io = new Server(http, { adapter: FanoutAdapter.withWriteThreads(threads), pingInterval: 25_000, pingTimeout: 20_000 });
  io.on('connection', (s) => {
    const rooms = (s.handshake.auth as { rooms?: string[] }).rooms ?? [];
    for (const r of rooms) void s.join(r);
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
  const adapter = (): FanoutAdapter => io.of('/').adapter as FanoutAdapter;
  // With write threads, every turn hands them their share, however few its sockets.
  if (threads !== undefined) adapter().threadMinimum = 1;
  return { http, io, url, adapter };
}

/** Sockets written the finished frame in one write, by the event loop or a write thread. */
const directly = (sent: FanoutAdapter['sent']): number => sent.direct + sent.thread;
/** Sockets written, whichever way. */
const written = (sent: FanoutAdapter['sent']): number => sent.direct + sent.thread + sent.engine;

/** A client in `rooms`, with every event it receives recorded in order as [event, ...args]. */
async function member(h: Harness, rooms: string[], transports: ('websocket' | 'polling')[] = ['websocket']): Promise<{ c: ClientSocket; got: unknown[][]; server: Socket }> {
  const c = connect(h.url, { transports, auth: { rooms }, reconnection: false, forceNew: true });
  const got: unknown[][] = [];
  c.onAny((event: string, ...args: unknown[]) => got.push([event, ...args]));
  await new Promise<void>((resolve, reject) => {
    c.once('connect', () => resolve());
    c.once('connect_error', reject);
  });
  const server = h.io.of('/').sockets.get(c.id!)!;
  // Let the server's join settle before the test broadcasts.
  await new Promise((r) => setTimeout(r, 20));
  return { c, got, server };
}

describe('textFrame', () => {
  it('writes the RFC 6455 header for each length form: 7-bit, 16-bit and 64-bit', () => {
    for (const [n, header] of [
      [0, [0x81, 0]],
      [125, [0x81, 125]],
      [126, [0x81, 126, 0, 126]],
      [65_535, [0x81, 126, 0xff, 0xff]],
      [65_536, [0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0]],
    ] as const) {
      const f = textFrame('x'.repeat(n));
      assert.deepEqual([...f.subarray(0, header.length)], header, `length ${n}`);
      assert.equal(f.length, header.length + n);
      assert.equal(f.subarray(header.length).toString(), 'x'.repeat(n));
    }
  });

  it('counts the payload in bytes, not characters', () => {
    const f = textFrame('♞é');
    assert.deepEqual([...f.subarray(0, 2)], [0x81, 5]);
    assert.equal(f.subarray(2).toString('utf8'), '♞é');
  });
});

// Every promise holds alike with the event loop writing every socket and with a write thread
// taking its share of every turn (a real thread, writing the real sockets).
for (const withThread of [false, true])
describe(withThread ? 'FanoutAdapter with a write thread' : 'FanoutAdapter', () => {
  let h: Harness;
  let threads: WriteThreads | undefined;
  const clients: ClientSocket[] = [];
  before(async () => {
    if (withThread) {
      threads = WriteThreads.start(1)!;
      await until(() => threads!.ready, 10_000, 'the write thread online');
    }
    h = await start(threads);
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await new Promise<void>((r) => h.io.close(() => r()));
    await threads?.close();
  });
  const join = async (rooms: string[], transports?: ('websocket' | 'polling')[]): ReturnType<typeof member> => {
    const m = await member(h, rooms, transports);
    clients.push(m.c);
    return m;
  };

  it('writes an idle WebSocket the finished frame, and keeps a busy one\'s packets in order through Engine.IO', async () => {
    const a = await join(['order']);
    const before = { ...h.adapter().sent };
    // One tick. The socket's own first emit writes the pending first broadcast (the socket is
    // idle: directly), then is written itself and awaits its callback, so its second waits in
    // Engine.IO's queue; its third writes the second broadcast first, which must queue behind.
    h.io.to('order').emit('b', 1);
    a.server.emit('own', 2);
    a.server.emit('own', 3);
    h.io.to('order').emit('b', 4);
    a.server.emit('own', 5);
    await until(() => a.got.length >= 5, 3000, 'five events');
    await new Promise((r) => setTimeout(r, 10));
    h.io.to('order').emit('b', 6);
    await until(() => a.got.length >= 6, 3000, 'six events');
    assert.deepEqual(a.got, [['b', 1], ['own', 2], ['own', 3], ['b', 4], ['own', 5], ['b', 6]]);
    const sent = h.adapter().sent;
    assert.deepEqual([directly(sent) - directly(before), sent.engine - before.engine], [2, 1], 'the first and last directly, the middle one queued');
  });

  it('reaches every member once, WebSocket and long-polling alike, and nobody outside the room', async () => {
    const ws = await Promise.all([join(['room']), join(['room']), join(['room'])]);
    const poll = await join(['room'], ['polling']);
    const outsider = await join(['elsewhere']);
    const before = { ...h.adapter().sent };
    for (let i = 1; i <= 20; i++) h.io.to('room').emit('move', { ply: i });
    const members = [...ws, poll];
    await until(() => members.every((m) => m.got.length >= 20), 3000, 'every member has 20 events');
    await new Promise((r) => setTimeout(r, 50));
    const want = Array.from({ length: 20 }, (_, i) => ['move', { ply: i + 1 }]);
    for (const m of members) assert.deepEqual(m.got, want);
    assert.deepEqual(outsider.got, []);
    const sent = h.adapter().sent;
    assert.equal(written(sent) - written(before), 80, 'four members, twenty broadcasts');
    assert.ok(sent.engine - before.engine >= 20, 'the long-polling member always goes through Engine.IO');
    assert.ok(directly(sent) - directly(before) >= 3, 'the idle WebSockets take the first broadcast directly');
  });

  it('sends large and non-ASCII payloads intact (the 16-bit and 64-bit length forms)', async () => {
    const a = await join(['big']);
    const before = directly(h.adapter().sent);
    const big = '♜'.repeat(30_000); // 90,000 bytes in UTF-8
    h.io.to('big').emit('view', { fen: big });
    await until(() => a.got.length >= 1, 3000, 'the large event');
    await new Promise((r) => setTimeout(r, 10));
    h.io.to('big').emit('view', { fen: 'é'.repeat(100) });
    await until(() => a.got.length >= 2, 3000, 'the medium event');
    assert.deepEqual(a.got, [['view', { fen: big }], ['view', { fen: 'é'.repeat(100) }]]);
    assert.equal(directly(h.adapter().sent) - before, 2);
  });

  it('sends binary packets through Engine.IO, attachments and all', async () => {
    const a = await join(['bin']);
    const before = { ...h.adapter().sent };
    h.io.to('bin').emit('blob', Buffer.from([1, 2, 3]), 'tail');
    await until(() => a.got.length >= 1, 3000, 'the binary event');
    const [event, blob, tail] = a.got[0]!;
    assert.deepEqual([event, [...new Uint8Array(blob as ArrayBuffer)], tail], ['blob', [1, 2, 3], 'tail']);
    assert.deepEqual([directly(h.adapter().sent) - directly(before), h.adapter().sent.engine - before.engine], [0, 1]);
  });

  it('drops a volatile broadcast for a socket with a write in flight, and sends it to an idle one', async () => {
    const busy = await join(['vol']);
    const idle = await join(['vol']);
    busy.server.emit('own', 1);
    h.io.volatile.to('vol').emit('clock', 2);
    // The busy socket's next packet writes the clock first, its first still in flight.
    busy.server.emit('own', 3);
    await until(() => idle.got.length >= 1 && busy.got.length >= 2, 3000, "the idle member's clock");
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(busy.got, [['own', 1], ['own', 3]], 'the busy socket missed the volatile event, as Socket.IO does');
    assert.deepEqual(idle.got, [['clock', 2]]);
  });

  it('treats a socket whose last frame the kernel has not taken yet as busy: volatile packets are dropped for it, others go through Engine.IO', async () => {
    const slow = await join(['slow']);
    const before = { ...h.adapter().sent };
    // 16 MB in one tick, with this process (the reader too) busy: more than loopback buffers hold.
    const big = 'x'.repeat(16 << 20);
    h.io.to('slow').emit('big', big);
    // The broadcast is written in the next turn; this runs straight after, before any read.
    await new Promise((r) => setImmediate(r));
    const buffered = (slow.server.conn.transport as unknown as { socket: { bufferedAmount: number } }).socket.bufferedAmount;
    assert.ok(buffered > 0, `the kernel took it all (${buffered} bytes left): this test needs a larger payload`);
    h.io.volatile.to('slow').emit('clock', 1);
    h.io.to('slow').emit('move', 2);
    h.io.volatile.to('slow').emit('clock', 3);
    await until(() => slow.got.length >= 2, 20_000, 'the large event and the move');
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(slow.got.map(([event, arg]) => [event, typeof arg === 'string' ? arg.length : arg]), [['big', 16 << 20], ['move', 2]]);
    const sent = h.adapter().sent;
    // The first clock is dropped here (only the backlog was ahead of it); the move is handed to
    // Engine.IO, written behind the frame; the second clock too, and Engine.IO drops it (the
    // move's write still awaits the kernel). Both clocks are lost, as stock Socket.IO loses them.
    assert.deepEqual([directly(sent) - directly(before), sent.engine - before.engine], [1, 2]);
  });

  it("keeps a slow reader's frames whole and in order when its socket fills up partway through one", async () => {
    const slow = await join(['full']);
    const before = { ...h.adapter().sent };
    // The client stops reading its TCP socket: the node's side of it fills.
    const tcp = (slow.c.io.engine.transport as unknown as { ws: { _socket: { pause(): void; resume(): void } } }).ws._socket;
    tcp.pause();
    const serverWs = (slow.server.conn.transport as unknown as { socket: { bufferedAmount: number } }).socket;
    // Frames just under what a write thread takes (64 KB), until one is left partly unwritten.
    const fill = (i: number): string => String.fromCharCode(97 + (i % 26)).repeat(60_000);
    let n = 0;
    while (serverWs.bufferedAmount === 0 && n < 2000) {
      h.io.to('full').emit('fill', n, fill(n));
      n++;
      await new Promise((r) => setImmediate(r));
    }
    assert.ok(serverWs.bufferedAmount > 0, `the socket never filled in ${n} frames`);
    h.io.to('full').emit('after', 1);
    h.io.to('full').emit('after', 2);
    tcp.resume();
    await until(() => slow.got.length >= n + 2, 30_000, `${n} frames and two events`);
    await new Promise((r) => setTimeout(r, 30));
    const want = [...Array.from({ length: n }, (_, i) => ['fill', i, fill(i)]), ['after', 1], ['after', 2]];
    assert.equal(slow.got.length, want.length);
    slow.got.forEach((g, i) => assert.deepEqual(g, want[i], `event ${i}`));
    const sent = h.adapter().sent;
    assert.equal(written(sent) - written(before), n + 2);
    if (withThread) assert.ok(sent.thread - before.thread >= n - 1, `the write thread wrote the frames the socket took whole (${sent.thread - before.thread} of ${n})`);
  });

  it('leaves several rooms and exceptions to Socket.IO: each member once, the excepted none', async () => {
    const both = await join(['r1', 'r2']);
    const one = await join(['r1']);
    const other = await join(['r2', 'quiet']);
    h.io.to(['r1', 'r2']).emit('union', 1);
    h.io.to('r2').except('quiet').emit('except', 2);
    await until(() => both.got.length >= 2 && one.got.length >= 1 && other.got.length >= 1, 3000, 'the broadcasts');
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(both.got, [['union', 1], ['except', 2]]);
    assert.deepEqual(one.got, [['union', 1]]);
    assert.deepEqual(other.got, [['union', 1]]);
  });

  it('writes a room broadcast after the turn that made it, except to a member whose own packet comes first: it gets the broadcast before that packet', async () => {
    const mover = await join(['later']);
    const watcher = await join(['later']);
    const before = { ...h.adapter().sent };
    h.io.to('later').emit('moved', 1);
    // Nothing is written in the caller's turn: the move's answer would wait for every spectator.
    assert.deepEqual({ ...h.adapter().sent }, before);
    // The mover's answer (any packet of its own) takes its pending broadcast out first.
    mover.server.emit('answer', 1);
    assert.equal(written(h.adapter().sent) - written(before), 1, 'the mover\'s frame only');
    await until(() => mover.got.length >= 2 && watcher.got.length >= 1, 3000, 'the broadcast and the answer');
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(mover.got, [['moved', 1], ['answer', 1]]);
    assert.deepEqual(watcher.got, [['moved', 1]], 'once, though the mover had it early');
  });

  it('keeps each member\'s order across broadcasts, own packets and Socket.IO\'s broadcasts, and sends nothing twice', async () => {
    const a = await join(['seq', 'side']);
    const b = await join(['seq']);
    h.io.to('seq').emit('e', 1);
    h.io.to('side').emit('s', 2);
    a.server.emit('own', 3);
    h.io.to('seq').emit('e', 4);
    // Socket.IO's own broadcast (several rooms) writes at once: what was deferred goes first.
    h.io.to(['seq', 'side']).emit('all', 5);
    h.io.to('seq').emit('e', 6);
    await until(() => a.got.length >= 6 && b.got.length >= 4, 3000, 'every event');
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(a.got, [['e', 1], ['s', 2], ['own', 3], ['e', 4], ['all', 5], ['e', 6]]);
    assert.deepEqual(b.got, [['e', 1], ['e', 4], ['all', 5], ['e', 6]]);
  });

  it('does not write a broadcast to a socket that joined the room after it was made (its catch-up has it), nor to one gone before the next', async () => {
    const old = await join(['join-late']);
    const gone = await join(['join-late']);
    const late = await join([]);
    h.io.to('join-late').emit('e', 1);
    void late.server.join('join-late');
    late.server.emit('catch-up', 1);
    // A member when the first was made: it gets it, before its disconnect; the second, never.
    gone.server.disconnect(true);
    h.io.to('join-late').emit('e', 2);
    await until(() => old.got.length >= 2 && late.got.length >= 2, 3000, 'both broadcasts and the catch-up');
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(old.got, [['e', 1], ['e', 2]]);
    assert.deepEqual(late.got, [['catch-up', 1], ['e', 2]]);
    assert.deepEqual(gone.got, [['e', 1]]);
  });

  it('writes a room larger than a chunk over several turns, lets other work run between them, and keeps each member\'s order and count', async () => {
    const joined = await Promise.all(Array.from({ length: 5 }, () => join(['chunked'])));
    const adapter = h.adapter();
    const byId = new Map(joined.map((m) => [m.server.id, m]));
    // The sweep takes the room's members in the order they joined.
    const [m0, m1, m2, m3, m4] = [...adapter.rooms.get('chunked')!].map((id) => byId.get(id)!) as [typeof joined[0], typeof joined[0], typeof joined[0], typeof joined[0], typeof joined[0]];
    const base = written(adapter.sent);
    const sweptSoFar = (): number => written(adapter.sent) - base;
    adapter.chunk = 2;
    try {
      h.io.to('chunked').emit('e', 1);
      // Each probe runs in the same turn as a sweep, after it: what a game's other work would see.
      const seen: number[] = [];
      await new Promise<void>((resolve) => {
        const probe = (): void => {
          seen.push(sweptSoFar());
          if (seen.length === 1) {
            // Between the first two chunks: m0 has had the event, m4 has not.
            m0.server.emit('own', 0);
            m4.server.emit('own', 4);
            h.io.to('chunked').emit('e', 2);
          }
          if (seen.length < 6) setImmediate(probe);
          else resolve();
        };
        setImmediate(probe);
      });
      // Two a turn. m4's own packet wrote it the first broadcast early (after the first probe),
      // so the third turn skips m4, the first's last member, and writes the second to m0 only.
      assert.deepEqual(seen, [2, 5, 6, 8, 10, 10]);
    } finally {
      adapter.chunk = SWEEP_CHUNK;
    }
    await until(() => [m0, m1, m2, m3, m4].every((m) => m.got.length >= (m === m0 || m === m4 ? 3 : 2)), 3000, 'every event');
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(m0.got, [['e', 1], ['own', 0], ['e', 2]]);
    assert.deepEqual(m4.got, [['e', 1], ['own', 4], ['e', 2]]);
    for (const m of [m1, m2, m3]) assert.deepEqual(m.got, [['e', 1], ['e', 2]]);
  });
});
