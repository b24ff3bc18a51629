import { freePort } from '@rookery/raft/testing';
import { HaproxyProcess, type TestCluster } from '@rookery/testing';
import { renderHaproxyConfig, type HaproxyOptions } from './render';

/**
 * A real HAProxy in front of a test cluster, rendered for its loopback ports with checks fast
 * enough for a test (300 ms, the leader's 100 ms); `extra` overrides any of it.
 */
export async function haproxyInFront(cluster: TestCluster, extra: Partial<HaproxyOptions> = {}): Promise<HaproxyProcess> {
  const port = await freePort();
  const stats = await freePort();
  return HaproxyProcess.start(
    (socket) =>
      renderHaproxyConfig({
        nodes: cluster.nodes.map((n) => ({ id: n.id, http: `127.0.0.1:${n.httpPort}`, agentPort: n.agentPort })),
        bind: `127.0.0.1:${port}`,
        statsBind: `127.0.0.1:${stats}`,
        runtimeSocket: socket,
        checkIntervalMs: 300,
        leaderCheckIntervalMs: 100,
        maxconn: 4000,
        ...extra,
      }),
    port,
  );
}
