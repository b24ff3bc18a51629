import { invariant } from './errors';
import type { Snapshot, SnapshotChunk } from './types';

/**
 * The leader's window of MsgApp messages sent to one follower and not yet acknowledged,
 * bounded by count and by payload bytes: a slow follower fills its window and the leader
 * stops sending to it instead of buffering without bound.
 */
export class Inflights {
  private readonly indexes: number[];
  private readonly sizes: number[];
  private start = 0;
  count = 0;
  bytes = 0;

  constructor(
    readonly maxCount: number,
    readonly maxBytes: number,
  ) {
    this.indexes = new Array<number>(maxCount).fill(0);
    this.sizes = new Array<number>(maxCount).fill(0);
  }

  /** Records a message whose last entry is `index`, carrying `bytes` of payload. */
  add(index: number, bytes: number): void {
    invariant(this.count < this.maxCount, () => `inflights: add(${index}) into a full window of ${this.maxCount}`);
    const slot = (this.start + this.count) % this.maxCount;
    this.indexes[slot] = index;
    this.sizes[slot] = bytes;
    this.count++;
    this.bytes += bytes;
  }

  /** Frees every message whose last entry is <= index (the follower acknowledged them). */
  freeLE(index: number): void {
    while (this.count > 0 && this.indexes[this.start]! <= index) {
      this.bytes -= this.sizes[this.start]!;
      this.start = (this.start + 1) % this.maxCount;
      this.count--;
    }
    if (this.count === 0) this.start = 0;
  }

  /** Frees the oldest message: lets a leader probe a follower whose acknowledgements were lost. */
  freeFirstOne(): void {
    if (this.count > 0) this.freeLE(this.indexes[this.start]!);
  }

  full(): boolean {
    return this.count >= this.maxCount || (this.maxBytes > 0 && this.bytes >= this.maxBytes);
  }

  reset(): void {
    this.start = 0;
    this.count = 0;
    this.bytes = 0;
  }
}

/**
 * - probe: the leader does not know where the follower's log ends; one MsgApp at a time.
 * - replicate: the follower is in step; MsgApps are pipelined up to the inflight window.
 * - snapshot: the follower needs entries compacted away; a snapshot is streamed in chunks.
 */
export type ProgressState = 'probe' | 'replicate' | 'snapshot';

/** What the leader knows of one member's log (etcd's tracker.Progress). */
export class Progress {
  match = 0;
  next: number;
  state: ProgressState = 'probe';
  /** In probe state: a probe is out and unanswered; send no other until a reply or heartbeat. */
  probeSent = false;
  /** Heard from within the current election timeout (check-quorum). */
  recentActive = false;
  /** Ticks since the follower last answered; reported once past a bound. */
  silentTicks = 0;
  reportedUnresponsive = false;
  /** Send a MsgApp at the next flush even when it carries no entries (a probe or a commit). */
  mustSend = false;
  /** The highest commit index sent to this follower. */
  sentCommit = 0;
  /** In snapshot state: the snapshot being sent, the next byte to send, the bytes acknowledged. */
  snapshot: Snapshot | undefined;
  snapshotSent = 0;
  snapshotAcked = 0;
  snapshotDone = false;
  /** The offset last resent from after a reported gap (-1: none). */
  snapshotRewound = -1;
  readonly inflights: Inflights;

  constructor(next: number, maxInflightMsgs: number, maxInflightBytes: number) {
    this.next = next;
    this.inflights = new Inflights(maxInflightMsgs, maxInflightBytes);
  }

  becomeProbe(): void {
    // After a snapshot the follower holds everything up to it.
    const after = this.state === 'snapshot' && this.snapshot !== undefined ? this.snapshot.meta.index : 0;
    this.state = 'probe';
    this.probeSent = false;
    this.next = Math.max(this.match, after) + 1;
    this.inflights.reset();
    this.snapshot = undefined;
  }

  becomeReplicate(): void {
    this.state = 'replicate';
    this.probeSent = false;
    this.next = this.match + 1;
    this.inflights.reset();
    this.snapshot = undefined;
  }

  becomeSnapshot(snap: Snapshot): void {
    this.state = 'snapshot';
    this.probeSent = false;
    this.inflights.reset();
    this.snapshot = snap;
    this.snapshotSent = 0;
    this.snapshotAcked = 0;
    this.snapshotDone = false;
    this.snapshotRewound = -1;
  }

  /**
   * The next chunk of the snapshot being sent, unless the window is full (maxChunks chunks or
   * maxBytes bytes unacknowledged) or everything has been sent.
   */
  nextSnapshotChunk(chunkSize: number, maxChunks: number, maxBytes: number): SnapshotChunk | undefined {
    const snap = this.snapshot;
    if (snap === undefined || this.snapshotDone) return undefined;
    const unacked = this.snapshotSent - this.snapshotAcked;
    if (unacked >= chunkSize * maxChunks || (maxBytes > 0 && unacked >= maxBytes)) return undefined;
    const start = this.snapshotSent;
    const end = Math.min(snap.data.length, start + chunkSize);
    this.snapshotSent = end;
    if (end === snap.data.length) this.snapshotDone = true;
    return { meta: snap.meta, offset: start, data: snap.data.subarray(start, end), last: end === snap.data.length };
  }

  /** The follower expects byte `offset` next; `gap` when it got a chunk out of order. */
  snapshotAnswered(offset: number, gap: boolean): void {
    if (!gap && offset > this.snapshotAcked) this.snapshotAcked = offset;
    if (this.snapshotSent < this.snapshotAcked) {
      // The follower is further along than we thought (our resend overlapped what it holds).
      this.snapshotSent = this.snapshotAcked;
      this.snapshotDone = false;
    }
    // A chunk was lost, or the follower lost what it had (a restart). Send again from where it
    // is, once per gap (later chunks of the same window report the same gap). A stale report
    // costs a few resent chunks, which the follower answers with how far it really is.
    if (gap && offset !== this.snapshotRewound) {
      this.snapshotSent = offset;
      this.snapshotAcked = Math.min(this.snapshotAcked, offset);
      this.snapshotDone = false;
      this.snapshotRewound = offset;
    }
  }

  /** Resends whatever is unacknowledged (after a heartbeat round: chunks or answers may be lost). */
  resendUnacknowledged(): void {
    this.snapshotSent = this.snapshotAcked;
    this.snapshotDone = false;
    this.snapshotRewound = -1;
  }

  /** One tick without an answer; true the moment the silence reaches `limit` ticks (once). */
  tickSilent(limit: number): boolean {
    this.silentTicks++;
    if (this.reportedUnresponsive || this.silentTicks < limit) return false;
    this.reportedUnresponsive = true;
    return true;
  }

  /** An acknowledgement up to `index`; false when it tells nothing new. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (this.match < index) {
      this.match = index;
      updated = true;
      this.probeSent = false;
    }
    if (this.next < index + 1) this.next = index + 1;
    return updated;
  }

  /**
   * The follower rejected the MsgApp at `rejected`; `hint` is the highest index where the two
   * logs may agree. Returns false for a stale rejection (of a message already superseded).
   */
  maybeDecrTo(rejected: number, hint: number): boolean {
    if (this.state === 'snapshot') return false;
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, hint + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  /** Records a MsgApp sent with `count` entries ending at `lastIndex`. */
  sentEntries(count: number, lastIndex: number, bytes: number): void {
    if (this.state === 'replicate') {
      if (count > 0) {
        this.next = lastIndex + 1;
        this.inflights.add(lastIndex, bytes);
      }
    } else {
      this.probeSent = true;
    }
  }

  isPaused(): boolean {
    if (this.state === 'snapshot') return this.snapshotDone;
    return this.state === 'probe' ? this.probeSent : this.inflights.full();
  }
}

/** Of `candidates`, the one whose log the leader knows to be longest ('' when none is tracked). */
export function mostUpToDate(progress: ReadonlyMap<string, Progress>, candidates: readonly string[]): string {
  let best = '';
  let bestMatch = -1;
  for (const id of candidates) {
    const pr = progress.get(id);
    if (pr !== undefined && pr.match > bestMatch) {
      best = id;
      bestMatch = pr.match;
    }
  }
  return best;
}

/** What the leader knows of one member, for status pages. */
export interface MemberProgress {
  readonly match: number;
  readonly next: number;
  readonly state: string;
  readonly recentActive: boolean;
  /** Ticks since the member last answered the leader. */
  readonly ticksSinceContact: number;
}
