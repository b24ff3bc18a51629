import { connect } from 'node:net';
import { SHARED_READ_BUFFER } from './lib/lean-ws';
import { onCommand, report } from './lib/processes';
import { wallNow } from './lib/percentiles';

/**
 * The reading side of bench/floor.ts: `sockets` TCP connections to the writer, each read into
 * the lean clients' one shared buffer (as the fan-out's spectators read). After each round it
 * reports when the last socket had all of that round's bytes; at the end, what each socket
 * received in all.
 * Config (JSON) as argv[2]: { port, sockets, frameBytes }.
 */
export interface FloorReaderConfig {
  port: number;
  sockets: number;
  frameBytes: number;
}

export type FloorReaderMessage =
  | { type: 'ready' }
  | { type: 'round'; round: number; at: number }
  | { type: 'totals'; min: number; max: number };

function main(c: FloorReaderConfig): void {
  const got = new Array<number>(c.sockets).fill(0);
  let total = 0;
  let round = 0;
  const onBytes = (i: number, n: number): void => {
    got[i]! += n;
    total += n;
    // Every socket gets one frame a round, so a round is whole when the total is.
    while (total >= (round + 1) * c.sockets * c.frameBytes) void report({ type: 'round', round: round++, at: wallNow() });
  };
  // In batches, each once the last is open, so that the writer's accept queue never overflows.
  const BATCH = 250;
  const connectBatch = (from: number): void => {
    const to = Math.min(c.sockets, from + BATCH);
    let open = 0;
    for (let i = from; i < to; i++) {
      const s = connect({ host: '127.0.0.1', port: c.port, onread: { buffer: SHARED_READ_BUFFER, callback: (n: number) => (onBytes(i, n), true) } });
      s.once('connect', () => {
        if (++open < to - from) return;
        if (to === c.sockets) void report({ type: 'ready' });
        else connectBatch(to);
      });
      s.on('error', (e) => {
        process.stderr.write(`floor-reader: socket ${i}: ${e.message}\n`);
        process.exit(1);
      });
    }
  };
  connectBatch(0);
  onCommand((cmd) => {
    if (cmd.type === 'totals') void report({ type: 'totals', min: Math.min(...got), max: Math.max(...got) });
  });
}

main(JSON.parse(process.argv[2] ?? '{}') as FloorReaderConfig);
