import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../src/testing/ports';
import { hasEtcd, startEtcd, waitFor } from './etcd';

/**
 * bench:raft — three kv-node processes on loopback (fsync on), and a load generator in its own
 * process writing 128-byte values closed-loop at concurrency 1, 16, 64 and 256, each measured for
 * --seconds (default 10) after --warmup seconds (default 3) of unmeasured load at that level, and
 * each system first gets --warm-cluster seconds (default 10) of unmeasured load at 16. A traced run
 * showed the Rookery nodes' slow requests at 1 writer thinning out over their first ~20 s (V8
 * warming up), while a Go binary starts warm; both systems get the same warm-up all the same. With --vs-etcd (and `etcd` on PATH: Debian's etcd-server) it runs a
 * 3-member etcd under the same load in the same run and prints the ratio Rookery/etcd per
 * level; its last line is then `bench:raft: min ratio vs etcd R`. `--persist sync|async|auto`
 * chooses how the nodes write each Ready (default sync); `--levels 1,256` and `--seconds N` narrow
 * a run; `--node-flags "--max-semi-space-size=32"` passes V8 flags to the node processes.
 * Results: JSON lines on stdout and bench/results/raft-<time>.json.
 */
const args = process.argv.slice(2);
const seconds = Number(valueOf('--seconds') ?? 10);
const warmup = Number(valueOf('--warmup') ?? 3);
const warmCluster = Number(valueOf('--warm-cluster') ?? 10);
const levels = (valueOf('--levels') ?? '1,16,64,256').split(',').map(Number);
const vsEtcd = args.includes('--vs-etcd');
const procs: ChildProcess[] = [];
const dirs: string[] = [];

function valueOf(flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

function cleanup(): void {
  for (const p of procs) p.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

/** Starts the Rookery cluster; returns the leader's HTTP URL. */
async function startRookery(): Promise<string> {
  const members = await Promise.all(['n1', 'n2', 'n3'].map(async (id) => ({ id, raft: await freePort(), http: await freePort(), dir: mkdtempSync(join(tmpdir(), `bench-${id}-`)) })));
  dirs.push(...members.map((m) => m.dir));
  const peers = members.map((m) => `${m.id}@127.0.0.1:${m.raft}`).join(',');
  for (const m of members) {
    const p = spawn(process.execPath, [...(valueOf('--node-flags') ?? '').split(' ').filter(Boolean), '--import', 'tsx', join(__dirname, '..', 'src', 'node', 'kv-node.ts'), '--id', m.id, '--data', m.dir, '--raft', `127.0.0.1:${m.raft}`, '--http', `127.0.0.1:${m.http}`, '--peers', peers, '--persist', valueOf('--persist') ?? 'sync'], {
      env: { ...process.env, RAFT_SECRET: 'bench-secret' },
      stdio: 'ignore',
    });
    procs.push(p);
  }
  return waitFor(async () => {
    for (const m of members) {
      const s = (await (await fetch(`http://127.0.0.1:${m.http}/status`)).json()) as { role: string };
      if (s.role === 'leader') return `http://127.0.0.1:${m.http}`;
    }
    return undefined;
  }, 20_000, 'a Rookery leader');
}

interface Level {
  done: number;
  errors: number;
  rate: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

function load(kind: string, target: string, concurrency: number, secs = seconds, warm = warmup): Promise<Level> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'load.ts'), '--kind', kind, '--target', target, '--concurrency', String(concurrency), '--seconds', String(secs), '--warmup', String(warm)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim()) as Level) : reject(new Error(`load generator exited with ${code}`))));
  });
}

async function main(): Promise<void> {
  const etcdHere = vsEtcd && hasEtcd();
  if (vsEtcd && !etcdHere) process.stderr.write('bench:raft: etcd is not on PATH (apt-get install etcd-server); running Rookery alone\n');
  const results: { system: string; concurrency: number; result: Level }[] = [];
  const rookery = await startRookery();
  process.stderr.write(`bench:raft: Rookery leader at ${rookery}; ${warmCluster} s warm-up, then ${warmup} s warm-up and ${seconds} s measured per level\n`);
  if (warmCluster > 0) await load('rookery', rookery, 16, warmCluster, 0);
  for (const c of levels) {
    const r = await load('rookery', rookery, c);
    results.push({ system: 'rookery', concurrency: c, result: r });
    process.stdout.write(`${JSON.stringify({ system: 'rookery', concurrency: c, ...r })}\n`);
  }
  cleanup();
  procs.length = 0;
  if (etcdHere) {
    const etcd = await startEtcd(procs, dirs);
    process.stderr.write(`bench:raft: etcd leader at ${etcd}\n`);
    if (warmCluster > 0) await load('etcd', etcd, 16, warmCluster, 0);
    for (const c of levels) {
      const r = await load('etcd', etcd, c);
      results.push({ system: 'etcd', concurrency: c, result: r });
      process.stdout.write(`${JSON.stringify({ system: 'etcd', concurrency: c, ...r })}\n`);
    }
  }
  const row = (s: string, c: number): Level | undefined => results.find((r) => r.system === s && r.concurrency === c)?.result;
  const lines = ['', 'concurrency | rookery/s |  p50 ms |  p99 ms |    etcd/s |  p50 ms |  p99 ms | ratio'];
  const ratios: number[] = [];
  for (const c of levels) {
    const a = row('rookery', c)!;
    const b = row('etcd', c);
    const ratio = b !== undefined && b.rate > 0 ? a.rate / b.rate : undefined;
    if (ratio !== undefined) ratios.push(ratio);
    const f = (x: number | undefined, w: number): string => (x === undefined ? '-' : String(x)).padStart(w);
    lines.push(`${String(c).padStart(11)} | ${f(a.rate, 9)} | ${f(a.p50, 7)} | ${f(a.p99, 7)} | ${f(b?.rate, 9)} | ${f(b?.p50, 7)} | ${f(b?.p99, 7)} | ${ratio === undefined ? '-' : ratio.toFixed(2)}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  const dir = join(process.cwd(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `raft-${new Date().toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify({ seconds, results }, null, 2));
  if (ratios.length > 0) process.stdout.write(`bench:raft: min ratio vs etcd ${Math.min(...ratios).toFixed(2)}\n`);
  else process.stdout.write(`bench:raft: ${levels.map((c) => `${c}: ${row('rookery', c)!.rate}/s`).join(', ')} (no etcd to compare)\n`);
  process.exit(0);
}

void main().catch((e) => {
  process.stderr.write(`bench:raft: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
