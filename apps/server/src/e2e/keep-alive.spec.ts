import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { TestCluster } from '@rookery/testing';

/**
 * `--http-keep-alive-ms`: how long a node keeps an idle kept-alive HTTP connection open. It is
 * 65 s by default (Node 20's own is 5 s), so that a load balancer, which keeps its idle
 * connections to the node for less, is always the one to close them. Here it is 1.5 s, and a
 * connection left idle is closed by the node after that long, not before and not at 5 s.
 *
 * A drain must not wait that long: the close waits for every connection to end. A draining node
 * closes its idle connections at once, and one still answering as soon as its answer is out.
 */

const KEEP_ALIVE_MS = 1500;

/** Opens a connection to the node's HTTP port. */
async function open(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  return socket;
}

/** Resolves with the time `socket` closes, or NaN if it is still open after `ms`. */
function closedWithin(socket: Socket, ms: number): Promise<number> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(Number.NaN), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(performance.now());
    });
  });
}

/** Sends one GET on `socket` and resolves with the whole response once it has arrived. */
function get(socket: Socket, path: string): Promise<string> {
  return response(socket, () => socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`));
}

/** Resolves with the next whole response on `socket` (one with a Content-Length), once `send` has written its request. */
function response(socket: Socket, send: () => void): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (d: Buffer): void => {
      text += d.toString('latin1');
      const head = text.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length: (\d+)\r\n/i.exec(text);
      if (head >= 0 && length !== null && text.length >= head + 4 + Number(length[1])) {
        socket.off('data', onData);
        resolve(text);
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    send();
  });
}

describe('HTTP keep-alive: the node closes an idle connection after --http-keep-alive-ms', () => {
  let cluster: TestCluster;

  before(async () => {
    cluster = await TestCluster.start(1, ['--http-keep-alive-ms', String(KEEP_ALIVE_MS)]);
  });
  after(async () => {
    await cluster?.stop();
  });

  it('keeps an idle connection open for --http-keep-alive-ms, then closes it', async () => {
    const socket = await open(cluster.nodes[0]!.httpPort);
    try {
      const closed = closedWithin(socket, 10_000);
      const first = await get(socket, '/health/live');
      assert.match(first, /^HTTP\/1\.1 200 /);
      assert.match(first, new RegExp(`\\r\\nkeep-alive: timeout=${KEEP_ALIVE_MS / 1000 | 0}\\r\\n`, 'i'), 'the node announces its idle timeout');
      // Idle for most of the timeout: the connection still serves a second request.
      await new Promise((r) => setTimeout(r, KEEP_ALIVE_MS * 0.6));
      const second = await get(socket, '/health/live');
      assert.match(second, /^HTTP\/1\.1 200 /);
      const idleFrom = performance.now();
      const idle = (await closed) - idleFrom;
      assert.ok(idle < 4500, `the node kept an idle connection open for ${idle.toFixed(0)} ms, with --http-keep-alive-ms ${KEEP_ALIVE_MS}`);
      // The node's timer started as it wrote the answer, a little before the client read it.
      assert.ok(idle >= KEEP_ALIVE_MS * 0.8, `the node closed an idle connection after ${idle.toFixed(0)} ms, before --http-keep-alive-ms ${KEEP_ALIVE_MS}`);
    } finally {
      socket.destroy();
    }
  });
});

describe('HTTP keep-alive: a draining node does not wait for its kept-alive connections', () => {
  let cluster: TestCluster;

  before(async () => {
    // Longer than the whole drain may take (DRAIN_DEADLINE_MS, 30 s): were the close to wait for kept-alive connections, the drain would fail.
    cluster = await TestCluster.start(1, ['--http-keep-alive-ms', '600000']);
  });
  after(async () => {
    await cluster?.stop();
  });

  it('closes an idle connection at once and one mid-request once it has answered, and exits 0', async () => {
    const node = cluster.nodes[0]!;
    const idle = await open(node.httpPort);
    const busy = await open(node.httpPort);
    try {
      assert.match(await get(idle, '/health/live'), /^HTTP\/1\.1 200 /);
      assert.match(await get(busy, '/health/live'), /^HTTP\/1\.1 200 /);
      // A request under way on `busy`: its body is half sent, so the node is still reading it when the drain closes the server.
      const body = JSON.stringify({ requestId: 'keep-alive-drain', timeControl: null, color: 'white' });
      const half = Math.floor(body.length / 2);
      const answer = response(busy, () => busy.write(`POST /api/games HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nX-Rookery-Session: keep-alive-drain\r\n\r\n${body.slice(0, half)}`));
      const exited = new Promise<number | null>((resolve) => node.proc!.once('exit', (code) => resolve(code)));
      const idleClosed = closedWithin(idle, 20_000);
      const busyClosed = closedWithin(busy, 20_000);
      const sent = performance.now();
      node.proc!.kill('SIGTERM');
      const idleAt = await idleClosed;
      assert.ok(!Number.isNaN(idleAt), 'the draining node kept an idle connection open for 20 s');
      // The server is closing, and waits for `busy`: its request ends, and so must its connection.
      busy.write(body.slice(half));
      const text = await answer;
      assert.match(text, /^HTTP\/1\.1 \d{3} /);
      const answeredAt = performance.now();
      const busyAt = await busyClosed;
      assert.ok(!Number.isNaN(busyAt), `the draining node kept a connection open for over 20 s after answering on it:\n${text.split('\r\n\r\n')[0]}`);
      assert.ok(busyAt - answeredAt < 2000, `the draining node closed a connection ${(busyAt - answeredAt).toFixed(0)} ms after its answer`);
      const code = await exited;
      assert.equal(code, 0, `the node exited ${code} after a drain of ${(performance.now() - sent).toFixed(0)} ms:\n${node.output.slice(-2000)}`);
    } finally {
      idle.destroy();
      busy.destroy();
    }
  });
});
