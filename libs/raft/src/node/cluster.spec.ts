import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { http, KvProcesses, leaderOf, status, until, type Member } from './kv-processes';

const TICK_MS = 50;
const cluster = new KvProcesses(TICK_MS);
after(() => cluster.stopAll());
const newMembers = (ids: string[]): Promise<Member[]> => cluster.newMembers(ids);
const spawnNode = (m: Member, peers: string, extra: string[] = []): Promise<void> => cluster.spawn(m, peers, extra);

describe('a three-process cluster on loopback (fsync on)', () => {
  it('elects, replicates, survives kill -9 of the leader, and the old leader catches up after restart', { timeout: 60_000 }, async () => {
    const members = await newMembers(['n1', 'n2', 'n3']);
    const peers = members.map((m) => `${m.id}@127.0.0.1:${m.raft}`).join(',');
    await Promise.all(members.map((m) => spawnNode(m, peers)));

    const leader = await until(() => leaderOf(members), 10_000, 'a leader');
    for (let i = 0; i < 20; i++) {
      const r = await http(leader, '/put', { key: `k${i}`, value: `v${i}` });
      assert.equal(r.status, 200, JSON.stringify(r.json));
    }
    // A follower serves a linearizable read of what the leader acknowledged.
    const follower = members.find((m) => m !== leader)!;
    assert.deepEqual((await http(follower, '/get?key=k19')).json, { value: 'v19' });

    // kill -9 the leader; the other two elect a new one within 2 s.
    const killedAt = Date.now();
    leader.proc!.kill('SIGKILL');
    const survivors = members.filter((m) => m !== leader);
    const next = await until(() => leaderOf(survivors), 5000, 'a new leader');
    const failover = Date.now() - killedAt;
    assert.ok(failover < 2000, `new leader after ${failover} ms`);
    process.stdout.write(`# failover: new leader ${next.id} after ${failover} ms\n`);
    for (let i = 20; i < 30; i++) {
      const r = await http(next, '/put', { key: `k${i}`, value: `v${i}` });
      assert.equal(r.status, 200, JSON.stringify(r.json));
    }

    // The old leader restarts from its disk and catches up.
    await spawnNode(leader, peers);
    const target = (await status(next))!.commit;
    await until(async () => (((await status(leader))?.appliedIndex ?? 0) >= target ? true : undefined), 10_000, 'the restarted node to catch up');
    assert.deepEqual((await http(leader, '/get?key=k29')).json, { value: 'v29' });
    assert.deepEqual((await http(leader, '/get?key=k0')).json, { value: 'v0' }, 'nothing acknowledged before the crash is lost');

    // A fourth server joins through any member: learner first, a voter once it has caught up.
    const [n4] = (await newMembers(['n4'])) as [Member];
    await spawnNode(n4, `n4@127.0.0.1:${n4.raft}`, ['--join', `http://127.0.0.1:${follower.http}`]);
    const voters = async (): Promise<string[] | undefined> => {
      const l = await leaderOf([...members, n4]);
      return l === undefined ? undefined : (await status(l))?.membership.voters;
    };
    await until(async () => ((await voters())?.includes('n4') ? true : undefined), 15_000, 'n4 to become a voter');
    assert.deepEqual((await http(n4, '/get?key=k29')).json, { value: 'v29' }, 'n4 has the whole log');
    const r = await http(n4, '/put', { key: 'from-n4', value: 'yes' });
    assert.equal(r.status, 200, JSON.stringify(r.json));

    // ... and is removed again when it asks to leave.
    assert.equal((await http(n4, '/leave', { id: 'n4' })).status, 200);
    await until(async () => {
      const v = await voters();
      return v !== undefined && !v.includes('n4') ? true : undefined;
    }, 15_000, 'n4 to be removed');
    assert.deepEqual((await http(next, '/get?key=from-n4')).json, { value: 'yes' });
    for (const m of [...members, n4]) m.proc!.kill('SIGKILL');
  });
});

describe('kill -9 under load', () => {
  it('a node killed with SIGKILL while writes stream in restarts and rejoins with nothing acknowledged lost', { timeout: 60_000 }, async () => {
    const members = await newMembers(['n1', 'n2', 'n3']);
    const peers = members.map((m) => `${m.id}@127.0.0.1:${m.raft}`).join(',');
    await Promise.all(members.map((m) => spawnNode(m, peers)));
    await until(() => leaderOf(members), 10_000, 'a leader');

    // Eight clients write through any live node (followers forward) until told to stop.
    const acked = new Map<string, string>();
    let stop = false;
    let seq = 0;
    const down = new Set<Member>();
    const client = async (c: number): Promise<void> => {
      while (!stop) {
        const live = members.filter((m) => !down.has(m));
        const via = live[(seq + c) % live.length]!;
        const key = `c${c}-${seq++}`;
        try {
          const r = await http(via, '/put', { key, value: key });
          if (r.status === 200) acked.set(key, key);
        } catch {
          // the node died under us: the write is unacknowledged, and may or may not land
        }
      }
    };
    const clients = Array.from({ length: 8 }, (_, c) => client(c));
    await new Promise((r) => setTimeout(r, 800));
    // Kill a node mid-stream (the leader, the hardest case), then bring it back.
    const victim = (await leaderOf(members)) ?? members[0]!;
    down.add(victim);
    victim.proc!.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 1200));
    await spawnNode(victim, peers);
    down.delete(victim);
    await new Promise((r) => setTimeout(r, 800));
    stop = true;
    await Promise.all(clients);
    assert.ok(acked.size > 50, `${acked.size} writes acknowledged under load`);

    // Every node ends with every acknowledged write.
    const leader = await until(() => leaderOf(members), 5000, 'a leader at the end');
    const commit = (await status(leader))!.commit;
    for (const m of members) {
      await until(async () => (((await status(m))?.appliedIndex ?? 0) >= commit ? true : undefined), 10_000, `${m.id} to catch up`);
    }
    const sample = [...acked.keys()].filter((_, i) => i % Math.max(1, Math.floor(acked.size / 40)) === 0);
    for (const m of members) {
      for (const key of sample) assert.deepEqual((await http(m, `/get?key=${key}`)).json, { value: key }, `${m.id} has acknowledged ${key}`);
    }
    process.stdout.write(`# under load: ${acked.size} acknowledged writes, ${victim.id} killed and restarted, all present on every node\n`);
    for (const m of members) m.proc!.kill('SIGKILL');
  });
});

describe('bootstrap from one seed node', () => {
  it('a seed node founds the cluster alone; two more join through it and become voters', { timeout: 60_000 }, async () => {
    const members = await newMembers(['s1', 's2', 's3']);
    const [seed, a, b] = members as [Member, Member, Member];
    await spawnNode(seed, `s1@127.0.0.1:${seed.raft}`);
    await until(async () => ((await status(seed))?.role === 'leader' ? true : undefined), 10_000, 'the seed to lead itself');
    assert.equal((await http(seed, '/put', { key: 'founded', value: 'alone' })).status, 200);
    for (const m of [a, b]) await spawnNode(m, `${m.id}@127.0.0.1:${m.raft}`, ['--join', `http://127.0.0.1:${seed.http}`]);
    await until(async () => {
      const s = await status(seed);
      return s?.membership.voters.length === 3 ? true : undefined;
    }, 20_000, 'three voters');
    assert.deepEqual((await http(b, '/get?key=founded')).json, { value: 'alone' });
    assert.equal((await http(a, '/put', { key: 'joined', value: 'yes' })).status, 200, 'a joiner takes writes (forwarded to the leader)');
    assert.deepEqual((await http(seed, '/get?key=joined')).json, { value: 'yes' });
    for (const m of members) m.proc!.kill('SIGKILL');
  });
});
