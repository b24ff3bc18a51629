import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestCluster, type NodeHandle } from '@rookery/testing';
import { Client, httpView, waitView } from './client';

/**
 * A move forwarded by a follower to a leader that then stops answering (frozen with SIGSTOP,
 * as a stalled VM or a long GC would) is not left waiting for the proposal timeout: the
 * follower sees another node lead and proposes the entry again under the same proposal id;
 * the machine applies the request once and the player hears the first application's answer.
 */

const PROPOSAL_TIMEOUT_MS = 8000;

describe('a move forwarded to a leader that freezes', () => {
  let cluster: TestCluster;
  const clients: Client[] = [];
  let frozen: NodeHandle | undefined;

  before(async () => {
    cluster = await TestCluster.start(3, ['--proposal-timeout-ms', String(PROPOSAL_TIMEOUT_MS)]);
  });
  after(async () => {
    for (const c of clients) c.close();
    if (frozen !== undefined) cluster.kill(frozen);
    await cluster?.stop();
  });

  it('is proposed again to the new leader and answered ok well before the proposal timeout, applied once', async (t) => {
    const leader = await cluster.leader();
    const [f1, f2] = cluster.nodes.filter((n) => n !== leader) as [NodeHandle, NodeHandle];
    const white = await Client.connect(f1, { session: 'orphan-white' });
    const black = await Client.connect(f2, { session: 'orphan-black' });
    clients.push(white, black);
    const created = await white.create('or-create', 'white');
    assert.ok(created.ok, JSON.stringify(created));
    const gameId = created.gameId;
    await waitView(f2, gameId, (v) => v.version >= created.version!, 'the game on black’s node');
    const joined = await black.join(gameId, 'or-join');
    assert.ok(joined.ok, JSON.stringify(joined));
    const e4 = await white.move(gameId, 'or-1', 'e4');
    assert.ok(e4.ok, JSON.stringify(e4));
    await waitView(f2, gameId, (v) => v.version >= e4.version!, 'e4 on black’s node');
    const e5 = await black.move(gameId, 'or-2', 'e5');
    assert.ok(e5.ok, JSON.stringify(e5));
    await waitView(f1, gameId, (v) => v.version >= e5.version!, 'e5 on white’s node');

    // The leader freezes; white's node still believes in it and forwards Nf3 there.
    leader.proc!.kill('SIGSTOP');
    frozen = leader;
    const t0 = Date.now();
    const nf3 = await white.move(gameId, 'or-3', 'Nf3');
    const ms = Date.now() - t0;
    t.diagnostic(`Nf3 answered ${JSON.stringify(nf3)} ${ms} ms after the leader froze`);
    assert.ok(nf3.ok, `Nf3 through ${f1.id} after ${ms} ms: ${JSON.stringify(nf3)}`);
    assert.equal(nf3.version, e5.version! + 1);
    assert.ok(ms < PROPOSAL_TIMEOUT_MS / 2, `answered after ${ms} ms: the leader change, not the ${PROPOSAL_TIMEOUT_MS} ms proposal timeout, must end the wait`);
    assert.match(f1.output, new RegExp(`proposal ${f1.id}\\.\\S+ went to ${leader.id} at term \\d+`));
    assert.match(f1.output, new RegExp(`proposal ${f1.id}\\.\\S+ .*proposed again under the same id to n\\d at term \\d+`));
    assert.equal(nf3.duplicate, undefined, 'answered by its first application: not a duplicate');

    // The frozen node dies for good; the two left agree, with Nf3 once.
    cluster.kill(leader);
    frozen = undefined;
    for (const n of [f1, f2]) {
      await waitView(n, gameId, (v) => v.version >= nf3.version!, `Nf3 on ${n.id}`);
      assert.deepEqual((await httpView(n, gameId))?.moves.map((m) => m.san), ['e4', 'e5', 'Nf3'], n.id);
    }
  });
});

/**
 * A node that is behind refuses a move by what it has applied, which may be stale; it checks
 * with the leader (ReadIndex) before refusing. When no leader can be reached, its refusal is no
 * answer: the player hears "unavailable, retry", never a wrong "not your turn".
 */
describe('a node that is behind and cannot reach a leader', () => {
  let cluster: TestCluster;
  const clients: Client[] = [];
  const frozen: NodeHandle[] = [];

  before(async () => {
    cluster = await TestCluster.start(3);
  });
  after(async () => {
    for (const c of clients) c.close();
    for (const n of frozen) n.proc?.kill('SIGCONT');
    await cluster?.stop();
  });

  it('answers a move it would refuse as out of turn with ERR_UNAVAILABLE, and applies it once a leader is back', async () => {
    const leader = await cluster.leader();
    const [behind, other] = cluster.nodes.filter((n) => n !== leader) as [NodeHandle, NodeHandle];
    const white = await Client.connect(leader, { session: 'behind-white' });
    clients.push(white);
    const created = await white.create('bh-create', 'white');
    assert.ok(created.ok, JSON.stringify(created));
    const gameId = created.gameId;
    const joiner = await Client.connect(leader, { session: 'behind-black' });
    clients.push(joiner);
    const joined = await joiner.join(gameId, 'bh-join');
    assert.ok(joined.ok, JSON.stringify(joined));
    await waitView(behind, gameId, (v) => v.version >= joined.version!, 'the joined game on the node that will fall behind');

    // That node dies; white plays e4 without it; then the other two freeze, and it comes back
    // alone with a log that ends before e4.
    cluster.kill(behind);
    const e4 = await white.move(gameId, 'bh-1', 'e4');
    assert.ok(e4.ok, JSON.stringify(e4));
    for (const n of [leader, other]) {
      n.proc!.kill('SIGSTOP');
      frozen.push(n);
    }
    await cluster.restart(behind);
    const black = await Client.connect(behind, { session: 'behind-black', seats: { [gameId]: joined.token } });
    clients.push(black);
    const e5 = await black.move(gameId, 'bh-2', 'e5');
    assert.ok(!e5.ok, JSON.stringify(e5));
    assert.equal(e5.error.code, 'ERR_UNAVAILABLE', `a stale refusal given as an answer: ${JSON.stringify(e5)}`);
    assert.match(e5.error.message, /would refuse it \(ERR_NOT_YOUR_TURN\) but may be behind/);

    // The others wake; the same request now goes through, once.
    for (const n of frozen.splice(0)) n.proc!.kill('SIGCONT');
    await cluster.leader();
    await waitView(behind, gameId, (v) => v.version >= e4.version!, 'e4 on the node that was behind');
    const retried = await black.move(gameId, 'bh-2', 'e5');
    assert.ok(retried.ok && retried.duplicate === undefined, JSON.stringify(retried));
    assert.deepEqual((await httpView(leader, gameId))?.moves.map((m) => m.san), ['e4', 'e5']);
  });
});
