// The core's side of the Ready/advance handshake with its runtime: what is queued for the next
// Ready, building each Ready, and taking the runtime's advance. RaftCore holds one Handoff.
import type { ResolvedConfig } from './config';
import type { RaftLog } from './log';
import type { HardState, Message, NodeId, Observation, ReadState, Ready, Role, SoftState } from './types';

/** What a Handoff needs from the core that holds it. */
export interface HandoffContext {
  readonly cfg: ResolvedConfig;
  readonly log: RaftLog;
  readonly term: number;
  readonly vote: NodeId;
  readonly leader: NodeId;
  readonly role: Role;
}

/**
 * The messages, confirmed reads and observations queued for the runtime, the compaction it may
 * do, and the soft and hard state last handed out and last confirmed persisted.
 */
export class Handoff {
  msgs: Message[] = [];
  readStates: ReadState[] = [];
  observations: Observation[] = [];
  /** Entries the runtime may discard at the next Ready (behind a snapshot it made). */
  pendingCompact = 0;
  private prevSoft: SoftState;
  private prevHard: HardState;
  private handedOutHard: HardState;

  /** `hs`: the hard state the core started from, as stored. */
  constructor(
    private readonly ctx: HandoffContext,
    hs: HardState,
  ) {
    this.prevHard = hs;
    this.handedOutHard = hs;
    this.prevSoft = this.softState();
  }

  /** Drops queued messages `keep` refuses; returns how many. */
  dropQueued(keep: (m: Message) => boolean): number {
    const before = this.msgs.length;
    this.msgs = this.msgs.filter(keep);
    return before - this.msgs.length;
  }

  /** Is there anything for the runtime to do? (RaftCore.hasReady, once the core has flushed.) */
  hasReady(): boolean {
    if (this.msgs.length > 0 || this.readStates.length > 0 || this.observations.length > 0 || this.ctx.log.hasUnstable() || this.pendingCompact > 0) return true;
    if (!sameHard(this.hardState(), this.handedOutHard)) return true;
    if (!sameSoft(this.softState(), this.prevSoft)) return true;
    return this.ctx.log.hasNextCommittedEntries();
  }

  /** The next Ready (RaftCore.ready, once the core has flushed). */
  ready(): Ready {
    const soft = this.softState();
    const hard = this.hardState();
    const entries = this.ctx.log.unstableEntries();
    const snapshot = this.ctx.log.unstableSnapshot();
    const compactIndex = this.pendingCompact;
    this.pendingCompact = 0;
    if (soft.role !== this.prevSoft.role) this.observations.push({ kind: 'role-changed', term: this.ctx.term, from: this.prevSoft.role, to: soft.role });
    if (soft.leader !== this.prevSoft.leader) this.observations.push({ kind: 'leader-changed', term: this.ctx.term, leader: soft.leader });
    const observations = this.observations;
    this.observations = [];
    const rd: Ready = {
      observations,
      snapshot,
      compactIndex,
      softState: sameSoft(soft, this.prevSoft) ? undefined : soft,
      hardState: sameHard(hard, this.handedOutHard) ? undefined : hard,
      entries,
      committedEntries: this.ctx.log.nextCommittedEntries(this.ctx.cfg.maxCommittedSizePerReady),
      messages: this.msgs,
      readStates: this.readStates,
      mustSync: entries.length > 0 || snapshot !== undefined || hard.term !== this.handedOutHard.term || hard.vote !== this.handedOutHard.vote,
    };
    this.msgs = [];
    this.readStates = [];
    this.prevSoft = soft;
    this.handedOutHard = hard;
    return rd;
  }

  /** The runtime persisted, sent and applied what `rd` held: the log moves on. */
  advance(rd: Ready): void {
    if (rd.hardState !== undefined) this.prevHard = rd.hardState;
    if (rd.snapshot !== undefined) this.ctx.log.snapshotPersisted(rd.snapshot);
    if (rd.entries.length > 0) {
      const last = rd.entries[rd.entries.length - 1]!;
      this.ctx.log.stableTo(last.index, last.term);
    }
    if (rd.committedEntries.length > 0) {
      const last = rd.committedEntries[rd.committedEntries.length - 1]!;
      this.ctx.log.appliedTo(last.index);
    }
  }

  /** The hard state last confirmed persisted by advance(). */
  persistedHardState(): HardState {
    return this.prevHard;
  }

  private softState(): SoftState {
    return { leader: this.ctx.leader, role: this.ctx.role };
  }

  private hardState(): HardState {
    return { term: this.ctx.term, vote: this.ctx.vote, commit: this.ctx.log.committed };
  }
}

function sameSoft(a: SoftState, b: SoftState): boolean {
  return a.leader === b.leader && a.role === b.role;
}

function sameHard(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
