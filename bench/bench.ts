import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasEtcd, startEtcd } from '../libs/raft/bench/etcd';
import { benchCluster, settle, snapshotIndexes, type NodeHandle, type TestCluster } from './lib/cluster';
import { createGames, type BenchGame } from './lib/games';
import { closedTable, latencyChart, rateTable, type ClosedRow, type RateRow } from './lib/report';
import { cpuMs } from './lib/cpu';
import { watchContention } from './lib/contention';
import { machineBusy, sched } from './lib/schedstat';
import { gcText, watchGc, type NodeGc } from './lib/gc';

/**
 * `npm run bench` — the full stack under load: a 3-node cluster (fsync on, production settings)
 * and a load generator in its own process.
 *   1. constant arrival rates over HTTP (2, 3, 5, 10, 100, 1,000, 2,000, 5,000 moves/s …),
 *      stopping once p99 passes 1 s: the table of the write-up that motivated Rookery; each
 *      level also says how busy the machine was, how long the nodes queued for a CPU, and how
 *      long each node's main thread spent collecting garbage (with its full collections);
 *   2. a closed loop at 1, 16, 64 and 256 players over Socket.IO, on a fresh cluster (with
 *      --vs-etcd, a fresh 3-member etcd under puts the size of a move's entry beside it, each
 *      level run on one and then the other, and the ratios);
 *   3. fan-out: 5,000 spectators of one game, beside a bare Socket.IO room broadcast, then the
 *      floor under both (floor.ts: a frame written to as many sockets with nothing else);
 *   4. failover: kill -9 of the leader under 500 moves/s, 20 times.
 * JSON and an SVG chart go to bench/results/. Flags: --quick (short levels, for a look),
 * --only rates,closed,fanout,failover, --seconds N, --warmup N, --vs-etcd, --fanout-moves N (200).
 */
const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const quick = args.includes('--quick');
const vsEtcd = args.includes('--vs-etcd');
const only = new Set((flag('only') ?? 'rates,closed,fanout,failover').split(','));
const seconds = Number(flag('seconds') ?? (quick ? 3 : 10));
const warmup = Number(flag('warmup') ?? (quick ? 1 : 2));
const RATES = quick ? [2, 10, 100, 1000, 2000] : [2, 3, 5, 10, 100, 1000, 2000, 5000, 10_000, 20_000];
const CONCURRENCY = quick ? [1, 16, 64] : [1, 16, 64, 256];
const procs: ChildProcess[] = [];
const dirs: string[] = [];
let cluster: TestCluster | undefined;

const tty = process.stderr.isTTY === true;
const started = Date.now();
function progress(msg: string): void {
  const t = `${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s`;
  process.stderr.write(tty ? `\r\x1b[2K${t}  ${msg}` : `${t}  ${msg}\n`);
}
function done(msg: string): void {
  progress(msg);
  if (tty) process.stderr.write('\n');
}

async function cleanup(): Promise<void> {
  for (const p of procs) p.kill('SIGKILL');
  await cluster?.stop();
  cluster = undefined;
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));

/** Runs a load generator to its end; its last JSON line. `onStart`: called when it prints `{"started":true}`. */
function load<T>(script: string, argv: string[], onStart?: () => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', script, ...argv], { stdio: ['ignore', 'pipe', 'inherit'] });
    procs.push(p);
    let out = '';
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (onStart !== undefined && out.includes('{"started":true}')) {
        onStart();
        onStart = undefined;
      }
    });
    p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!) as T) : reject(new Error(`${script} exited with ${code}`))));
  });
}

/** Writes where the games stand for the next load, after merging what the last one played. */
function saveGames(file: string, games: BenchGame[], plies?: Record<string, number>): void {
  if (plies) for (const g of games) if (plies[g.gameId] !== undefined) g.played = plies[g.gameId];
  writeFileSync(file, JSON.stringify(games));
}

/**
 * The CPUs a rate level used while its moves were being sent (1 = one CPU busy throughout): each
 * node's (leader first), the load generator's, other processes', and the whole machine's out of
 * its `cpus`; and how long, per second, each node's event loop was ready to run but waited for a
 * CPU (its main thread's run-queue time, /proc/PID/schedstat). A level's latency tail grows with
 * how busy the machine was and how long the nodes queued for it: these say how much.
 */
interface LevelCpu {
  leader: number;
  followers: number[];
  loadGenerator: number;
  foreign: number;
  machine: number;
  cpus: number;
  /** ms per second each node's event loop (leader first) was ready to run and waited for a CPU. */
  waitMsPerSec: number[];
}

type Quantiles = { p50: number; p99: number };
/**
 * A rate level's row in the results' rateCpus: its LevelCpu, how late the load generator sent its
 * moves (ms), and each node's garbage collection (leader first). Traced on a 2-vCPU machine, a
 * level's stalls lined up with a node's full collection, leader or follower: its marking threads
 * take CPU the other nodes' event loops are waiting for.
 */
type RateLevelCpu = LevelCpu & { rate: number; sentLate: Quantiles; gc: NodeGc[] };

/**
 * From the call to `stop`: the CPUs each of `pids` used and the machine's busy CPUs (1 = one CPU
 * busy throughout), and how long per second each of `pids`' main threads waited in the run queue.
 */
function watchQueueing(pids: readonly number[]): { stop(): { ms: number; used: number[]; machine: number; waitMsPerSec: number[] } } {
  const at = performance.now();
  const used = pids.map(cpuMs);
  const machine = machineBusy();
  const waits = pids.map(sched);
  return {
    stop: () => {
      const ms = Math.max(1, performance.now() - at);
      const cpus = (x: number): number => Math.round((x / ms) * 100) / 100;
      return { ms, used: pids.map((pid, i) => cpus(cpuMs(pid) - used[i]!)), machine: cpus(machineBusy() - machine), waitMsPerSec: pids.map((pid, i) => Math.round(((sched(pid).wait - waits[i]!.wait) / ms) * 1000)) };
    },
  };
}

function queueingText(q: { machine: number; waitMsPerSec: number[] }, cpus: number): string {
  return `machine ${q.machine} of ${cpus} busy; event loops waiting for a CPU: leader ${q.waitMsPerSec[0]} ms/s, followers ${q.waitMsPerSec.slice(1).join(' and ')}`;
}

function levelCpuText(c: LevelCpu): string {
  return `CPUs: leader ${c.leader}, followers ${c.followers.join(' and ')}, load generator ${c.loadGenerator}, other processes ${c.foreign}; ${queueingText(c, c.cpus)}`;
}

async function rates(target: string, nodes: readonly NodeHandle[], games: BenchGame[], file: string): Promise<{ rows: RateRow[]; cpu: RateLevelCpu[] }> {
  const rows: RateRow[] = [];
  const cpu: RateLevelCpu[] = [];
  const pids = nodes.map((n) => n.proc!.pid!);
  for (const rate of RATES) {
    saveGames(file, games);
    progress(`rates: ${rate} moves/s for ${warmup} + ${seconds} s`);
    let from: { queueing: ReturnType<typeof watchQueueing>; contention: ReturnType<typeof watchContention>; gc: ReturnType<typeof watchGc> } | undefined;
    const r = await load<RateRow & { plies: Record<string, number>; errorCodes: Record<string, number>; cpuMs: number; late: Quantiles }>(
      join(__dirname, 'load.ts'),
      ['--mode', 'rate', '--target', target, '--games', file, '--rate', String(rate), '--seconds', String(seconds), '--warmup', String(warmup)],
      () => (from = { queueing: watchQueueing(pids), contention: watchContention(), gc: watchGc(nodes.map((n) => n.url)) }),
    );
    saveGames(file, games, r.plies);
    rows.push({ rate, achieved: r.achieved, p50: r.p50, p90: r.p90, p95: r.p95, p99: r.p99, max: r.max, errors: r.errors });
    const codes = Object.entries(r.errorCodes).map(([what, n]) => `${n} × ${what}`);
    let level = '';
    if (from !== undefined) {
      const { ms, used, machine, waitMsPerSec } = from.queueing.stop();
      const { foreign, cpus } = from.contention.stop();
      const gc = await from.gc.stop();
      // The load generator counted its own CPU from the same start, to its end (just before now).
      const loadGenerator = Math.round((r.cpuMs / ms) * 100) / 100;
      const c: LevelCpu = { leader: used[0]!, followers: used.slice(1), loadGenerator, foreign, machine, cpus, waitMsPerSec };
      cpu.push({ rate, ...c, sentLate: { p50: r.late.p50, p99: r.late.p99 }, gc });
      level = `; ${levelCpuText(c)}; ${gcText(gc)}`;
    }
    done(`rates: ${rate}/s → ${r.achieved}/s achieved, p50 ${r.p50} ms, p99 ${r.p99} ms, ${r.errors} errors${codes.length > 0 ? ` (${codes.join(', ')})` : ''}; sent late by the load generator p50 ${r.late.p50} ms, p99 ${r.late.p99} ms${level}`);
    if (r.p99 > 1000) break;
  }
  return { rows, cpu };
}

/** Closed-loop players never run out of moves below this rate: each level gets games for it (and one per player). */
const CLOSED_MAX_RATE = 10_000;
const PLIES = 300;

/** CPU per move in a closed-loop level, µs: each node's (leader first) and the load generator's. */
interface MoveCpu {
  leader: number;
  followers: number[];
  loadGenerator: number;
  /** Mean CPUs other processes on the machine used meanwhile (their load skews the figures). */
  foreign: number;
  /** While the players played: the machine's busy CPUs, and ms per second each node's event loop (leader first) waited for a CPU. */
  machine?: number;
  waitMsPerSec?: number[];
}

type EtcdRow = { concurrency: number; rate: number; p50: number; p99: number };
type RookeryRow = { concurrency: number; rate: number; p50: number; p99: number; cpu: MoveCpu; snapshotted: string[] };

/**
 * Each level of the closed loop, on Rookery and then on etcd (`etcdLevel`, if comparing), back
 * to back, the order alternating from one level to the next. This machine's speed drifts by
 * tens of per cent over minutes (neighbours on the host): run as two phases minutes apart, a
 * level's ratio measured that drift as much as the two systems. Side by side, and in turn first,
 * each pair meets the same machine.
 */
async function closed(target: string, file: string, c3: TestCluster, etcdLevel?: (c: number) => Promise<EtcdRow>): Promise<{ rookery: RookeryRow; etcd?: EtcdRow }[]> {
  const rows = [];
  for (const [i, c] of CONCURRENCY.entries()) {
    const etcdFirst = etcdLevel !== undefined && i % 2 === 1 ? await etcdLevel(c) : undefined;
    const rookery = await rookeryLevel(c, target, file, c3);
    const etcd = etcdFirst ?? (etcdLevel !== undefined ? await etcdLevel(c) : undefined);
    rows.push({ rookery, ...(etcd !== undefined ? { etcd } : {}) });
  }
  return rows;
}

async function rookeryLevel(c: number, target: string, file: string, c3: TestCluster): Promise<RookeryRow> {
  // Fresh games per level, enough that no player runs out: every level starts from the
  // opening, and one level's play does not shorten the next one's supply.
  const count = c + Math.ceil((CLOSED_MAX_RATE * (warmup + seconds)) / PLIES);
  progress(`closed loop: creating ${count} games for ${c} players`);
  const games = await createGames(target, count, PLIES, { tag: `c${c}-${Date.now().toString(36)}` });
  saveGames(file, games);
  progress(`closed loop: ${c} players for ${warmup} + ${seconds} s`);
  const nodes = [...c3.nodes].sort((a, b) => Number(b.url === target) - Number(a.url === target));
  const before = nodes.map((n) => cpuMs(n.proc!.pid!));
  const snapshotsBefore = await snapshotIndexes(nodes);
  const contention = watchContention();
  let queueing: ReturnType<typeof watchQueueing> | undefined;
  const r = await load<{ rate: number; p50: number; p99: number; errors: number; exhausted: number; cpuMs: number; plies: Record<string, number> }>(
    join(__dirname, 'load.ts'),
    ['--mode', 'closed', '--target', target, '--games', file, '--concurrency', String(c), '--seconds', String(seconds), '--warmup', String(warmup)],
    () => (queueing = watchQueueing(nodes.map((n) => n.proc!.pid!))),
  );
  const { foreign, cpus } = contention.stop();
  const q = queueing?.stop();
  const queued = q !== undefined ? { machine: q.machine, waitMsPerSec: q.waitMsPerSec } : undefined;
  // A snapshot's CPU (every node takes its own, at about the same index) falls inside a level.
  const snapshotsAfter = await snapshotIndexes(nodes);
  const snapshotted = nodes.filter((_, i) => snapshotsAfter[i]! > snapshotsBefore[i]!).map((n) => n.id);
  // Every move of the level, warm-up included (the games were fresh): what the CPU times cover.
  const moves = Math.max(1, Object.values(r.plies).reduce((a, b) => a + b, 0));
  const perMove = (ms: number): number => Math.round((ms * 1000) / moves);
  const used = nodes.map((n, i) => perMove(cpuMs(n.proc!.pid!) - before[i]!));
  const cpu: MoveCpu = { leader: used[0]!, followers: used.slice(1), loadGenerator: perMove(r.cpuMs), foreign, ...queued };
  saveGames(file, games, r.plies);
  done(`closed loop: ${c} players → ${r.rate} moves/s, p50 ${r.p50} ms, p99 ${r.p99} ms, ${r.errors} errors${r.exhausted > 0 ? `, ${r.exhausted} players ran out of games` : ''}; CPU µs per move: leader ${cpu.leader}, followers ${cpu.followers.join(' and ')}, load generator ${cpu.loadGenerator}; other processes ${foreign} CPUs${queued !== undefined ? `; ${queueingText(queued, cpus)}` : ''}; snapshots written meanwhile: ${snapshotted.length === 0 ? 'none' : snapshotted.join(', ')}`);
  return { concurrency: c, rate: r.rate, p50: r.p50, p99: r.p99, cpu, snapshotted };
}

async function etcdLevel(url: string, c: number, valueBytes: number): Promise<EtcdRow> {
  progress(`etcd: ${c} writers, ${valueBytes}-byte puts`);
  const r = await load<{ rate: number; p50: number; p99: number }>(join(__dirname, '..', 'libs', 'raft', 'bench', 'load.ts'), ['--kind', 'etcd', '--target', url, '--concurrency', String(c), '--seconds', String(seconds), '--warmup', String(warmup), '--value-bytes', String(valueBytes)]);
  done(`etcd: ${c} writers → ${r.rate} puts/s, p50 ${r.p50} ms, p99 ${r.p99} ms`);
  return { concurrency: c, rate: r.rate, p50: r.p50, p99: r.p99 };
}

/** The size of a move's Raft entry, as the leader appends it (etcd's puts are made the same size). */
function moveEntryBytes(): number {
  // The sizes a bench game's move has: a session as createGames names them, a 12-character
  // game id, a 24-character seat token.
  const command = { type: 'move', requestId: 'm123', session: 'bench-c64-mwwx1abc-123-w', gameId: 'x'.repeat(12), token: 'y'.repeat(24), move: 'e2e4' };
  // 9-byte chess entry head (version, entry time) and the node's envelope with its proposal id.
  return Buffer.byteLength(JSON.stringify(command)) + 9 + 2 + 24;
}

async function main(): Promise<void> {
  const results: Record<string, unknown> = { at: new Date().toISOString(), quick, seconds, warmup };
  const work = mkdtempSync(join(tmpdir(), 'rookery-bench-'));
  dirs.push(work);
  let rateRows: RateRow[] = [];
  let closedRows: ClosedRow[] = [];
  if (only.has('rates') || only.has('closed')) {
    progress('starting a 3-node cluster');
    cluster = await benchCluster();
    const leader = await cluster.leader();
    progress(`creating games (leader ${leader.id})`);
    const games = only.has('rates') ? await createGames(leader.url, quick ? 400 : 1500, PLIES) : [];
    done(`cluster up, leader ${leader.id}, ${games.length} games ready`);
    if (only.has('rates')) {
      const nodes = [...cluster.nodes].sort((a, b) => Number(b.id === leader.id) - Number(a.id === leader.id));
      const measured = await rates(leader.url, nodes, games, join(work, 'rate-games.json'));
      rateRows = measured.rows;
      results['rates'] = rateRows;
      results['rateCpus'] = measured.cpu;
      await settle(cluster);
    }
    if (only.has('closed')) {
      // The closed loop starts from a fresh cluster, as etcd's side does: compared side by side,
      // neither carries what the rates before it left (here 100,000 entries, 1,500 games, a
      // snapshot due, and heaps grown by the levels past saturation), or the ratios would
      // measure that rather than the two systems.
      let target = leader.url;
      if (only.has('rates')) {
        progress('a fresh 3-node cluster for the closed loop');
        await cluster.stop();
        cluster = await benchCluster();
        target = (await cluster.leader()).url;
      }
      const bytes = moveEntryBytes();
      if (vsEtcd && !hasEtcd()) done('etcd is not on PATH (apt-get install etcd-server): no comparison');
      // A fresh etcd beside the fresh cluster; each sits idle while the other is measured.
      const etcdUrl = vsEtcd && hasEtcd() ? await startEtcd(procs, dirs) : undefined;
      const levels = await closed(target, join(work, 'closed-games.json'), cluster, etcdUrl === undefined ? undefined : (c) => etcdLevel(etcdUrl, c, bytes));
      await cluster.stop();
      cluster = undefined;
      closedRows = levels.map(({ rookery: r, etcd: e }) => ({ concurrency: r.concurrency, rookery: r, ...(e ? { etcd: e, ratio: e.rate > 0 ? r.rate / e.rate : undefined } : {}) }));
      results['closed'] = { entryBytes: bytes, rows: closedRows };
      for (const p of procs) p.kill('SIGKILL');
    }
    await cluster?.stop();
    cluster = undefined;
  }
  let fanout: { rookery: { p99: number }; ratio: number; spectators: number } | undefined;
  if (only.has('fanout')) {
    const { runFanout } = await import('./fanout');
    fanout = await runFanout({ spectators: Number(flag('spectators') ?? (quick ? 1000 : 5000)), moves: Number(flag('fanout-moves') ?? (quick ? 20 : 200)), progress });
    results['fanout'] = fanout;
    // Each side's moves, one by one, go to the results file only.
    done(`fan-out: ${JSON.stringify(fanout, (key, value: unknown) => (key === 'moves' && Array.isArray(value) ? `${value.length} in the results file` : value))}`);
    // The floor under F in this run: the same number of sockets written with nothing else.
    const { FANOUT_FRAME_BYTES, runFloor } = await import('./floor');
    const floor = await runFloor({ sockets: fanout.spectators, rounds: quick ? 10 : 40, frameBytes: FANOUT_FRAME_BYTES, pauseMs: 200, progress: (m) => progress(`floor: ${m}`) });
    results['floor'] = floor;
    done(`floor: a ${floor.frameBytes}-byte frame to ${floor.sockets} sockets, with nothing else: first write → last socket p50 ${floor.lastMs.p50} ms, p99 ${floor.lastMs.p99} ms; writer CPU p50 ${floor.writerCpuMs.p50} ms`);
  }
  let failover: { unavailableMs: { p99: number } } | undefined;
  if (only.has('failover')) {
    const { runFailover } = await import('./failover');
    failover = await runFailover({ rounds: Number(flag('rounds') ?? (quick ? 3 : 20)), rate: 500, progress });
    results['failover'] = failover;
    done(`failover: ${JSON.stringify(failover)}`);
  }

  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  writeFileSync(join(dir, `bench-${stamp}.json`), JSON.stringify(results, null, 2));
  if (rateRows.length > 0) writeFileSync(join(dir, `bench-${stamp}.svg`), latencyChart(rateRows, `Rookery: move latency against arrival rate (3 nodes, fsync; ${stamp})`));
  if (rateRows.length > 0) process.stdout.write(`\nconstant arrival rate, HTTP moves through the leader\n${rateTable(rateRows)}\n`);
  if (closedRows.length > 0) process.stdout.write(`\nclosed loop, Socket.IO moves to the leader${vsEtcd ? `, beside etcd puts of ${(results['closed'] as { entryBytes: number }).entryBytes} bytes` : ''}\n${closedTable(closedRows)}\n`);
  process.stdout.write(`\nresults: bench/results/bench-${stamp}.json${rateRows.length > 0 ? ` and .svg` : ''}\n`);

  const ratio = (c: number): string => closedRows.find((r) => r.concurrency === c)?.ratio?.toFixed(2) ?? '-';
  const at1000 = rateRows.find((r) => r.rate === 1000)?.p99;
  const f = fanout ? `fan-out ${fanout.spectators} p99 ${fanout.rookery.p99} ms (${fanout.ratio.toFixed(2)} x bare)` : 'fan-out -';
  const t = failover ? `failover p99 ${(failover.unavailableMs.p99 / 1000).toFixed(2)} s` : 'failover -';
  process.stdout.write(`bench: ratio vs etcd at 64 ${ratio(64)}, at 256 ${ratio(256)}; 1000/s p99 ${at1000 ?? '-'} ms; ${f}; ${t}\n`);
  await cleanup();
}

void main().catch(async (e: unknown) => {
  process.stderr.write(`\nbench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  await cleanup();
  process.exit(1);
});
