import { invariant } from './errors';
import { EMPTY_HARD_STATE, type Entry, type HardState, type Snapshot } from './types';

/**
 * The stable log, as the core reads it. The runtime owns it: it writes what a Ready hands out
 * (hard state and entries) and only then calls `advance()`. The core only reads, synchronously.
 *
 * Contract (the core keeps to it; an implementation may rely on it):
 * - `term(i)` is called only for firstIndex()-1 <= i <= lastIndex(); term(firstIndex()-1) is the
 *   term of the entry compacted away just before the log (0 for an uncompacted log).
 * - `entries(lo, hi, maxBytes)` is called only for firstIndex() <= lo < hi <= lastIndex()+1 and
 *   returns entries [lo, hi), stopping early once their payloads pass maxBytes, but never empty.
 *   The caller must not mutate the returned array.
 * - `snapshot()` is the latest snapshot, or undefined before the first. Its index is
 *   firstIndex()-1 once the log has been compacted up to it.
 */
export interface LogStorage {
  initialState(): HardState;
  snapshot(): Snapshot | undefined;
  firstIndex(): number;
  lastIndex(): number;
  term(index: number): number;
  entries(lo: number, hi: number, maxBytes: number): Entry[];
}

/**
 * An in-memory LogStorage for tests and the simulator. Its contents are exactly what a runtime
 * "persisted": a crash keeps them, and loses everything the core had not yet handed out.
 */
export class MemoryStorage implements LogStorage {
  private hardState: HardState = EMPTY_HARD_STATE;
  /** ents[0] is a dummy standing for the entry just before the log (index offset, its term). */
  private ents: Entry[] = [{ term: 0, index: 0, type: 'normal', data: new Uint8Array(0) }];
  private snap: Snapshot | undefined;

  initialState(): HardState {
    return this.hardState;
  }

  setHardState(hs: HardState): void {
    this.hardState = hs;
  }

  snapshot(): Snapshot | undefined {
    return this.snap;
  }

  /** Stores a snapshot the runtime made of its state machine (see RaftCore.snapshotCreated). */
  saveSnapshot(snap: Snapshot): void {
    const { index } = snap.meta;
    invariant(index >= this.ents[0]!.index && index <= this.lastIndex(), () => `snapshot at ${index} outside the stored log [${this.ents[0]!.index}, ${this.lastIndex()}]`);
    if (this.snap !== undefined) invariant(index >= this.snap.meta.index, () => `snapshot at ${index} is older than the stored one at ${this.snap!.meta.index}`);
    this.snap = snap;
  }

  /** Discards entries up to and including `index` (which a snapshot must cover). */
  compact(index: number): void {
    const offset = this.ents[0]!.index;
    if (index <= offset) return;
    invariant(index <= this.lastIndex(), () => `compact(${index}) past the last index ${this.lastIndex()}`);
    invariant(this.snap !== undefined && index <= this.snap.meta.index, () => `compact(${index}) past the snapshot at ${this.snap?.meta.index ?? 0}`);
    const head = this.ents[index - offset]!;
    this.ents = [{ term: head.term, index: head.index, type: 'normal', data: new Uint8Array(0) }, ...this.ents.slice(index - offset + 1)];
  }

  /** Replaces the whole log with a snapshot received from the leader. */
  applySnapshot(snap: Snapshot): void {
    this.snap = snap;
    this.ents = [{ term: snap.meta.term, index: snap.meta.index, type: 'normal', data: new Uint8Array(0) }];
  }

  firstIndex(): number {
    return this.ents[0]!.index + 1;
  }

  lastIndex(): number {
    return this.ents[0]!.index + this.ents.length - 1;
  }

  term(index: number): number {
    const offset = this.ents[0]!.index;
    invariant(index >= offset && index <= this.lastIndex(), () => `storage term(${index}) outside [${offset}, ${this.lastIndex()}]`);
    return this.ents[index - offset]!.term;
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    const offset = this.ents[0]!.index;
    invariant(lo > offset && hi <= this.lastIndex() + 1 && lo < hi, () => `storage entries(${lo}, ${hi}) outside (${offset}, ${this.lastIndex() + 1}]`);
    return limitSize(this.ents.slice(lo - offset, hi - offset), maxBytes);
  }

  /** Appends entries, replacing any stored suffix they conflict with (the runtime's write). */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const offset = this.ents[0]!.index;
    const first = entries[0]!.index;
    invariant(first > offset, () => `append at index ${first} behind the compacted index ${offset}`);
    invariant(first <= this.lastIndex() + 1, () => `append at index ${first} leaves a gap after last index ${this.lastIndex()}`);
    this.ents.length = first - offset;
    for (const e of entries) this.ents.push(e);
  }

  /** Every stored entry, oldest first. For tests and invariant checks. */
  allEntries(): Entry[] {
    return this.ents.slice(1);
  }
}

/** Keeps a prefix of `ents` whose payloads fit in maxBytes; always at least one entry. */
export function limitSize(ents: Entry[], maxBytes: number): Entry[] {
  if (ents.length <= 1) return ents;
  let size = ents[0]!.data.length;
  for (let i = 1; i < ents.length; i++) {
    size += ents[i]!.data.length;
    if (size > maxBytes) return ents.slice(0, i);
  }
  return ents;
}
