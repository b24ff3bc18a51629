import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { freePort } from '../testing/ports';
import { RaftNode, type RaftNodeOptions, type StateMachine } from './raft-node';
import { until } from '../testing/until';

const nothing: StateMachine = { apply: () => undefined, snapshot: () => new Uint8Array(), restore: () => undefined };

describe('RaftNode: the desired member count is replicated state', () => {
  const dirs: string[] = [];
  const nodes = new Set<RaftNode>();
  after(async () => {
    await Promise.all([...nodes].map((n) => n.stop()));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('the first leader fixes the configured count; a follower changes it for all; a node restarted from a snapshot has it', { timeout: 20_000 }, async () => {
    const ids = ['d1', 'd2', 'd3'];
    const ports = await Promise.all(ids.map(() => freePort()));
    const peers = new Map(ids.map((id, i) => [id, { host: '127.0.0.1', port: ports[i]! }]));
    const opts = ids.map((id): RaftNodeOptions => {
      const dir = mkdtempSync(join(tmpdir(), `rookery-desired-${id}-`));
      dirs.push(dir);
      return { id, dataDir: dir, listen: peers.get(id)!, secret: 'desired-test', peers, stateMachine: nothing, tickMs: 20, snapshotEvery: 3, snapshotLogRatio: 0, desiredMembers: 5 };
    });
    const running = opts.map((o) => new RaftNode(o));
    running.forEach((n) => nodes.add(n));
    await Promise.all(running.map((n) => n.start()));
    const everyone = (count: number) => (): boolean => running.every((n) => n.status().desiredMembers === count);
    await until(everyone(5), 5000, 'desired 5 (the option) on every node');

    const follower = running.find((n) => n.status().role !== 'leader')!;
    await follower.setDesiredMembers(4);
    await until(everyone(4), 5000, 'desired 4 on every node');

    // Enough entries for a snapshot on every node, then one node restarts from it.
    for (let i = 0; i < 6; i++) await follower.propose(Buffer.from(`x${i}`));
    const i = running.indexOf(follower);
    await follower.stop();
    nodes.delete(follower);
    const again = new RaftNode({ ...opts[i]!, desiredMembers: 7 });
    nodes.add(again);
    running[i] = again;
    await again.start();
    assert.equal(again.status().desiredMembers, 4, 'read back from its snapshot at start, before any entry is applied; the option does not override it');
  });
});
