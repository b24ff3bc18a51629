import assert from 'node:assert/strict';
import { RaftNode, type RaftNodeOptions } from '../node/raft-node';
import { freePort } from './ports';

/** A one-member cluster on a free loopback port, started, and leading within 5 s. */
export async function startSolo(o: Omit<RaftNodeOptions, 'listen' | 'peers' | 'secret'>): Promise<RaftNode> {
  const listen = { host: '127.0.0.1', port: await freePort() };
  const node = new RaftNode({ ...o, listen, secret: `solo-${o.id}`, peers: new Map([[o.id, listen]]) });
  await node.start();
  const deadline = Date.now() + 5000;
  while (node.status().role !== 'leader') {
    if (Date.now() >= deadline) await node.stop();
    assert.ok(Date.now() < deadline, `${o.id}, alone, leads within 5 s`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return node;
}
