import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Prng } from '@rookery/raft/testing';
import { CONFIG_OPTIONS } from '../../apps/server/src/config';
import { Admin } from './admin';
import { checkHistory, type Verdict } from './checker';
import { Faults } from './faults';
import type { History } from './history';
import { Nemesis } from './nemesis';
import { openNetwork, type NetworkKind } from './netns';
import { NodeSet, type NodeHandle } from './nodes';
import { Player, type PlayContext } from './player';
import { Recorder } from './recorder';
import { finalViews, settleMembership, waitApplied } from './settle';
import { runTable } from './table';

/**
 * One schedule, start to end: a cluster of 3 or 5 real nodes (odd seeds 5, even 3), tables of
 * players, the nemesis for `durationMs`, then everything mended, the cluster settled, every
 * node asked for every game, and the history checked. Every process it starts is stopped, and
 * its network taken down, whatever happens.
 */

export interface ScheduleOptions {
  seed: number;
  /** Load and faults, in ms. */
  durationMs: number;
  /** Tables (two players, one game at a time) — 10 for 3 nodes, 12 for 5 by default. */
  tables?: number;
  network: NetworkKind;
  /** Called with a line now and then (progress). */
  log?: (line: string) => void;
  /** Registers the schedule's node set, so a signal handler can kill its processes. */
  onNodes?: (nodes: NodeSet | undefined) => void;
}

export interface ScheduleResult {
  seed: number;
  size: number;
  network: string;
  history: History;
  verdict: Verdict;
  /** The cluster did not recover, a node crashed, or the harness itself failed. */
  problems: string[];
  faults: Map<string, number>;
  /** Whether the nodes took snapshots (the server has --snapshot-every). */
  snapshots: boolean;
  wallMs: number;
  /** Every node's output, for a failure's report. */
  outputs: Record<string, string>;
}

const SECRET = 'chaos-cluster-secret';
const ADMIN_TOKEN = 'chaos-admin-token';

/** Whether the server takes `--<flag>` (passing one it does not know stops it at start). */
export function serverHas(flag: string): boolean {
  return CONFIG_OPTIONS.some(([f]) => f === flag);
}

export function clusterSize(seed: number): number {
  return seed % 2 === 0 ? 3 : 5;
}

function nodeFlags(rng: Prng): { flags: string[]; snapshots: boolean } {
  const flags = ['--tick-ms', '50', '--proposal-timeout-ms', '2000', '--drain-grace-ms', '200'];
  // Every player connects from 127.0.0.1: the per-address limits would refuse them, not the cluster.
  flags.push('--move-rate', '1000000', '--command-rate', '1000000', '--ip-rate', '10000000', '--max-connections-per-ip', '100000');
  const snapshots = serverHas('snapshot-every');
  if (snapshots) flags.push('--snapshot-every', String(40 + rng.int(160)));
  if (serverHas('snapshot-trailing-entries')) flags.push('--snapshot-trailing-entries', String(rng.int(40)));
  // Snapshots by entry count alone, often: strikes land in the middle of them (no draw, so a seed plays as before).
  if (serverHas('snapshot-log-percent')) flags.push('--snapshot-log-percent', '0');
  return { flags, snapshots };
}

export async function runSchedule(o: ScheduleOptions): Promise<ScheduleResult> {
  const started = Date.now();
  const rng = new Prng(o.seed);
  const size = clusterSize(o.seed);
  const log = o.log ?? (() => undefined);
  const root = mkdtempSync(join(tmpdir(), `rookery-chaos-${o.seed}-`));
  const network = await openNetwork(o.network);
  const { flags, snapshots } = nodeFlags(rng);
  const nodes = new NodeSet(root, network, { secret: SECRET, adminToken: ADMIN_TOKEN, flags });
  o.onNodes?.(nodes);
  const admin = new Admin(ADMIN_TOKEN);
  const rec = new Recorder();
  const faults = new Faults(nodes, network, admin, rec);
  const problems: string[] = [];
  let history: History = { seed: o.seed, nodes: size, ops: [], finals: [], finalWindow: { invoke: 0, complete: 0 }, faults: faults.log };
  try {
    const founders = await nodes.found(Array.from({ length: size }, (_, i) => `n${i + 1}`));
    await Promise.all(founders.map((n) => nodes.start(n)));
    if ((await admin.leader(nodes.up())) === undefined) await settleMembership(nodes, admin, faults, 20_000);
    log(`${size} nodes up (${network.kind}) in ${Date.now() - started} ms`);

    const ctx: PlayContext = { rec, nodes, stopAt: rec.now() + o.durationMs };
    const tables = o.tables ?? (size === 3 ? 10 : 12);
    const players = Array.from({ length: tables * 2 }, (_, i) => new Player(ctx, rng.fork(), `chaos-${o.seed}-t${i >> 1}${i % 2 === 0 ? 'a' : 'b'}`));
    let joiners = size;
    const addNode = async (): Promise<NodeHandle> => {
      const member = rng.pick(nodes.up());
      const joiner = await nodes.joiner(`n${++joiners}`, member);
      faults.note(`start ${joiner.id} with --join ${member.id}`);
      // Awaited: the strikes that follow are timed from the moment it asks to be added.
      await nodes.start(joiner).catch((e: unknown) => faults.note(`${joiner.id} did not start: ${String(e).split('\n')[0]}`));
      return joiner;
    };
    const nemesis = new Nemesis(faults, rng.fork(), rec, snapshots, addNode);
    await Promise.all([...Array.from({ length: tables }, (_, t) => runTable(ctx, rng.fork(), players[2 * t]!, players[2 * t + 1]!)), nemesis.run(ctx.stopAt)]);
    log(`load and faults over at ${(rec.now() / 1000).toFixed(1)} s: ${rec.ops.length} operations; healing`);

    await faults.healAll(rng.chance(0.5) ? 'reset' : 'resume');
    problems.push(...(await settleMembership(nodes, admin, faults)));
    if (problems.length === 0) problems.push(...(await canary(ctx, rng)));
    if (problems.length === 0) problems.push(...(await waitApplied(nodes, admin)));
    rec.close();
    const games = [...new Set(rec.ops.filter((op) => op.kind !== 'read' && op.outcome === 'ok').map((op) => op.game))].filter((g) => g !== '');
    const { finals, window } = await finalViews(nodes, games, rec);
    history = { ...history, ops: rec.ops, finals, finalWindow: window, streams: rec.streams };
  } catch (e) {
    problems.push(`harness: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    rec.close();
    history = { ...history, ops: rec.ops };
  } finally {
    await nodes.stopAll();
    await network.close();
    o.onNodes?.(undefined);
    rmSync(root, { recursive: true, force: true });
  }
  problems.push(...nodes.crashes);
  const verdict = checkHistory(history);
  const outputs = Object.fromEntries(nodes.nodes.map((n) => [n.id, n.output]));
  return { seed: o.seed, size, network: network.kind, history, verdict, problems, faults: faults.counts, snapshots, wallMs: Date.now() - started, outputs };
}

/** A healed cluster must take writes again: a game created through any member, within 15 s. */
async function canary(ctx: PlayContext, rng: Prng): Promise<string[]> {
  const player = new Player({ ...ctx, stopAt: ctx.rec.now() + 15_000 }, rng.fork(), 'canary-after-healing');
  const gameId = await player.create('white');
  player.close();
  return gameId === undefined ? ['the healed cluster did not take a write within 15 s'] : [];
}
