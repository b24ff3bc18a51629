import type { Membership } from './types';

export interface ConfPoint {
  readonly index: number;
  readonly membership: Membership;
}

/**
 * The memberships in a log. A server uses the latest membership in its log, committed or not
 * (Raft dissertation §4.1); when a conflicting append removes a conf entry, the membership
 * before it applies again.
 */
export class ConfTracker {
  private points: ConfPoint[];

  /** `base`: the membership at the start of the log (from the snapshot, or the configuration). */
  constructor(base: ConfPoint) {
    this.points = [base];
  }

  current(): ConfPoint {
    return this.points[this.points.length - 1]!;
  }

  /** The membership in force once `commit` is committed. */
  committed(commit: number): ConfPoint {
    for (let i = this.points.length - 1; i > 0; i--) if (this.points[i]!.index <= commit) return this.points[i]!;
    return this.points[0]!;
  }

  add(index: number, membership: Membership): void {
    this.points.push({ index, membership });
  }

  /** Drops the conf entries at or after `index` (a conflicting append replaced them); true if any. */
  truncateFrom(index: number): boolean {
    const before = this.points.length;
    while (this.points.length > 1 && this.points[this.points.length - 1]!.index >= index) this.points.pop();
    return this.points.length !== before;
  }

  /** The log now starts after `index` (a snapshot): the membership there becomes the base. */
  compactTo(index: number): void {
    const base = this.committed(index);
    this.points = [{ index, membership: base.membership }, ...this.points.filter((p) => p.index > index)];
  }

  /** The log was replaced by a snapshot at `index` holding `membership`. */
  reset(index: number, membership: Membership): void {
    this.points = [{ index, membership }];
  }

  /** Conf entries not yet committed. */
  uncommitted(commit: number): number {
    return this.points.filter((p, i) => i > 0 && p.index > commit).length;
  }
}
