import { invariant } from './errors';
import { limitSize, type LogStorage } from './storage';
import type { Entry, Snapshot } from './types';

/**
 * The core's view of the log: the runtime's stable storage followed by entries not yet
 * persisted ("unstable"). Indexes and terms are Raft's; index 0 term 0 is the empty prefix.
 */
export class RaftLog {
  /** A snapshot from the leader that replaces the log, not yet persisted. */
  private pendingSnapshot: Snapshot | undefined;
  /** Entries not yet persisted, starting at `unstableOffset`. */
  private unstable: Entry[] = [];
  private unstableOffset: number;
  /** Highest index known committed. */
  committed: number;
  /** Highest index the state machine has applied (advance() confirmed). */
  applied: number;
  /** Highest index handed to the runtime to apply, not yet confirmed. */
  applying: number;
  /** The lowest index a conflicting append replaced since the owner last cleared it; 0 if none. */
  truncatedFrom = 0;

  constructor(
    readonly storage: LogStorage,
    committed: number,
    applied: number,
  ) {
    this.unstableOffset = storage.lastIndex() + 1;
    this.committed = committed;
    this.applied = applied;
    this.applying = applied;
    invariant(committed <= this.lastIndex(), () => `commit ${committed} is past the stored last index ${this.lastIndex()}`);
    invariant(applied <= committed, () => `applied ${applied} is past commit ${committed}`);
  }

  firstIndex(): number {
    return this.pendingSnapshot !== undefined ? this.pendingSnapshot.meta.index + 1 : this.storage.firstIndex();
  }

  lastIndex(): number {
    if (this.unstable.length > 0) return this.unstableOffset + this.unstable.length - 1;
    return this.pendingSnapshot !== undefined ? this.pendingSnapshot.meta.index : this.storage.lastIndex();
  }

  /** The last index the runtime has persisted and that nothing unstable replaces. */
  persistedLastIndex(): number {
    if (this.pendingSnapshot !== undefined) return 0;
    return Math.min(this.storage.lastIndex(), this.unstableOffset - 1);
  }

  /** The leader's snapshot replaces our log (it holds entries we lack or contradict). */
  restore(snap: Snapshot): void {
    invariant(snap.meta.index > this.committed, () => `restore of a snapshot at ${snap.meta.index} behind commit ${this.committed}`);
    this.pendingSnapshot = snap;
    this.unstable = [];
    this.unstableOffset = snap.meta.index + 1;
    this.committed = snap.meta.index;
  }

  unstableSnapshot(): Snapshot | undefined {
    return this.pendingSnapshot;
  }

  /** The runtime persisted the pending snapshot and restored the state machine from it. */
  snapshotPersisted(snap: Snapshot): void {
    if (this.pendingSnapshot !== snap) return;
    this.pendingSnapshot = undefined;
    this.appliedTo(snap.meta.index);
  }

  lastTerm(): number {
    return this.term(this.lastIndex())!;
  }

  /** The term of entry `index`, or undefined when it is compacted away or beyond the log. */
  term(index: number): number | undefined {
    if (index >= this.unstableOffset) {
      const e = this.unstable[index - this.unstableOffset];
      return e === undefined ? undefined : e.term;
    }
    if (this.pendingSnapshot !== undefined) return index === this.pendingSnapshot.meta.index ? this.pendingSnapshot.meta.term : undefined;
    const first = this.storage.firstIndex();
    if (index < first - 1 || index > this.storage.lastIndex()) return undefined;
    return this.storage.term(index);
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** Raft §5.4.1: is a log ending at (lastIndex, lastTerm) at least as up to date as ours? */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const myTerm = this.lastTerm();
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex());
  }

  /**
   * A follower's append (Raft §5.3): when our entry at `index` has `logTerm`, drop any
   * conflicting suffix, append what is new, and commit up to min(committed, last new index).
   * Returns the last index the leader's entries cover, or undefined when the check fails.
   */
  maybeAppend(index: number, logTerm: number, committed: number, ents: readonly Entry[]): number | undefined {
    if (!this.matchTerm(index, logTerm)) return undefined;
    const lastNew = index + ents.length;
    const conflict = this.findConflict(ents);
    if (conflict !== 0) {
      invariant(conflict > this.committed, () => `entry ${conflict} conflicts with the committed log (commit ${this.committed})`);
      this.append(ents.slice(conflict - ents[0]!.index));
    }
    this.commitTo(Math.min(committed, lastNew));
    return lastNew;
  }

  /** The first entry of `ents` whose term differs from ours (or that we lack); 0 when none. */
  private findConflict(ents: readonly Entry[]): number {
    for (const e of ents) {
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /**
   * The largest index <= `index` whose term is <= `term`: where two logs may agree, given that
   * the other log has `term` at `index` (etcd's findConflictByTerm, for fast backtracking).
   * Returns [index, its term]; stops at the first index we can still read.
   */
  findConflictByTerm(index: number, term: number): [number, number] {
    for (let i = index; ; i--) {
      const t = this.term(i);
      if (t === undefined) return [i, 0];
      if (t <= term) return [i, t];
    }
  }

  /** Appends entries that follow (or replace a suffix of) the log. Returns the new last index. */
  append(ents: readonly Entry[]): number {
    if (ents.length === 0) return this.lastIndex();
    const after = ents[0]!.index;
    invariant(after > this.committed, () => `append at ${after} would overwrite committed entries (commit ${this.committed})`);
    const end = this.lastIndex() + 1;
    if (after < end && (this.truncatedFrom === 0 || after < this.truncatedFrom)) this.truncatedFrom = after;
    if (after === this.unstableOffset + this.unstable.length) {
      for (const e of ents) this.unstable.push(e);
    } else if (after <= this.unstableOffset) {
      // Replaces unstable entries entirely, and possibly stable ones: the runtime's append
      // truncates its stored suffix when it persists these.
      this.unstableOffset = after;
      this.unstable = ents.slice();
    } else {
      invariant(after < this.unstableOffset + this.unstable.length, () => `append at ${after} leaves a gap after ${end - 1}`);
      this.unstable.length = after - this.unstableOffset;
      for (const e of ents) this.unstable.push(e);
    }
    return this.lastIndex();
  }

  commitTo(index: number): void {
    if (index <= this.committed) return;
    invariant(index <= this.lastIndex(), () => `commit ${index} is past the last index ${this.lastIndex()}`);
    this.committed = index;
  }

  /** Commits `index` if it is past the commit index and its entry is of `term` (Raft §5.4.2). */
  maybeCommit(index: number, term: number): boolean {
    if (index > this.committed && this.term(index) === term) {
      this.commitTo(index);
      return true;
    }
    return false;
  }

  /** Entries [lo, lastIndex], at most maxBytes of payload (always at least one entry). */
  entriesFrom(lo: number, maxBytes: number): Entry[] {
    return this.slice(lo, this.lastIndex() + 1, maxBytes);
  }

  /** Entries [lo, hi) within maxBytes; [] when lo >= hi. Caller guarantees lo >= firstIndex(). */
  slice(lo: number, hi: number, maxBytes: number): Entry[] {
    if (lo >= hi) return [];
    invariant(lo >= this.firstIndex() && hi <= this.lastIndex() + 1, () => `slice [${lo}, ${hi}) outside the log [${this.firstIndex()}, ${this.lastIndex()}]`);
    if (lo >= this.unstableOffset) {
      return limitSize(this.unstable.slice(lo - this.unstableOffset, hi - this.unstableOffset), maxBytes);
    }
    const storedHi = Math.min(hi, this.unstableOffset);
    const stored = this.storage.entries(lo, storedHi, maxBytes);
    if (hi <= this.unstableOffset || stored.length < storedHi - lo) return stored;
    return limitSize(stored.concat(this.unstable.slice(0, hi - this.unstableOffset)), maxBytes);
  }

  hasUnstable(): boolean {
    return this.unstable.length > 0 || this.pendingSnapshot !== undefined;
  }

  /** The entries to persist next. The array is the caller's. */
  unstableEntries(): Entry[] {
    return this.unstable.slice();
  }

  /** The runtime persisted entries up to (index, term): they leave the unstable list. */
  stableTo(index: number, term: number): void {
    if (index < this.unstableOffset) return;
    const e = this.unstable[index - this.unstableOffset];
    // A later append replaced this entry (different term): it is not the one persisted.
    if (e === undefined || e.term !== term) return;
    this.unstable = this.unstable.slice(index + 1 - this.unstableOffset);
    this.unstableOffset = index + 1;
  }

  /** Committed, persisted entries not yet handed out for applying. */
  hasNextCommittedEntries(): boolean {
    return Math.min(this.committed, this.persistedLastIndex()) > this.applying;
  }

  nextCommittedEntries(maxBytes: number): Entry[] {
    const hi = Math.min(this.committed, this.persistedLastIndex()) + 1;
    const lo = Math.max(this.applying + 1, this.firstIndex());
    if (lo >= hi) return [];
    const ents = this.slice(lo, hi, maxBytes);
    this.applying = ents[ents.length - 1]!.index;
    return ents;
  }

  appliedTo(index: number): void {
    if (index === 0) return;
    invariant(index <= this.committed && index >= this.applied, () => `applied ${index} is outside [${this.applied}, commit ${this.committed}]`);
    this.applied = index;
    if (this.applying < index) this.applying = index;
  }
}
