import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { textFrame } from '../apps/server/src/gateway/fanout-adapter';
import type { FloorReaderConfig, FloorReaderMessage } from './floor-reader';
import { checkFileLimit, numberFlag, runStandalone } from './lib/cli';
import { summarize, wallNow, type Summary } from './lib/percentiles';
import { spawnChild } from './lib/processes';

/**
 * The floor under the fan-out figure: one process writes one WebSocket-sized frame to each of N
 * TCP sockets on loopback, with nothing else (no Socket.IO, no Engine.IO, no ws; net.Socket's
 * write, as any Node server ends in), and another process reads them as the fan-out's spectators
 * do. It prints the writer's CPU per round and the time from its first write until the last
 * socket had the frame: the least a single-threaded Node server can spend on a move's fan-out to
 * N spectators on this machine, and the least its F can be. On loopback the writer's system
 * calls also run the receiving sockets' TCP and wake their reader, so most of it is the kernel's.
 *
 * `npm run bench:floor -- --sockets 5000 --rounds 40 --frame-bytes 205`
 */
export interface FloorOptions {
  sockets: number;
  rounds: number;
  /** The frame's size: a move event's in the fan-out is 205 bytes (its 184-byte event in `42["game:event",…]`, and a 4-byte header). */
  frameBytes: number;
  /** Between rounds, ms, so that each starts with the reader idle as a spectator between moves is. */
  pauseMs: number;
  progress?: (msg: string) => void;
}

export interface FloorResult {
  sockets: number;
  rounds: number;
  frameBytes: number;
  /** The writer's CPU (user + system) per round, ms: the writes and what Node runs after them. */
  writerCpuMs: Summary;
  /** From the round's first write until the reader had it on every socket, ms. */
  lastMs: Summary;
}

const READER = join(__dirname, 'floor-reader.ts');
/** A move event's WebSocket frame in the fan-out: a 184-byte event in Socket.IO's `42["game:event",…]` (201 bytes) and a 4-byte header. */
export const FANOUT_FRAME_BYTES = 205;

/** A WebSocket text frame (server to client, unmasked, its length in the fewest bytes) of `bytes` bytes in all. */
export function textFrameOf(bytes: number): Buffer {
  // A 2-byte header carries payloads up to 125 bytes, a 4-byte one 126 to 65,535: no frame is 128 or 129 bytes long.
  const header = bytes <= 127 ? 2 : bytes >= 130 && bytes <= 65_539 ? 4 : 0;
  if (header === 0 || bytes < 3) throw new Error(`floor: no WebSocket frame with a 2- or 4-byte header is ${bytes} bytes long (3 to 127, or 130 to 65,539)`);
  // The frame the node's FanoutAdapter writes, around a payload of the size that makes `bytes`.
  return textFrame('x'.repeat(bytes - header));
}

export async function runFloor(o: FloorOptions): Promise<FloorResult> {
  const progress = o.progress ?? (() => undefined);
  const frame = textFrameOf(o.frameBytes);
  // Each of the two processes holds one end of every socket.
  checkFileLimit(o.sockets + 100, `floor (${o.sockets} sockets)`);
  const sockets: Socket[] = [];
  const server = createServer((s) => {
    s.setNoDelay(true);
    sockets.push(s);
  });
  // A backlog as deep as the kernel allows (somaxconn): a connection the accept queue overflowed
  // looks open to a reader that never writes, and would never be accepted.
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: o.sockets }, resolve));
  const config: FloorReaderConfig = { port: (server.address() as { port: number }).port, sockets: o.sockets, frameBytes: o.frameBytes };
  const reader = spawnChild<FloorReaderMessage>(READER, [JSON.stringify(config)]);
  try {
    await reader.next((m): m is { type: 'ready' } => m.type === 'ready', 120_000);
    const deadline = Date.now() + 30_000;
    while (sockets.length < o.sockets) {
      if (Date.now() > deadline) throw new Error(`floor: the reader connected ${o.sockets} sockets, the writer accepted ${sockets.length} of them in 30 s`);
      await new Promise((r) => setTimeout(r, 10));
    }
    progress(`${o.sockets} sockets open; ${o.rounds} rounds of one ${o.frameBytes}-byte frame to each`);
    const cpu: number[] = [];
    const last: number[] = [];
    for (let round = 0; round < o.rounds; round++) {
      await new Promise((r) => setTimeout(r, o.pauseMs));
      const done = reader.next((m): m is Extract<FloorReaderMessage, { type: 'round' }> => m.type === 'round' && m.round === round, 30_000);
      const c0 = process.cpuUsage();
      const t0 = wallNow();
      for (const s of sockets) s.write(frame);
      // What Node runs after the writes (their callbacks) is part of the cost.
      await new Promise((r) => setImmediate(r));
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
      last.push((await done).at - t0);
    }
    reader.send({ type: 'totals' });
    const totals = await reader.next((m): m is Extract<FloorReaderMessage, { type: 'totals' }> => m.type === 'totals', 30_000);
    const each = o.rounds * o.frameBytes;
    if (totals.min !== each || totals.max !== each) throw new Error(`floor: every socket should have had ${each} bytes, but they had ${totals.min} to ${totals.max}`);
    return { sockets: o.sockets, rounds: o.rounds, frameBytes: o.frameBytes, writerCpuMs: summarize(cpu), lastMs: summarize(last) };
  } finally {
    await reader.stop();
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  }
}

if (require.main === module) {
  runStandalone('floor', async (progress) => {
    const r = await runFloor({ sockets: numberFlag('sockets', 5000), rounds: numberFlag('rounds', 40), frameBytes: numberFlag('frame-bytes', FANOUT_FRAME_BYTES), pauseMs: numberFlag('pause-ms', 200), progress });
    progress(`${r.sockets} sockets, ${r.frameBytes}-byte frame: writer CPU p50 ${r.writerCpuMs.p50} ms, p99 ${r.writerCpuMs.p99} ms; first write → last socket p50 ${r.lastMs.p50} ms, p99 ${r.lastMs.p99} ms`);
    return r;
  });
}
