import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { http, KvProcesses, leaderOf, peersOf, signalled, status, until, type Member, type MemberStatus } from './kv-processes';

const TICK_MS = 50;
const cluster = new KvProcesses(TICK_MS);
after(() => cluster.stopAll());

const version = (v: number): string[] => ['--log-version', String(v)];

async function stop(m: Member): Promise<void> {
  await signalled(m.proc!, 'SIGTERM');
}

/** Every member's status once all of them answer and `ok` holds for each. */
async function all(members: readonly Member[], ok: (s: MemberStatus) => boolean, ms: number, what: string): Promise<MemberStatus[]> {
  return until(async () => {
    const states = await Promise.all(members.map(status));
    return states.every((s) => s !== undefined && ok(s)) ? (states as MemberStatus[]) : undefined;
  }, ms, what);
}

describe("the cluster's log version", () => {
  it('rises once every member reads the newer version, never while one does not; a member downgraded below it stops, saying why', { timeout: 60_000 }, async () => {
    const members = await cluster.newMembers(['v1', 'v2', 'v3']);
    const [a, b, c] = members as [Member, Member, Member];
    const peers = peersOf(members);
    // Two servers of a newer build and one of an older: the log stays at what all three read.
    await Promise.all([cluster.spawn(a, peers, version(2)), cluster.spawn(b, peers, version(2)), cluster.spawn(c, peers, version(1))]);
    await until(() => leaderOf(members), 10_000, 'a leader');
    const published = await all(members, (s) => s.logVersions.v1 === 2 && s.logVersions.v2 === 2 && s.logVersions.v3 === 1, 10_000, "every member's log version in the log");
    assert.deepEqual(published.map((s) => s.clusterLogVersion), [1, 1, 1]);
    assert.deepEqual(published.map((s) => s.logVersion), [2, 2, 1], 'each says what it reads');
    // Given time to raise it (the leader looks every tick, and publishes at most once a second), it does not.
    await new Promise((r) => setTimeout(r, 2500));
    assert.deepEqual((await Promise.all(members.map(status))).map((s) => s?.clusterLogVersion), [1, 1, 1], 'one member reads only version 1');

    // The old one upgraded (a rolling restart): now every member reads 2, and the log rises to it.
    await stop(c);
    await cluster.spawn(c, peers, version(2));
    await all(members, (s) => s.clusterLogVersion === 2, 15_000, "the cluster's log version to reach 2 on every member");
    assert.equal((await http(await until(() => leaderOf(members), 10_000, 'a leader'), '/put', { key: 'k', value: 'after the rise' })).status, 200);

    // Downgraded again, it cannot read what the others may now write: it stops rather than apply.
    await stop(c);
    await cluster.spawn(c, peers, version(1)).catch(() => undefined);
    const code = await until(async () => (c.proc!.exitCode !== null ? c.proc!.exitCode : undefined), 15_000, 'the downgraded member to stop');
    assert.equal(code, 3, c.output);
    assert.match(c.output ?? '', /kv-node v3 fatal: v3: the cluster's log is at version 2, and this server reads up to version 1/);
    // The others go on at version 2: it never falls.
    const left = await all([a, b], (s) => s.clusterLogVersion === 2, 5000, 'the other two to stay at version 2');
    assert.equal(left.length, 2);
  });

  it('does not rise while a member is down, whatever the log last heard from it: it may come back on an older build', { timeout: 60_000 }, async () => {
    const members = await cluster.newMembers(['d1', 'd2', 'd3']);
    const [a, b, c] = members as [Member, Member, Member];
    const peers = peersOf(members);
    await Promise.all([cluster.spawn(a, peers, version(2)), cluster.spawn(b, peers, version(3)), cluster.spawn(c, peers, version(3))]);
    await all(members, (s) => s.clusterLogVersion === 2 && s.logVersions.d3 === 3, 15_000, 'the log at 2, held there by d1');
    // d3 goes down (to be rolled back, say, which version 2 allows); then d1 is upgraded.
    await stop(c);
    await stop(a);
    await cluster.spawn(a, peers, version(3));
    await all([a, b], (s) => s.logVersions.d1 === 3, 10_000, "d1's new version in the log");
    // Every member the log knows of now reads 3, but d3 is not there to say it still does.
    await new Promise((r) => setTimeout(r, 2500));
    assert.deepEqual((await Promise.all([a, b].map(status))).map((s) => s?.clusterLogVersion), [2, 2], 'not raised with d3 down');
    // Back, and still reading 3: now it rises.
    await cluster.spawn(c, peers, version(3));
    await all(members, (s) => s.clusterLogVersion === 3, 15_000, 'the log at 3 once d3 is back');
  });

  it('a server that reads less than the cluster writes may not join, one that reads enough may', { timeout: 60_000 }, async () => {
    const members = await cluster.newMembers(['j1', 'j2', 'j3']);
    const peers = peersOf(members);
    await Promise.all(members.map((m) => cluster.spawn(m, peers, version(2))));
    await all(members, (s) => s.clusterLogVersion === 2, 15_000, "the new cluster's log version to reach 2");

    const [old, fresh] = (await cluster.newMembers(['j4', 'j5'])) as [Member, Member];
    const via = ['--join', `http://127.0.0.1:${members[0]!.http}`];
    // Asked directly, the refusal names the versions.
    const refused = await http(members[1]!, '/join', { id: 'j4', raft: `127.0.0.1:${old.raft}`, incarnation: '0123456789abcdef', stint: 'fedcba9876543210', logVersion: 1 });
    assert.equal(refused.status, 409, JSON.stringify(refused.json));
    assert.deepEqual((refused.json as { error: { code: string } }).error.code, 'ERR_LOG_VERSION');
    assert.match((refused.json as { error: { message: string } }).error.message, /a join for j4 is refused: it reads log version 1, and the cluster writes version 2; upgrade j4 first/);
    // A server from before log versions names none: it reads version 1, and is refused alike.
    const unversioned = await http(members[2]!, '/join', { id: 'j4', raft: `127.0.0.1:${old.raft}`, incarnation: '0123456789abcdef' });
    assert.equal((unversioned.json as { error: { code: string } }).error.code, 'ERR_LOG_VERSION');

    // Started with --join, the old server keeps asking and stays out; the new one is taken in.
    await cluster.spawn(old, `j4@127.0.0.1:${old.raft}`, [...via, ...version(1)]);
    await cluster.spawn(fresh, `j5@127.0.0.1:${fresh.raft}`, [...via, ...version(2)]);
    const grown = await until(async () => {
      const s = await status((await leaderOf(members)) ?? members[0]!);
      return s?.membership.voters.includes('j5') ? s : undefined;
    }, 20_000, 'j5 to become a voter');
    assert.ok(!grown.membership.voters.includes('j4') && !grown.membership.learners.includes('j4'), `j4 is no member: ${JSON.stringify(grown.membership)}`);
    assert.equal(grown.clusterLogVersion, 2);
    assert.equal(grown.logVersions.j5, 2, "the joiner's version is in the log from its join");
  });
});
