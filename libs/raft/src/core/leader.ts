import type { ResolvedConfig } from './config';
import { invariant, raftError, type ProposeResult, type RaftError } from './errors';
import type { RaftLog } from './log';
import { mostUpToDate, Progress, type MemberProgress } from './progress';
import { ReadIndexQueue } from './read-index';
import { applyConfChange, encodeConfEntry, quorumOf } from './membership';
import { emptyMessage, type ConfChange, type Entry, type EntryType, type Logger, type Membership, type Message, type NodeId, type Observation, type ReadState } from './types';

/** What a Leadership needs from the core that holds it. */
export interface LeaderContext {
  readonly id: NodeId;
  readonly log: RaftLog;
  readonly cfg: ResolvedConfig;
  readonly logger: Logger;
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
  membership(): Membership;
  /** The latest membership known committed. */
  committedMembership(): { index: number; membership: Membership };
  /** We appended a conf entry: its membership applies now. */
  confAppended(index: number, membership: Membership): void;
  uncommittedConfChanges(): number;
  /** Queues a message for the next Ready. */
  send(m: Message): void;
  /** Queues a confirmed read of this node's own for the next Ready. */
  readState(rs: ReadState): void;
  /** Reports an observation in the next Ready. */
  observe(o: Observation): void;
}

const EMPTY = new Uint8Array(0);

/**
 * Everything a leader tracks for one term: each member's progress, the uncommitted bytes, the
 * ReadIndex queue. Made when a node becomes leader, dropped when it stops leading, so no
 * leader-only state can leak into another role or term.
 */
export class Leadership {
  private readonly progress = new Map<NodeId, Progress>();
  /** Payload bytes appended in this term and not yet committed. */
  private uncommittedSize = 0;
  /** The commit index up to which uncommittedSize has been settled. */
  private settledCommit: number;
  /** The commit index advanced since followers were last told. */
  private commitDirty = false;
  private readonly reads = new ReadIndexQueue();
  /** ReadIndex requests that arrived before an entry of this term committed. */
  private deferredReads: Message[] = [];
  /** The voter leadership is being handed to; '' when none. */
  transferee: NodeId = '';

  constructor(
    private readonly ctx: LeaderContext,
    readonly term: number,
  ) {
    const log = ctx.log;
    this.settledCommit = log.committed;
    this.syncProgress();
    // A no-op of our own term: committing it commits everything before it (Raft §5.4.2) and
    // lets reads be served (§6.4).
    this.append('normal', EMPTY);
  }

  /** Tracks the current members and those still in the committed membership: a new one is probed from our last index. */
  syncProgress(): void {
    const { voters, learners, log, cfg } = this.ctx;
    for (const id of [...voters, ...learners]) {
      if (this.progress.has(id)) continue;
      const pr = new Progress(log.lastIndex() + 1, cfg.maxInflightMsgs, cfg.maxInflightBytes);
      if (id === this.ctx.id) {
        pr.match = log.persistedLastIndex();
        pr.becomeReplicate();
      }
      // Probe a new member at once rather than at the next heartbeat.
      pr.mustSend = true;
      this.progress.set(id, pr);
    }
    // A member being removed keeps receiving the log until its removal commits, so that it
    // learns it was removed (and a leaving server can tell when it may stop).
    const committed = this.ctx.committedMembership().membership;
    const keep = new Set([...voters, ...learners, ...committed.voters, ...committed.learners]);
    for (const id of [...this.progress.keys()]) if (!keep.has(id)) this.progress.delete(id);
    if (this.transferee !== '' && !voters.includes(this.transferee)) this.abortTransfer(`${this.transferee} is no longer a voter`);
  }

  /** A membership change; see RaftCore.proposeConfChange for the rules. */
  proposeConfChange(cc: ConfChange): ProposeResult {
    if (this.transferee !== '') return this.transferring();
    const { log, id } = this.ctx;
    if (log.term(log.committed) !== this.term) {
      return raftError('ERR_CONF_CHANGE_PENDING', `${id} [term ${this.term}] has not yet committed an entry of its term; retry the change to ${cc.node} shortly`, id);
    }
    if (this.ctx.uncommittedConfChanges() > 0) {
      return raftError('ERR_CONF_CHANGE_PENDING', `${id} [term ${this.term}] has a membership change not yet committed; one change at a time`, id);
    }
    const next = applyConfChange(this.ctx.membership(), cc);
    if (!next.ok) return next;
    if (cc.type === 'promote') {
      const match = this.progress.get(cc.node)?.match ?? 0;
      const lag = log.lastIndex() - match;
      if (lag > this.ctx.cfg.maxPromotionLag) {
        return raftError('ERR_LEARNER_BEHIND', `${id} [term ${this.term}] will not promote ${cc.node}: its log is ${lag} entries behind (at ${match} of ${log.lastIndex()}), more than ${this.ctx.cfg.maxPromotionLag}`, id);
      }
    }
    const data = encodeConfEntry(cc, next.membership);
    this.uncommittedSize += data.length;
    const index = this.append('conf', data);
    this.ctx.confAppended(index, next.membership);
    return { ok: true, index, term: this.term };
  }

  /** Appends a proposal, unless the uncommitted log would pass its bound. */
  propose(data: Uint8Array): ProposeResult {
    if (this.transferee !== '') return this.transferring();
    const max = this.ctx.cfg.maxUncommittedEntriesSize;
    // An empty uncommitted log always takes one entry, so a large entry is never stuck.
    if (max > 0 && data.length > 0 && this.uncommittedSize > 0 && this.uncommittedSize + data.length > max) {
      return raftError(
        'ERR_UNCOMMITTED_LIMIT',
        `${this.ctx.id} [term ${this.term}] refused a proposal of ${data.length} bytes: ${this.uncommittedSize} uncommitted bytes, limit ${max}`,
        this.ctx.id,
      );
    }
    this.uncommittedSize += data.length;
    return { ok: true, index: this.append('normal', data), term: this.term };
  }

  private transferring(): { ok: false; error: RaftError } {
    return raftError('ERR_TRANSFER_IN_PROGRESS', `${this.ctx.id} [term ${this.term}] is handing leadership to ${this.transferee}; retry with the new leader`, this.ctx.id);
  }

  /**
   * Hands leadership to `to` (Raft §3.10): stop taking proposals, bring `to` up to date, then
   * tell it to campaign at once (MsgTimeoutNow). The core aborts after an election timeout.
   */
  transfer(to: NodeId): void {
    if (this.transferee === to) return;
    if (this.transferee !== '') this.abortTransfer(`superseded by a transfer to ${to}`);
    this.transferee = to;
    this.ctx.observe({ kind: 'transfer-started', term: this.term, to });
    this.ctx.logger.info(`${this.ctx.id} [term ${this.term}] handing leadership to ${to}`);
    this.maybeSendTimeoutNow();
  }

  abortTransfer(reason: string): void {
    if (this.transferee === '') return;
    this.ctx.logger.info(`${this.ctx.id} [term ${this.term}] gave up handing leadership to ${this.transferee}: ${reason}`);
    this.ctx.observe({ kind: 'transfer-aborted', term: this.term, to: this.transferee, reason });
    this.transferee = '';
  }

  /** Once the transferee's log matches ours, tell it to campaign now. */
  private maybeSendTimeoutNow(): void {
    const pr = this.progress.get(this.transferee);
    if (pr === undefined) return;
    if (pr.match === this.ctx.log.lastIndex()) {
      const m = emptyMessage('MsgTimeoutNow', this.ctx.id, this.transferee);
      m.term = this.term;
      this.ctx.send(m);
    } else {
      pr.mustSend = true;
    }
  }

  /** The most up-to-date voter other than us (for a transfer to "whoever is best"). */
  bestTransferee(): NodeId {
    return mostUpToDate(this.progress, this.ctx.voters.filter((id) => id !== this.ctx.id));
  }

  /** Once per tick: notices followers that stopped answering. */
  tick(): void {
    const limit = this.ctx.cfg.heartbeatTick * this.ctx.cfg.unresponsiveAfterHeartbeats;
    for (const [id, pr] of this.progress) {
      if (id !== this.ctx.id && pr.tickSilent(limit)) {
        const missed = Math.floor(pr.silentTicks / this.ctx.cfg.heartbeatTick);
        this.ctx.logger.warn(`${this.ctx.id} [term ${this.term}] ${id} has missed ${missed} heartbeats`);
        this.ctx.observe({ kind: 'follower-unresponsive', term: this.term, follower: id, missedHeartbeats: missed });
      }
    }
  }

  /** Any answer from a follower. */
  private heard(pr: Progress, from: NodeId): void {
    pr.recentActive = true;
    pr.silentTicks = 0;
    if (pr.reportedUnresponsive) {
      pr.reportedUnresponsive = false;
      this.ctx.observe({ kind: 'follower-responsive', term: this.term, follower: from });
    }
  }

  private append(type: EntryType, data: Uint8Array): number {
    const e: Entry = { term: this.term, index: this.ctx.log.lastIndex() + 1, type, data };
    return this.ctx.log.append([e]);
  }

  /** Messages for the leader role; others are ignored. */
  step(m: Message): void {
    switch (m.type) {
      case 'MsgProp':
        for (const e of m.entries) {
          const res = this.propose(e.data);
          if (!res.ok) this.ctx.logger.warn(`${this.ctx.id} dropped a proposal forwarded by ${m.from}: ${res.error.message}`);
        }
        return;
      case 'MsgReadIndex':
        this.readIndex(m);
        return;
      case 'MsgAppResp':
        this.handleAppendResponse(m);
        return;
      case 'MsgHeartbeatResp':
        this.handleHeartbeatResponse(m);
        return;
      case 'MsgSnapResp':
        this.handleSnapshotResponse(m);
        return;
      default:
        return;
    }
  }

  /** The runtime persisted our log up to `index`: our own vote for those entries now counts. */
  persistedTo(index: number): void {
    const self = this.progress.get(this.ctx.id);
    if (self !== undefined && self.maybeUpdate(index)) this.maybeCommit();
  }

  private handleAppendResponse(m: Message): void {
    const pr = this.progress.get(m.from);
    if (pr === undefined) return;
    this.heard(pr, m.from);
    if (m.reject) {
      let hint = m.rejectHint;
      if (m.logTerm > 0) hint = this.ctx.log.findConflictByTerm(m.rejectHint, m.logTerm)[0];
      if (pr.maybeDecrTo(m.index, hint)) {
        this.ctx.logger.debug(`${this.ctx.id} [term ${this.term}] ${m.from} rejected MsgApp at index ${m.index} (hint ${m.rejectHint}/${m.logTerm}); probing from ${pr.next}`);
        if (pr.state === 'replicate') pr.becomeProbe();
        pr.mustSend = true;
      }
      return;
    }
    const updated = pr.maybeUpdate(m.index);
    if (pr.state === 'snapshot') {
      // The follower holds the snapshot's entries (restored, or had them): back to the log, or,
      // if the log was compacted past it meanwhile, on to a newer snapshot.
      if (pr.match >= pr.snapshot!.meta.index) {
        const caughtUp = pr.match + 1 >= this.ctx.log.firstIndex();
        this.ctx.logger.info(`${this.ctx.id} [term ${this.term}] ${m.from} is past the snapshot at index ${pr.snapshot!.meta.index}; ${caughtUp ? `replicating from ${pr.match + 1}` : 'the log is compacted past it: a newer snapshot follows'}`);
        pr.becomeProbe();
        if (caughtUp) pr.becomeReplicate();
        pr.mustSend = true;
      }
    } else if (updated || (pr.match === m.index && pr.state === 'probe')) {
      if (pr.state === 'probe') pr.becomeReplicate();
      else pr.inflights.freeLE(m.index);
    }
    if (updated) this.maybeCommit();
    if (m.from === this.transferee) this.maybeSendTimeoutNow();
  }

  private handleHeartbeatResponse(m: Message): void {
    const pr = this.progress.get(m.from);
    if (pr === undefined) return;
    this.heard(pr, m.from);
    pr.probeSent = false;
    // A follower whose window is full may have lost our messages: free one slot to probe again.
    if (pr.state === 'replicate' && pr.inflights.full()) pr.inflights.freeFirstOne();
    // A snapshot chunk (or the follower's answer) may have been lost: resend what is unacknowledged.
    if (pr.state === 'snapshot') pr.resendUnacknowledged();
    if (pr.match < this.ctx.log.lastIndex() || pr.sentCommit < this.ctx.log.committed) pr.mustSend = true;
    if (m.context === '' || !this.reads.has(m.context)) return;
    this.reads.ack(m.context, m.from);
    // Only voters confirm leadership; the leader itself counts only while it is one.
    const acks = this.reads.acks(m.context);
    let confirmed = this.ctx.voters.includes(this.ctx.id) ? 1 : 0;
    for (const id of this.ctx.voters) if (id !== this.ctx.id && acks.has(id)) confirmed++;
    if (confirmed < quorumOf(this.ctx.voters)) return;
    for (const read of this.reads.release(m.context)) this.answerRead(read.from, read.index, read.context);
  }

  private maybeCommit(): void {
    const matches: number[] = [];
    for (const id of this.ctx.voters) matches.push(this.progress.get(id)?.match ?? 0);
    matches.sort((a, b) => b - a);
    const quorumIndex = matches[quorumOf(this.ctx.voters) - 1]!;
    // Only an entry of this term is committed by counting replicas (Raft §5.4.2).
    if (!this.ctx.log.maybeCommit(quorumIndex, this.term)) return;
    this.commitDirty = true;
    this.settleUncommitted(quorumIndex);
    if (this.deferredReads.length > 0) {
      const deferred = this.deferredReads;
      this.deferredReads = [];
      for (const r of deferred) this.readIndex(r);
    }
  }

  /** Takes this term's newly committed entries off the uncommitted bytes. */
  private settleUncommitted(commit: number): void {
    const from = Math.max(this.settledCommit + 1, this.ctx.log.firstIndex());
    if (from <= commit) {
      for (const e of this.ctx.log.slice(from, commit + 1, Infinity)) if (e.term === this.term) this.uncommittedSize -= e.data.length;
    }
    this.uncommittedSize = Math.max(0, this.uncommittedSize);
    this.settledCommit = commit;
  }

  /** Sends each follower what it lacks: one batched MsgApp per turn, within its window. */
  flush(): void {
    const commitDirty = this.commitDirty;
    this.commitDirty = false;
    for (const [id, pr] of this.progress) {
      if (id === this.ctx.id) continue;
      let force = pr.mustSend || (commitDirty && pr.sentCommit < this.ctx.log.committed);
      pr.mustSend = false;
      while (this.sendAppend(id, pr, force)) force = false;
    }
  }

  /**
   * Sends one MsgApp (or one snapshot chunk) when the follower is not paused and there is
   * something to send; true when the caller may send again at once.
   */
  private sendAppend(to: NodeId, pr: Progress, sendIfEmpty: boolean): boolean {
    if (pr.isPaused()) return false;
    if (pr.state === 'snapshot') return this.sendSnapshotChunk(to, pr);
    const log = this.ctx.log;
    const prevIndex = pr.next - 1;
    const prevTerm = log.term(prevIndex);
    if (prevTerm === undefined || pr.next < log.firstIndex()) {
      // The entries this follower needs were compacted away: it gets the snapshot instead.
      const snap = log.storage.snapshot();
      invariant(snap !== undefined, () => `${this.ctx.id}: the log is compacted to ${log.firstIndex() - 1} but storage holds no snapshot`);
      this.ctx.logger.info(`${this.ctx.id} [term ${this.term}] sending snapshot at ${snap.meta.term}/${snap.meta.index} (${snap.data.length} bytes) to ${to}, which needs index ${pr.next}`);
      pr.becomeSnapshot(snap);
      return this.sendSnapshotChunk(to, pr);
    }
    const ents = pr.next <= log.lastIndex() ? log.entriesFrom(pr.next, this.ctx.cfg.maxSizePerMsg) : [];
    if (ents.length === 0 && !sendIfEmpty) return false;
    const m = emptyMessage('MsgApp', this.ctx.id, to);
    m.term = this.term;
    m.index = prevIndex;
    m.logTerm = prevTerm;
    m.entries = ents;
    m.commit = log.committed;
    this.ctx.send(m);
    let bytes = 0;
    for (const e of ents) bytes += e.data.length;
    pr.sentEntries(ents.length, prevIndex + ents.length, bytes);
    pr.sentCommit = Math.max(pr.sentCommit, Math.min(m.commit, prevIndex + ents.length));
    return ents.length > 0 && pr.state === 'replicate';
  }

  /** Streams the next chunk of a snapshot, within the follower's window. */
  private sendSnapshotChunk(to: NodeId, pr: Progress): boolean {
    const { snapshotChunkSize, maxInflightMsgs, maxInflightBytes } = this.ctx.cfg;
    const chunk = pr.nextSnapshotChunk(snapshotChunkSize, maxInflightMsgs, maxInflightBytes);
    if (chunk === undefined) return false;
    const m = emptyMessage('MsgSnap', this.ctx.id, to);
    m.term = this.term;
    m.snapshot = chunk;
    this.ctx.send(m);
    return !pr.snapshotDone;
  }

  private handleSnapshotResponse(m: Message): void {
    const pr = this.progress.get(m.from);
    const chunk = m.snapshot;
    if (pr === undefined || chunk === undefined) return;
    this.heard(pr, m.from);
    if (pr.state === 'snapshot' && pr.snapshot!.meta.index === chunk.meta.index) pr.snapshotAnswered(chunk.offset, m.reject);
  }

  /** Heartbeats to every follower, confirming the newest pending read if any. */
  heartbeat(): void {
    this.broadcastHeartbeat(this.reads.last());
  }

  private broadcastHeartbeat(context: string): void {
    for (const [id, pr] of this.progress) {
      if (id === this.ctx.id) continue;
      const m = emptyMessage('MsgHeartbeat', this.ctx.id, id);
      m.term = this.term;
      // Never tell a follower to commit past what it is known to hold.
      m.commit = Math.min(pr.match, this.ctx.log.committed);
      m.context = context;
      this.ctx.send(m);
      pr.sentCommit = Math.max(pr.sentCommit, m.commit);
    }
  }

  /**
   * Check-quorum, once per election timeout: true when a quorum was heard from since the last
   * check. Starts the next period.
   */
  checkQuorum(): boolean {
    let active = 0;
    for (const id of this.ctx.voters) if (id === this.ctx.id || this.progress.get(id)?.recentActive) active++;
    for (const [id, pr] of this.progress) if (id !== this.ctx.id) pr.recentActive = false;
    return active >= quorumOf(this.ctx.voters);
  }

  /** A ReadIndex request, the leader's own or forwarded by a follower (Raft §6.4). */
  readIndex(m: Message): void {
    const log = this.ctx.log;
    if (log.term(log.committed) !== this.term) {
      // Until an entry of our term commits, our commit index may lag the real one — even as the
      // only voter (a membership change can leave a new leader alone in its membership).
      this.deferredReads.push(m);
      return;
    }
    if (this.ctx.voters.length === 1 && this.ctx.voters[0] === this.ctx.id) {
      // The only voter: nobody else can lead.
      this.answerRead(m.from, log.committed, m.context);
      return;
    }
    if (this.reads.has(m.context)) return;
    this.reads.add(m.context, log.committed, m.from);
    this.broadcastHeartbeat(m.context);
  }

  private answerRead(from: NodeId, index: number, context: string): void {
    if (from === this.ctx.id) {
      this.ctx.readState({ index, context });
      return;
    }
    const r = emptyMessage('MsgReadIndexResp', this.ctx.id, from);
    r.term = this.term;
    r.index = index;
    r.context = context;
    this.ctx.send(r);
  }

  progressOf(): ReadonlyMap<NodeId, MemberProgress> {
    const out = new Map<NodeId, MemberProgress>();
    for (const [id, pr] of this.progress) {
      out.set(id, { match: pr.match, next: pr.next, state: pr.state, recentActive: pr.recentActive, ticksSinceContact: id === this.ctx.id ? 0 : pr.silentTicks });
    }
    return out;
  }
}
