import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RaftInvariantError } from './errors';
import { RaftLog } from './log';
import { MemoryStorage } from './storage';
import type { Entry } from './types';

function ent(index: number, term: number, size = 0): Entry {
  return { term, index, type: 'normal', data: new Uint8Array(size) };
}

/** A run of entries from `first`, one per term given. */
function run(first: number, ...terms: number[]): Entry[] {
  return terms.map((t, i) => ent(first + i, t));
}

/** A log whose storage holds entries 1..terms.length (persisted), committed and applied as given. */
function logWith(terms: number[], committed = 0, applied = 0): { log: RaftLog; storage: MemoryStorage } {
  const storage = new MemoryStorage();
  storage.append(run(1, ...terms));
  return { log: new RaftLog(storage, committed, applied), storage };
}

/** The terms of entries 1..lastIndex, as the log sees them. */
function terms(log: RaftLog): number[] {
  const out: number[] = [];
  for (let i = 1; i <= log.lastIndex(); i++) out.push(log.term(i)!);
  return out;
}

/** What a runtime does with a Ready's entries: write them, then tell the log. */
function persist(log: RaftLog, storage: MemoryStorage): void {
  const es = log.unstableEntries();
  if (es.length === 0) return;
  storage.append(es);
  const last = es[es.length - 1]!;
  log.stableTo(last.index, last.term);
}

describe('RaftLog.maybeAppend', () => {
  // The follower's log is [1, 2, 3] (terms), committed through 1.
  const cases: {
    name: string;
    index: number;
    logTerm: number;
    commit: number;
    ents: Entry[];
    want: number | undefined;
    wantTerms: number[];
    wantCommit: number;
    wantTruncatedFrom: number;
  }[] = [
    { name: 'term mismatch at index fails', index: 3, logTerm: 2, commit: 3, ents: run(4, 4), want: undefined, wantTerms: [1, 2, 3], wantCommit: 1, wantTruncatedFrom: 0 },
    { name: 'index past the log fails', index: 4, logTerm: 3, commit: 3, ents: run(5, 4), want: undefined, wantTerms: [1, 2, 3], wantCommit: 1, wantTruncatedFrom: 0 },
    { name: 'heartbeat-like (no entries) commits', index: 3, logTerm: 3, commit: 3, ents: [], want: 3, wantTerms: [1, 2, 3], wantCommit: 3, wantTruncatedFrom: 0 },
    { name: 'commit is capped at the last new index', index: 2, logTerm: 2, commit: 9, ents: [], want: 2, wantTerms: [1, 2, 3], wantCommit: 2, wantTruncatedFrom: 0 },
    { name: 'commit never goes backwards', index: 3, logTerm: 3, commit: 0, ents: [], want: 3, wantTerms: [1, 2, 3], wantCommit: 1, wantTruncatedFrom: 0 },
    { name: 'new entries are appended', index: 3, logTerm: 3, commit: 4, ents: run(4, 4, 4), want: 5, wantTerms: [1, 2, 3, 4, 4], wantCommit: 4, wantTruncatedFrom: 0 },
    { name: 'entries we already hold change nothing', index: 1, logTerm: 1, commit: 3, ents: run(2, 2, 3), want: 3, wantTerms: [1, 2, 3], wantCommit: 3, wantTruncatedFrom: 0 },
    // A delayed, shorter MsgApp must not cut entries it agrees with.
    { name: 'a stale shorter append does not truncate', index: 1, logTerm: 1, commit: 1, ents: run(2, 2), want: 2, wantTerms: [1, 2, 3], wantCommit: 1, wantTruncatedFrom: 0 },
    { name: 'a conflict replaces the suffix from its index', index: 1, logTerm: 1, commit: 2, ents: run(2, 4), want: 2, wantTerms: [1, 4], wantCommit: 2, wantTruncatedFrom: 2 },
    { name: 'a conflict in the middle of the entries', index: 1, logTerm: 1, commit: 1, ents: run(2, 2, 4, 4), want: 4, wantTerms: [1, 2, 4, 4], wantCommit: 1, wantTruncatedFrom: 3 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { log } = logWith([1, 2, 3], 1);
      assert.equal(log.maybeAppend(c.index, c.logTerm, c.commit, c.ents), c.want);
      assert.deepEqual(terms(log), c.wantTerms);
      assert.equal(log.committed, c.wantCommit);
      assert.equal(log.truncatedFrom, c.wantTruncatedFrom);
    });
  }

  it('refuses to replace a committed entry (RaftInvariantError)', () => {
    const { log } = logWith([1, 2, 3], 2);
    assert.throws(() => log.maybeAppend(1, 1, 3, run(2, 5)), (e: unknown) => e instanceof RaftInvariantError && /conflicts with the committed log/.test(e.message));
    assert.deepEqual(terms(log), [1, 2, 3], 'the log is untouched');
  });

  it('a conflict over persisted entries leaves them out of the persisted prefix until rewritten', () => {
    const { log, storage } = logWith([1, 1, 1], 1);
    log.maybeAppend(1, 1, 1, run(2, 2));
    assert.equal(log.persistedLastIndex(), 1, 'stored entries 2 and 3 are replaced');
    assert.deepEqual(log.unstableEntries(), run(2, 2));
    persist(log, storage);
    assert.deepEqual(storage.allEntries(), run(1, 1, 2));
    assert.equal(log.persistedLastIndex(), 2);
  });
});

describe('RaftLog.append', () => {
  it('returns the new last index and keeps entries unstable until persisted', () => {
    const { log } = logWith([1]);
    assert.equal(log.append(run(2, 1, 1)), 3);
    assert.equal(log.lastIndex(), 3);
    assert.equal(log.persistedLastIndex(), 1);
    assert.ok(log.hasUnstable());
  });

  it('refuses to overwrite committed entries and to leave a gap', () => {
    const { log } = logWith([1, 1], 2);
    assert.throws(() => log.append(run(2, 2)), RaftInvariantError);
    assert.throws(() => log.append(run(4, 2)), /leaves a gap/);
  });

  it('truncatedFrom records the lowest index replaced until its owner clears it', () => {
    const { log } = logWith([1, 1, 1, 1]);
    log.append(run(5, 1));
    assert.equal(log.truncatedFrom, 0, 'appending at the end replaces nothing');
    log.append(run(4, 2));
    assert.equal(log.truncatedFrom, 4);
    log.append(run(5, 2));
    assert.equal(log.truncatedFrom, 4, 'appending after the replacement keeps it');
    log.append(run(2, 3));
    assert.equal(log.truncatedFrom, 2, 'a lower replacement lowers it');
    log.append(run(3, 3));
    assert.equal(log.truncatedFrom, 2, 'a higher replacement does not raise it');
    log.truncatedFrom = 0;
    log.append(run(4, 3));
    assert.equal(log.truncatedFrom, 0);
  });
});

describe('RaftLog.findConflictByTerm', () => {
  // etcd's TestFindConflictByTerm: terms 2, 2, 5, 5, 5 at indexes 1..5.
  const cases: { index: number; term: number; want: [number, number] }[] = [
    { index: 100, term: 2, want: [100, 0] },
    { index: 5, term: 6, want: [5, 5] },
    { index: 5, term: 5, want: [5, 5] },
    { index: 5, term: 4, want: [2, 2] },
    { index: 5, term: 2, want: [2, 2] },
    { index: 5, term: 1, want: [0, 0] },
    { index: 1, term: 2, want: [1, 2] },
    { index: 1, term: 1, want: [0, 0] },
    { index: 0, term: 0, want: [0, 0] },
  ];
  for (const c of cases) {
    it(`(${c.index}, term ${c.term}) -> [${c.want.join(', ')}]`, () => {
      const { log } = logWith([2, 2, 5, 5, 5]);
      assert.deepEqual(log.findConflictByTerm(c.index, c.term), c.want);
    });
  }
});

describe('RaftLog.isUpToDate (Raft §5.4.1)', () => {
  // Our log ends at index 3, term 3.
  const cases: { lastIndex: number; lastTerm: number; want: boolean }[] = [
    { lastIndex: 2, lastTerm: 4, want: true },
    { lastIndex: 3, lastTerm: 4, want: true },
    { lastIndex: 4, lastTerm: 4, want: true },
    { lastIndex: 2, lastTerm: 3, want: false },
    { lastIndex: 3, lastTerm: 3, want: true },
    { lastIndex: 4, lastTerm: 3, want: true },
    { lastIndex: 4, lastTerm: 2, want: false },
    { lastIndex: 9, lastTerm: 1, want: false },
  ];
  for (const c of cases) {
    it(`${c.lastTerm}/${c.lastIndex} is ${c.want ? '' : 'not '}up to date with 3/3`, () => {
      const { log } = logWith([1, 2, 3]);
      assert.equal(log.isUpToDate(c.lastIndex, c.lastTerm), c.want);
    });
  }
});

describe('RaftLog commit and apply bookkeeping', () => {
  it('the constructor refuses a commit past the log or applied past commit', () => {
    const storage = new MemoryStorage();
    storage.append(run(1, 1, 1));
    assert.throws(() => new RaftLog(storage, 3, 0), /commit 3 is past the stored last index 2/);
    assert.throws(() => new RaftLog(storage, 1, 2), /applied 2 is past commit 1/);
  });

  it('commitTo only moves forward and never past the last index', () => {
    const { log } = logWith([1, 1, 1], 2);
    log.commitTo(1);
    assert.equal(log.committed, 2);
    log.commitTo(3);
    assert.equal(log.committed, 3);
    assert.throws(() => log.commitTo(4), RaftInvariantError);
  });

  it('maybeCommit commits only an entry of the given term (Raft §5.4.2)', () => {
    const { log } = logWith([1, 2, 2]);
    assert.equal(log.maybeCommit(1, 2), false, 'entry 1 is of term 1');
    assert.equal(log.committed, 0);
    assert.equal(log.maybeCommit(3, 2), true);
    assert.equal(log.committed, 3);
    assert.equal(log.maybeCommit(2, 2), false, 'already committed');
    assert.equal(log.maybeCommit(4, 2), false, 'beyond the log');
  });

  it('hands out each committed entry once, oldest first, within maxBytes', () => {
    const storage = new MemoryStorage();
    storage.append([ent(1, 1, 4), ent(2, 1, 4), ent(3, 1, 4)]);
    const log = new RaftLog(storage, 3, 0);
    assert.ok(log.hasNextCommittedEntries());
    assert.deepEqual(log.nextCommittedEntries(4).map((e) => e.index), [1], 'at least one entry even when it fills maxBytes');
    assert.deepEqual(log.nextCommittedEntries(8).map((e) => e.index), [2, 3]);
    assert.equal(log.applying, 3);
    assert.equal(log.applied, 0, 'handed out is not applied');
    assert.ok(!log.hasNextCommittedEntries());
    assert.deepEqual(log.nextCommittedEntries(Infinity), []);
    log.appliedTo(3);
    assert.equal(log.applied, 3);
  });

  it('starts handing out after the applied index it was created with', () => {
    const { log } = logWith([1, 1, 1], 3, 2);
    assert.deepEqual(log.nextCommittedEntries(Infinity).map((e) => e.index), [3]);
  });

  it('appliedTo refuses an index outside [applied, committed]; 0 is a no-op', () => {
    const { log } = logWith([1, 1, 1], 2, 1);
    assert.throws(() => log.appliedTo(3), RaftInvariantError);
    log.appliedTo(2);
    assert.throws(() => log.appliedTo(1), RaftInvariantError);
    log.appliedTo(0);
    assert.equal(log.applied, 2);
  });

  it('nextCommittedEntries returns only persisted entries', () => {
    const { log, storage } = logWith([1, 1]);
    log.append(run(3, 1, 1));
    log.commitTo(4);
    assert.deepEqual(log.nextCommittedEntries(Infinity).map((e) => e.index), [1, 2]);
    assert.ok(!log.hasNextCommittedEntries(), 'entries 3 and 4 are committed but not on our disk');
    persist(log, storage);
    assert.ok(log.hasNextCommittedEntries());
    assert.deepEqual(log.nextCommittedEntries(Infinity).map((e) => e.index), [3, 4]);
  });
});

describe('RaftLog.stableTo', () => {
  it('moves persisted entries out of the unstable list, up to the index given', () => {
    const { log, storage } = logWith([1]);
    log.append(run(2, 1, 1, 1));
    const handedOut = log.unstableEntries();
    storage.append(handedOut.slice(0, 2));
    log.stableTo(3, 1);
    assert.deepEqual(log.unstableEntries(), run(4, 1));
    assert.equal(log.persistedLastIndex(), 3);
    log.stableTo(2, 1);
    assert.deepEqual(log.unstableEntries(), run(4, 1), 'an index already stable is ignored');
  });

  it('ignores an entry a later append replaced before the write finished', () => {
    const { log, storage } = logWith([1]);
    log.append(run(2, 1, 1));
    const handedOut = log.unstableEntries();
    // A new leader replaces entry 3 while the runtime is writing 1/2..1/3.
    log.append(run(3, 2));
    storage.append(handedOut);
    log.stableTo(3, 1);
    assert.ok(log.hasUnstable(), 'the entry persisted is not the one the log holds');
    assert.deepEqual(log.unstableEntries(), [ent(2, 1), ent(3, 2)]);
    assert.equal(log.persistedLastIndex(), 1);
    assert.equal(log.term(3), 2);
    persist(log, storage);
    assert.ok(!log.hasUnstable());
    assert.deepEqual(storage.allEntries(), [ent(1, 1), ent(2, 1), ent(3, 2)]);
  });

  it('ignores an index the unstable list no longer holds', () => {
    const { log, storage } = logWith([1]);
    log.append(run(2, 1, 1));
    const handedOut = log.unstableEntries();
    log.append(run(2, 2));
    storage.append(handedOut);
    log.stableTo(3, 1);
    assert.deepEqual(log.unstableEntries(), run(2, 2));
    assert.equal(log.lastIndex(), 2);
    assert.equal(log.term(3), undefined);
  });
});

describe('RaftLog reads', () => {
  it('term() is 0 at index 0 and undefined past the log', () => {
    const { log } = logWith([1, 2]);
    log.append(run(3, 3));
    assert.deepEqual([0, 1, 2, 3, 4].map((i) => log.term(i)), [0, 1, 2, 3, undefined]);
    assert.equal(log.lastTerm(), 3);
  });

  it('slice spans stable and unstable entries, within maxBytes but never empty', () => {
    const storage = new MemoryStorage();
    storage.append([ent(1, 1, 3), ent(2, 1, 3)]);
    const log = new RaftLog(storage, 0, 0);
    log.append([ent(3, 1, 3), ent(4, 1, 3)]);
    assert.deepEqual(log.slice(1, 5, Infinity).map((e) => e.index), [1, 2, 3, 4]);
    assert.deepEqual(log.slice(2, 4, Infinity).map((e) => e.index), [2, 3]);
    assert.deepEqual(log.slice(1, 5, 9).map((e) => e.index), [1, 2, 3]);
    assert.deepEqual(log.slice(1, 5, 4).map((e) => e.index), [1]);
    assert.deepEqual(log.entriesFrom(3, 0).map((e) => e.index), [3]);
    assert.deepEqual(log.slice(3, 3, Infinity), []);
    assert.throws(() => log.slice(0, 2, Infinity), RaftInvariantError);
    assert.throws(() => log.slice(1, 6, Infinity), RaftInvariantError);
  });
});
