import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { freePort } from '../testing/ports';
import { until } from '../testing/until';
import { startSolo } from '../testing/solo';
import { suiteNodes } from '../testing/suite-nodes';
import { RaftNode, RaftRequestError, type StateMachine } from './raft-node';

const NOTHING: StateMachine = { apply: () => undefined, snapshot: () => new Uint8Array(0), restore: () => undefined };

describe('RaftNode.requestJoin: a join the directory refuses is answered with why', () => {
  const suite = suiteNodes('rookery-join-refused-');

  it('a member known at one address asking again from another is refused with ERR_JOIN_REFUSED; from the same one it is taken', async () => {
    const node = suite.keep(await startSolo({ id: 'j1', dataDir: suite.dir(), stateMachine: NOTHING, tickMs: 10 }));
    // Nobody listens there: the learner is never heard from, which does not matter here.
    const first = { host: '127.0.0.1', port: await freePort() };
    await node.requestJoin('x4', first);
    await assert.rejects(
      node.requestJoin('x4', { host: '127.0.0.1', port: first.port + 1 }),
      (e: unknown) => e instanceof RaftRequestError && e.code === 'ERR_JOIN_REFUSED' && e.message.includes(`x4 is a member known at 127.0.0.1:${first.port}`),
    );
    await node.requestJoin('x4', first);
  });
});

describe('RaftNode.requestLeave ends the stint a join names', () => {
  const suite = suiteNodes('rookery-join-stale-');

  it("a join the node asked before its own leave, applied after, is refused with ERR_JOIN_STALE; its next stint's join is taken", async () => {
    const a1 = { host: '127.0.0.1', port: await freePort() };
    const a2 = { host: '127.0.0.1', port: await freePort() };
    const j1 = suite.keep(new RaftNode({ id: 'j1', dataDir: suite.dir(), listen: a1, secret: 'stale', peers: new Map([['j1', a1]]), stateMachine: NOTHING, tickMs: 10 }));
    await j1.start();
    await until(() => j1.status().role === 'leader', 10_000, 'j1 leads');
    const j2 = suite.keep(new RaftNode({ id: 'j2', dataDir: suite.dir(), listen: a2, secret: 'stale', peers: new Map([['j1', a1], ['j2', a2]]), join: true, stateMachine: NOTHING, tickMs: 10 }));
    await j2.start();
    const asked = j2.joiner;
    assert.match(asked.stint ?? '', /^[0-9a-f]{16}$/);
    assert.equal(asked.incarnation, j2.incarnation);
    const voters = (): string[] => [...j1.status().membership.voters].sort();
    await j1.requestJoin('j2', a2, asked);
    await until(() => voters().join() === 'j1,j2', 10_000, 'j2 is a voter');
    await j2.requestLeave(2000).catch(() => undefined); // j2 may not hear that its removal committed
    await until(() => voters().join() === 'j1', 10_000, 'j2 is out');
    assert.notEqual(j2.stint, asked.stint, 'the leave ended the stint');
    assert.equal(j2.joiner.incarnation, asked.incarnation, 'the data directory is the same');

    // The join j2 sent before leaving, arriving late.
    await assert.rejects(j1.requestJoin('j2', a2, asked), (e: unknown) => e instanceof RaftRequestError && e.code === 'ERR_JOIN_STALE' && e.message.includes(`j2 (stint ${asked.stint}) is refused: j2 left the cluster`));
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(voters(), ['j1'], 'it stays out');
    // Asking anew, under the stint it has now.
    await j1.requestJoin('j2', a2, j2.joiner);
    await until(() => voters().join() === 'j1,j2', 10_000, 'j2 is a voter again');
  });
});
