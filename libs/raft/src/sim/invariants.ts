import { describeMembership, disjointQuorumsPossible, sameMembership } from '../core/membership';
import type { Entry, Membership, Message, NodeId, Ready } from '../core/types';
import type { SimNode } from '../testing/sim-node';

const decoder = new TextDecoder();

/** The identity of an entry's payload, for comparing entries across nodes. */
export function payloadKey(e: Entry): string {
  return e.data.length === 0 ? '' : decoder.decode(e.data);
}

/**
 * Raft's safety properties (Figure 3 of the paper, and what a runtime must keep), checked as
 * the simulation runs. Each violation is a sentence naming the node, term and index.
 */
export class SafetyChecker {
  readonly violations: string[] = [];
  /** term -> the one leader elected in it. */
  private readonly leaders = new Map<number, NodeId>();
  /** `${index}/${term}` -> payload and the term of the entry before it, as first persisted. */
  private readonly persistedEntries = new Map<string, { key: string; prevTerm: number }>();
  /** index -> the entry some node applied there first. */
  private readonly appliedAt = new Map<number, { term: number; key: string }>();
  /** index -> term of every entry known committed. */
  private readonly committedTerms: number[] = [0];
  /** Proposals whose proposer saw them applied: index -> term. */
  private readonly acked = new Map<number, number>();
  /** Per node: the last persisted term and commit, and the leader's log tail while it leads. */
  private readonly lastHard = new Map<NodeId, { term: number; commit: number }>();
  private readonly leading = new Map<NodeId, { term: number; lastIndex: number; lastTerm: number }>();
  /** index -> the state machine's digest after applying up to it, as first seen. */
  private readonly digestAt = new Map<number, number>();
  /** The latest membership committed anywhere. */
  private committedConf: { index: number; membership: Membership } = { index: 0, membership: { voters: [], learners: [] } };
  /** The term of the entry that holds the latest committed membership. */
  private committedConfTerm = 0;
  /** Per core (one life of a node): committed entries already compared. */
  private readonly commitChecked = new WeakMap<object, number>();

  fail(message: string): void {
    if (this.violations.length < 20) this.violations.push(message);
  }

  /** After a Ready's hard state and entries reached storage. */
  persisted(node: SimNode, rd: Ready): void {
    const hs = node.storage.initialState();
    const prev = this.lastHard.get(node.id);
    if (prev !== undefined) {
      if (hs.term < prev.term) this.fail(`${node.id}: persisted term went back from ${prev.term} to ${hs.term}`);
      if (hs.commit < prev.commit) this.fail(`${node.id}: persisted commit went back from ${prev.commit} to ${hs.commit}`);
    }
    this.lastHard.set(node.id, { term: hs.term, commit: hs.commit });
    if (hs.commit > node.storage.lastIndex()) this.fail(`${node.id}: persisted commit ${hs.commit} is past its persisted last index ${node.storage.lastIndex()}`);
    // Log matching, by induction: an (index, term) pair always carries the same payload and
    // follows the same term, so two logs sharing an entry share every entry before it.
    for (const e of rd.entries) {
      const prevTerm = node.storage.term(e.index - 1);
      const k = `${e.index}/${e.term}`;
      const seen = this.persistedEntries.get(k);
      const key = payloadKey(e);
      if (seen === undefined) this.persistedEntries.set(k, { key, prevTerm });
      else if (seen.key !== key || seen.prevTerm !== prevTerm) {
        this.fail(`log matching: ${node.id} persisted entry ${k} with payload '${key}' after term ${prevTerm}; elsewhere it holds '${seen.key}' after term ${seen.prevTerm}`);
      }
    }
  }

  /** Before a message leaves: whatever it promises must already be on disk. */
  sending(node: SimNode, m: Message): void {
    const hs = node.storage.initialState();
    const exempt = m.type === 'MsgPreVote' || (m.type === 'MsgPreVoteResp' && !m.reject);
    if (!exempt && m.term > hs.term) this.fail(`${node.id}: sent ${m.type} at term ${m.term} with term ${hs.term} persisted`);
    // A vote is safe once persisted, or once a later term is (this node can never vote in
    // that term again).
    if (m.type === 'MsgVoteResp' && !m.reject && hs.term === m.term && hs.vote !== m.to) {
      this.fail(`${node.id}: granted its vote to ${m.to} at term ${m.term} before persisting it (persisted vote '${hs.vote}' at term ${hs.term})`);
    }
    if (m.type === 'MsgVote' && hs.term === m.term && hs.vote !== node.id) {
      this.fail(`${node.id}: asked for votes at term ${m.term} before persisting its own vote`);
    }
    if (m.type === 'MsgAppResp' && !m.reject && m.index > node.storage.lastIndex()) {
      this.fail(`${node.id}: acknowledged index ${m.index} with only ${node.storage.lastIndex()} persisted`);
    }
  }

  applied(node: SimNode, e: Entry): void {
    this.stateAt(node, e.index, 'applied');
    const core = node.core!;
    if (e.index > core.log.committed) this.fail(`${node.id}: applied index ${e.index} past its commit ${core.log.committed}`);
    const key = payloadKey(e);
    const first = this.appliedAt.get(e.index);
    if (first === undefined) this.appliedAt.set(e.index, { term: e.term, key });
    else if (first.term !== e.term || first.key !== key) {
      this.fail(`state machine safety: ${node.id} applied ${e.term}/'${key}' at index ${e.index}; another node applied ${first.term}/'${first.key}' there`);
    }
  }

  /**
   * Snapshot + suffix equals the log it replaced: whether a state machine got to `index` by
   * applying entries, by restoring a snapshot, or by restarting from one, its state there is the
   * same everywhere.
   */
  stateAt(node: SimNode, index: number, how: string): void {
    if (index === 0) return;
    const known = this.digestAt.get(index);
    if (known === undefined) this.digestAt.set(index, node.digest);
    else if (known !== node.digest) this.fail(`snapshot + suffix: ${node.id}'s state at index ${index} (${how}) has digest ${node.digest}; elsewhere ${known}`);
  }

  /** The node that took a proposal saw it applied: from now on it must never be lost. */
  ack(index: number, term: number): void {
    this.acked.set(index, term);
  }

  /** After each simulation step. */
  check(nodes: readonly SimNode[]): void {
    this.checkMemberships(nodes);
    for (const node of nodes) {
      const core = node.core;
      if (core === undefined) {
        this.leading.delete(node.id);
        continue;
      }
      const log = core.log;
      if (log.applied > log.committed) this.fail(`${node.id}: applied ${log.applied} is past commit ${log.committed}`);
      this.recordCommitted(node);
      if (core.role !== 'leader') {
        this.leading.delete(node.id);
        continue;
      }
      const lead = this.leaders.get(core.term);
      if (lead === undefined) {
        this.leaders.set(core.term, node.id);
        this.checkLeaderCompleteness(node);
        this.checkConfChain(node);
      } else if (lead !== node.id) {
        this.fail(`election safety: ${node.id} and ${lead} both lead term ${core.term}`);
      }
      const was = this.leading.get(node.id);
      const lastIndex = log.lastIndex();
      if (was !== undefined && was.term === core.term) {
        const compacted = was.lastIndex < log.firstIndex() - 1;
        if (lastIndex < was.lastIndex || (!compacted && log.term(was.lastIndex) !== was.lastTerm)) {
          this.fail(`leader append-only: ${node.id} at term ${core.term} lost or rewrote entry ${was.lastIndex}/${was.lastTerm}`);
        }
      }
      this.leading.set(node.id, { term: core.term, lastIndex, lastTerm: log.lastTerm() });
    }
  }

  /** Every entry committed anywhere must be the same entry everywhere it is committed. */
  private recordCommitted(node: SimNode): void {
    const core = node.core!;
    const log = core.log;
    const upTo = Math.min(log.committed, log.lastIndex());
    const checked = this.commitChecked.get(core);
    for (let i = (checked ?? 0) + 1; i <= upTo; i++) {
      const t = log.term(i);
      if (t === undefined) continue;
      const known = this.committedTerms[i];
      if (known === undefined) {
        if (i === this.committedTerms.length) this.committedTerms.push(t);
      } else if (known !== t) {
        this.fail(`committed entry changed: ${node.id} has term ${t} at committed index ${i}, committed elsewhere with term ${known}`);
      }
    }
    if (checked === undefined || upTo > checked) this.commitChecked.set(core, upTo);
  }

  /**
   * Membership safety, every step: one committed membership per index; a leader holds at most
   * one uncommitted change; and the newest leader's membership and the committed one cannot
   * form two disjoint quorums (what single-server changes exist to guarantee).
   */
  private checkMemberships(nodes: readonly SimNode[]): void {
    let newest: SimNode | undefined;
    for (const node of nodes) {
      const core = node.core;
      if (core === undefined) continue;
      const c = core.committedMembership();
      if (c.index > this.committedConf.index) {
        this.committedConf = c;
        this.committedConfTerm = core.log.term(c.index) ?? this.committedTerms[c.index] ?? 0;
      }
      else if (c.index === this.committedConf.index && c.index > 0 && !sameMembership(c.membership, this.committedConf.membership)) {
        this.fail(`${node.id}: membership committed at index ${c.index} is ${describeMembership(c.membership)}; elsewhere ${describeMembership(this.committedConf.membership)}`);
      }
      if (core.role !== 'leader') continue;
      const pending = core.uncommittedConfChanges();
      if (pending > 1) this.fail(`${node.id}, leader at term ${core.term}: ${pending} uncommitted membership changes in its log`);
      if (newest === undefined || core.term > newest.core!.term) newest = node;
    }
    // A leader of a term older than the committed membership's is stale: a quorum of that
    // membership has moved past its term and will take nothing from it.
    if (newest === undefined || this.committedConf.index === 0 || newest.core!.term < this.committedConfTerm) return;
    const mine = newest.core!.membership();
    if (disjointQuorumsPossible(mine.voters, this.committedConf.membership.voters)) {
      this.fail(`${newest.id}, leader at term ${newest.core!.term}, uses ${describeMembership(mine)}: a quorum of it and one of the committed ${describeMembership(this.committedConf.membership)} could be disjoint`);
    }
  }

  /** A new leader's membership is the committed one, or one change past it. */
  private checkConfChain(node: SimNode): void {
    if (this.committedConf.index === 0 || node.core!.term < this.committedConfTerm) return;
    const mine = node.core!.membership();
    const committed = this.committedConf.membership;
    const status = (m: Membership, id: NodeId): string => (m.voters.includes(id) ? 'voter' : m.learners.includes(id) ? 'learner' : 'none');
    const everyone = new Set([...mine.voters, ...mine.learners, ...committed.voters, ...committed.learners]);
    const changed = [...everyone].filter((id) => status(mine, id) !== status(committed, id));
    if (changed.length > 1) {
      this.fail(`${node.id}, new leader at term ${node.core!.term}, uses ${describeMembership(mine)}: ${changed.length} changes past the committed ${describeMembership(committed)}`);
    }
  }

  /** Raft §5.4: a new leader holds every committed entry and every acknowledged proposal. */
  private checkLeaderCompleteness(node: SimNode): void {
    const log = node.core!.log;
    // Entries compacted into a snapshot are covered by the snapshot checks.
    const first = log.firstIndex() - 1;
    for (let i = Math.max(1, first); i < this.committedTerms.length; i++) {
      const t = log.term(i);
      if (t !== this.committedTerms[i]) {
        this.fail(`leader completeness: ${node.id}, leader at term ${node.core!.term}, has term ${t} at committed index ${i} (committed with term ${this.committedTerms[i]})`);
        return;
      }
    }
    for (const [index, term] of this.acked) {
      if (index >= first && log.term(index) !== term) {
        this.fail(`acknowledged proposal lost: ${node.id}, leader at term ${node.core!.term}, lacks entry ${index}/${term}`);
        return;
      }
    }
  }
}
