import { join } from 'node:path';
import type { FanoutLoadConfig, FanoutLoadMessage, FanoutSide, MoveSample, MoveTime, SideResult } from './fanout-load';
import { checkFileLimit, numberFlag, flag, runStandalone } from './lib/cli';
import { benchCluster } from './lib/cluster';
import { watchContention, type Contention } from './lib/contention';
import { seatGame } from './lib/http';
import { playout } from '@rookery/testing';
import { summarize, type Summary } from './lib/percentiles';
import { spawnChild, withCluster } from './lib/processes';

/**
 * Fan-out: N spectators of one game on one node, and the time from a player's move until every
 * spectator has it — beside a bare Socket.IO room broadcast to the same number of sockets,
 * measured the same way in the same run (bare-server.ts). Both sides' spectators and players
 * live in one load process (fanout-load.ts), so that the emit, the ack and every receipt are
 * read on one clock; the measured moves alternate between the sides, one at a time, so that
 * neither loads the other and both meet the same background load.
 *
 * The figure is timed from the player's acknowledgement, as the issue that asked for this
 * benchmark defines it: both servers answer the player first and then write the move to the
 * room, so from the ack to the last receipt is the fan-out itself. The time from the player's
 * emit (the ack's own latency added) is printed beside it and kept in the diagnostics (toLast).
 */

export interface FanoutResult {
  spectators: number;
  moves: number;
  /** What the figures are timed from: the player's acknowledgement (default), or the emit of the move. */
  from: 'move' | 'ack';
  /** ms from the player's ack (or emit) to the last spectator's receipt of the move. */
  rookery: Summary;
  bare: Summary;
  /** rookery.p99 / bare.p99 */
  ratio: number;
  /** Where the time goes: not part of the figures, there to explain them. */
  diagnostics: {
    rookery: SideDiagnostics;
    bare: SideDiagnostics;
    /** CPUs used, on average over the run, by this benchmark and by other processes on the machine (its load skews both sides). */
    cpu: Contention;
    /** Seconds to connect and watch all spectators (both sides at once, spread over `spreadMs`). */
    connectSeconds: number;
  };
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
   * for a CPU; the machine's busy CPU time in it (all CPUs: 2 × window means saturated), and of
   * that the `rest`, not run by those loops: other processes', other threads' and the kernel's.
   */
  perMove: MoveTime & { rest: number };
  /** Bytes of JSON in one `moved` event as a spectator receives it. */
  eventBytes: number;
  /** Moves that some spectator had not received after the move timeout (should be 0), and sockets lost (should be 0). */
  incomplete: number;
  disconnects: number;
  /** The slowest measured move (to the last receipt), whole: what its time went to. */
  slowest: MoveSample | undefined;
  /**
   * Every measured move, in the order played: what the figures above summarize. A p99 of 200
   * moves is their third slowest, so a tail is worth reading move by move, beside other
   * processes' logs (each move's `at` is wall-clock time).
   */
  moves: MoveSample[];
  /** Bare only: ms the server's synchronous room broadcast held its event loop, per move. */
  serverEmitMs?: Summary;
  /** Rookery only: the node's event-loop delay over the measured moves, ms (see SideResult.loopDelay). */
  loopDelay?: { p99: number; max: number };
}

export interface FanoutOptions {
  spectators: number;
  moves: number;
  progress?: (msg: string) => void;
  /**
   * Time the figures from the player's ack ('ack', the default) or from its emit ('move'). Both
   * servers answer the player before they write the move to the room (a Rookery node defers a
   * room broadcast to the next turn, the bare server acks and then broadcasts), so from the ack
   * both are timed alike, and the command's own latency (Raft's commit for Rookery, nothing for
   * the bare server) is left out. Until the node deferred its broadcasts it answered after
   * them, every spectator had a move before its player had the ack (≤ 0 ms), and the emit was
   * the only fair start.
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

export async function runFanout(o: FanoutOptions): Promise<FanoutResult> {
  const progress = o.progress ?? (() => undefined);
  // The load process holds both sides' spectators.
  checkFileLimit(2 * o.spectators + 200, `fan-out (${o.spectators} spectators a side)`);
  const warmup = o.warmup ?? 5;
  const solo = 20;
  const moves = playout(20_251, solo + warmup + o.moves);
  if (moves.length < solo + warmup + o.moves) throw new Error(`fan-out: the playout has only ${moves.length} moves`);
  const config: Omit<FanoutLoadConfig, 'sides'> = { spectators: o.spectators, batch: o.batch ?? 200, spreadMs: o.spreadMs ?? PING_INTERVAL_MS, moves, solo, warmup, pauseMs: o.pauseMs ?? 200, quietMs: 2500, moveTimeoutMs: 15_000 };

  const contention = watchContention();
  const emitted: number[] = [];
  const server = spawnChild<{ type: 'listening'; port: number } | { type: 'emitted'; ms: number }>(BARE, [], (m) => void (m.type === 'emitted' && emitted.push(m.ms)));
  try {
    const { port } = await server.next((m): m is { type: 'listening'; port: number } => m.type === 'listening', 30_000);
    progress('fan-out: bare Socket.IO server up; starting a 3-node cluster');
    const res = await withCluster(benchCluster, async (cluster) => {
      const leader = await cluster.leader();
      const node = o.node === 'follower' ? cluster.nodes.find((n) => n !== leader && n.proc !== undefined)! : leader;
      const game = await seatGame(node.url, `fanout-${process.pid}`);
      progress(`fan-out: game ${game.gameId} on ${node.id} (${node === leader ? 'leader' : 'follower'}); ${o.spectators} spectators a side`);
      const others = cluster.nodes.filter((n) => n !== node).map((n) => n.proc?.pid ?? 0);
      const sides: FanoutSide[] = [
        { mode: 'rookery', url: node.url, gameId: game.gameId, seats: [game.white, game.black], pids: { server: node.proc?.pid, others } },
        { mode: 'bare', url: `http://127.0.0.1:${port}`, gameId: 'bare', seats: [], pids: { server: server.proc.pid, others: [] } },
      ];
      const load = spawnChild<FanoutLoadMessage>(LOAD, [JSON.stringify({ ...config, sides })], (m) => void (m.type === 'progress' && progress(`fan-out: ${m.msg}`)));
      try {
        // The spread, about a second per thousand spectators, and each move at most its timeout.
        const budget = 120_000 + config.spreadMs + 2 * config.spectators * 20 + 2 * moves.length * (config.moveTimeoutMs + config.pauseMs);
        return await load.next((m): m is Extract<FanoutLoadMessage, { type: 'result' }> => m.type === 'result', budget);
      } finally {
        await load.stop();
      }
    });
    const [rookery, bare] = res.sides.map((side) => diagnose(side, o.spectators)) as [SideDiagnostics, SideDiagnostics];
    // The measured moves are the last ones the bare server broadcast.
    bare.serverEmitMs = summarize(emitted.slice(-o.moves));
    for (const [name, d] of [['rookery', rookery], ['bare', bare]] as const) {
      const loop = d.loopDelay === undefined ? '' : `; the node's event-loop delay p99 ${d.loopDelay.p99} ms, max ${d.loopDelay.max} ms`;
      progress(`fan-out ${name}: ack → last spectator p50 ${d.ackToLast.p50} ms, p99 ${d.ackToLast.p99} ms; emit → last p50 ${d.toLast.p50} ms, p99 ${d.toLast.p99} ms${loop}`);
    }

    const from = o.from ?? 'ack';
    const [r, b] = [rookery, bare].map((d) => (from === 'move' ? d.toLast : d.ackToLast)) as [Summary, Summary];
    return {
      spectators: o.spectators,
      moves: o.moves,
      from,
      rookery: r,
      bare: b,
      ratio: Math.round((r.p99 / b.p99) * 100) / 100,
      diagnostics: { rookery, bare, cpu: contention.stop(), connectSeconds: Math.round(res.connectMs / 100) / 10 },
    };
  } finally {
    await server.stop();
  }
}

/** Per side: the summaries of its measured moves, and the moves themselves. */
export function diagnose(res: SideResult, spectators: number): SideDiagnostics {
  const s = res.samples;
  return {
    toAck: summarize(s.map((x) => x.ack)),
    toFirst: summarize(s.map((x) => x.first)),
    toLast: summarize(s.map((x) => x.last)),
    ackToLast: summarize(s.map((x) => x.last - x.ack)),
    firstToLast: summarize(s.map((x) => x.last - x.first)),
    clientElu: summarize(s.map((x) => Math.round(x.elu * 100) / 100)),
    soloAck: summarize(res.soloAcks),
    perMove: perMove(res.time, s.length),
    eventBytes: res.eventBytes,
    incomplete: s.filter((x) => x.received < spectators).length,
    disconnects: res.disconnects,
    slowest: [...s].sort((a, b) => b.last - a.last)[0],
    moves: s,
    ...(res.loopDelay === undefined ? {} : { loopDelay: res.loopDelay }),
  };
}

function perMove(t: MoveTime, moves: number): MoveTime & { rest: number } {
  const r = (ms: number): number => Math.round((ms / moves) * 10) / 10;
  const each = (x: { run: number; wait: number }): { run: number; wait: number } => ({ run: r(x.run), wait: r(x.wait) });
  const rest = t.machineBusy - t.server.run - t.client.run - t.others.run;
  return { wall: r(t.wall), server: each(t.server), client: each(t.client), others: each(t.others), machineBusy: r(t.machineBusy), rest: r(rest) };
}

if (require.main === module) {
  runStandalone('fanout', (progress) =>
    runFanout({
      spectators: numberFlag('spectators', 5000),
      moves: numberFlag('moves', 50),
      warmup: numberFlag('warmup', 5),
      pauseMs: numberFlag('pause-ms', 200),
      spreadMs: numberFlag('spread-ms', PING_INTERVAL_MS),
      from: flag('from', 'ack') === 'move' ? 'move' : 'ack',
      node: flag('node', 'leader') === 'follower' ? 'follower' : 'leader',
      progress,
    }),
  );
}
