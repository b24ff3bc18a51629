import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RedisServer, TestCluster, type NodeHandle } from '@rookery/testing';
import { AdminClient } from './admin';

const ADMIN = 'slots-spec-admin-token';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Restart slots against a real Redis and real node processes under a supervisor (a node that
 * exits 0 after its drain is started again): however many nodes are told to stop at once, no
 * more are down than a quorum allows; and without Redis, a node asked to drain keeps serving.
 */
describe('restart slots (redis-semaphore)', () => {
  let redis: RedisServer;
  let cluster: TestCluster;

  before(async () => {
    redis = await RedisServer.start();
    cluster = await TestCluster.start(3, [], { supervise: true, env: { REDIS_URL: redis.url, ADMIN_TOKEN: ADMIN } });
  });

  after(async () => {
    await cluster?.stop();
    await redis?.stop();
  });

  /** Samples which nodes answer, every 25 ms, until stopped. */
  function watch(nodes: readonly NodeHandle[]): { stop(): Promise<{ t: number; up: string[] }[]> } {
    const samples: { t: number; up: string[] }[] = [];
    let on = true;
    const loop = (async () => {
      while (on) {
        const up = await Promise.all(nodes.map(async (n) => ((await fetch(`${n.url}/health/live`, { signal: AbortSignal.timeout(300) }).then((r) => r.ok).catch(() => false)) ? n.id : '')));
        samples.push({ t: Date.now(), up: up.filter(Boolean) });
        await sleep(25);
      }
    })();
    return {
      stop: async () => {
        on = false;
        await loop;
        return samples;
      },
    };
  }

  it('SIGTERM to every node at once: the nodes restart one at a time and a quorum is up throughout', async () => {
    const watcher = watch(cluster.nodes);
    await sleep(100);
    const restarts = cluster.nodes.map((n) => n.restarts);
    for (const n of cluster.nodes) n.proc!.kill('SIGTERM');
    for (const [i, n] of cluster.nodes.entries()) await cluster.waitRestarted(n, restarts[i]! + 1, 60_000);
    // Every slot given back: each restarted node caught up and released its own.
    const admin = cluster.nodes.map((n) => new AdminClient(n.url, ADMIN));
    for (;;) {
      const st = await Promise.all(admin.map((a) => a.status()));
      if (st.every((s) => s?.drain.restartSlot === 'none')) break;
      await sleep(50);
    }
    const samples = await watcher.stop();
    const fewest = Math.min(...samples.map((s) => s.up.length));
    const downTogether = samples.filter((s) => s.up.length < 2);
    process.stdout.write(`# slots: ${samples.length} samples over ${((samples.at(-1)!.t - samples[0]!.t) / 1000).toFixed(1)} s, fewest nodes up at once: ${fewest} of 3\n`);
    assert.deepEqual(downTogether, [], 'never more than one node down at once');
    assert.deepEqual(
      cluster.nodes.map((n, i) => n.restarts - restarts[i]!),
      [1, 1, 1],
      'each node restarted once',
    );
    // Each node was down for a while (it did restart), and the downtimes do not overlap.
    for (const n of cluster.nodes) assert.ok(samples.some((s) => !s.up.includes(n.id)), `${n.id} was seen down`);
    const res = await fetch(`${(await cluster.leader()).url}/api/games`);
    assert.equal(res.status, 200);
  });

  it('without Redis, a node asked to drain keeps serving and waits; with Redis back, it drains and restarts', async () => {
    const node = cluster.nodes[0]!;
    const admin = new AdminClient(node.url, ADMIN);
    const before = node.restarts;
    await redis.stop();
    node.proc!.kill('SIGTERM');
    const asked = Date.now();
    // For two seconds it serves: ready, answering, saying what it waits for.
    while (Date.now() - asked < 2000) {
      const st = await admin.status();
      assert.ok(st !== undefined, `${node.id} stopped answering without a restart slot`);
      assert.equal(await admin.ready(), true, `${node.id} is still ready while it waits`);
      if (Date.now() - asked > 1000) {
        assert.equal(st.drain.phase, 'waiting-for-slot');
        assert.match(st.drain.waitingFor ?? '', /Redis unreachable/);
      }
      await sleep(100);
    }
    assert.equal(node.restarts, before, 'no restart without a slot');
    await redis.launch();
    await cluster.waitRestarted(node, before + 1, 30_000);
    for (;;) {
      const st = await admin.status();
      if (st?.drain.restartSlot === 'none' && st.drain.phase === 'serving') break;
      await sleep(50);
    }
  });
});
