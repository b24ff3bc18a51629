import type { NodeId } from './types';

/** A ReadIndex request the leader is confirming with a heartbeat round. */
export interface PendingRead {
  readonly context: string;
  /** The commit index when the request arrived: the read waits until this is applied. */
  readonly index: number;
  /** Who asked: the leader itself or a follower that forwarded it. */
  readonly from: NodeId;
  readonly acks: Set<NodeId>;
}

/**
 * The leader's ReadIndex queue (Raft §6.4): requests in arrival order, each released once a
 * quorum has answered a heartbeat sent after it. A quorum's answer to a later request also
 * confirms every earlier one.
 */
export class ReadIndexQueue {
  private readonly pending = new Map<string, PendingRead>();
  private queue: string[] = [];

  has(context: string): boolean {
    return this.pending.has(context);
  }

  add(context: string, index: number, from: NodeId): void {
    this.pending.set(context, { context, index, from, acks: new Set() });
    this.queue.push(context);
  }

  /** Records that `from` answered the heartbeat for `context`; returns how many have. */
  ack(context: string, from: NodeId): number {
    const read = this.pending.get(context);
    if (read === undefined) return 0;
    read.acks.add(from);
    return read.acks.size;
  }

  /** Who has answered the heartbeat for `context`. */
  acks(context: string): ReadonlySet<NodeId> {
    return this.pending.get(context)?.acks ?? new Set();
  }

  /** Removes and returns every request up to and including `context`, oldest first. */
  release(context: string): PendingRead[] {
    const at = this.queue.indexOf(context);
    if (at < 0) return [];
    const released = this.queue.slice(0, at + 1).map((c) => this.pending.get(c)!);
    this.queue = this.queue.slice(at + 1);
    for (const r of released) this.pending.delete(r.context);
    return released;
  }

  /** The newest request: the context the next heartbeat round confirms. */
  last(): string {
    return this.queue.length > 0 ? this.queue[this.queue.length - 1]! : '';
  }

  size(): number {
    return this.queue.length;
  }

  clear(): void {
    this.pending.clear();
    this.queue = [];
  }
}
