import assert from 'node:assert/strict';
import { io, type Socket } from 'socket.io-client';
import { TestCluster, type NodeHandle } from '@rookery/testing';
import { settledIndexes, sleep } from '../client';

/**
 * The fuzz specs' 3-node cluster (one per spec file) and the plumbing to reach it: starting it,
 * HTTP requests and socket handshakes, waiting until every node has applied the same log, and
 * liveness.
 */

/** The Referee proposes a sweep every 30 s (SWEEP_EVERY_MS in clock/referee.ts): the one entry no client asked for. */
const SWEEP_EVERY_MS = 30_000;

export let cluster: TestCluster;
let spawnedAt = 0;
let readyAt = 0;
/** The sockets opened outside the pools, closed after the suite. */
export const stray: Socket[] = [];

/** Starts the cluster, noting when its processes were spawned and when it was ready (for `sweepsBetween`). */
export async function startCluster(args: string[]): Promise<void> {
  spawnedAt = Date.now();
  cluster = await TestCluster.start(3, args);
  readyAt = Date.now();
}

export function connect(node: NodeHandle, auth: unknown): Promise<{ socket: Socket; outcome: string }> {
  const socket = io(node.url, { transports: ['websocket'], reconnection: false, forceNew: true, timeout: 5000, auth: auth as Record<string, unknown> });
  stray.push(socket);
  return new Promise((resolve) => {
    const done = (outcome: string): void => resolve({ socket, outcome });
    socket.once('connect', () => done('connect'));
    socket.once('connect_error', (e) => done(`connect_error: ${e.message}`));
    socket.once('disconnect', (r) => done(`disconnect: ${r}`));
    setTimeout(() => done('timeout'), 6000).unref();
  });
}

export async function mustConnect(node: NodeHandle, auth: Record<string, unknown>): Promise<Socket> {
  const { socket, outcome } = await connect(node, auth);
  assert.equal(outcome, 'connect', `handshake ${JSON.stringify(auth)} to ${node.id}`);
  return socket;
}

export async function http(node: NodeHandle, method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; type: string; text: string; json: unknown }> {
  const res = await fetch(`${node.url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, type: res.headers.get('content-type') ?? '', text, json };
}

export const postJson = (node: NodeHandle, path: string, body: unknown, headers: Record<string, string> = {}): ReturnType<typeof http> =>
  http(node, 'POST', path, JSON.stringify(body), { 'content-type': 'application/json', ...headers });

/** Waits until every node has applied the same commit index in the same term, twice in a row. */
export async function settled(): Promise<{ commit: number; term: number; at: number }> {
  const deadline = Date.now() + 10_000;
  let last = -1;
  for (;;) {
    const rs = await settledIndexes(cluster, Math.max(1, deadline - Date.now()));
    const { commitIndex: commit, term } = rs[0]!;
    const same = rs.length === cluster.nodes.length && rs.every((r) => r.term === term);
    if (same && commit === last) return { commit, term, at: Date.now() };
    last = same ? commit : -1;
    if (Date.now() > deadline) throw new Error(`the cluster did not settle: ${JSON.stringify(rs)}`);
    await sleep(30);
  }
}

/**
 * How many sweeps may have been committed between `t1` and `t2`: the leader's Referee starts its
 * 30 s period when its process starts, and each period may run a 100 ms tick late.
 */
export function sweepsBetween(t1: number, t2: number): number {
  let n = 0;
  for (let k = 1; spawnedAt + k * SWEEP_EVERY_MS <= t2; k++) if (readyAt + k * (SWEEP_EVERY_MS + 150) + 1000 >= t1) n++;
  return n;
}

export async function assertAlive(what: string): Promise<void> {
  for (const n of cluster.nodes) {
    const r = await http(n, 'GET', '/health/live').catch((e: unknown) => ({ status: 0, text: String(e) }));
    assert.equal(r.status, 200, `${what}: ${n.id} no longer answers /health/live (${r.text})\n${n.output.slice(-3000)}`);
  }
}
