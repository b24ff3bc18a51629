import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { http, KvProcesses, leaderOf, peersOf, status, until, type Member } from './kv-processes';

const TICK_MS = 50;
const LIMIT_MS = 1000;
const HEAL = ['--remove-unreachable-after-ms', String(LIMIT_MS)];
const cluster = new KvProcesses(TICK_MS);
after(() => cluster.stopAll());

/** The voters as the leader among `live` sees them, once exactly one leads. */
async function voters(live: Member[]): Promise<string[] | undefined> {
  const l = await leaderOf(live);
  return l === undefined ? undefined : (await status(l))?.membership.voters.slice().sort();
}

/** Waits until the leader among `live` counts exactly `want` as voters. */
function votersBecome(live: Member[], want: string[], ms: number): Promise<true> {
  const sorted = [...want].sort().join(',');
  return until(async () => ((await voters(live))?.join(',') === sorted ? true : undefined), ms, `voters ${sorted}`);
}

async function put(via: Member, key: string): Promise<void> {
  const r = await http(via, '/put', { key, value: key });
  assert.equal(r.status, 200, `write ${key} through ${via.id}: ${JSON.stringify(r.json)}`);
}

describe('self-healing membership, three kv-node processes on loopback', () => {
  it('removes a voter unreachable past the limit, takes a joiner in as a voter, never goes below a quorum of desired, and takes a removed node back through --join', { timeout: 45_000 }, async () => {
    const founders = await cluster.newMembers(['h1', 'h2', 'h3']);
    await Promise.all(founders.map((m) => cluster.spawn(m, peersOf(founders), HEAL)));
    const leader = await until(() => leaderOf(founders), 10_000, 'a leader');
    await until(async () => ((await status(leader))?.desiredMembers === 3 ? true : undefined), 5000, 'the first leader to fix desired = 3 founders');
    const refused = await http(leader, '/desired', { count: 0 });
    assert.equal(refused.status, 400);
    assert.equal((refused.json as { error: { code: string } }).error.code, 'ERR_INVALID_DESIRED_MEMBERS');
    await put(leader, 'before');

    // 1. kill -9 of a follower: after the limit the leader removes it (2 voters ≥ quorum 2 of desired 3).
    const [first, second] = founders.filter((m) => m !== leader) as [Member, Member];
    const killedAt = Date.now();
    first.proc!.kill('SIGKILL');
    let live = founders.filter((m) => m !== first);
    await votersBecome(live, [leader.id, second.id], LIMIT_MS + 5000);
    const removedAfter = Date.now() - killedAt;
    assert.ok(removedAfter >= LIMIT_MS - TICK_MS, `removed after ${removedAfter} ms, before the limit of ${LIMIT_MS} ms`);
    process.stdout.write(`# ${first.id} removed ${removedAfter} ms after kill -9 (limit ${LIMIT_MS} ms)\n`);
    await put(leader, 'after-first-removal');
    await put(second, 'through-a-follower');

    // 2. A fourth server started with --join is added as a learner and promoted: 3 voters.
    const [h4] = (await cluster.newMembers(['h4'])) as [Member];
    await cluster.spawn(h4, peersOf([h4]), [...HEAL, '--join', `http://127.0.0.1:${second.http}`]);
    live = [...live, h4];
    await votersBecome(live, [leader.id, second.id, h4.id], 15_000);

    // 3. With desired 5, a dead voter is kept: removing it would leave 2 voters, fewer than quorum 3.
    assert.equal((await http(h4, '/desired', { count: 5 })).status, 200, 'set through any member');
    await until(async () => ((await status(leader))?.desiredMembers === 5 ? true : undefined), 5000, 'desired 5 applied on the leader');
    second.proc!.kill('SIGKILL');
    live = live.filter((m) => m !== second);
    await new Promise((r) => setTimeout(r, 2.5 * LIMIT_MS));
    assert.deepEqual(await voters(live), [leader.id, second.id, h4.id].sort(), `${second.id} kept: removing it would go below a quorum of desired 5`);
    await put(leader, 'with-one-voter-down'); // the leader and h4 are a quorum of 3

    // 4. Back to desired 3: the dead voter goes (2 voters = quorum 2 of 3), and writes go on.
    assert.equal((await http(leader, '/desired', { count: 3 })).status, 200);
    await votersBecome(live, [leader.id, h4.id], 5000);
    await put(h4, 'after-second-removal');
    // From these 2 voters none is ever removed (1 < quorum 2 of desired 3): the decision table
    // shows it, since here the loss of either would leave no leader to decide anything.

    // 5. The first removed node comes back by starting again with --join (its old data kept).
    await cluster.spawn(first, peersOf([first]), [...HEAL, '--join', `http://127.0.0.1:${leader.http}`]);
    live = [...live, first];
    await votersBecome(live, [leader.id, h4.id, first.id], 15_000);
    assert.deepEqual((await http(first, '/get?key=after-second-removal')).json, { value: 'after-second-removal' });
    for (const m of live) m.proc!.kill('SIGKILL');
  });
});
