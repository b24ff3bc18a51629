import { resolveConfig, type RaftConfig, type ResolvedConfig } from './config';
import { invariant, raftError, type ProposeResult, type RequestResult } from './errors';
import { Election, TRANSFER, type ElectionContext, type ElectionControls } from './election';
import { Leadership, type LeaderContext } from './leader';
import { Members, type MembersContext, type MembersControls } from './members';
import type { MemberProgress } from './progress';
import { RaftLog } from './log';
import { Followership, type FollowerContext, type FollowerControls } from './follower';
import { describeMembership, encodeConfEntry } from './membership';
import { Handoff, type HandoffContext } from './ready';
import type { LogStorage } from './storage';
import {
  emptyMessage,
  NONE,
  SILENT_LOGGER,
  type ConfChange,
  type Entry,
  type HardState,
  type Membership,
  type Snapshot,
  type SnapshotMeta,
  type Logger,
  type Message,
  type NodeId,
  type Observation,
  type ReadState,
  type Ready,
  type Role,
} from './types';

/** A snapshot of a core's state, for status pages and tests. */
export interface RaftStatus {
  readonly id: NodeId;
  readonly role: Role;
  readonly term: number;
  readonly vote: NodeId;
  readonly leader: NodeId;
  readonly commit: number;
  readonly applied: number;
  readonly lastIndex: number;
  /** The leader's view of every member (empty on a follower). */
  readonly progress: ReadonlyMap<NodeId, MemberProgress>;
  readonly membership: Membership;
  /** The voter leadership is being handed to, if any. */
  readonly transferee: NodeId;
}

/**
 * The pure Raft state machine. It is stepped with messages, ticks and proposals, and only
 * queues work: `ready()` hands the runtime what to persist, send and apply; `advance()` says the
 * runtime did it. No clock, timer, randomness or IO: those are the runtime's and are injected.
 */
export class RaftCore implements LeaderContext, FollowerContext, ElectionContext, HandoffContext, MembersContext {
  readonly id: NodeId;
  readonly cfg: ResolvedConfig;
  readonly logger: Logger;
  readonly log: RaftLog;

  term = 0;
  vote: NodeId = NONE;
  leader: NodeId = NONE;
  role: Role = 'follower';

  /** The memberships in our log, and which is committed. */
  private readonly members: Members;
  /** The leader's state for its term; undefined in every other role. */
  private leadership: Leadership | undefined;

  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;

  /** What only the core may do, for the helpers that act for it (kept off its public face). */
  private readonly controls: ElectionControls & FollowerControls & MembersControls = {
    reset: (term) => this.reset(term),
    becomeFollower: (term, leader) => this.becomeFollower(term, leader),
    becomeLeader: () => this.becomeLeader(),
    stepFollower: (m) => this.followership.step(m),
    promotable: () => this.members.promotable(),
    restartElectionTimer: () => {
      this.electionElapsed = 0;
    },
    campaignNow: () => this.election.startCampaign('transfer'),
    syncProgress: () => this.leadership?.syncProgress(),
  };
  /** The follower role: replication (appends, heartbeats, snapshots received) and the rest it is sent. */
  private readonly followership = new Followership(this, this.controls);
  /** Campaigns (pre-vote, candidacy) and the answers to others' vote requests. */
  private readonly election = new Election(this, this.controls);
  /** What is queued for the runtime, and the states handed out (the Ready/advance handshake). */
  private readonly handoff: Handoff;

  constructor(config: RaftConfig, storage: LogStorage) {
    this.logger = config.logger ?? SILENT_LOGGER;
    this.cfg = resolveConfig(config, this.logger);
    this.id = this.cfg.id;
    const hs = storage.initialState();
    // What a snapshot holds is committed, whatever commit index was last persisted with it.
    const commit = Math.max(hs.commit, storage.snapshot()?.meta.index ?? 0);
    if (this.cfg.applied > commit) {
      throw new Error(`invalid raft config for ${this.id}: applied ${this.cfg.applied} is past the stored commit index ${commit}`);
    }
    this.log = new RaftLog(storage, commit, this.cfg.applied);
    // The membership: the snapshot's (or the bootstrap entry's), then every conf entry after it.
    const snap = storage.snapshot();
    // A log without a snapshot or bootstrap entry (one written before membership changes, or
    // by hand) falls back to the configured membership.
    const configured: Membership = { voters: [...this.cfg.voters].sort(), learners: [...this.cfg.learners].sort() };
    const base = snap !== undefined ? { index: snap.meta.index, membership: snap.meta.membership } : { index: 0, membership: configured };
    if (snap === undefined && storage.lastIndex() === 0 && hs.term === 0 && this.cfg.voters.length > 0) this.bootstrap();
    this.members = new Members(this, this.controls, base);
    this.term = Math.max(this.term, hs.term);
    this.vote = hs.vote;
    this.becomeFollower(this.term, NONE);
    this.handoff = new Handoff(this, hs);
    this.logger.info(`${this.id} started at term ${this.term}, commit ${this.log.committed}, last index ${this.log.lastIndex()}, ${describeMembership(this.membership())}`);
  }

  /**
   * A founding member of a new cluster writes the founding membership as entry 1 of term 1,
   * committed (as etcd's Bootstrap does). Every founder writes the same entry, so their logs
   * agree, and a server that joins later learns the whole membership history from the log.
   */
  private bootstrap(): void {
    const membership: Membership = { voters: [...this.cfg.voters].sort(), learners: [...this.cfg.learners].sort() };
    this.log.append([{ term: 1, index: 1, type: 'conf', data: encodeConfEntry('bootstrap', membership) }]);
    this.log.commitTo(1);
    this.term = 1;
  }

  /** The membership in force: the latest in the log, committed or not. */
  membership(): Membership {
    return this.members.current().membership;
  }

  /**
   * What a snapshot of the state machine at applied `index` records (its term and the
   * membership then), without compacting anything: for a runtime that writes the snapshot
   * first and calls snapshotCreated once it is on disk. Undefined while a snapshot from the
   * leader is being installed, or when `index` is no longer in the log.
   */
  snapshotMeta(index: number): SnapshotMeta | undefined {
    invariant(index <= this.log.applied, () => `${this.id}: snapshot at ${index}, past the applied index ${this.log.applied}`);
    const term = this.log.term(index);
    if (term === undefined || this.log.unstableSnapshot() !== undefined) return undefined;
    return { index, term, membership: this.members.committed(index).membership };
  }

  /**
   * The runtime made a snapshot of its state machine at applied index `index`. Returns the
   * metadata to store with it; the next Ready then lets the runtime discard the log up to
   * `index - snapshotTrailingEntries`. Returns undefined when the log no longer holds `index`
   * (a snapshot from the leader replaced it meanwhile): the runtime discards its snapshot.
   */
  snapshotCreated(index: number): SnapshotMeta | undefined {
    const meta = this.snapshotMeta(index);
    if (meta === undefined) return undefined;
    this.members.compactTo(index);
    const compactTo = index - this.cfg.snapshotTrailingEntries;
    if (compactTo >= this.log.firstIndex() && compactTo > this.handoff.pendingCompact) this.handoff.pendingCompact = compactTo;
    return meta;
  }

  /** The latest membership this node knows to be committed, and its index. */
  committedMembership(): { index: number; membership: Membership } {
    return this.members.committed(this.log.committed);
  }

  get voters(): readonly NodeId[] {
    return this.members.current().membership.voters;
  }

  get learners(): readonly NodeId[] {
    return this.members.current().membership.learners;
  }

  // ---- the runtime's interface ------------------------------------------------------------

  /** One tick of logical time: drives election timeouts and heartbeats. */
  tick(): void {
    if (this.role === 'leader') this.tickLeader();
    else this.tickElection();
  }

  /** Starts an election now (a test or an operator's hand), as if the election timeout passed. */
  campaign(): void {
    this.election.hup();
  }

  /**
   * Proposes `data` for the log. On a leader it is appended (and returned with its index and
   * term); on a follower it is forwarded to the leader when forwarding is on.
   */
  propose(data: Uint8Array): ProposeResult {
    if (this.leadership !== undefined) return this.leadership.propose(data);
    if (this.leader === NONE) return raftError('ERR_NO_LEADER', `${this.id} knows no leader at term ${this.term}; proposal dropped`);
    if (!this.cfg.forwardProposals) return raftError('ERR_NOT_LEADER', `${this.id} is not the leader at term ${this.term}; the leader is ${this.leader}`, this.leader);
    const m = emptyMessage('MsgProp', this.id, this.leader);
    m.entries = [{ term: 0, index: 0, type: 'normal', data }];
    this.send(m);
    return { ok: true, forwardedTo: this.leader };
  }

  /**
   * Proposes one membership change (leader only). Refused while another change is uncommitted
   * or before this leader has committed an entry of its own term (the single-server rule and its
   * fix, Raft dissertation §4.1 and the 2015 erratum); a promotion is refused while the learner
   * lags more than maxPromotionLag entries. The new membership applies as soon as it is appended.
   */
  proposeConfChange(cc: ConfChange): ProposeResult {
    if (this.leadership !== undefined) return this.leadership.proposeConfChange(cc);
    if (this.leader === NONE) return raftError('ERR_NO_LEADER', `${this.id} knows no leader at term ${this.term}; membership change dropped`);
    return raftError('ERR_NOT_LEADER', `${this.id} is not the leader at term ${this.term}; propose membership changes to ${this.leader}`, this.leader);
  }

  /**
   * Hands leadership to voter `to`, or to the most up-to-date voter when `to` is omitted. The
   * leader takes no proposals meanwhile (ERR_TRANSFER_IN_PROGRESS) and gives up after an
   * election timeout; observations report the start and any abort.
   */
  transferLeadership(to?: NodeId): RequestResult {
    const lead = this.leadership;
    if (lead === undefined) {
      if (this.leader === NONE) return raftError('ERR_NO_LEADER', `${this.id} knows no leader at term ${this.term}; no transfer`);
      return raftError('ERR_NOT_LEADER', `${this.id} is not the leader at term ${this.term}; ask ${this.leader}`, this.leader);
    }
    const target = to ?? lead.bestTransferee();
    if (target === NONE) return raftError('ERR_INVALID_TRANSFER', `${this.id} [term ${this.term}] has no other voter to hand leadership to`);
    if (target === this.id) return raftError('ERR_INVALID_TRANSFER', `${this.id} [term ${this.term}] already leads`);
    if (!this.voters.includes(target)) return raftError('ERR_INVALID_TRANSFER', `${target} is not a voter (${describeMembership(this.membership())})`);
    // A repeated request for the transfer under way changes nothing (not even its deadline).
    if (lead.transferee === target) return { ok: true };
    // The transfer has one election timeout to complete.
    this.electionElapsed = 0;
    lead.transfer(target);
    return { ok: true };
  }

  /**
   * Asks for a linearizable read point. When confirmed, a ReadState with `context` appears in a
   * Ready: the read is safe once the state machine has applied its index. `context` must be
   * unique among reads in flight.
   */
  readIndex(context: string): RequestResult {
    if (this.leadership !== undefined) {
      const m = emptyMessage('MsgReadIndex', this.id, this.id);
      m.context = context;
      this.leadership.readIndex(m);
      return { ok: true };
    }
    if (this.leader === NONE) return raftError('ERR_NO_LEADER', `${this.id} knows no leader at term ${this.term}; read dropped`);
    const m = emptyMessage('MsgReadIndex', this.id, this.leader);
    m.context = context;
    this.send(m);
    return { ok: true };
  }

  /** Steps a message received from a peer. Stale, duplicate or misdirected messages are ignored. */
  step(m: Message): void {
    if (m.to !== this.id) {
      this.logger.warn(`${this.id} ignored a ${m.type} addressed to ${m.to}`);
      return;
    }
    if (m.term === 0) {
      // Not bound to a term: a forwarded proposal or read.
    } else if (m.term > this.term) {
      if (m.type === 'MsgVote' || m.type === 'MsgPreVote') {
        // A member that heard from a live leader within the election timeout ignores votes:
        // a partitioned or removed node cannot depose a healthy leader (Raft §4.2.3).
        // A campaign the leader itself asked for (a transfer) is not a disruption.
        const inLease = this.cfg.checkQuorum && this.leader !== NONE && this.electionElapsed < this.cfg.electionTick && m.context !== TRANSFER;
        if (inLease) {
          this.logger.debug(`${this.id} [term ${this.term}] ignored ${m.type} from ${m.from} at term ${m.term}: leader ${this.leader} is live`);
          return;
        }
      }
      if (m.type === 'MsgPreVote') {
        // A pre-vote never changes our term.
      } else if (m.type === 'MsgPreVoteResp' && !m.reject) {
        // The term in a granted pre-vote is the one we would campaign at; not ours yet.
      } else {
        this.logger.info(`${this.id} [term ${this.term}] received ${m.type} from ${m.from} at higher term ${m.term}`);
        const leader = m.type === 'MsgApp' || m.type === 'MsgHeartbeat' || m.type === 'MsgSnap' ? m.from : NONE;
        this.becomeFollower(m.term, leader);
      }
    } else if (m.term < this.term) {
      if ((this.cfg.checkQuorum || this.cfg.preVote) && (m.type === 'MsgApp' || m.type === 'MsgHeartbeat')) {
        // A stale leader, perhaps cut off and unable to hear a higher term: tell it ours, or
        // with pre-vote on it could keep this node from ever being elected.
        const r = emptyMessage('MsgAppResp', this.id, m.from);
        this.reply(r);
      } else if (m.type === 'MsgPreVote') {
        const r = emptyMessage('MsgPreVoteResp', this.id, m.from);
        r.reject = true;
        this.reply(r);
      }
      return;
    }

    switch (m.type) {
      case 'MsgVote':
      case 'MsgPreVote':
        this.election.handleVoteRequest(m);
        return;
      default:
        if (this.leadership !== undefined) this.leadership.step(m);
        else if (this.role === 'follower') this.followership.step(m);
        else this.election.step(m);
    }
  }

  /** Is there anything for the runtime to do? */
  hasReady(): boolean {
    this.leadership?.flush();
    this.members.checkCommittedConf();
    return this.handoff.hasReady();
  }

  /**
   * Hands out what to persist, send and apply. The runtime must handle it (persist, then send,
   * then apply) and call `advance(ready)` before calling `ready()` again.
   */
  ready(): Ready {
    this.leadership?.flush();
    this.members.checkCommittedConf();
    return this.handoff.ready();
  }

  /** The runtime persisted, sent and applied what `rd` held. */
  advance(rd: Ready): void {
    this.handoff.advance(rd);
    // The leader's own vote for its entries counts only once they are on its disk.
    this.leadership?.persistedTo(this.log.persistedLastIndex());
  }

  status(): RaftStatus {
    const progress = this.leadership?.progressOf() ?? new Map<NodeId, MemberProgress>();
    return {
      membership: this.membership(),
      transferee: this.leadership?.transferee ?? NONE,
      id: this.id,
      role: this.role,
      term: this.term,
      vote: this.vote,
      leader: this.leader,
      commit: this.log.committed,
      applied: this.log.applied,
      lastIndex: this.log.lastIndex(),
      progress,
    };
  }

  /** The hard state last confirmed persisted by advance(). */
  persistedHardState(): HardState {
    return this.handoff.persistedHardState();
  }

  // ---- roles ------------------------------------------------------------------------------

  private becomeFollower(term: number, leader: NodeId): void {
    this.reset(term);
    this.role = 'follower';
    this.leader = leader;
    this.logger.info(`${this.id} became follower at term ${term}${leader === NONE ? '' : `, leader ${leader}`}`);
  }

  private becomeLeader(): void {
    invariant(this.role === 'candidate' || this.voters.length === 1, () => `${this.id}: only a candidate can become leader (was ${this.role})`);
    this.reset(this.term);
    this.role = 'leader';
    this.leader = this.id;
    this.leadership = new Leadership(this, this.term);
    this.logger.info(`${this.id} became leader at term ${this.term}`);
  }

  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = NONE;
    }
    this.leader = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.cfg.electionTick + this.cfg.randomInt(this.cfg.electionTick);
    this.election.reset();
    this.leadership = undefined;
    this.followership.reset();
  }

  // ---- timers -----------------------------------------------------------------------------

  private tickElection(): void {
    this.electionElapsed++;
    if (this.members.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.election.hup();
    }
  }

  private tickLeader(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    this.leadership!.tick();
    if (this.electionElapsed >= this.cfg.electionTick) {
      this.electionElapsed = 0;
      this.leadership!.abortTransfer('it did not complete within an election timeout');
      if (this.cfg.checkQuorum && !this.leadership!.checkQuorum()) {
        this.logger.warn(`${this.id} [term ${this.term}] stepped down: no quorum heard from within an election timeout`);
        this.becomeFollower(this.term, NONE);
        return;
      }
    }
    if (this.heartbeatElapsed >= this.cfg.heartbeatTick) {
      this.heartbeatElapsed = 0;
      this.leadership!.heartbeat();
    }
  }

  // ---- the helpers' callbacks -------------------------------------------------------------

  /** FollowerContext: follows the memberships in entries appended from `from` on. */
  logAppended(ents: readonly Entry[], from: number): void {
    this.members.logAppended(ents, from);
  }

  /** FollowerContext: a snapshot replaced the log; its membership is the one in force. */
  logRestored(snap: Snapshot): void {
    this.members.logRestored(snap);
  }

  /** FollowerContext: drops queued messages `keep` refuses. */
  dropQueued(keep: (m: Message) => boolean): number {
    return this.handoff.dropQueued(keep);
  }

  /** LeaderContext: the leader appended a conf entry. */
  confAppended(index: number, membership: Membership): void {
    this.members.confAppended(index, membership);
  }

  /** LeaderContext: conf entries not yet committed. */
  uncommittedConfChanges(): number {
    return this.members.uncommittedConfChanges();
  }

  // ---- helpers ----------------------------------------------------------------------------

  /** Queues a message for the next Ready (the LeaderContext's way out). */
  send(m: Message): void {
    this.handoff.msgs.push(m);
  }

  /** Queues a confirmed read for the next Ready. */
  readState(rs: ReadState): void {
    this.handoff.readStates.push(rs);
  }

  /** Queues an observation for the next Ready. */
  observe(o: Observation): void {
    this.handoff.observations.push(o);
  }

  /** Queues a reply stamped with our term. */
  reply(m: Message): void {
    m.term = this.term;
    this.handoff.msgs.push(m);
  }
}
