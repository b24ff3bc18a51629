import { Chess } from 'chess.js';
import type { GameEvent } from '@rookery/protocol';
import { io, type Socket } from 'socket.io-client';
import { onCommand, report } from './lib/processes';
import { machineBusy, minus, plus, sched, type Sched } from './lib/schedstat';

/**
 * The fan-out load generator: the spectators and the player in one process, so that the
 * player's emit, its acknowledgement and every spectator's receipt are read on one clock
 * (performance.now()). Started by fanout.ts with its configuration as argv[2]; speaks JSON lines
 * (`FanoutLoadMessage`) on stdout.
 *
 * First the player moves alone (`solo` moves: the command's latency without spectators), then
 * the spectators connect and watch, then each move is timed: emit, ack, first and last receipt.
 */

export interface FanoutLoadConfig {
  /** 'rookery': game:watch / game:move on a node; 'bare': watch / move on bare-server.ts. */
  mode: 'rookery' | 'bare';
  url: string;
  spectators: number;
  /** Spectators connecting at once: a flood of handshakes would measure the accept queue, not the fan-out. */
  batch: number;
  /**
   * The batches start evenly over this many ms. Socket.IO pings each socket every pingInterval
   * from its connection: spectators that all joined in the same few seconds would all be pinged
   * in the same few seconds, a burst of thousands of pings and pongs landing on some measured
   * moves and not others. Spread over one ping interval, the heartbeats are steady, as on a
   * server whose clients came and went at random.
   */
  spreadMs: number;
  gameId: string;
  /** Rookery: White's and Black's seats, who move in turn (one socket holds one seat of a game). */
  seats: { session: string; token: string }[];
  /** UCI moves: the solo ones, the warm-up ones, then the measured ones. */
  moves: string[];
  solo: number;
  warmup: number;
  /** Between a move's last receipt and the next move: each move is fanned out on a quiet system. */
  pauseMs: number;
  /** After the last spectator has joined, before the first move: Rookery's spectator-count news settles. */
  quietMs: number;
  /** A move not received by every spectator within this is counted incomplete. */
  moveTimeoutMs: number;
  /** Processes whose scheduler counters are read around each measured move: the server, and the others (the other nodes). */
  pids: { server: number | undefined; others: number[] };
}

/** Summed over the measured moves, each from its emit to its last receipt: where that wall time went (ms). */
export interface MoveTime {
  wall: number;
  server: Sched;
  client: Sched;
  others: Sched;
  /** CPU time the whole machine was busy (all CPUs together; 10 ms ticks). */
  machineBusy: number;
}

/** One measured move, in ms from the player's emit (the ack, the first and the last spectator's receipt). */
export interface MoveSample {
  ply: number;
  ack: number;
  first: number;
  last: number;
  /** Spectators that had it when the move was closed (all of them unless it timed out). */
  received: number;
  /** This process's event-loop utilization from the first receipt to the last: near 1, the client is the limit. */
  elu: number;
}

export type FanoutLoadMessage =
  | { type: 'progress'; msg: string }
  /** soloAcks: emit → ack of the moves made before any spectator watched. */
  | { type: 'result'; samples: MoveSample[]; soloAcks: number[]; eventBytes: number; time: MoveTime; disconnects: number; connectMs: number };

const now = (): number => performance.now();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function connect(url: string, auth: object | undefined): Promise<Socket> {
  const s = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, timeout: 30_000, ...(auth ? { auth } : {}) });
  await new Promise<void>((resolve, reject) => {
    s.once('connect', () => resolve());
    s.once('connect_error', (e) => reject(new Error(`connect ${url}: ${e.message}`)));
  });
  return s;
}

async function ask(s: Socket, event: string, payload: object): Promise<void> {
  const r = (await s.timeout(30_000).emitWithAck(event, payload)) as Record<string, unknown>;
  if (r['ok'] !== true) throw new Error(`${event}: ${JSON.stringify(r)}`);
}

/** The `moved` events bare-server.ts broadcasts: the shape and size Rookery sends. */
function bareEvents(gameId: string, moves: string[]): GameEvent[] {
  const chess = new Chess();
  return moves.map((uci, i) => {
    const m = chess.move(uci);
    return { gameId, version: 4 + i, at: Date.now(), type: 'moved', color: m.color === 'w' ? 'white' : 'black', ply: i + 1, san: m.san, uci: m.lan, fen: m.after, clocks: null };
  });
}

async function main(c: FanoutLoadConfig): Promise<void> {
  const plies = c.moves.length + 1;
  // Per ply (1-based, as in the `moved` event): spectators that have it, first and last receipt.
  const count = new Uint32Array(plies);
  const first = new Float64Array(plies);
  const last = new Float64Array(plies);
  const firstElu = new Map<number, ReturnType<typeof performance.eventLoopUtilization>>();
  const done = new Map<number, () => void>();
  let eventBytes = 0;
  let disconnects = 0;
  let closing = false;

  const players = c.mode === 'rookery' ? await Promise.all(c.seats.map((seat) => connect(c.url, { session: seat.session, seats: { [c.gameId]: seat.token } }))) : [await connect(c.url, undefined)];
  const events = c.mode === 'bare' ? bareEvents(c.gameId, c.moves) : [];
  /** Emits move i; resolves with the emit and ack times. */
  const move = (i: number): Promise<{ sent: number; acked: number }> =>
    new Promise((resolve, reject) => {
      const sent = now();
      const cb = (err: Error | null, r: Record<string, unknown>): void => {
        const acked = now(); // first: the ack's time is the moment its callback runs
        if (err !== null || r['ok'] !== true) reject(new Error(`move ${i + 1} (${c.moves[i]}): ${err?.message ?? JSON.stringify(r)}`));
        else resolve({ sent, acked });
      };
      const player = players[i % players.length]!.timeout(c.moveTimeoutMs);
      if (c.mode === 'rookery') player.emit('game:move', { requestId: `m${i + 1}`, gameId: c.gameId, move: c.moves[i]! }, cb);
      else player.emit('move', events[i]!, cb);
    });

  const soloAcks: number[] = [];
  for (let i = 0; i < c.solo; i++) {
    const { sent, acked } = await move(i);
    // The first half warms up (JIT, connections); the second half is the latency without spectators.
    if (i >= c.solo / 2) soloAcks.push(acked - sent);
    await sleep(c.pauseMs);
  }

  const spectators: Socket[] = [];
  const t0 = now();
  for (let i = 0; i < c.spectators; i += c.batch) {
    await sleep(t0 + (i / c.spectators) * c.spreadMs - now());
    const batch = await Promise.all(
      Array.from({ length: Math.min(c.batch, c.spectators - i) }, async () => {
        const s = await connect(c.url, undefined);
        s.on('game:event', (e: GameEvent) => {
          if (e.type !== 'moved') return;
          const t = now();
          const p = e.ply;
          if (count[p] === 0) {
            first[p] = t;
            firstElu.set(p, performance.eventLoopUtilization());
          }
          last[p] = t;
          if (++count[p]! === c.spectators) done.get(p)?.();
        });
        s.on('disconnect', () => void (closing || disconnects++));
        await ask(s, c.mode === 'rookery' ? 'game:watch' : 'watch', c.mode === 'rookery' ? { gameId: c.gameId } : {});
        return s;
      }),
    );
    spectators.push(...batch);
    if (spectators.length % 1000 < c.batch || spectators.length === c.spectators) await report({ type: 'progress', msg: `${c.mode}: ${spectators.length}/${c.spectators} spectators watching` });
  }
  const connectMs = now() - t0;
  // The size of what a spectator receives, from one of them (the others get the same bytes).
  spectators[0]?.on('game:event', (e: GameEvent) => void (e.type === 'moved' && (eventBytes = JSON.stringify(e).length)));
  await sleep(c.quietMs);

  const samples: MoveSample[] = [];
  const zero = { run: 0, wait: 0 };
  const time: MoveTime = { wall: 0, server: zero, client: zero, others: zero, machineBusy: 0 };
  const snapshot = (): { wall: number; server: Sched; client: Sched; others: Sched; machineBusy: number } => ({
    wall: now(),
    server: c.pids.server === undefined ? zero : sched(c.pids.server),
    client: sched('self'),
    others: c.pids.others.map(sched).reduce(plus, zero),
    machineBusy: machineBusy(),
  });
  for (let i = c.solo; i < c.moves.length; i++) {
    const ply = i + 1;
    const before = snapshot();
    const all = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, c.moveTimeoutMs);
      done.set(ply, () => (clearTimeout(timer), resolve()));
    });
    const { sent, acked } = await move(i);
    await all;
    done.delete(ply);
    const received = count[ply]!;
    if (i >= c.solo + c.warmup) {
      const after = snapshot();
      time.wall += after.wall - before.wall;
      time.server = plus(time.server, minus(after.server, before.server));
      time.client = plus(time.client, minus(after.client, before.client));
      time.others = plus(time.others, minus(after.others, before.others));
      time.machineBusy += after.machineBusy - before.machineBusy;
      const elu = received > 0 ? performance.eventLoopUtilization(firstElu.get(ply)!).utilization : NaN;
      samples.push({ ply, ack: acked - sent, first: first[ply]! - sent, last: last[ply]! - sent, received, elu });
    }
    if (received < c.spectators) await report({ type: 'progress', msg: `${c.mode}: move ${ply}: only ${received} of ${c.spectators} spectators had it after ${c.moveTimeoutMs} ms` });
    await sleep(c.pauseMs);
  }
  closing = true;
  await report({ type: 'result', samples, soloAcks, eventBytes, time, disconnects, connectMs });
  for (const s of [...spectators, ...players]) s.disconnect();
  process.exit(0);
}

if (require.main === module) {
  onCommand(() => undefined);
  main(JSON.parse(process.argv[2]!) as FanoutLoadConfig).catch((e: unknown) => {
    process.stderr.write(`fanout-load: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  });
}
