import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULTS, resolveConfig, type RaftConfig } from './config';
import { RaftCore } from './raft';
import { MemoryStorage } from './storage';
import { SILENT_LOGGER } from './types';

const base: RaftConfig = { id: 'n1', voters: ['n1', 'n2', 'n3'], randomInt: () => 0 };

describe('resolveConfig', () => {
  it('fills every default the config leaves out, and keeps what it sets', () => {
    const c = resolveConfig({ ...base, electionTick: 20, preVote: false, maxInflightMsgs: undefined }, SILENT_LOGGER);
    assert.equal(c.electionTick, 20);
    assert.equal(c.preVote, false);
    assert.equal(c.maxInflightMsgs, DEFAULTS.maxInflightMsgs, 'an explicit undefined takes the default');
    assert.equal(c.heartbeatTick, DEFAULTS.heartbeatTick);
    assert.equal(c.checkQuorum, DEFAULTS.checkQuorum);
    assert.equal(c.forwardProposals, DEFAULTS.forwardProposals);
    assert.equal(c.logger, SILENT_LOGGER);
  });

  const invalid: { name: string; cfg: Partial<RaftConfig>; problem: RegExp }[] = [
    { name: 'an empty id', cfg: { id: '' }, problem: /\(no id\).*id must be 1 to 64 characters/ },
    { name: 'an id with a comma', cfg: { id: 'n,1' }, problem: /id must be 1 to 64 characters/ },
    { name: 'a voter listed twice', cfg: { voters: ['n1', 'n2', 'n1'] }, problem: /voters and learners must be distinct/ },
    { name: 'a learner that is also a voter', cfg: { voters: ['n1', 'n2'], learners: ['n2'] }, problem: /voters and learners must be distinct/ },
    { name: 'a member id with a space', cfg: { voters: ['n1', 'n 2'] }, problem: /member id 'n 2' is not valid/ },
    { name: 'a negative maxPromotionLag', cfg: { maxPromotionLag: -1 }, problem: /maxPromotionLag must be a non-negative integer/ },
    { name: 'heartbeatTick 0', cfg: { heartbeatTick: 0 }, problem: /heartbeatTick must be a positive integer/ },
    { name: 'a fractional heartbeatTick', cfg: { heartbeatTick: 1.5 }, problem: /heartbeatTick must be a positive integer/ },
    { name: 'electionTick equal to heartbeatTick', cfg: { electionTick: 3, heartbeatTick: 3 }, problem: /electionTick must be an integer greater than heartbeatTick/ },
    { name: 'electionTick below heartbeatTick', cfg: { electionTick: 2, heartbeatTick: 3 }, problem: /electionTick must be an integer greater than heartbeatTick/ },
    { name: 'a fractional electionTick', cfg: { electionTick: 10.5 }, problem: /electionTick must be an integer/ },
    { name: 'maxInflightMsgs 0', cfg: { maxInflightMsgs: 0 }, problem: /maxInflightMsgs must be a positive integer/ },
    { name: 'maxSizePerMsg 0', cfg: { maxSizePerMsg: 0 }, problem: /maxSizePerMsg must be positive/ },
    { name: 'negative maxInflightBytes', cfg: { maxInflightBytes: -1 }, problem: /maxInflightBytes must not be negative/ },
    { name: 'maxInflightBytes below maxSizePerMsg', cfg: { maxSizePerMsg: 100, maxInflightBytes: 99 }, problem: /maxInflightBytes must be at least maxSizePerMsg/ },
    { name: 'negative maxUncommittedEntriesSize', cfg: { maxUncommittedEntriesSize: -1 }, problem: /maxUncommittedEntriesSize must not be negative/ },
  ];
  for (const c of invalid) {
    it(`rejects ${c.name}, naming the member and the problem`, () => {
      assert.throws(
        () => resolveConfig({ ...base, ...c.cfg }, SILENT_LOGGER),
        (e: unknown) => e instanceof Error && /^invalid raft config for /.test(e.message) && c.problem.test(e.message),
      );
    });
  }

  it('lists every problem at once', () => {
    assert.throws(() => resolveConfig({ ...base, heartbeatTick: 0, maxInflightMsgs: 0, maxSizePerMsg: -1 }, SILENT_LOGGER), (e: unknown) => {
      const msg = (e as Error).message;
      return msg.startsWith('invalid raft config for n1: ') && msg.includes('heartbeatTick') && msg.includes('maxInflightMsgs') && msg.includes('maxSizePerMsg');
    });
  });

  const valid: { name: string; cfg: Partial<RaftConfig> }[] = [
    { name: 'a single voter', cfg: { voters: ['n1'] } },
    { name: 'no byte bound on the inflight window', cfg: { maxInflightBytes: 0, maxSizePerMsg: 1e9 } },
    { name: 'no bound on the uncommitted log', cfg: { maxUncommittedEntriesSize: 0 } },
    { name: 'electionTick just above heartbeatTick', cfg: { electionTick: 2, heartbeatTick: 1 } },
  ];
  for (const c of valid) {
    it(`accepts ${c.name}`, () => {
      assert.doesNotThrow(() => resolveConfig({ ...base, ...c.cfg }, SILENT_LOGGER));
    });
  }
});

describe('RaftCore construction', () => {
  it('throws the config error rather than starting with a config it cannot run with', () => {
    assert.throws(() => new RaftCore({ ...base, electionTick: 1, heartbeatTick: 1 }, new MemoryStorage()), /invalid raft config for n1: electionTick must be an integer greater than heartbeatTick/);
  });

  it('restores term, vote and commit from storage and starts as a follower with no leader', () => {
    const storage = new MemoryStorage();
    storage.append([1, 2, 3].map((i) => ({ term: 2, index: i, type: 'normal' as const, data: new Uint8Array(0) })));
    storage.setHardState({ term: 4, vote: 'n2', commit: 2 });
    const core = new RaftCore(base, storage);
    const st = core.status();
    assert.deepEqual([st.role, st.term, st.vote, st.leader, st.commit, st.lastIndex, st.applied], ['follower', 4, 'n2', '', 2, 3, 0]);
    assert.deepEqual(core.persistedHardState(), { term: 4, vote: 'n2', commit: 2 });
  });
});
