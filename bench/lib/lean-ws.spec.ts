import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { until } from '@rookery/raft/testing';
import { WebSocketServer, type WebSocket } from 'ws';
import { acceptFor, LeanWs } from './lean-ws';

/** What a LeanWs saw, in order. */
class Seen {
  readonly messages: (string | Buffer)[] = [];
  opened = false;
  closed: { error: Error | undefined; code: number | undefined } | undefined;
  readonly ws: LeanWs;

  constructor(url: string) {
    this.ws = LeanWs.connect(url, {
      onopen: () => (this.opened = true),
      onmessage: (m) => void this.messages.push(m),
      onclose: (error, code) => (this.closed = { error, code }),
    });
  }
}

/** A payload of `n` bytes whose every byte depends on its position, so a byte out of place shows. */
function pattern(n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + (i >> 8)) & 0xff;
  return b;
}

/** A server frame (unmasked): `fin`, `opcode`, `payload`, in the shortest length form. */
function serverFrame(opcode: number, payload: Buffer, fin = true, mask = false): Buffer {
  const n = payload.length;
  const h = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const head = Buffer.alloc(h);
  head[0] = (fin ? 0x80 : 0) | opcode;
  head[1] = (mask ? 0x80 : 0) | (h === 2 ? n : h === 4 ? 126 : 127);
  if (h === 4) head.writeUInt16BE(n, 2);
  if (h === 10) head.writeUInt32BE(n, 6);
  return Buffer.concat([head, ...(mask ? [Buffer.alloc(4)] : []), payload]);
}

describe('LeanWs: a WebSocket client for the load generators', () => {
  describe('against the ws package\'s server', () => {
    let http: HttpServer;
    let wss: WebSocketServer;
    let url: string;
    const peers: WebSocket[] = [];
    /** What the server received from each client: [data, isBinary]. */
    const received = new Map<WebSocket, [string, boolean][]>();
    const closes = new Map<WebSocket, number>();

    before(async () => {
      http = createHttpServer((_req, res) => res.writeHead(404).end('no such page'));
      wss = new WebSocketServer({ server: http, path: '/ws', perMessageDeflate: false });
      wss.on('connection', (ws) => {
        peers.push(ws);
        received.set(ws, []);
        ws.on('message', (data: Buffer, binary) => received.get(ws)!.push([data.toString(binary ? 'hex' : 'utf8'), binary]));
        ws.on('close', (code) => closes.set(ws, code));
      });
      await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
      url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/ws?x=1`;
    });

    after(async () => {
      for (const p of peers) p.terminate();
      await new Promise<void>((resolve) => wss.close(() => http.close(() => resolve())));
    });

    const connected = async (): Promise<{ c: Seen; peer: WebSocket }> => {
      const n = peers.length;
      const c = new Seen(url);
      await until(() => c.opened && peers.length > n, 3000, 'handshake');
      return { c, peer: peers[n]! };
    };

    it('receives text and binary of every length form whole and in order, non-ASCII included', async () => {
      const { c, peer } = await connected();
      const sizes = [0, 1, 125, 126, 127, 65535, 65536, 70_000, 1 << 20];
      const sent: (string | Buffer)[] = [];
      for (const n of sizes) {
        const b = pattern(n);
        peer.send(b, { binary: true });
        sent.push(b);
      }
      const text = 'Sg1–f3 ♞ ' + 'é'.repeat(40_000);
      peer.send(text);
      sent.push(text);
      await until(() => c.messages.length === sent.length, 3000, 'messages');
      assert.equal(c.messages.length, sent.length);
      for (let i = 0; i < sizes.length; i++) assert.ok(Buffer.isBuffer(c.messages[i]) && (c.messages[i] as Buffer).equals(sent[i] as Buffer), `binary of ${sizes[i]} bytes`);
      assert.equal(c.messages.at(-1), text, 'text decoded as UTF-8');
      c.ws.terminate();
    });

    it('sends masked frames the server reads, of every length form', async () => {
      const { c, peer } = await connected();
      const texts = ['', 'x', 'é♞'.repeat(30), 'a'.repeat(126), 'b'.repeat(65536), 'c'.repeat(100_000)];
      for (const t of texts) c.ws.send(t);
      c.ws.send(Buffer.from([0, 1, 2, 255]));
      const got = received.get(peer)!;
      await until(() => got.length >= texts.length + 1, 3000, 'server receipts');
      assert.deepEqual(got, [...texts.map((t) => [t, false]), ['000102ff', true]]);
      c.ws.terminate();
    });

    it('reassembles a fragmented message, answering a ping sent between its fragments', async () => {
      const { c, peer } = await connected();
      const pong = new Promise<string>((resolve) => peer.once('pong', (data) => resolve(data.toString())));
      peer.send('first ', { fin: false });
      peer.ping('are you there');
      peer.send('second ', { fin: false });
      peer.send('last', { fin: true });
      peer.send('next');
      assert.equal(await Promise.race([pong, new Promise((r) => setTimeout(r, 3000, 'no pong within 3 s'))]), 'are you there');
      await until(() => c.messages.length === 2, 3000, 'messages');
      assert.deepEqual(c.messages, ['first second last', 'next']);
      c.ws.terminate();
    });

    it('closes with a closing handshake the server hears, and reports the code the server closes with', async () => {
      const first = await connected();
      first.c.ws.close(4001);
      await until(() => first.c.closed !== undefined, 3000, 'close');
      assert.deepEqual(first.c.closed, { error: undefined, code: 4001 }, 'the server echoes our code');
      await until(() => closes.has(first.peer), 1000, "the server's close");
      assert.equal(closes.get(first.peer), 4001);

      const second = await connected();
      second.peer.close(4002, 'bye');
      await until(() => second.c.closed !== undefined, 3000, 'close');
      assert.deepEqual(second.c.closed, { error: undefined, code: 4002 });
      await until(() => closes.has(second.peer), 1000, "the server's close");
      assert.equal(closes.get(second.peer), 4002, 'the server heard our answer to its close');
      second.c.ws.send('too late'); // nothing is sent once closed, and nothing throws
    });

    it('fails the handshake on a path the server does not upgrade, naming the status', async () => {
      const c = new Seen(url.replace('/ws', '/page'));
      await until(() => c.closed !== undefined, 3000, 'close');
      assert.equal(c.opened, false);
      assert.match(String(c.closed!.error?.message), /unexpected server response: 400/);
    });
  });

  describe('against a hand-written server', () => {
    let server: NetServer;
    let url: string;
    /** What the next connection's server side does once it has answered the handshake (or instead of it). */
    let script: (socket: Socket, key: string) => void;

    before(async () => {
      server = createNetServer((socket) => {
        let head = '';
        const onData = (d: Buffer): void => {
          head += d.toString('latin1');
          const end = head.indexOf('\r\n\r\n');
          if (end < 0) return;
          socket.off('data', onData);
          const key = /sec-websocket-key: *(\S+)/i.exec(head)?.[1] ?? '';
          script(socket, key);
        };
        socket.on('data', onData);
        socket.on('error', () => undefined);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    });

    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    const upgrade = (key: string, extra = ''): string => `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\n${extra}\r\n`;

    it('parses frames however the bytes are cut, the handshake\'s tail included', async () => {
      const big = pattern(70_000);
      const frames = Buffer.concat([
        serverFrame(0x1, Buffer.from('one')),
        serverFrame(0x9, Buffer.from('p')),
        serverFrame(0x2, pattern(300)),
        serverFrame(0x1, Buffer.from('fr'), false),
        serverFrame(0x0, Buffer.from('ag'), true),
        serverFrame(0x2, big),
        serverFrame(0x1, Buffer.from('♞ last')),
      ]);
      script = (socket, key) => {
        // The handshake's answer, then every frame, in pieces of 1 to 5 bytes (the big frame's
        // body in two halves), each written on its own turn of the event loop.
        const all = Buffer.concat([Buffer.from(upgrade(key), 'latin1'), frames]);
        const bigAt = all.indexOf(big);
        const cuts: Buffer[] = [];
        for (let i = 0, k = 0; i < all.length; k++) {
          const half = big.length / 2;
          const n = i === bigAt || i === bigAt + half ? half : i < bigAt ? Math.min(1 + (k % 5), bigAt - i) : 1 + (k % 5);
          cuts.push(all.subarray(i, i + n));
          i += n;
        }
        const next = (): void => {
          const piece = cuts.shift();
          if (piece !== undefined) socket.write(piece, () => setTimeout(next, 0));
        };
        next();
      };
      const c = new Seen(url);
      await until(() => c.messages.length === 5 || c.closed !== undefined, 10_000, 'messages').catch((e: Error) => assert.fail(`${e.message}: ${c.messages.length} messages, opened ${c.opened}, closed ${JSON.stringify(c.closed)}`));
      assert.equal(c.messages[0], 'one');
      assert.ok((c.messages[1] as Buffer).equals(pattern(300)));
      assert.equal(c.messages[2], 'frag');
      assert.ok((c.messages[3] as Buffer).equals(big), 'a 70,000-byte frame read across many reads');
      assert.equal(c.messages[4], '♞ last');
      c.ws.terminate();
    });

    for (const [what, answer, error] of [
      ['a wrong Sec-WebSocket-Accept', (key: string) => upgrade(key + 'x'), /invalid Sec-WebSocket-Accept/],
      ['an extension never asked for', (key: string) => upgrade(key, 'Sec-WebSocket-Extensions: permessage-deflate\r\n'), /extensions never asked for: permessage-deflate/],
      ['a masked frame', (key: string) => upgrade(key) + serverFrame(0x1, Buffer.from('hi'), true, true).toString('latin1'), /the server masked a frame/],
      ['a continuation with nothing to continue', (key: string) => upgrade(key) + serverFrame(0x0, Buffer.from('hi')).toString('latin1'), /continuation frame with no message/],
      ['a fragmented ping', (key: string) => upgrade(key) + serverFrame(0x9, Buffer.from('hi'), false).toString('latin1'), /control frame \(opcode 9\) fragmented/],
    ] as const) {
      it(`ends the connection with an error on ${what}, delivering nothing`, async () => {
        script = (socket, key) => socket.write(answer(key), 'latin1');
        const c = new Seen(url);
        await until(() => c.closed !== undefined, 3000, 'close');
        assert.match(String(c.closed!.error?.message), error);
        assert.deepEqual(c.messages, []);
      });
    }

    it('reports a connection closed before the handshake', async () => {
      script = (socket) => socket.end();
      const c = new Seen(url);
      await until(() => c.closed !== undefined, 3000, 'close');
      assert.equal(c.opened, false);
      assert.match(String(c.closed!.error?.message), /closed before the handshake/);
    });
  });
});
