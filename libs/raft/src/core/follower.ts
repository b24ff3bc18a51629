import type { ResolvedConfig } from './config';
import { describeMembership } from './membership';
import type { RaftLog } from './log';
import { SnapshotReceiver } from './snapshot-receiver';
import { emptyMessage, NONE, type Entry, type Logger, type Message, type NodeId, type ReadState, type Snapshot } from './types';

/** What a follower needs from the core that holds it. */
export interface FollowerContext {
  readonly id: NodeId;
  readonly term: number;
  readonly cfg: ResolvedConfig;
  readonly log: RaftLog;
  readonly logger: Logger;
  /** The leader we follow; NONE when none is known. */
  leader: NodeId;
  /** Queues a message for the next Ready. */
  send(m: Message): void;
  /** Queues a confirmed read for the next Ready. */
  readState(rs: ReadState): void;
  /** Queues a reply stamped with our term. */
  reply(m: Message): void;
  /** Drops queued messages `keep` refuses; returns how many. */
  dropQueued(keep: (m: Message) => boolean): number;
  /** Entries from index `from` on were appended, replacing whatever followed. */
  logAppended(ents: readonly Entry[], from: number): void;
  /** The log was replaced by a snapshot. */
  logRestored(snap: Snapshot): void;
}

/** What only the core itself may do, handed to the Followership apart from the core's public face. */
export interface FollowerControls {
  /** The election timeout starts over. */
  restartElectionTimer(): void;
  /** May this node campaign? */
  promotable(): boolean;
  /** Campaigns at once, without pre-vote: the leader hands over. */
  campaignNow(): void;
}

const EMPTY = new Uint8Array(0);

/**
 * The follower role. Replication as a follower: the consistency check and append (Raft §5.3)
 * with its fast backtracking hint, heartbeats, and snapshots received chunk by chunk; and the
 * other messages a follower takes (requests to pass on, read answers, a leader handing over).
 */
export class Followership {
  private readonly receiver = new SnapshotReceiver();

  constructor(
    private readonly ctx: FollowerContext,
    private readonly controls: FollowerControls,
  ) {}

  /** A new term or role: a half-received snapshot is dropped. */
  reset(): void {
    this.receiver.reset();
  }

  /** Messages for a follower; others are ignored. */
  step(m: Message): void {
    switch (m.type) {
      case 'MsgApp':
      case 'MsgHeartbeat':
      case 'MsgSnap':
        // Our leader spoke: the election timeout starts over.
        this.controls.restartElectionTimer();
        this.ctx.leader = m.from;
        if (m.type === 'MsgApp') this.handleAppend(m);
        else if (m.type === 'MsgHeartbeat') this.handleHeartbeat(m);
        else this.handleSnapshotChunk(m);
        return;
      case 'MsgProp':
      case 'MsgReadIndex':
        // Sent to us as if we led: pass it on when we know who does.
        if (this.ctx.leader !== NONE && (m.type === 'MsgReadIndex' || this.ctx.cfg.forwardProposals)) {
          this.ctx.send({ ...m, to: this.ctx.leader });
        }
        return;
      case 'MsgReadIndexResp':
        this.ctx.readState({ index: m.index, context: m.context });
        return;
      case 'MsgTimeoutNow':
        // Our leader hands over: campaign at once, without pre-vote (it would only delay).
        if (!this.controls.promotable()) {
          this.ctx.logger.warn(`${this.ctx.id} [term ${this.ctx.term}] ignored MsgTimeoutNow from ${m.from}: not a voter`);
          return;
        }
        this.ctx.logger.info(`${this.ctx.id} [term ${this.ctx.term}] received MsgTimeoutNow from ${m.from}; campaigning now`);
        this.controls.campaignNow();
        return;
      default:
        return;
    }
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
