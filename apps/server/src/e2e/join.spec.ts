import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { TestCluster, type NodeHandle } from '@rookery/testing';
import { Client, seatedGame, sleep, waitView } from './client';

const TOKEN = 'join-admin-token-1';

async function admin(node: NodeHandle): Promise<{ membership: { voters: string[]; learners: string[] }; appliedIndex: number; leader: string }> {
  const res = await fetch(`${node.url}/api/admin/status`, { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(res.status, 200);
  return (await res.json()) as { membership: { voters: string[]; learners: string[] }; appliedIndex: number; leader: string };
}

/** A fourth server started with `--join`, as an operator adds or replaces a member: real processes. */
describe('--join: a server joins a running cluster (4 real nodes)', () => {
  let cluster: TestCluster;
  const clients: Client[] = [];
  before(async () => {
    // Info logs: the joiner says when it sees itself a voter.
    cluster = await TestCluster.start(3, ['--admin-token', TOKEN], { env: { LOG_LEVEL: 'info' } });
  });
  after(async () => {
    for (const c of clients) c.close();
    await cluster.stop();
  });

  it('is taken in as a learner, promoted to voter once caught up, and holds the games played before it came', async () => {
    const [a, b] = cluster.nodes as [NodeHandle, NodeHandle];
    // A game played before the new server exists.
    const white = await Client.connect(a, { session: 'join-white-session' });
    const black = await Client.connect(b, { session: 'join-black-session' });
    clients.push(white, black);
    const { gameId, black: joined } = await seatedGame(white, black, 'join');
    assert.deepEqual(await white.move(gameId, 'join-m1', 'e4'), { ok: true, gameId, version: 4 });

    const n4 = await cluster.add('n4', ['--join', a.url]);
    const deadline = Date.now() + 20_000;
    for (;;) {
      const st = await admin(a);
      if (st.membership.voters.includes('n4')) break;
      if (Date.now() > deadline) throw new Error(`n4 not a voter within 20 s: ${JSON.stringify(st.membership)}\n${n4.output.slice(-2000)}`);
      await sleep(100);
    }
    // It sees itself a voter too, and has the game as the others have it.
    const own = await admin(n4);
    assert.ok(own.membership.voters.includes('n4'), JSON.stringify(own.membership));
    assert.equal(own.membership.voters.length, 4);
    const view = await waitView(n4, gameId, (v) => v.version >= 4, 'the game on n4');
    assert.deepEqual(view.moves.map((m) => m.san), ['e4']);
    // A player on the new server plays on.
    const onNew = await Client.connect(n4, { session: 'join-black-session', seats: { [gameId]: joined.token } });
    clients.push(onNew);
    assert.deepEqual(await onNew.move(gameId, 'join-m2', 'e5'), { ok: true, gameId, version: 5 });
    // And it stopped asking: it saw itself a voter in its own log.
    for (let i = 0; i < 40 && !n4.output.includes('joined the cluster as a voter'); i++) await sleep(50);
    assert.match(n4.output, /joined the cluster as a voter/);
  });

  it('once an operator removes it, restarted with its data and --join it is refused and stays out; with an empty data directory it joins anew', async () => {
    const a = cluster.nodes[0]!;
    const n4 = cluster.nodes.find((n) => n.id === 'n4')!;
    // An incarnation or stint that is not 16 hex digits, a stint or log version without an
    // incarnation, or a log version that is not a whole number from 1, is a bad request, and
    // changes nothing.
    const self = { incarnation: '0123456789abcdef', stint: 'fedcba9876543210' };
    for (const asker of [{ incarnation: 'n4-again' }, { incarnation: '0123456789abcdef', stint: 'later' }, { stint: '0123456789abcdef' }, { logVersion: 2 }, { ...self, logVersion: 0 }, { ...self, logVersion: 1.5 }, { ...self, logVersion: '2' }]) {
      const bad = await fetch(`${a.url}/api/admin/members`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ id: 'n9', raft: '127.0.0.1:9', ...asker }) });
      assert.equal(bad.status, 400, JSON.stringify(asker));
      assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'ERR_BAD_REQUEST');
    }
    assert.equal((await admin(a)).membership.learners.length, 0);
    // The operator's removal, with n4 down (as when it is struck mid-removal): three of four commit it.
    cluster.kill(n4);
    const del = await fetch(`${a.url}/api/admin/members/n4`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(del.status, 200, await del.text());
    assert.deepEqual((await admin(a)).membership.voters.sort(), ['n1', 'n2', 'n3']);

    // Restarted as it was (same data, same --join): it asks, is refused, and stops asking.
    n4.output = '';
    await cluster.restart(n4);
    // Two log lines, written apart (the refused request, then the joiner's decision): wait for the second.
    for (let i = 0; i < 200 && !n4.output.includes('Not asking again'); i++) await sleep(50);
    assert.match(n4.output, /ERR_MEMBER_REMOVED/);
    assert.match(n4.output, /Not asking again/);
    await sleep(500);
    const after = await admin(a);
    assert.deepEqual([after.membership.voters.sort(), after.membership.learners], [['n1', 'n2', 'n3'], []], 'n4 stays out');

    // The same id started anew (an empty data directory: a new incarnation) is taken in.
    cluster.kill(n4);
    rmSync(n4.dataDir, { recursive: true, force: true });
    n4.output = '';
    await cluster.restart(n4);
    const deadline = Date.now() + 20_000;
    while (!(await admin(a)).membership.voters.includes('n4')) {
      if (Date.now() > deadline) throw new Error(`the new n4 not a voter within 20 s:\n${n4.output.slice(-2000)}`);
      await sleep(100);
    }
    for (let i = 0; i < 40 && !n4.output.includes('joined the cluster as a voter'); i++) await sleep(50);
    assert.match(n4.output, /joined the cluster as a voter/);
  });
});
