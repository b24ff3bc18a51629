import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { freePort } from '../testing/ports';
import { suiteNodes } from '../testing/suite-nodes';
import { RaftNode, type StateMachine } from './raft-node';

/** Records every command it applies. */
class Recorder implements StateMachine<string> {
  seen: string[] = [];
  apply(command: Uint8Array): string {
    const s = Buffer.from(command).toString('utf8');
    this.seen.push(s);
    return s;
  }
  snapshot(): Uint8Array {
    return Buffer.from(JSON.stringify(this.seen));
  }
  restore(data: Uint8Array): void {
    this.seen = JSON.parse(Buffer.from(data).toString('utf8')) as string[];
  }
}

describe('RaftNode stamp: the leader rewrites each command it appends', () => {
  const { nodes, dir } = suiteNodes('rookery-stamp-');

  it('stamps its own proposals and those a follower forwards, once each, on every replica alike', async () => {
    const ids = ['s1', 's2', 's3'];
    const ports = await Promise.all(ids.map(() => freePort()));
    const peers = new Map(ids.map((id, i) => [id, { host: '127.0.0.1', port: ports[i]! }]));
    const machines = ids.map(() => new Recorder());
    ids.forEach((id, i) => {
      nodes.push(
        new RaftNode({
          id,
          dataDir: dir(`${id}-`),
          listen: peers.get(id)!,
          secret: 'stamp-test',
          peers,
          stateMachine: machines[i]!,
          tickMs: 20,
          // Stamped by whoever leads: the command gains the leader's id.
          stamp: (c) => Buffer.from(`${Buffer.from(c).toString('utf8')}@${id}`),
        }),
      );
    });
    await Promise.all(nodes.map((n) => n.start()));
    const deadline = Date.now() + 5000;
    let leader: RaftNode | undefined;
    while (leader === undefined && Date.now() < deadline) {
      leader = nodes.find((n) => n.status().role === 'leader');
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(leader, 'a leader within 5 s');
    const follower = nodes.find((n) => n !== leader)!;
    assert.equal(await leader.propose(Buffer.from('a')), `a@${leader.id}`);
    assert.equal(await follower.propose(Buffer.from('b')), `b@${leader.id}`, 'a forwarded proposal is stamped by the leader, not the follower');
    await leader.readIndex();
    for (const n of nodes) await n.readIndex();
    const applied = machines.map((m) => m.seen.join(','));
    assert.deepEqual(applied, ids.map(() => `a@${leader.id},b@${leader.id}`));
  });
});
