import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { freePort } from '../testing/ports';
import { startSolo } from '../testing/solo';
import { suiteNodes } from '../testing/suite-nodes';
import { RaftRequestError, type StateMachine } from './raft-node';

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
