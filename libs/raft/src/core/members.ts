// The core's membership bookkeeping: the memberships in its log (recovered at start, then
// followed through appends, snapshots and compaction), the one last seen committed, and what a
// change means for the core. RaftCore holds one Members and hands it a context.
import { ConfTracker, type ConfPoint } from './conf-tracker';
import type { RaftLog } from './log';
import { decodeConfEntry, describeMembership, isVoterIn, sameMembership } from './membership';
import { NONE, type Entry, type Logger, type Membership, type NodeId, type Observation, type Role, type Snapshot } from './types';

/** What Members needs from the core that holds it. */
export interface MembersContext {
  readonly id: NodeId;
  readonly term: number;
  readonly role: Role;
  readonly log: RaftLog;
  readonly logger: Logger;
  /** Queues an observation for the next Ready. */
  observe(o: Observation): void;
}

/** What only the core itself may do, handed to Members apart from the core's public face. */
export interface MembersControls {
  /** A leader's progress follows the membership (nothing when we do not lead). */
  syncProgress(): void;
  becomeFollower(term: number, leader: NodeId): void;
}

/** The memberships in the core's log, and which of them is committed. */
export class Members {
  /** The memberships in our log; the latest is in force, committed or not. */
  private readonly confs: ConfTracker;
  /** The index of the membership last seen committed, and that membership. */
  private committedConfIndex: number;
  private committedConfMembership: Membership;

  /** `base`: the membership where the log starts; every conf entry in the log after it follows. */
  constructor(
    private readonly ctx: MembersContext,
    private readonly controls: MembersControls,
    base: ConfPoint,
  ) {
    const log = ctx.log;
    this.confs = new ConfTracker(base);
    const first = Math.max(base.index + 1, log.firstIndex());
    if (first <= log.lastIndex()) {
      for (const e of log.slice(first, log.lastIndex() + 1, Infinity)) if (e.type === 'conf') this.confs.add(e.index, decodeConfEntry(e.data).membership);
    }
    this.committedConfIndex = this.confs.committed(log.committed).index;
    this.committedConfMembership = this.confs.committed(log.committed).membership;
  }

  /** The membership in force: the latest in the log, committed or not. */
  current(): ConfPoint {
    return this.confs.current();
  }

  /** The membership in force once `commit` is committed. */
  committed(commit: number): ConfPoint {
    return this.confs.committed(commit);
  }

  /**
   * May this node campaign? A voter may; so may a voter whose removal or demotion is still
   * uncommitted: it may hold the only up-to-date log, and the change needs a leader to commit
   * (Raft dissertation §4.2.2). It then counts votes in the new membership, without its own.
   */
  promotable(): boolean {
    if (this.confs.current().membership.voters.includes(this.ctx.id)) return true;
    const committed = this.confs.committed(this.ctx.log.committed);
    return committed.index < this.confs.current().index && isVoterIn(committed.membership, this.ctx.id);
  }

  /** The runtime made a snapshot at `index`: the conf entries up to it fold into the base. */
  compactTo(index: number): void {
    this.confs.compactTo(index);
    // Compaction folds conf entries into the base; the committed membership is unchanged.
    this.committedConfIndex = this.confs.committed(this.ctx.log.committed).index;
  }

  /** Follows the memberships in entries appended from `from` on. */
  logAppended(ents: readonly Entry[], from: number): void {
    let changed = this.confs.truncateFrom(from);
    for (const e of ents) {
      if (e.index >= from && e.type === 'conf') {
        this.confs.add(e.index, decodeConfEntry(e.data).membership);
        changed = true;
      }
    }
    if (changed) this.membershipChanged();
  }

  /** A snapshot replaced the log; its membership is the one in force. */
  logRestored(snap: Snapshot): void {
    this.confs.reset(snap.meta.index, snap.meta.membership);
    this.membershipChanged();
  }

  /** The leader appended a conf entry. */
  confAppended(index: number, membership: Membership): void {
    this.confs.add(index, membership);
    this.membershipChanged();
  }

  /** Conf entries not yet committed. */
  uncommittedConfChanges(): number {
    return this.confs.uncommitted(this.ctx.log.committed);
  }

  private membershipChanged(): void {
    this.ctx.logger.info(`${this.ctx.id} [term ${this.ctx.term}] membership is now ${describeMembership(this.confs.current().membership)} (index ${this.confs.current().index})`);
    this.controls.syncProgress();
  }

  /** Acts on a membership that just committed: a leader that removed itself steps down. */
  checkCommittedConf(): void {
    const c = this.confs.committed(this.ctx.log.committed);
    if (c.index === this.committedConfIndex) return;
    this.committedConfIndex = c.index;
    // A snapshot that moves the committed point without changing the membership is no news.
    if (!sameMembership(c.membership, this.committedConfMembership)) {
      this.ctx.logger.info(`${this.ctx.id} [term ${this.ctx.term}] membership committed at index ${c.index}: ${describeMembership(c.membership)}`);
      this.ctx.observe({ kind: 'membership-committed', index: c.index, membership: c.membership });
    }
    this.committedConfMembership = c.membership;
    // Members the committed change removed stop receiving the log now.
    this.controls.syncProgress();
    if (this.ctx.role === 'leader' && !isVoterIn(c.membership, this.ctx.id)) {
      this.ctx.logger.info(`${this.ctx.id} [term ${this.ctx.term}] is no longer a voter: stepping down`);
      this.controls.becomeFollower(this.ctx.term, NONE);
    }
  }
}
