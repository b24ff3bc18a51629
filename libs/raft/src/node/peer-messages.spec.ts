import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { freePort } from '../testing/ports';
import { suiteNodes } from '../testing/suite-nodes';
import { RaftNode, type StateMachine } from './raft-node';
import { until } from '../testing/until';

const NOTHING: StateMachine = { apply: () => undefined, snapshot: () => new Uint8Array(0), restore: () => undefined };

describe('RaftNode application messages: broadcast and onPeerMessage, outside the log', () => {
  const { nodes, dir } = suiteNodes('rookery-peermsg-');

  it('reach every peer on their channel only, append nothing, and survive a failing handler', async () => {
    const ids = ['p1', 'p2', 'p3'];
    const ports = await Promise.all(ids.map(() => freePort()));
    const peers = new Map(ids.map((id, i) => [id, { host: '127.0.0.1', port: ports[i]! }]));
    for (const id of ids) {
      nodes.push(new RaftNode({ id, dataDir: dir(`${id}-`), listen: peers.get(id)!, secret: 'peer-messages-test', peers, stateMachine: NOTHING, tickMs: 20 }));
    }
    const got: string[] = [];
    const [p1, p2, p3] = nodes as [RaftNode, RaftNode, RaftNode];
    p2.onPeerMessage('presence', () => {
      throw new Error('a handler that fails');
    });
    p2.onPeerMessage('presence', (from, payload) => got.push(`p2 ${from} ${Buffer.from(payload).toString('utf8')}`));
    const off = p3.onPeerMessage('presence', (from, payload) => got.push(`p3 ${from} ${Buffer.from(payload).toString('utf8')}`));
    p3.onPeerMessage('elsewhere', (from) => got.push(`p3 elsewhere ${from}`));
    await Promise.all(nodes.map((n) => n.start()));
    await until(() => nodes.some((n) => n.status().role === 'leader'), 5000, 'a leader');
    // The new leader's own entries (its term's first, the members' addresses) commit first.
    let commit = -1;
    await until(() => {
      const was = commit;
      commit = p1.status().commit;
      return was === commit;
    }, 5000, 'the commit index to settle');
    await new Promise((r) => setTimeout(r, 200));
    commit = p1.status().commit;
    await until(() => p1.broadcast('presence', Buffer.from('hello')) === 2, 3000, 'connections to both peers');
    await until(() => got.includes('p2 p1 hello') && got.includes('p3 p1 hello'), 3000, 'hello at p2 and p3');
    off();
    got.length = 0;
    assert.equal(p1.broadcast('presence', Buffer.from('again')), 2);
    p1.broadcast('unheard', Buffer.from('nobody listens'));
    await until(() => got.includes('p2 p1 again'), 3000, 'again at p2');
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(got, ['p2 p1 again'], 'p3 unsubscribed; nobody heard the unheard channel');
    assert.equal(p1.status().commit, commit, 'nothing was appended to the log');
    assert.throws(() => p1.broadcast('no spaces', new Uint8Array(0)), RangeError);
    assert.throws(() => p1.onPeerMessage('', () => undefined), RangeError);
  });
});
