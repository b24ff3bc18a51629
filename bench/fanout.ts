import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { FanoutLoadConfig, FanoutLoadMessage, MoveSample, MoveTime } from './fanout-load';
import { numberFlag, flag, runStandalone } from './lib/cli';
import { benchCluster } from './lib/cluster';
import { watchContention, type Contention } from './lib/contention';
import { createGame } from './lib/http';
import { playout } from './lib/moves';
import { summarize, type Summary } from './lib/percentiles';
import { spawnChild, withCluster } from './lib/processes';

/**
 * Fan-out: N spectators of one game on one node, and the time from a player's move until every
 * spectator has it — beside a bare Socket.IO room broadcast to the same number of sockets,
 * measured the same way in the same run (bare-server.ts). Each side's spectators and player live
 * in one load process (fanout-load.ts), so that the emit, the ack and every receipt are read on
 * one clock. The sides run one after the other, never together, so neither loads the other.
 *
 * The figure is timed from the player's emit by default, not from its ack (see
 * FanoutOptions.from): a node sends a move's event to the room before it answers the player,
 * so from the ack the fan-out is over before the clock starts.
 */

export interface FanoutResult {
  spectators: number;
  moves: number;
  /** What the figures are timed from: the player's emit of the move (default), or its acknowledgement. */
  from: 'move' | 'ack';
  /** ms from the player's emit (or ack) to the last spectator's receipt of the move. */
  rookery: Summary;
  bare: Summary;
  /** rookery.p99 / bare.p99 */
  ratio: number;
  /** Where the time goes: not part of the figures, there to explain them. */
  diagnostics: { rookery: SideDiagnostics; bare: SideDiagnostics };
}

/** Per side, ms from the player's emit unless said otherwise. */
export interface SideDiagnostics {
  toAck: Summary;
  toFirst: Summary;
  toLast: Summary;
  /** From the ack: negative when every spectator had the move before its player had the ack. */
  ackToLast: Summary;
  /** From the first spectator's receipt to the last: the client process working through the sockets. */
  firstToLast: Summary;
  /** The load process's event-loop utilization from the first receipt to the last (1: busy throughout). */
  clientElu: Summary;
  /** Emit → ack of the moves made before any spectator watched: the command without the fan-out. */
  soloAck: Summary;
  /**
   * Mean ms per measured move, from its emit to its last receipt: the window's length, and how
   * much of it the server's, the load process's and the other nodes' event loops ran and waited
   * for a CPU; and the machine's busy CPU time in it (all CPUs: 2 × window means saturated).
   */
  perMove: MoveTime;
  /** CPUs used, on average over this side's run (spectators connecting included), by this benchmark and by other processes on the machine. */
  cpu: Contention;
  /** Bytes of JSON in one `moved` event as a spectator receives it. */
  eventBytes: number;
  /** Moves that some spectator had not received after the move timeout (should be 0), and sockets lost (should be 0). */
  incomplete: number;
  disconnects: number;
  /** Seconds to connect and watch all spectators. */
  connectSeconds: number;
  /** Bare only: ms the server's synchronous room broadcast held its event loop, per move. */
  serverEmitMs?: Summary;
}

export interface FanoutOptions {
  spectators: number;
  moves: number;
  progress?: (msg: string) => void;
  /**
   * Time the figures from the player's emit ('move', the default) or from its ack ('ack'). A
   * Rookery node writes a move's event to its watchers in the same turn as it applies the move,
   * before it answers the player, so from the ack every spectator has usually had it already
   * (≤ 0 ms) and the fan-out hides in the ack's own latency; the bare server acks first. From
   * the emit, both sides are timed alike whichever they send first.
   */
  from?: 'move' | 'ack';
  /** Unmeasured moves before the measured ones (JIT, buffers, the spectator-count news settling). Default 5. */
  warmup?: number;
  /** The node the spectators and the player use: the leader (default) or a follower. */
  node?: 'leader' | 'follower';
  /** Spectators connecting at once. Default 200. */
  batch?: number;
  /** The batches start evenly over this many ms (see FanoutLoadConfig.spreadMs). Default 25,000: the servers' ping interval. */
  spreadMs?: number;
  /** Pause between moves, ms. Default 200. */
  pauseMs?: number;
}

const LOAD = join(__dirname, 'fanout-load.ts');
/** A Rookery node's Socket.IO pingInterval (apps/server/src/gateway/io-adapter.ts), which bare-server.ts copies. */
const PING_INTERVAL_MS = 25_000;
const BARE = join(__dirname, 'bare-server.ts');

/** Refuses to start when the open-file limit cannot hold the sockets (each side holds them twice: the server's end and the client's). */
function checkFileLimit(spectators: number): void {
  const limit = Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim());
  if (Number.isFinite(limit) && limit < spectators + 200) throw new Error(`fan-out: ulimit -n is ${limit}; ${spectators} spectators need about ${spectators + 200} (raise it: ulimit -n ${spectators * 2})`);
}

export async function runFanout(o: FanoutOptions): Promise<FanoutResult> {
  const progress = o.progress ?? (() => undefined);
  checkFileLimit(o.spectators);
  const warmup = o.warmup ?? 5;
  const solo = 20;
  const moves = playout(20_251, solo + warmup + o.moves);
  if (moves.length < solo + warmup + o.moves) throw new Error(`fan-out: the playout has only ${moves.length} moves`);
  const base = { spectators: o.spectators, batch: o.batch ?? 200, spreadMs: o.spreadMs ?? PING_INTERVAL_MS, moves, solo, warmup, pauseMs: o.pauseMs ?? 200, quietMs: 2500, moveTimeoutMs: 15_000 };

  progress('fan-out: starting a 3-node cluster');
  const rookery = await withCluster(benchCluster, async (cluster) => {
    const leader = await cluster.leader();
    const node = o.node === 'follower' ? cluster.nodes.find((n) => n !== leader && n.proc !== undefined)! : leader;
    const game = await createGame(node.url, `fanout-${process.pid}`);
    progress(`fan-out: game ${game.gameId} on ${node.id} (${node === leader ? 'leader' : 'follower'}); connecting ${o.spectators} spectators`);
    const others = cluster.nodes.filter((n) => n !== node).map((n) => n.proc?.pid ?? 0);
    return runSide({ ...base, mode: 'rookery', url: node.url, gameId: game.gameId, seats: [game.white, game.black], pids: { server: node.proc?.pid, others } }, progress);
  });

  progress('fan-out: bare Socket.IO server');
  const emitted: number[] = [];
  const server = spawnChild<{ type: 'listening'; port: number } | { type: 'emitted'; ms: number }>(BARE, [], (m) => void (m.type === 'emitted' && emitted.push(m.ms)));
  let bare: SideDiagnostics & { samples: MoveSample[] };
  try {
    const { port } = await server.next((m): m is { type: 'listening'; port: number } => m.type === 'listening', 30_000);
    bare = await runSide({ ...base, mode: 'bare', url: `http://127.0.0.1:${port}`, gameId: 'bare', seats: [], pids: { server: server.proc.pid, others: [] } }, progress);
  } finally {
    await server.stop();
  }
  // The measured moves are the last ones.
  bare.serverEmitMs = summarize(emitted.slice(-o.moves));

  const from = o.from ?? 'move';
  const figure = (d: SideDiagnostics): Summary => (from === 'move' ? d.toLast : d.ackToLast);
  const [r, b] = [figure(rookery), figure(bare)];
  const strip = ({ samples: _s, ...d }: SideDiagnostics & { samples: MoveSample[] }): SideDiagnostics => d;
  return { spectators: o.spectators, moves: o.moves, from, rookery: r, bare: b, ratio: Math.round((r.p99 / b.p99) * 100) / 100, diagnostics: { rookery: strip(rookery), bare: strip(bare) } };
}

/** One side: a load process against the config's server. */
async function runSide(config: FanoutLoadConfig, progress: (msg: string) => void): Promise<SideDiagnostics & { samples: MoveSample[] }> {
  const contention = watchContention();
  const load = spawnChild<FanoutLoadMessage>(LOAD, [JSON.stringify(config)], (m) => void (m.type === 'progress' && progress(`fan-out ${m.msg}`)));
  try {
    // Connecting takes the spread and about a second per thousand spectators; each move at most its timeout.
    const budget = 120_000 + config.spreadMs + config.spectators * 20 + config.moves.length * (config.moveTimeoutMs + config.pauseMs);
    const res = await load.next((m): m is Extract<FanoutLoadMessage, { type: 'result' }> => m.type === 'result', budget);
    const s = res.samples;
    const toLast = summarize(s.map((x) => x.last));
    progress(`fan-out ${config.mode}: move → last spectator p50 ${toLast.p50} ms, p99 ${toLast.p99} ms over ${s.length} moves`);
    return {
      samples: s,
      toAck: summarize(s.map((x) => x.ack)),
      toFirst: summarize(s.map((x) => x.first)),
      toLast,
      ackToLast: summarize(s.map((x) => x.last - x.ack)),
      firstToLast: summarize(s.map((x) => x.last - x.first)),
      clientElu: summarize(s.map((x) => Math.round(x.elu * 100) / 100)),
      soloAck: summarize(res.soloAcks),
      perMove: perMove(res.time, s.length),
      cpu: contention.stop(),
      eventBytes: res.eventBytes,
      incomplete: s.filter((x) => x.received < config.spectators).length,
      disconnects: res.disconnects,
      connectSeconds: Math.round(res.connectMs / 100) / 10,
    };
  } finally {
    await load.stop();
  }
}

function perMove(t: MoveTime, moves: number): MoveTime {
  const r = (ms: number): number => Math.round((ms / moves) * 10) / 10;
  const each = (x: { run: number; wait: number }): { run: number; wait: number } => ({ run: r(x.run), wait: r(x.wait) });
  return { wall: r(t.wall), server: each(t.server), client: each(t.client), others: each(t.others), machineBusy: r(t.machineBusy) };
}

if (require.main === module) {
  runStandalone('fanout', (progress) =>
    runFanout({
      spectators: numberFlag('spectators', 5000),
      moves: numberFlag('moves', 50),
      warmup: numberFlag('warmup', 5),
      pauseMs: numberFlag('pause-ms', 200),
      spreadMs: numberFlag('spread-ms', PING_INTERVAL_MS),
      from: flag('from', 'move') === 'ack' ? 'ack' : 'move',
      node: flag('node', 'leader') === 'follower' ? 'follower' : 'leader',
      progress,
    }),
  );
}
