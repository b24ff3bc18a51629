import { Chess } from 'chess.js';
import type { GameEvent } from '@rookery/protocol';
import { metricOf } from '@rookery/testing';
import { LeanSocket } from './lib/lean-io';
import { onCommand, report } from './lib/processes';
import { machineBusy, minus, plus, sched, type Sched } from './lib/schedstat';

/**
 * The fan-out load generator: every side's spectators and player in one process, so that the
 * player's emit, its acknowledgement and every spectator's receipt are read on one clock
 * (performance.now()). Started by fanout.ts with its configuration as argv[2]; speaks JSON lines
 * (`FanoutLoadMessage`) on stdout.
 *
 * Each side (a Rookery node, the bare server) first has its player move alone (the command's
 * latency without spectators); then the spectators of all sides join; then the measured moves
 * alternate between the sides, one at a time, each fanned out on an otherwise quiet system.
 * Alternating rather than running one side after the other puts both sides under the same
 * conditions: on a shared machine, someone else's load comes and goes over minutes, and a
 * comparison made in two different minutes measures that load as much as the two servers.
 */

export interface FanoutSide {
  /** 'rookery': game:watch / game:move on a node; 'bare': watch / move on bare-server.ts. */
  mode: 'rookery' | 'bare';
  url: string;
  gameId: string;
  /** Rookery: White's and Black's seats, who move in turn (one socket holds one seat of a game). */
  seats: { session: string; token: string }[];
  /** Processes whose scheduler counters are read around each measured move: the server, and the others (the other nodes). */
  pids: { server: number | undefined; others: number[] };
}

export interface FanoutLoadConfig {
  sides: FanoutSide[];
  /** Per side. */
  spectators: number;
  /** Spectators connecting at once, per side: a flood of handshakes would measure the accept queue, not the fan-out. */
  batch: number;
  /**
   * The batches start evenly over this many ms. Socket.IO pings each socket every pingInterval
   * from its connection: spectators that all joined in the same few seconds would all be pinged
   * in the same few seconds, a burst of thousands of pings and pongs landing on some measured
   * moves and not others. Spread over one ping interval, the heartbeats are steady, as on a
   * server whose clients came and went at random.
   */
  spreadMs: number;
  /** UCI moves, played by every side: the solo ones, the warm-up ones, then the measured ones. */
  moves: string[];
  solo: number;
  warmup: number;
  /** Between a move's last receipt and the next move. */
  pauseMs: number;
  /** After the last spectator has joined, before the first move: Rookery's spectator-count news settles. */
  quietMs: number;
  /** A move not received by every spectator within this is counted incomplete. */
  moveTimeoutMs: number;
}

/** One measured move, in ms from the player's emit (the ack, the first and the last spectator's receipt). */
export interface MoveSample {
  ply: number;
  /** Wall-clock time of the emit (ms since the epoch), to set a move beside other processes' logs. */
  at: number;
  ack: number;
  first: number;
  last: number;
  /** Spectators that had it when the move was closed (all of them unless it timed out). */
  received: number;
  /** This process's event-loop utilization from the first receipt to the last: near 1, the client is the limit. */
  elu: number;
  /** From the emit to the last receipt, the server's and this process's event loops: ms run and ms waiting for a CPU. */
  server: Sched;
  client: Sched;
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

export interface SideResult {
  samples: MoveSample[];
  /** Emit → ack of the moves made before any spectator watched. */
  soloAcks: number[];
  eventBytes: number;
  time: MoveTime;
  disconnects: number;
  /**
   * Rookery only: the node's event-loop delay over the measured moves (ms, its /metrics
   * `nodejs_eventloop_lag_*`, sampled every 10 ms): how long anything else the node had to do
   * (another game's move, a Raft message) could wait, the fan-out included.
   */
  loopDelay?: { p99: number; max: number };
}

export type FanoutLoadMessage = { type: 'progress'; msg: string } | { type: 'result'; sides: SideResult[]; connectMs: number };

const now = (): number => performance.now();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const ZERO: Sched = { run: 0, wait: 0 };

/**
 * Spectators and players use the lean client (lib/lean-io.ts): 5,000 spectators per side in one
 * process make the client's CPU per received event part of every fan-out time, where in life each
 * spectator has its own machine; both sides pay the same, the least it can be.
 */
function connect(url: string, auth: object | undefined): Promise<LeanSocket> {
  return LeanSocket.connect(url, auth, 30_000);
}

/** The `moved` events bare-server.ts broadcasts: the shape and size Rookery sends. */
export function bareEvents(gameId: string, moves: string[]): GameEvent[] {
  const chess = new Chess();
  return moves.map((uci, i) => {
    const m = chess.move(uci);
    return { gameId, version: 4 + i, at: Date.now(), type: 'moved', color: m.color === 'w' ? 'white' : 'black', ply: i + 1, san: m.san, uci: m.lan, fen: m.after, clocks: null };
  });
}

/**
 * The ply of the `moved` event that comes first in a `game:event` packet's JSON array, read off
 * the text without parsing it; undefined when the first event is of another kind. The keys
 * before `type` (gameId, version, at) hold no quotes, so the first `"type":"` is the first
 * event's, and the first `"ply":` after it is that event's ply.
 */
export function movedPly(array: string): number | undefined {
  const t = array.indexOf('"type":"');
  if (t < 0 || !array.startsWith('moved"', t + 8)) return undefined;
  const p = array.indexOf('"ply":', t);
  if (p < 0) return undefined;
  const ply = parseInt(array.slice(p + 6, p + 16), 10);
  return Number.isSafeInteger(ply) && ply > 0 ? ply : undefined;
}

/** One server, its spectators and its player. */
class Side {
  // Per ply (1-based, as in the `moved` event): spectators that have it, first and last receipt.
  private readonly count: Uint32Array;
  private readonly first: Float64Array;
  private readonly last: Float64Array;
  private readonly firstElu = new Map<number, ReturnType<typeof performance.eventLoopUtilization>>();
  private readonly done = new Map<number, () => void>();
  private readonly spectators: LeanSocket[] = [];
  private players: LeanSocket[] = [];
  private readonly events: GameEvent[];
  closing = false;
  readonly result: SideResult = { samples: [], soloAcks: [], eventBytes: 0, time: { wall: 0, server: ZERO, client: ZERO, others: ZERO, machineBusy: 0 }, disconnects: 0 };

  constructor(
    private readonly s: FanoutSide,
    private readonly c: FanoutLoadConfig,
  ) {
    this.count = new Uint32Array(c.moves.length + 1);
    this.first = new Float64Array(c.moves.length + 1);
    this.last = new Float64Array(c.moves.length + 1);
    this.events = s.mode === 'bare' ? bareEvents(s.gameId, c.moves) : [];
  }

  async connectPlayers(): Promise<void> {
    const s = this.s;
    this.players = s.mode === 'rookery' ? await Promise.all(s.seats.map((seat) => connect(s.url, { session: seat.session, seats: { [s.gameId]: seat.token } }))) : [await connect(s.url, undefined)];
  }

  /** Emits move i; resolves with the emit and ack times. */
  private emit(i: number): Promise<{ sent: number; acked: number }> {
    return new Promise((resolve, reject) => {
      const sent = now();
      const cb = (err: Error | null, answer?: unknown): void => {
        const acked = now(); // first: the ack's time is the moment its callback runs
        const r = answer as Record<string, unknown> | undefined;
        if (err !== null || r?.['ok'] !== true) reject(new Error(`${this.s.mode} move ${i + 1} (${this.c.moves[i]}): ${err?.message ?? JSON.stringify(r)}`));
        else resolve({ sent, acked });
      };
      const player = this.players[i % this.players.length]!;
      if (this.s.mode === 'rookery') player.emit('game:move', { requestId: `m${i + 1}`, gameId: this.s.gameId, move: this.c.moves[i]! }, this.c.moveTimeoutMs, cb);
      else player.emit('move', this.events[i]!, this.c.moveTimeoutMs, cb);
    });
  }

  async solo(i: number): Promise<void> {
    const { sent, acked } = await this.emit(i);
    // The first half warms up (JIT, connections); the second half is the latency without spectators.
    if (i >= this.c.solo / 2) this.result.soloAcks.push(acked - sent);
  }

  async connectSpectators(n: number): Promise<void> {
    const batch = await Promise.all(
      Array.from({ length: n }, async () => {
        const sock = await connect(this.s.url, undefined);
        sock.onRaw('game:event', (array) => {
          const t = now();
          // A move's `moved` comes first in its packet, and its type and ply are all a spectator
          // needs: read off the text. Parsing 5,000 copies of the event was about a fifth of this
          // process's CPU during the fan-out (the same on both sides).
          const p = movedPly(array);
          if (p === undefined) return;
          if (this.count[p] === 0) {
            this.first[p] = t;
            this.firstElu.set(p, performance.eventLoopUtilization());
            // The size of what a spectator receives (every one gets the same bytes).
            const e = (JSON.parse(array) as [string, GameEvent])[1];
            if (e.type !== 'moved' || e.ply !== p) throw new Error(`a spectator read ply ${p} off ${array.slice(0, 200)}`);
            this.result.eventBytes = JSON.stringify(e).length;
          }
          this.last[p] = t;
          if (++this.count[p]! === this.c.spectators) this.done.get(p)?.();
        });
        sock.onDisconnect(() => void (this.closing || this.result.disconnects++));
        const rookery = this.s.mode === 'rookery';
        const r = (await sock.emitWithAck(rookery ? 'game:watch' : 'watch', rookery ? { gameId: this.s.gameId } : {}, 30_000)) as Record<string, unknown>;
        if (r['ok'] !== true) throw new Error(`${this.s.mode} watch: ${JSON.stringify(r)}`);
        return sock;
      }),
    );
    this.spectators.push(...batch);
  }

  get watching(): number {
    return this.spectators.length;
  }

  private snapshot(): MoveTime {
    const p = this.s.pids;
    return { wall: now(), server: p.server === undefined ? ZERO : sched(p.server), client: sched('self'), others: p.others.map(sched).reduce(plus, ZERO), machineBusy: machineBusy() };
  }

  /** Plays move i and waits until every spectator has it; `measured` records it. */
  async play(i: number, measured: boolean): Promise<void> {
    const ply = i + 1;
    const before = this.snapshot();
    const all = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.c.moveTimeoutMs);
      this.done.set(ply, () => (clearTimeout(timer), resolve()));
    });
    const { sent, acked } = await this.emit(i);
    await all;
    this.done.delete(ply);
    const received = this.count[ply]!;
    if (measured) {
      const after = this.snapshot();
      const [server, client] = [minus(after.server, before.server), minus(after.client, before.client)];
      const t = this.result.time;
      t.wall += after.wall - before.wall;
      t.server = plus(t.server, minus(after.server, before.server));
      t.client = plus(t.client, minus(after.client, before.client));
      t.others = plus(t.others, minus(after.others, before.others));
      t.machineBusy += after.machineBusy - before.machineBusy;
      const elu = received > 0 ? performance.eventLoopUtilization(this.firstElu.get(ply)!).utilization : NaN;
      this.result.samples.push({ ply, at: Math.round(performance.timeOrigin + sent), ack: acked - sent, first: this.first[ply]! - sent, last: this.last[ply]! - sent, received, elu, server, client });
    }
    if (received < this.c.spectators) await report({ type: 'progress', msg: `${this.s.mode}: move ${ply}: only ${received} of ${this.c.spectators} spectators had it after ${this.c.moveTimeoutMs} ms` });
  }

  close(): void {
    for (const sock of [...this.spectators, ...this.players]) sock.close();
  }

  /** Reads the node's event-loop delay since the last read (prom-client resets it on each scrape); undefined for the bare server. */
  async loopDelay(): Promise<{ p99: number; max: number } | undefined> {
    if (this.s.mode !== 'rookery') return undefined;
    return loopDelayOf(await (await fetch(`${this.s.url}/metrics`)).text(), this.s.url);
  }
}

/** A node's event-loop delay, p99 and max in ms, off its /metrics text. */
export function loopDelayOf(metrics: string, url: string): { p99: number; max: number } {
  const read = (what: string): number => {
    const name = `rookery_process_nodejs_eventloop_lag_${what}_seconds`;
    const seconds = metricOf(metrics, name);
    if (seconds === undefined || !Number.isFinite(seconds)) throw new Error(`fan-out: ${url}/metrics has no ${name}`);
    return Math.round(seconds * 10_000) / 10;
  };
  return { p99: read('p99'), max: read('max') };
}

async function main(c: FanoutLoadConfig): Promise<void> {
  const sides = c.sides.map((s) => new Side(s, c));
  for (const side of sides) await side.connectPlayers();
  for (let i = 0; i < c.solo; i++) {
    for (const side of sides) await side.solo(i);
    await sleep(c.pauseMs);
  }

  const t0 = now();
  for (let i = 0; i < c.spectators; i += c.batch) {
    await sleep(t0 + (i / c.spectators) * c.spreadMs - now());
    await Promise.all(sides.map((side) => side.connectSpectators(Math.min(c.batch, c.spectators - i))));
    const n = sides[0]!.watching;
    if (n % 1000 < c.batch || n === c.spectators) await report({ type: 'progress', msg: `${n}/${c.spectators} spectators watching on each of ${c.sides.map((s) => s.mode).join(', ')}` });
  }
  const connectMs = now() - t0;
  await sleep(c.quietMs);

  for (let i = c.solo; i < c.moves.length; i++) {
    // The nodes' event-loop delay counts from the first measured move.
    if (i === c.solo + c.warmup) for (const side of sides) await side.loopDelay();
    // Which side goes first alternates too: neither always follows the other's pause.
    const order = i % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) {
      await side.play(i, i >= c.solo + c.warmup);
      await sleep(c.pauseMs);
    }
  }
  for (const side of sides) side.result.loopDelay = await side.loopDelay();
  for (const side of sides) side.closing = true;
  await report({ type: 'result', sides: sides.map((s) => s.result), connectMs });
  for (const side of sides) side.close();
  process.exit(0);
}

if (require.main === module) {
  onCommand(() => undefined);
  main(JSON.parse(process.argv[2]!) as FanoutLoadConfig).catch((e: unknown) => {
    process.stderr.write(`fanout-load: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  });
}
