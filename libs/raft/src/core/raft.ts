import { resolveConfig, type RaftConfig, type ResolvedConfig } from './config';
import { invariant, raftError, type ProposeResult, type RequestResult } from './errors';
import { ConfTracker } from './conf-tracker';
import { Leadership, type LeaderContext } from './leader';
import type { MemberProgress } from './progress';
import { RaftLog } from './log';
import { Followership, type FollowerContext } from './follower';
import { decodeConfEntry, describeMembership, encodeConfEntry, isVoterIn, sameMembership } from './membership';
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
  type MessageType,
  type NodeId,
  type Observation,
  type ReadState,
  type Ready,
  type Role,
  type SoftState,
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
export class RaftCore implements LeaderContext, FollowerContext {
  readonly id: NodeId;
  readonly cfg: ResolvedConfig;
  readonly logger: Logger;
  readonly log: RaftLog;

  term = 0;
  vote: NodeId = NONE;
  leader: NodeId = NONE;
  role: Role = 'follower';

  /** The memberships in our log; the latest is in force, committed or not. */
  private readonly confs: ConfTracker;
  /** The index of the membership last seen committed, and that membership. */
  private committedConfIndex: number;
  private committedConfMembership: Membership;
  private votes = new Map<NodeId, boolean>();
  /** The leader's state for its term; undefined in every other role. */
  private leadership: Leadership | undefined;

  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;

  private readStates: ReadState[] = [];
  private observations: Observation[] = [];
  /** Replication as a follower (appends, heartbeats, snapshots received). */
  private readonly followership = new Followership(this);
  /** Entries the runtime may discard at the next Ready (behind a snapshot it made). */
  private pendingCompact = 0;

  private msgs: Message[] = [];
  private prevSoft: SoftState;
  private prevHard: HardState;
  private handedOutHard: HardState;

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
    this.confs = new ConfTracker(base);
    if (snap === undefined && storage.lastIndex() === 0 && hs.term === 0 && this.cfg.voters.length > 0) this.bootstrap();
    const first = Math.max(base.index + 1, this.log.firstIndex());
    if (first <= this.log.lastIndex()) {
      for (const e of this.log.slice(first, this.log.lastIndex() + 1, Infinity)) if (e.type === 'conf') this.confs.add(e.index, decodeConfEntry(e.data).membership);
    }
    this.committedConfIndex = this.confs.committed(this.log.committed).index;
    this.committedConfMembership = this.confs.committed(this.log.committed).membership;
    this.term = Math.max(this.term, hs.term);
    this.vote = hs.vote;
    this.prevHard = hs;
    this.handedOutHard = hs;
    this.becomeFollower(this.term, NONE);
    this.prevSoft = this.softState();
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
    return this.confs.current().membership;
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
    return { index, term, membership: this.confs.committed(index).membership };
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
    this.confs.compactTo(index);
    // Compaction folds conf entries into the base; the committed membership is unchanged.
    this.committedConfIndex = this.confs.committed(this.log.committed).index;
    const compactTo = index - this.cfg.snapshotTrailingEntries;
    if (compactTo >= this.log.firstIndex() && compactTo > this.pendingCompact) this.pendingCompact = compactTo;
    return meta;
  }

  /** The latest membership this node knows to be committed, and its index. */
  committedMembership(): { index: number; membership: Membership } {
    return this.confs.committed(this.log.committed);
  }

  get voters(): readonly NodeId[] {
    return this.confs.current().membership.voters;
  }

  get learners(): readonly NodeId[] {
    return this.confs.current().membership.learners;
  }

  // ---- the runtime's interface ------------------------------------------------------------

  /** One tick of logical time: drives election timeouts and heartbeats. */
  tick(): void {
    if (this.role === 'leader') this.tickLeader();
    else this.tickElection();
  }

  /** Starts an election now (a test or an operator's hand), as if the election timeout passed. */
  campaign(): void {
    this.hup();
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
    this.msgs.push(m);
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
    this.msgs.push(m);
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
        this.handleVoteRequest(m);
        return;
      default:
        if (this.leadership !== undefined) this.leadership.step(m);
        else if (this.role === 'follower') this.stepFollower(m);
        else this.stepCandidate(m);
    }
  }

  /** Is there anything for the runtime to do? */
  hasReady(): boolean {
    this.leadership?.flush();
    this.checkCommittedConf();
    if (this.msgs.length > 0 || this.readStates.length > 0 || this.observations.length > 0 || this.log.hasUnstable() || this.pendingCompact > 0) return true;
    if (!sameHard(this.hardState(), this.handedOutHard)) return true;
    if (!sameSoft(this.softState(), this.prevSoft)) return true;
    return this.log.hasNextCommittedEntries();
  }

  /**
   * Hands out what to persist, send and apply. The runtime must handle it (persist, then send,
   * then apply) and call `advance(ready)` before calling `ready()` again.
   */
  ready(): Ready {
    this.leadership?.flush();
    this.checkCommittedConf();
    const soft = this.softState();
    const hard = this.hardState();
    const entries = this.log.unstableEntries();
    const snapshot = this.log.unstableSnapshot();
    const compactIndex = this.pendingCompact;
    this.pendingCompact = 0;
    if (soft.role !== this.prevSoft.role) this.observations.push({ kind: 'role-changed', term: this.term, from: this.prevSoft.role, to: soft.role });
    if (soft.leader !== this.prevSoft.leader) this.observations.push({ kind: 'leader-changed', term: this.term, leader: soft.leader });
    const observations = this.observations;
    this.observations = [];
    const rd: Ready = {
      observations,
      snapshot,
      compactIndex,
      softState: sameSoft(soft, this.prevSoft) ? undefined : soft,
      hardState: sameHard(hard, this.handedOutHard) ? undefined : hard,
      entries,
      committedEntries: this.log.nextCommittedEntries(this.cfg.maxCommittedSizePerReady),
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

  /** The runtime persisted, sent and applied what `rd` held. */
  advance(rd: Ready): void {
    if (rd.hardState !== undefined) this.prevHard = rd.hardState;
    if (rd.snapshot !== undefined) this.log.snapshotPersisted(rd.snapshot);
    if (rd.entries.length > 0) {
      const last = rd.entries[rd.entries.length - 1]!;
      this.log.stableTo(last.index, last.term);
    }
    if (rd.committedEntries.length > 0) {
      const last = rd.committedEntries[rd.committedEntries.length - 1]!;
      this.log.appliedTo(last.index);
    }
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
    return this.prevHard;
  }

  // ---- roles ------------------------------------------------------------------------------

  private becomeFollower(term: number, leader: NodeId): void {
    this.reset(term);
    this.role = 'follower';
    this.leader = leader;
    this.logger.info(`${this.id} became follower at term ${term}${leader === NONE ? '' : `, leader ${leader}`}`);
  }

  private becomePreCandidate(): void {
    invariant(this.role !== 'leader', () => `${this.id}: a leader cannot become a pre-candidate`);
    // A pre-candidate keeps its term and vote; it only asks whether it could win.
    this.votes = new Map();
    this.role = 'pre-candidate';
    this.leader = NONE;
    this.logger.info(`${this.id} became pre-candidate at term ${this.term}`);
  }

  private becomeCandidate(): void {
    invariant(this.role !== 'leader', () => `${this.id}: a leader cannot become a candidate`);
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = 'candidate';
    this.logger.info(`${this.id} became candidate at term ${this.term}`);
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
    this.votes = new Map();
    this.leadership = undefined;
    this.followership.reset();
  }

  /**
   * May this node campaign? A voter may; so may a voter whose removal or demotion is still
   * uncommitted: it may hold the only up-to-date log, and the change needs a leader to commit
   * (Raft dissertation §4.2.2). It then counts votes in the new membership, without its own.
   */
  private promotable(): boolean {
    if (this.voters.includes(this.id)) return true;
    const committed = this.confs.committed(this.log.committed);
    return committed.index < this.confs.current().index && isVoterIn(committed.membership, this.id);
  }

  private quorum(): number {
    return (this.voters.length >> 1) + 1;
  }

  // ---- elections --------------------------------------------------------------------------

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.hup();
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

  private hup(): void {
    if (this.role === 'leader') return;
    if (!this.promotable()) {
      this.logger.warn(`${this.id} is not a voter at term ${this.term} and cannot campaign`);
      return;
    }
    if (this.cfg.preVote) this.startCampaign('pre');
    else this.startCampaign('election');
  }

  private startCampaign(kind: 'pre' | 'election' | 'transfer'): void {
    let term: number;
    let type: MessageType;
    if (kind === 'pre') {
      this.becomePreCandidate();
      type = 'MsgPreVote';
      term = this.term + 1;
    } else {
      this.becomeCandidate();
      type = 'MsgVote';
      term = this.term;
    }
    if (this.poll(this.id, true) === 'won') {
      // A single voter wins at once.
      if (kind === 'pre') this.startCampaign('election');
      else this.becomeLeader();
      return;
    }
    const lastIndex = this.log.lastIndex();
    const lastTerm = this.log.lastTerm();
    for (const id of this.voters) {
      if (id === this.id) continue;
      const m = emptyMessage(type, this.id, id);
      m.term = term;
      m.index = lastIndex;
      m.logTerm = lastTerm;
      if (kind === 'transfer') m.context = TRANSFER;
      this.msgs.push(m);
    }
    this.logger.info(`${this.id} [last ${lastTerm}/${lastIndex}] sent ${type} at term ${term}`);
  }

  private poll(from: NodeId, granted: boolean): 'won' | 'lost' | 'pending' {
    if (!this.votes.has(from)) this.votes.set(from, granted);
    let yes = 0;
    let no = 0;
    for (const id of this.voters) {
      const v = this.votes.get(id);
      if (v === true) yes++;
      else if (v === false) no++;
    }
    const q = this.quorum();
    if (yes >= q) return 'won';
    if (this.voters.length - no < q) return 'lost';
    return 'pending';
  }

  private handleVoteRequest(m: Message): void {
    const pre = m.type === 'MsgPreVote';
    // We may vote for the one we already voted for, or anyone when we have neither voted nor
    // heard from a leader this term; a pre-vote for a later term is always open.
    const canVote = this.vote === m.from || (this.vote === NONE && this.leader === NONE) || (pre && m.term > this.term);
    const r = emptyMessage(pre ? 'MsgPreVoteResp' : 'MsgVoteResp', this.id, m.from);
    if (canVote && this.log.isUpToDate(m.index, m.logTerm)) {
      // Answer at the term asked: a granted pre-vote must not look stale to the asker.
      r.term = m.term;
      this.msgs.push(r);
      if (!pre) {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
      this.logger.info(`${this.id} [term ${this.term}] granted ${m.type} to ${m.from} at term ${m.term}`);
      if (pre && this.yieldsTo(m)) {
        this.logger.info(`${this.id} [term ${this.term}] stood down for ${m.from}, a rival pre-candidate for term ${m.term} with an equal log and a lower id`);
        this.becomeFollower(this.term, NONE);
      }
    } else {
      r.reject = true;
      this.reply(r);
    }
  }

  /**
   * Two pre-candidates asking for the same term at once would each grant the other, both become
   * candidates, vote for themselves and split the vote: with one of three members down, nobody
   * wins and the term is lost to a second election timeout. So of two such rivals whose logs
   * are equally up to date, the one with the higher id, granting the other's pre-vote, stands
   * down (a follower again, with a new election timeout), and the lower one campaigns alone.
   * Yielding, not refusing: the request in hand shows the rival is there to answer, whereas a
   * refusal would stall both if the rival never got, or ignored, our own pre-vote (a member
   * still in its leader's lease drops it unanswered). A pre-vote changes no state, so this is a
   * choice about liveness, never safety.
   */
  private yieldsTo(m: Message): boolean {
    if (this.role !== 'pre-candidate' || m.term !== this.term + 1) return false;
    const sameLog = m.logTerm === this.log.lastTerm() && m.index === this.log.lastIndex();
    return sameLog && m.from < this.id;
  }

  private stepCandidate(m: Message): void {
    const expected: MessageType = this.role === 'pre-candidate' ? 'MsgPreVoteResp' : 'MsgVoteResp';
    switch (m.type) {
      case 'MsgApp':
      case 'MsgHeartbeat':
      case 'MsgSnap':
        // A leader of our term exists: follow it, and take the message as a follower would.
        this.becomeFollower(m.term, m.from);
        this.stepFollower(m);
        return;
      case 'MsgPreVoteResp':
      case 'MsgVoteResp': {
        if (m.type !== expected) return;
        const result = this.poll(m.from, !m.reject);
        if (result === 'won') {
          if (this.role === 'pre-candidate') this.startCampaign('election');
          else this.becomeLeader();
        } else if (result === 'lost') {
          this.logger.info(`${this.id} lost the ${this.role === 'pre-candidate' ? 'pre-vote' : 'election'} at term ${this.term}`);
          this.becomeFollower(this.term, NONE);
        }
        return;
      }
      default:
        // Proposals and reads have nowhere to go without a leader; stale responses are moot.
        return;
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case 'MsgApp':
      case 'MsgHeartbeat':
      case 'MsgSnap':
        // Our leader spoke: the election timeout starts over.
        this.electionElapsed = 0;
        this.leader = m.from;
        if (m.type === 'MsgApp') this.followership.handleAppend(m);
        else if (m.type === 'MsgHeartbeat') this.followership.handleHeartbeat(m);
        else this.followership.handleSnapshotChunk(m);
        return;
      case 'MsgProp':
      case 'MsgReadIndex':
        // Sent to us as if we led: pass it on when we know who does.
        if (this.leader !== NONE && (m.type === 'MsgReadIndex' || this.cfg.forwardProposals)) {
          this.msgs.push({ ...m, to: this.leader });
        }
        return;
      case 'MsgReadIndexResp':
        this.readStates.push({ index: m.index, context: m.context });
        return;
      case 'MsgTimeoutNow':
        // Our leader hands over: campaign at once, without pre-vote (it would only delay).
        if (!this.promotable()) {
          this.logger.warn(`${this.id} [term ${this.term}] ignored MsgTimeoutNow from ${m.from}: not a voter`);
          return;
        }
        this.logger.info(`${this.id} [term ${this.term}] received MsgTimeoutNow from ${m.from}; campaigning now`);
        this.startCampaign('transfer');
        return;
      default:
        return;
    }
  }

  // ---- replication: follower side ---------------------------------------------------------

  /** FollowerContext: follows the memberships in entries appended from `from` on. */
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

  /** FollowerContext: a snapshot replaced the log; its membership is the one in force. */
  logRestored(snap: Snapshot): void {
    this.confs.reset(snap.meta.index, snap.meta.membership);
    this.membershipChanged();
  }

  /** FollowerContext: drops queued messages `keep` refuses. */
  dropQueued(keep: (m: Message) => boolean): number {
    const before = this.msgs.length;
    this.msgs = this.msgs.filter(keep);
    return before - this.msgs.length;
  }

  /** LeaderContext: the leader appended a conf entry. */
  confAppended(index: number, membership: Membership): void {
    this.confs.add(index, membership);
    this.membershipChanged();
  }

  /** LeaderContext: conf entries not yet committed. */
  uncommittedConfChanges(): number {
    return this.confs.uncommitted(this.log.committed);
  }

  private membershipChanged(): void {
    this.logger.info(`${this.id} [term ${this.term}] membership is now ${describeMembership(this.membership())} (index ${this.confs.current().index})`);
    this.leadership?.syncProgress();
  }

  /** Acts on a membership that just committed: a leader that removed itself steps down. */
  private checkCommittedConf(): void {
    const c = this.confs.committed(this.log.committed);
    if (c.index === this.committedConfIndex) return;
    this.committedConfIndex = c.index;
    // A snapshot that moves the committed point without changing the membership is no news.
    if (!sameMembership(c.membership, this.committedConfMembership)) {
      this.logger.info(`${this.id} [term ${this.term}] membership committed at index ${c.index}: ${describeMembership(c.membership)}`);
      this.observations.push({ kind: 'membership-committed', index: c.index, membership: c.membership });
    }
    this.committedConfMembership = c.membership;
    // Members the committed change removed stop receiving the log now.
    this.leadership?.syncProgress();
    if (this.role === 'leader' && !isVoterIn(c.membership, this.id)) {
      this.logger.info(`${this.id} [term ${this.term}] is no longer a voter: stepping down`);
      this.becomeFollower(this.term, NONE);
    }
  }

  // ---- helpers ----------------------------------------------------------------------------

  /** Queues a message for the next Ready (the LeaderContext's way out). */
  send(m: Message): void {
    this.msgs.push(m);
  }

  /** Queues a confirmed read for the next Ready. */
  readState(rs: ReadState): void {
    this.readStates.push(rs);
  }

  /** Queues an observation for the next Ready. */
  observe(o: Observation): void {
    this.observations.push(o);
  }

  /** Queues a reply stamped with our term. */
  reply(m: Message): void {
    m.term = this.term;
    this.msgs.push(m);
  }

  private softState(): SoftState {
    return { leader: this.leader, role: this.role };
  }

  private hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }
}

/** The context of a MsgVote sent because the leader handed over: voters answer it even in lease. */
const TRANSFER = 'transfer';

function sameSoft(a: SoftState, b: SoftState): boolean {
  return a.leader === b.leader && a.role === b.role;
}

function sameHard(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
