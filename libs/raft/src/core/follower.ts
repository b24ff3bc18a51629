import { describeMembership } from './membership';
import type { RaftLog } from './log';
import { SnapshotReceiver } from './snapshot-receiver';
import { emptyMessage, type Entry, type Logger, type Message, type NodeId, type Snapshot } from './types';

/** What a follower's replication needs from the core that holds it. */
export interface FollowerContext {
  readonly id: NodeId;
  readonly term: number;
  readonly log: RaftLog;
  readonly logger: Logger;
  /** Queues a reply stamped with our term. */
  reply(m: Message): void;
  /** Drops queued messages `keep` refuses; returns how many. */
  dropQueued(keep: (m: Message) => boolean): number;
  /** Entries from index `from` on were appended, replacing whatever followed. */
  logAppended(ents: readonly Entry[], from: number): void;
  /** The log was replaced by a snapshot. */
  logRestored(snap: Snapshot): void;
}

const EMPTY = new Uint8Array(0);

/**
 * Replication as a follower: the consistency check and append (Raft §5.3) with its fast
 * backtracking hint, heartbeats, and snapshots received chunk by chunk.
 */
export class Followership {
  private readonly receiver = new SnapshotReceiver();

  constructor(private readonly ctx: FollowerContext) {}

  /** A new term or role: a half-received snapshot is dropped. */
  reset(): void {
    this.receiver.reset();
  }

  handleAppend(m: Message): void {
    const { log } = this.ctx;
    const r = emptyMessage('MsgAppResp', this.ctx.id, m.from);
    if (m.index < log.committed) {
      // Everything up to our commit index is already agreed; say where we are.
      r.index = log.committed;
      this.ctx.reply(r);
      return;
    }
    const prevLast = log.lastIndex();
    const lastNew = log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    const truncated = log.truncatedFrom;
    if (truncated > 0) {
      log.truncatedFrom = 0;
      this.retractAcks(truncated);
    }
    if (lastNew !== undefined) {
      this.ctx.logAppended(m.entries, truncated > 0 ? truncated : prevLast + 1);
      r.index = lastNew;
      this.ctx.reply(r);
      return;
    }
    // The consistency check failed: point the leader at where our logs may agree.
    const [hintIndex, hintTerm] = log.findConflictByTerm(Math.min(m.index, log.lastIndex()), m.logTerm);
    r.index = m.index;
    r.reject = true;
    r.rejectHint = hintIndex;
    r.logTerm = hintTerm;
    this.ctx.reply(r);
  }

  handleHeartbeat(m: Message): void {
    this.ctx.log.commitTo(Math.min(m.commit, this.ctx.log.lastIndex()));
    const r = emptyMessage('MsgHeartbeatResp', this.ctx.id, m.from);
    r.context = m.context;
    this.ctx.reply(r);
  }

  /**
   * A chunk of the leader's snapshot. Chunks must arrive in order; on a gap the follower says
   * which byte it expects. The last chunk restores the log from the snapshot, unless our log
   * already holds the snapshot's last entry (then the snapshot only moves the commit index).
   */
  handleSnapshotChunk(m: Message): void {
    const chunk = m.snapshot!;
    const { log } = this.ctx;
    if (chunk.meta.index <= log.committed) {
      // Everything it holds is committed here already.
      const r = emptyMessage('MsgAppResp', this.ctx.id, m.from);
      r.index = log.committed;
      this.ctx.reply(r);
      return;
    }
    const outcome = this.receiver.receive(m.term, chunk);
    if (outcome.kind === 'complete') {
      this.restore(outcome.snapshot);
      const r = emptyMessage('MsgAppResp', this.ctx.id, m.from);
      r.index = log.lastIndex();
      this.ctx.reply(r);
      return;
    }
    const r = emptyMessage('MsgSnapResp', this.ctx.id, m.from);
    r.reject = outcome.kind === 'gap';
    r.snapshot = { meta: chunk.meta, offset: outcome.offset, data: EMPTY, last: false };
    this.ctx.reply(r);
  }

  /**
   * A new leader's entries replaced part of our log. Acknowledgements still queued for entries
   * from the replaced part would tell their old leader we hold entries we no longer do: drop them.
   */
  private retractAcks(from: number): void {
    const dropped = this.ctx.dropQueued((q) => q.type !== 'MsgAppResp' || q.reject || q.index < from);
    if (dropped > 0) this.ctx.logger.info(`${this.ctx.id} [term ${this.ctx.term}] retracted ${dropped} queued acknowledgements past index ${from - 1}: those entries were replaced`);
  }

  private restore(snap: Snapshot): void {
    const { index, term, membership } = snap.meta;
    const { log, logger, id } = this.ctx;
    if (log.matchTerm(index, term)) {
      // We hold the snapshot's last entry: the log is fine, only commit moves forward.
      logger.info(`${id} [term ${this.ctx.term}] already holds ${term}/${index}; commit moves to it instead of restoring the snapshot`);
      log.commitTo(index);
      return;
    }
    logger.info(`${id} [term ${this.ctx.term}] restoring from snapshot at ${term}/${index} (${snap.data.length} bytes), ${describeMembership(membership)}`);
    log.restore(snap);
    // Acknowledgements queued for the log the snapshot replaced no longer hold.
    this.ctx.dropQueued((q) => q.type !== 'MsgAppResp' || q.reject);
    this.ctx.logRestored(snap);
  }
}
