import { createServer } from 'node:http';
import { MAX_PAYLOAD_BYTES } from '@rookery/protocol';
import { Server } from 'socket.io';
import { onCommand, report } from './lib/processes';

/**
 * The fan-out baseline: a plain Socket.IO server, no Rookery — what broadcasting one event to a
 * room costs by itself. `watch` joins the room; `move` is acknowledged, then its payload (a
 * `moved` event the client made) is broadcast to the room as `game:event`, exactly as Rookery's
 * gateway sends it. Same Socket.IO version and server options as a Rookery node (io-adapter.ts),
 * but Socket.IO's stock in-memory adapter, not Rookery's FanoutAdapter: the baseline is what a
 * plain Socket.IO server does, so the ratio shows what Rookery adds to it, or saves.
 * Prints `{ type: 'listening', port }`, and on each move `{ type: 'emitted', ms }`: how long the
 * synchronous room broadcast held the event loop (what a node pays per event, too).
 */

const ROOM = 'game:bare';

function main(): void {
  const http = createServer();
  const io = new Server(http, { maxHttpBufferSize: MAX_PAYLOAD_BYTES, pingInterval: 25_000, pingTimeout: 20_000 });
  io.on('connection', (socket) => {
    socket.on('watch', (_p: unknown, ack: (r: { ok: true }) => void) => {
      void socket.join(ROOM);
      ack({ ok: true });
    });
    socket.on('move', (event: unknown, ack: (r: { ok: true }) => void) => {
      ack({ ok: true });
      const t = performance.now();
      io.to(ROOM).emit('game:event', event);
      void report({ type: 'emitted', ms: performance.now() - t });
    });
  });
  http.listen(0, '127.0.0.1', () => void report({ type: 'listening', port: (http.address() as { port: number }).port }));
  // Nothing to say to it: it only needs to notice that its parent has gone.
  onCommand(() => undefined);
}

if (require.main === module) main();
