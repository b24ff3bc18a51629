import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { http, KvProcesses, leaderOf, peersOf, until, type Member } from './kv-processes';

const TICK_MS = 50;
/** The node's default proposal timeout: a request left to it would be answered only this late. */
const PROPOSAL_TIMEOUT_MS = 5000;
const cluster = new KvProcesses(TICK_MS);
after(() => cluster.stopAll());

interface Answer {
  status: number;
  code: string | undefined;
  message: string;
  ms: number;
}

async function timed(m: Member, path: string, body?: unknown): Promise<Answer> {
  const t0 = Date.now();
  const r = await http(m, path, body);
  const error = (r.json as { error?: { code: string; message: string } }).error;
  return { status: r.status, code: error?.code, message: error?.message ?? '', ms: Date.now() - t0 };
}

describe('requests orphaned by a leader change, three kv-node processes on loopback', () => {
  it('a proposal and a read forwarded to a leader that stops answering are rejected with ERR_LEADER_CHANGED once another leads, not at the timeout', { timeout: 40_000 }, async () => {
    const members = await cluster.newMembers(['o1', 'o2', 'o3']);
    await Promise.all(members.map((m) => cluster.spawn(m, peersOf(members))));
    const leader = await until(() => leaderOf(members), 10_000, 'a leader');
    const [f1, f2] = members.filter((m) => m !== leader) as [Member, Member];
    assert.equal((await timed(f1, '/put', { key: 'k', value: 'before' })).status, 200);

    // The leader freezes (SIGSTOP): the followers still believe in it, so both requests are
    // forwarded to it, and it will never answer them.
    leader.proc!.kill('SIGSTOP');
    try {
      const [put, get] = await Promise.all([timed(f1, '/put', { key: 'k', value: 'during' }), timed(f2, '/get?key=k')]);
      for (const [what, a] of [['put', put], ['get', get]] as const) {
        assert.equal(a.status, 503, `${what}: ${JSON.stringify(a)}`);
        assert.equal(a.code, 'ERR_LEADER_CHANGED', `${what}: ${JSON.stringify(a)}`);
        assert.match(a.message, new RegExp(`went to ${leader.id} at term \\d+, and now `), what);
        assert.ok(a.ms < PROPOSAL_TIMEOUT_MS / 2, `${what} answered after ${a.ms} ms: the leader change, not the ${PROPOSAL_TIMEOUT_MS} ms timeout, must end it`);
      }
      process.stdout.write(`# put answered ${put.ms} ms, get ${get.ms} ms after the leader froze\n`);
      assert.match(put.message, /it may still commit/);
    } finally {
      leader.proc!.kill('SIGKILL');
    }

    // Under the new leader both go through: the caller's retry.
    const next = await until(() => leaderOf([f1, f2]), 10_000, 'a new leader');
    assert.notEqual(next.id, leader.id);
    assert.equal((await timed(f1, '/put', { key: 'k', value: 'after' })).status, 200);
    assert.deepEqual((await http(f2, '/get?key=k')).json, { value: 'after' });
  });
});
