import { join } from 'node:path';
import type { FailoverLoadConfig, FailoverLoadMessage } from './failover-load';
import { numberFlag, runStandalone } from './lib/cli';
import { BENCH_TICK_MS, benchCluster, settle, type TestCluster } from './lib/cluster';
import { watchContention, type Contention } from './lib/contention';
import { getJson } from './lib/http';
import { tallyGame } from './lib/loss';
import { summarize, wallNow, type Summary } from './lib/percentiles';
import { spawnChild, withCluster } from './lib/processes';

/**
 * Failover: kill -9 the leader of a 3-node cluster under a constant load of moves, `rounds`
 * times, and measure how long writes are unavailable each time; then check that no
 * acknowledged move was lost.
 *
 * Unavailability, per round: from the kill to the first acknowledgement of a move attempt
 * invoked after the kill. (Attempts invoked before it may be acknowledged later — an entry the
 * dead leader had replicated is committed by its successor — but they do not show that a new
 * write can get through.) At 500 moves/s an attempt starts every 2 ms, so the figure resolves
 * to a few ms; it covers noticing the leader is gone (the election timeout), the election, and
 * the first commit in the new term.
 *
 * Loss: after the last round every issued move is played out (retried under its request id
 * until acknowledged), the nodes settle, and every node's copy of every game must hold exactly
 * the acknowledged moves, in order: an acknowledged move missing, or out of place, is lost.
 */

export interface FailoverResult {
  rounds: number;
  rate: number;
  /** ms from each kill to the first acknowledged move invoked after it; `all` in round order. */
  unavailableMs: Summary & { all: number[] };
  /** Moves acknowledged, and those of them not in every node's final game, once and in place. */
  acked: number;
  lost: number;
  /** The Raft tick of this run (BENCH_TICK_MS, else the node's default): the election timeout is 10–20 ticks. */
  tickMs: number;
  /** Moves issued; arrivals skipped for want of a free game (should be 0); moves refused for good (by code) or unresolved (should be none). */
  issued: number;
  skipped: number;
  refused: Record<string, number>;
  unresolved: number;
  /** Moves applied that were never acknowledged (a refused or unresolved move's), and games whose nodes disagree. */
  unacknowledgedApplied: number;
  divergedGames: number;
  /** ms from a move's first attempt to its acknowledgement, retries included (over the whole run). */
  moveLatencyMs: Summary;
  /** How the attempts ended: ok, unreachable (refused or reset), timeout (no answer within 6 s), or the error code. */
  attempts: Record<string, number>;
  /** Per round, the terms from before the kill to the restarted node's return: 1 is one clean election; more, a split vote or a leader lost again. */
  terms: number[];
  /** CPUs used, on average from the first kill to the last round, by this benchmark and by other processes on the machine. */
  cpu: Contention;
}

export interface FailoverOptions {
  rounds: number;
  rate: number;
  progress?: (msg: string) => void;
  /** Games in play. Default 8 per move/s of the rate. */
  games?: number;
  /** Load before the first kill, and between a node's return and the next kill, ms. Default 3,000 and 1,000. */
  warmupMs?: number;
  steadyMs?: number;
}

const LOAD = join(__dirname, 'failover-load.ts');
type Result = Extract<FailoverLoadMessage, { type: 'result' }>;

export async function runFailover(o: FailoverOptions): Promise<FailoverResult> {
  const progress = o.progress ?? (() => undefined);
  const tickMs = BENCH_TICK_MS;
  progress(`failover: starting a 3-node cluster (tick ${tickMs} ms)`);
  return withCluster(benchCluster, async (cluster) => {
    // Enough games for the moves held up in an outage (up to the attempt timeout, 6 s), and few
    // enough that each gets its first move within a minute (the state machine aborts a game
    // whose first move waits longer).
    const games = o.games ?? Math.max(100, Math.ceil(o.rate * 8));
    const trace = process.env['BENCH_TRACE'];
    const config: FailoverLoadConfig = { urls: cluster.nodes.map((n) => n.url), games, rate: o.rate, attemptTimeoutMs: 6000, tag: `fo${process.pid}`, ...(trace ? { trace } : {}) };
    const load = spawnChild<FailoverLoadMessage>(LOAD, [JSON.stringify(config)], (m) => void (m.type === 'progress' && progress(`failover: ${m.msg}`)));
    try {
      await load.next((m): m is { type: 'ready' } => m.type === 'ready', 300_000);
      progress(`failover: ${o.rate} moves/s`);
      load.send({ type: 'start' });
      await sleep(o.warmupMs ?? 3000);
      const unavailable: number[] = [];
      const terms: number[] = [];
      const contention = watchContention();
      for (let round = 1; round <= o.rounds; round++) {
        // A leader lost between rounds (no kill) shows as a wait here, and as terms in `terms`.
        const leader = await cluster.leader(60_000);
        const before = await cluster.status(leader);
        const at = wallNow();
        cluster.kill(leader);
        load.send({ type: 'kill', round, at });
        const back = await load.next((m): m is { type: 'recovered'; round: number; ms: number } => m.type === 'recovered' && m.round === round, 60_000);
        unavailable.push(Math.round(back.ms));
        const t = Date.now();
        await cluster.restart(leader);
        const started = Date.now();
        await cluster.waitReady(180_000);
        const after = await cluster.status(leader);
        terms.push((after?.term ?? NaN) - (before?.term ?? NaN));
        progress(`failover: round ${round}/${o.rounds}: killed ${leader.id}, writes back after ${Math.round(back.ms)} ms; it restarted in ${((started - t) / 1000).toFixed(1)} s and caught up in ${((Date.now() - started) / 1000).toFixed(1)} s; ${terms[terms.length - 1]} new term(s)`);
        await sleep(o.steadyMs ?? 1000);
      }
      const cpu = contention.stop();
      load.send({ type: 'stop' });
      const res = await load.next((m): m is Result => m.type === 'result', 120_000);
      progress('failover: load stopped; checking every acknowledged move on every node');
      await settle(cluster, 30_000);
      const check = await verify(cluster, res.acked);
      const acked = Object.values(res.acked).reduce((n, a) => n + a.length, 0);
      return {
        rounds: o.rounds,
        rate: o.rate,
        unavailableMs: { ...summarize(unavailable), all: unavailable },
        acked,
        lost: check.lost,
        tickMs,
        issued: res.issued,
        skipped: res.skipped,
        refused: res.refused,
        unresolved: res.unresolved,
        unacknowledgedApplied: check.unacknowledgedApplied,
        divergedGames: check.diverged,
        moveLatencyMs: summarize(res.latencies),
        attempts: res.outcomes,
        terms,
        cpu,
      };
    } finally {
      await load.stop();
    }
  });
}

/** Reads every game from every node (a node that does not know it has it empty) and tallies it against its acknowledged moves. */
async function verify(cluster: TestCluster, acked: Record<string, string[]>): Promise<{ lost: number; unacknowledgedApplied: number; diverged: number }> {
  let lost = 0;
  let unacknowledgedApplied = 0;
  let diverged = 0;
  const ids = Object.keys(acked);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < ids.length) {
      const id = ids[next++]!;
      const copies = await Promise.all(
        cluster.nodes.map(async (n) => {
          const r = await getJson(n.url, `/api/games/${id}`);
          if (r.status !== 200) return [];
          return ((r.body['game'] as { moves: { uci: string }[] }).moves ?? []).map((m) => m.uci);
        }),
      );
      const t = tallyGame(acked[id]!, copies);
      lost += t.lost;
      unacknowledgedApplied += t.unacknowledgedApplied;
      if (t.diverged) diverged++;
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return { lost, unacknowledgedApplied, diverged };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

if (require.main === module) {
  runStandalone('failover', (progress) => runFailover({ rounds: numberFlag('rounds', 20), rate: numberFlag('rate', 500), warmupMs: numberFlag('warmup-ms', 3000), progress }));
}
