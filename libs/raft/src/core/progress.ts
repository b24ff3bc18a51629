import { invariant } from './errors';

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
 */
export type ProgressState = 'probe' | 'replicate';

/** What the leader knows of one member's log (etcd's tracker.Progress). */
export class Progress {
  match = 0;
  next: number;
  state: ProgressState = 'probe';
  /** In probe state: a probe is out and unanswered; send no other until a reply or heartbeat. */
  probeSent = false;
  /** Heard from within the current election timeout (check-quorum). */
  recentActive = false;
  /** Send a MsgApp at the next flush even when it carries no entries (a probe or a commit). */
  mustSend = false;
  /** The highest commit index sent to this follower. */
  sentCommit = 0;
  readonly inflights: Inflights;

  constructor(next: number, maxInflightMsgs: number, maxInflightBytes: number) {
    this.next = next;
    this.inflights = new Inflights(maxInflightMsgs, maxInflightBytes);
  }

  becomeProbe(): void {
    this.state = 'probe';
    this.probeSent = false;
    this.next = this.match + 1;
    this.inflights.reset();
  }

  becomeReplicate(): void {
    this.state = 'replicate';
    this.probeSent = false;
    this.next = this.match + 1;
    this.inflights.reset();
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
    return this.state === 'probe' ? this.probeSent : this.inflights.full();
  }
}
