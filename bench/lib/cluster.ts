import { metricOf, TestCluster, type NodeHandle } from '@rookery/testing';

/**
 * The cluster a benchmark measures: three real node processes on loopback ports with their
 * production settings (fsync on, the default tick), and the limits a load generator on one
 * address would otherwise trip (per-IP connections and rates, per-connection rates) opened up.
 */
/** The Raft tick the benchmark's nodes run with: BENCH_TICK_MS, else the node's default (50 ms). */
export const BENCH_TICK_MS = Number(process.env['BENCH_TICK_MS'] ?? 50);

export async function benchCluster(extraArgs: string[] = []): Promise<TestCluster> {
  return TestCluster.start(3, [
    // TestCluster's test defaults back to the node's own: a 50 ms tick (the same), a 1 s drain.
    '--tick-ms', String(BENCH_TICK_MS),
    '--drain-grace-ms', '1000',
    '--max-connections-per-ip', '1000000',
    '--ip-rate', '10000000',
    '--move-rate', '1000000',
    '--command-rate', '1000000',
    ...extraArgs,
  ]);
}

/** Waits until every node has applied what the leader committed (after a load, before reading). */
export async function settle(cluster: TestCluster, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const st = await Promise.all(cluster.nodes.filter((n) => n.proc !== undefined).map((n) => cluster.status(n)));
    const commits = st.map((s) => s?.commitIndex ?? -1);
    if (st.every((s) => s !== undefined && s.appliedIndex >= Math.max(...commits))) return;
    if (Date.now() > deadline) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Each node's newest snapshot index (its /metrics `rookery_raft_snapshot_index`; -1 when it does not answer). */
export function snapshotIndexes(nodes: readonly NodeHandle[]): Promise<number[]> {
  return Promise.all(nodes.map(async (n) => metricOf(await metricsText(n.url), 'rookery_raft_snapshot_index') ?? -1));
}

/** A node's /metrics text; '' when it does not answer. */
export function metricsText(url: string): Promise<string> {
  return fetch(`${url}/metrics`)
    .then((r) => r.text())
    .catch(() => '');
}

export type { NodeHandle, TestCluster };
