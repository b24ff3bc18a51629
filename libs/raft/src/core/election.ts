// Elections: campaigning as a pre-candidate and then a candidate, counting the answers, and
// answering other members' vote requests. RaftCore holds one Election and hands it a context.
import type { ResolvedConfig } from './config';
import { invariant } from './errors';
import type { RaftLog } from './log';
import { quorumOf } from './membership';
import { emptyMessage, NONE, type Logger, type Message, type MessageType, type NodeId, type Role } from './types';

/** What an Election needs from the core that holds it. */
export interface ElectionContext {
  readonly id: NodeId;
  readonly cfg: ResolvedConfig;
  readonly log: RaftLog;
  readonly logger: Logger;
  readonly voters: readonly NodeId[];
  readonly term: number;
  vote: NodeId;
  leader: NodeId;
  role: Role;
  /** Queues a message for the next Ready. */
  send(m: Message): void;
  /** Queues a reply stamped with our term. */
  reply(m: Message): void;
}

/** What only the core itself may do, handed to the Election apart from the core's public face. */
export interface ElectionControls {
  /** Moves to `term` (a new term clears the vote) and starts the role over: no leader, fresh timers, no votes. */
  reset(term: number): void;
  becomeFollower(term: number, leader: NodeId): void;
  becomeLeader(): void;
  /** Takes a message as a follower would. */
  stepFollower(m: Message): void;
  /** May this node campaign? */
  promotable(): boolean;
  /** The election timeout starts over. */
  restartElectionTimer(): void;
}

/** The context of a MsgVote sent because the leader handed over: voters answer it even in lease. */
export const TRANSFER = 'transfer';

/** A node's campaigns (pre-vote, then candidacy) and its answers to others' vote requests. */
export class Election {
  private votes = new Map<NodeId, boolean>();

  constructor(
    private readonly ctx: ElectionContext,
    private readonly controls: ElectionControls,
  ) {}

  /** A new term or role: the votes counted so far are dropped. */
  reset(): void {
    this.votes = new Map();
  }

  private becomePreCandidate(): void {
    invariant(this.ctx.role !== 'leader', () => `${this.ctx.id}: a leader cannot become a pre-candidate`);
    // A pre-candidate keeps its term and vote; it only asks whether it could win.
    this.votes = new Map();
    this.ctx.role = 'pre-candidate';
    this.ctx.leader = NONE;
    this.ctx.logger.info(`${this.ctx.id} became pre-candidate at term ${this.ctx.term}`);
  }

  private becomeCandidate(): void {
    invariant(this.ctx.role !== 'leader', () => `${this.ctx.id}: a leader cannot become a candidate`);
    this.controls.reset(this.ctx.term + 1);
    this.ctx.vote = this.ctx.id;
    this.ctx.role = 'candidate';
    this.ctx.logger.info(`${this.ctx.id} became candidate at term ${this.ctx.term}`);
  }

  hup(): void {
    if (this.ctx.role === 'leader') return;
    if (!this.controls.promotable()) {
      this.ctx.logger.warn(`${this.ctx.id} is not a voter at term ${this.ctx.term} and cannot campaign`);
      return;
    }
    if (this.ctx.cfg.preVote) this.startCampaign('pre');
    else this.startCampaign('election');
  }

  startCampaign(kind: 'pre' | 'election' | 'transfer'): void {
    let term: number;
    let type: MessageType;
    if (kind === 'pre') {
      this.becomePreCandidate();
      type = 'MsgPreVote';
      term = this.ctx.term + 1;
    } else {
      this.becomeCandidate();
      type = 'MsgVote';
      term = this.ctx.term;
    }
    if (this.poll(this.ctx.id, true) === 'won') {
      // A single voter wins at once.
      if (kind === 'pre') this.startCampaign('election');
      else this.controls.becomeLeader();
      return;
    }
    const lastIndex = this.ctx.log.lastIndex();
    const lastTerm = this.ctx.log.lastTerm();
    for (const id of this.ctx.voters) {
      if (id === this.ctx.id) continue;
      const m = emptyMessage(type, this.ctx.id, id);
      m.term = term;
      m.index = lastIndex;
      m.logTerm = lastTerm;
      if (kind === 'transfer') m.context = TRANSFER;
      this.ctx.send(m);
    }
    this.ctx.logger.info(`${this.ctx.id} [last ${lastTerm}/${lastIndex}] sent ${type} at term ${term}`);
  }

  private poll(from: NodeId, granted: boolean): 'won' | 'lost' | 'pending' {
    if (!this.votes.has(from)) this.votes.set(from, granted);
    let yes = 0;
    let no = 0;
    for (const id of this.ctx.voters) {
      const v = this.votes.get(id);
      if (v === true) yes++;
      else if (v === false) no++;
    }
    const q = quorumOf(this.ctx.voters);
    if (yes >= q) return 'won';
    if (this.ctx.voters.length - no < q) return 'lost';
    return 'pending';
  }

  handleVoteRequest(m: Message): void {
    const pre = m.type === 'MsgPreVote';
    // We may vote for the one we already voted for, or anyone when we have neither voted nor
    // heard from a leader this term; a pre-vote for a later term is always open.
    const canVote = this.ctx.vote === m.from || (this.ctx.vote === NONE && this.ctx.leader === NONE) || (pre && m.term > this.ctx.term);
    const r = emptyMessage(pre ? 'MsgPreVoteResp' : 'MsgVoteResp', this.ctx.id, m.from);
    if (canVote && this.ctx.log.isUpToDate(m.index, m.logTerm)) {
      // Answer at the term asked: a granted pre-vote must not look stale to the asker.
      r.term = m.term;
      this.ctx.send(r);
      if (!pre) {
        this.controls.restartElectionTimer();
        this.ctx.vote = m.from;
      }
      this.ctx.logger.info(`${this.ctx.id} [term ${this.ctx.term}] granted ${m.type} to ${m.from} at term ${m.term}`);
      if (pre && this.yieldsTo(m)) {
        this.ctx.logger.info(`${this.ctx.id} [term ${this.ctx.term}] stood down for ${m.from}, a rival pre-candidate for term ${m.term} with an equal log and a lower id`);
        this.controls.becomeFollower(this.ctx.term, NONE);
      }
    } else {
      r.reject = true;
      this.ctx.reply(r);
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
    if (this.ctx.role !== 'pre-candidate' || m.term !== this.ctx.term + 1) return false;
    const sameLog = m.logTerm === this.ctx.log.lastTerm() && m.index === this.ctx.log.lastIndex();
    return sameLog && m.from < this.ctx.id;
  }

  /** Messages for a pre-candidate or candidate. */
  step(m: Message): void {
    const expected: MessageType = this.ctx.role === 'pre-candidate' ? 'MsgPreVoteResp' : 'MsgVoteResp';
    switch (m.type) {
      case 'MsgApp':
      case 'MsgHeartbeat':
      case 'MsgSnap':
        // A leader of our term exists: follow it, and take the message as a follower would.
        this.controls.becomeFollower(m.term, m.from);
        this.controls.stepFollower(m);
        return;
      case 'MsgPreVoteResp':
      case 'MsgVoteResp': {
        if (m.type !== expected) return;
        const result = this.poll(m.from, !m.reject);
        if (result === 'won') {
          if (this.ctx.role === 'pre-candidate') this.startCampaign('election');
          else this.controls.becomeLeader();
        } else if (result === 'lost') {
          this.ctx.logger.info(`${this.ctx.id} lost the ${this.ctx.role === 'pre-candidate' ? 'pre-vote' : 'election'} at term ${this.ctx.term}`);
          this.controls.becomeFollower(this.ctx.term, NONE);
        }
        return;
      }
      default:
        // Proposals and reads have nowhere to go without a leader; stale responses are moot.
        return;
    }
  }
}
