import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { metricOf, TestCluster, type NodeHandle } from '@rookery/testing';
import { Client, httpView, waitView } from './client';

/**
 * Snapshots on real nodes: the chess machine's snapshot is taken in steps while play goes on
 * (copy on write per game) and written off the event loop; the log is compacted only once it
 * is on disk. A node restarts from its own snapshot and log tail; a node that fell behind the
 * compacted log is sent the leader's snapshot. Every node ends with the same games.
 */

// Scholar's mate, 7 plies, then more games: enough entries for several snapshots.
const MATE = ['e4', 'e5', 'Bc4', 'Nc6', 'Qh5', 'Nf6', 'Qxf7#'];
const snapshots = (n: NodeHandle): string[] => readdirSync(join(n.dataDir, 'snap')).filter((f) => f.endsWith('.snap'));

describe('snapshots taken in steps on a 3-node cluster', () => {
  let cluster: TestCluster;
  const clients: Client[] = [];

  before(async () => {
    cluster = await TestCluster.start(3, ['--snapshot-every', '25', '--snapshot-log-percent', '0', '--snapshot-trailing-entries', '5']);
  });
  after(async () => {
    for (const c of clients) c.close();
    await cluster?.stop();
  });

  async function playMate(via: NodeHandle, tag: string): Promise<{ gameId: string; version: number }> {
    const white = await Client.connect(via, { session: `${tag}-white` });
    const black = await Client.connect(via, { session: `${tag}-black` });
    clients.push(white, black);
    const created = await white.create(`${tag}-c`, 'white');
    assert.ok(created.ok, JSON.stringify(created));
    const joined = await black.join(created.gameId, `${tag}-j`);
    assert.ok(joined.ok, JSON.stringify(joined));
    let version = joined.version!;
    for (const [i, san] of MATE.entries()) {
      const ack = await (i % 2 === 0 ? white : black).move(created.gameId, `${tag}-${i}`, san);
      assert.ok(ack.ok, `${tag} ${san}: ${JSON.stringify(ack)}`);
      version = ack.version!;
    }
    white.close();
    black.close();
    return { gameId: created.gameId, version };
  }

  it('every node snapshots as play goes on; a follower killed and restarted comes back from its own snapshot', async () => {
    const leader = await cluster.leader();
    const games: { gameId: string; version: number }[] = [];
    for (let g = 0; g < 6; g++) games.push(await playMate(leader, `s${g}`));
    for (const n of cluster.nodes) await waitView(n, games.at(-1)!.gameId, (v) => v.version >= games.at(-1)!.version, `the last game on ${n.id}`);
    for (const n of cluster.nodes) assert.ok(snapshots(n).length > 0, `${n.id} wrote no snapshot`);
    // Operators see it: the newest snapshot's index, past the first 25 entries.
    for (const n of cluster.nodes) {
      const metrics = await (await fetch(`${n.url}/metrics`)).text();
      const index = metricOf(metrics, 'rookery_raft_snapshot_index') ?? NaN;
      assert.ok(index >= 25, `${n.id}: rookery_raft_snapshot_index ${index}`);
    }

    const follower = cluster.nodes.find((n) => n !== leader)!;
    cluster.kill(follower);
    await cluster.restart(follower);
    for (const { gameId, version } of games) {
      const view = await waitView(follower, gameId, (v) => v.version >= version, `${gameId} on the restarted ${follower.id}`);
      assert.equal(view.result, '1-0');
      assert.deepEqual(view.moves.map((m) => m.san), MATE);
    }
  });

  it('a node that missed more than the log keeps gets the leader’s snapshot, and agrees on every game', async () => {
    const leader = await cluster.leader();
    const behind = cluster.nodes.find((n) => n !== leader)!;
    cluster.kill(behind);
    const games: { gameId: string; version: number }[] = [];
    for (let g = 0; g < 5; g++) games.push(await playMate(leader, `t${g}`));
    await cluster.restart(behind);
    for (const { gameId, version } of games) {
      await waitView(behind, gameId, (v) => v.version >= version, `${gameId} on ${behind.id}, back from behind the leader's snapshot`);
      const views = await Promise.all(cluster.nodes.map((n) => httpView(n, gameId)));
      for (const v of views.slice(1)) assert.deepEqual(v, views[0], `${gameId}: the nodes disagree`);
    }
  });
});
