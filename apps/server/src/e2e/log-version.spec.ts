import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestCluster, type NodeHandle } from '@rookery/testing';
import { LOG_VERSION } from '../chess/entry';
import { Client, httpView, seatedGame, sleep } from './client';

const TOKEN = 'log-version-admin-token';

interface Versions {
  logVersion: number;
  clusterLogVersion: number;
  logVersions: Record<string, number>;
}

async function versions(node: NodeHandle): Promise<Versions | undefined> {
  try {
    const res = await fetch(`${node.url}/api/admin/status`, { headers: { authorization: `Bearer ${TOKEN}` } });
    return res.ok ? ((await res.json()) as Versions) : undefined;
  } catch {
    return undefined;
  }
}

async function allVersions(nodes: readonly NodeHandle[], ok: (v: Versions) => boolean, what: string, timeoutMs = 15_000): Promise<Versions[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const vs = await Promise.all(nodes.map(versions));
    if (vs.every((v) => v !== undefined && ok(v))) return vs as Versions[];
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(vs)}`);
    await sleep(100);
  }
}

/** Every node's view of the game, once all have applied `plies` moves: the same on each. */
async function sameEverywhere(nodes: readonly NodeHandle[], gameId: string, plies: number): Promise<string[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const views = await Promise.all(nodes.map((n) => httpView(n, gameId)));
    if (views.every((v) => v !== undefined && v.moves.length === plies)) {
      for (const v of views.slice(1)) assert.deepEqual(v, views[0], 'every replica holds the same game');
      return views[0]!.moves.map((m) => m.san);
    }
    if (Date.now() > deadline) throw new Error(`the game did not reach ${plies} plies on every node: ${JSON.stringify(views.map((v) => v?.moves.length))}`);
    await sleep(50);
  }
}

/**
 * A rolling upgrade between log formats, with real server processes: a node of the older build
 * (here one started with --log-version 3, reading what that build reads) holds the cluster's log
 * at version 3 while the others read 4; restarted on the newer one, the log rises to 4, and
 * commands are then marked `once` (their first answer is final). Games go on through both, every
 * replica in step; the node rolled back below the cluster's version stops, saying why.
 */
describe("the cluster's log version through a rolling upgrade (3 real nodes)", () => {
  let cluster: TestCluster;
  const clients: Client[] = [];
  before(async () => {
    cluster = await TestCluster.start(3, ['--admin-token', TOKEN], { nodeArgs: { n3: ['--log-version', '3'] } });
  });
  after(async () => {
    for (const c of clients) c.close();
    await cluster.stop();
  });

  it('stays at what every member reads, rises once the last is upgraded, and the games agree on every replica throughout', async () => {
    assert.equal(LOG_VERSION, 4, 'this test is of the step from 3 to 4');
    const [n1, n2, n3] = cluster.nodes as [NodeHandle, NodeHandle, NodeHandle];
    // It rises from 1 as far as all read: 3.
    const held = await allVersions(cluster.nodes, (v) => v.logVersions.n1 === 4 && v.logVersions.n2 === 4 && v.logVersions.n3 === 3 && v.clusterLogVersion === 3, "every node's version in the log, and the cluster's at 3");
    assert.deepEqual(held.map((v) => v.logVersion), [4, 4, 3]);

    const white = await Client.connect(n1, { session: 'lv-white' });
    const black = await Client.connect(n3, { session: 'lv-black' });
    clients.push(white, black);
    const { gameId, black: joined } = await seatedGame(white, black, 'lv');
    const line = ['e4', 'e5', 'Nf3', 'Nc6', 'Bb5', 'a6', 'Ba4', 'Nf6', 'O-O', 'Be7'];
    let ply = 0;
    const play = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++, ply++) {
        const mover = ply % 2 === 0 ? white : black;
        const r = await mover.move(gameId, `lv-m${ply}`, line[ply]!);
        assert.ok(r.ok, `${line[ply]}: ${JSON.stringify(r)}`);
      }
    };
    await play(4);
    assert.deepEqual(await sameEverywhere(cluster.nodes, gameId, 4), line.slice(0, 4));
    assert.deepEqual((await Promise.all(cluster.nodes.map(versions))).map((v) => v?.clusterLogVersion), [3, 3, 3], 'still held at 3 by n3');

    // n3 upgraded: stopped, and started again on the build's own version.
    cluster.kill(n3);
    cluster.argsFor(n3, []);
    await cluster.restart(n3);
    await allVersions(cluster.nodes, (v) => v.clusterLogVersion === 4, "the cluster's log version to reach 4 on every node");
    const blackAgain = await Client.connect(n2, { session: 'lv-black', seats: { [gameId]: joined.token } });
    clients.push(blackAgain);
    black.close();
    for (let i = 0; i < 6; i++, ply++) {
      const mover = ply % 2 === 0 ? white : blackAgain;
      const r = await mover.move(gameId, `lv-m${ply}`, line[ply]!);
      assert.ok(r.ok, `${line[ply]}: ${JSON.stringify(r)}`);
    }
    assert.deepEqual(await sameEverywhere(cluster.nodes, gameId, 10), line);

    // Rolled back to a build that reads only version 3, n3 cannot apply the log any more: it stops.
    cluster.kill(n3);
    cluster.argsFor(n3, ['--log-version', '3']);
    await cluster.restart(n3).catch(() => undefined);
    const deadline = Date.now() + 15_000;
    while (n3.proc?.exitCode === null && Date.now() < deadline) await sleep(100);
    assert.equal(n3.proc?.exitCode, 1, n3.output.slice(-2000));
    assert.match(n3.output, /the cluster's log is at version 4, and this server reads up to version 3/);
    assert.deepEqual((await Promise.all([n1, n2].map(versions))).map((v) => v?.clusterLogVersion), [4, 4], 'it never falls');
  });
});
