import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { TestCluster } from '@rookery/testing';

/**
 * `--http-keep-alive-ms`: how long a node keeps an idle kept-alive HTTP connection open. It is
 * set well above Node's own 5 s by default (65 s), so that a load balancer, which keeps its
 * idle connections to the node for less, is always the one to close them. Here it is 1.5 s, and
 * a connection left idle is closed by the node after that long, not before and not at 5 s.
 */

const KEEP_ALIVE_MS = 1500;

/** Sends one GET on `socket` and resolves with the whole response once it has arrived. */
function get(socket: Socket, path: string): Promise<string> {
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
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
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
    const node = cluster.nodes[0]!;
    const socket = connect(node.httpPort, '127.0.0.1');
    try {
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(performance.now())));
      const first = await get(socket, '/health/live');
      assert.match(first, /^HTTP\/1\.1 200 /);
      assert.match(first, new RegExp(`\\r\\nkeep-alive: timeout=${KEEP_ALIVE_MS / 1000 | 0}\\r\\n`, 'i'), 'the node announces its idle timeout');
      // Idle for most of the timeout: the connection still serves a second request.
      await new Promise((r) => setTimeout(r, KEEP_ALIVE_MS * 0.6));
      const second = await get(socket, '/health/live');
      assert.match(second, /^HTTP\/1\.1 200 /);
      const idleFrom = performance.now();
      const at = await Promise.race([closed, new Promise<number>((r) => setTimeout(() => r(Number.NaN), 4500))]);
      assert.ok(!Number.isNaN(at), `the node kept an idle connection open for over 4.5 s, with --http-keep-alive-ms ${KEEP_ALIVE_MS}`);
      const idle = at - idleFrom;
      assert.ok(idle >= KEEP_ALIVE_MS * 0.9, `the node closed an idle connection after ${idle.toFixed(0)} ms, before --http-keep-alive-ms ${KEEP_ALIVE_MS}`);
    } finally {
      socket.destroy();
    }
  });
});
