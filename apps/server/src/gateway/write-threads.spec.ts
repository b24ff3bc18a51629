import assert from 'node:assert/strict';
import { closeSync, openSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { until } from '@rookery/raft/testing';
import { BATCH_CAPACITY, FRAME_CAPACITY, WriteThreads } from './write-threads';

/**
 * WriteThreads on real loopback sockets: each socket of a batch gets the frame once, whichever
 * thread wrote it, and what the kernel did not take is reported, so the caller can write it.
 */

interface Pair {
  /** The writing end (the server's accepted socket, as a node holds a spectator). */
  w: Socket;
  /** The reading end, with everything it received. */
  r: Socket;
  got: Buffer[];
}

const fdOf = (s: Socket): number => (s as unknown as { _handle: { fd: number } })._handle.fd;
const received = (p: Pair): Buffer => Buffer.concat(p.got);

async function readyThreads(n: number): Promise<WriteThreads> {
  const t = WriteThreads.start(n)!;
  await until(() => t.ready, 10_000, `${n} write threads online`);
  return t;
}

describe('WriteThreads', () => {
  let server: Server;
  const accepted: Socket[] = [];
  const pairs: Pair[] = [];
  const threads: WriteThreads[] = [];

  before(async () => {
    server = createServer((s) => accepted.push(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  after(async () => {
    for (const p of pairs) {
      p.r.destroy();
      p.w.destroy();
    }
    for (const t of threads) await t.close();
    await new Promise((r) => server.close(r));
  });

  async function open(n: number): Promise<Pair[]> {
    const port = (server.address() as { port: number }).port;
    const from = accepted.length;
    const readers = Array.from({ length: n }, () => {
      const got: Buffer[] = [];
      const r = connect(port, '127.0.0.1');
      r.on('data', (b: Buffer) => got.push(b));
      return { r, got };
    });
    await until(() => accepted.length >= from + n, 10_000, `${n} sockets accepted`);
    // Accepted in the order they connected, on loopback; matched by port to be sure.
    const byPort = new Map(accepted.slice(from).map((w) => [w.remotePort, w]));
    await until(() => readers.every(({ r }) => r.localPort !== undefined), 10_000, 'readers connected');
    const out = readers.map(({ r, got }) => ({ w: byPort.get(r.localPort)!, r, got }));
    pairs.push(...out);
    return out;
  }

  it('refuses a thread count outside 0 to 8, and starts none for 0', () => {
    assert.equal(WriteThreads.start(0), undefined);
    for (const n of [-1, 9, 1.5, Number.NaN]) assert.throws(() => WriteThreads.start(n), /write threads: .* is not 0 to 8/);
  });

  it('writes the frame once to every socket of a batch, over batch after batch, its sockets split among the threads', async () => {
    const t = await readyThreads(2);
    threads.push(t);
    assert.equal(t.share, 2 / 3);
    const ps = await open(300);
    const frames = [Buffer.from('first frame'), Buffer.alloc(1000, 7), Buffer.from('third')];
    for (const frame of frames) {
      t.reset();
      for (const p of ps) assert.ok(t.add(fdOf(p.w)));
      assert.equal(t.size, 300);
      t.begin(frame);
      const took = [...t.finish()];
      assert.deepEqual(took, ps.map(() => frame.length), 'the kernel took every frame whole');
    }
    const want = Buffer.concat(frames);
    await until(() => ps.every((p) => received(p).length >= want.length), 10_000, 'every socket has every frame');
    await new Promise((r) => setTimeout(r, 30));
    for (const p of ps) assert.deepEqual(received(p), want);
  });

  it('reports the part of a frame a full socket took (or none), so that the caller can write the rest in order', async () => {
    const t = await readyThreads(1);
    threads.push(t);
    const [slow, idle] = (await open(2)) as [Pair, Pair];
    // The slow reader stops reading: its kernel buffers fill.
    slow.r.pause();
    const sent: Buffer[] = [];
    const slowTook: number[] = [];
    for (let i = 0; i < 2000 && slowTook.at(-1) !== -1; i++) {
      const frame = Buffer.alloc(FRAME_CAPACITY, i % 251);
      t.reset();
      t.add(fdOf(slow.w));
      t.add(fdOf(idle.w));
      t.begin(frame);
      const [a, b] = t.finish() as unknown as [number, number];
      slowTook.push(a);
      sent.push(frame.subarray(0, a));
      // The idle reader keeps up (it reads between batches).
      assert.equal(b, frame.length, `batch ${i}: the idle socket took its frame whole`);
      if (a < frame.length) {
        // What the thread's write left, the socket's own write sends, before anything else: the
        // socket is no longer idle, so it is not handed to a thread again.
        slow.w.write(frame.subarray(a));
        sent.push(frame.subarray(a));
        slowTook.push(-1);
      }
      await new Promise((r) => setImmediate(r));
    }
    assert.equal(slowTook.at(-1), -1, 'the slow socket filled up');
    const last = slowTook.at(-2)!;
    assert.ok(last >= 0 && last < FRAME_CAPACITY, `the last write took part of its frame or none (${last} bytes)`);
    assert.ok(slowTook.slice(0, -2).every((n) => n === FRAME_CAPACITY), 'whole frames until the buffers filled');
    assert.ok(slowTook.length > 3, 'the buffers held a few frames first');
    slow.r.resume();
    const want = Buffer.concat(sent);
    await until(() => received(slow).length >= want.length, 30_000, 'the slow reader has read everything');
    assert.ok(received(slow).equals(want), 'every frame, each byte once, in order');
  });

  it('reports none taken for a descriptor it cannot write, and writes the rest of the batch', async () => {
    const t = await readyThreads(1);
    threads.push(t);
    const [a, b] = (await open(2)) as [Pair, Pair];
    // A file opened for reading: write(2) fails (EBADF), as on a socket closed under the batch.
    const readOnly = openSync(__filename, 'r');
    try {
      t.reset();
      t.add(fdOf(a.w));
      t.add(readOnly);
      t.add(fdOf(b.w));
      t.begin(Buffer.from('frame'));
      assert.deepEqual([...t.finish()], [5, 0, 5]);
    } finally {
      closeSync(readOnly);
    }
    await until(() => received(a).length >= 5 && received(b).length >= 5, 5000, 'both sockets have it');
    assert.deepEqual([received(a).toString(), received(b).toString()], ['frame', 'frame']);
  });

  it('holds a batch of up to BATCH_CAPACITY sockets, refuses a larger frame than FRAME_CAPACITY, and one batch at a time', async () => {
    const t = await readyThreads(1);
    threads.push(t);
    t.reset();
    for (let i = 0; i < BATCH_CAPACITY; i++) assert.ok(t.add(1000));
    assert.equal(t.add(1000), false, 'full');
    t.reset();
    assert.throws(() => t.begin(Buffer.alloc(FRAME_CAPACITY + 1)), /a 65537-byte frame is over 65536/);
    const [p] = (await open(1)) as [Pair];
    t.add(fdOf(p.w));
    t.begin(Buffer.from('x'));
    assert.throws(() => t.reset(), /a batch is still out/);
    assert.deepEqual([...t.finish()], [1]);
  });
});
