import type { MemberProgress } from '../core/progress';
import type { ConfChange, Logger, Membership, NodeId } from '../core/types';

/** The smallest number of voters that is a majority of `n`. */
export function quorumOf(n: number): number {
  return Math.floor(n / 2) + 1;
}

/** What the leader knows when it decides whether to remove an unreachable member. */
export interface HealingView {
  /** The membership in force (the latest in the log). */
  readonly membership: Membership;
  /** The deciding node; never removed this way. */
  readonly leader: NodeId;
  /** The replicated desired voter count; undefined until the first leader has fixed it. */
  readonly desired: number | undefined;
  /** Members the leader has not heard from lately, with since when (ms); a member absent is reachable. */
  readonly unreachableSince: ReadonlyMap<NodeId, number>;
  readonly now: number;
  /** How long a member may stay unreachable before it is removed; 0 for never. */
  readonly limitMs: number;
}

/** Why no member is removed now. */
export type KeepReason =
  /** removeUnreachableAfterMs is 0. */
  | 'disabled'
  /** No desired count is in the log yet. */
  | 'desired-unknown'
  /** The leader is not a voter (its own removal is under way). */
  | 'leader-not-voter'
  /** No member has been unreachable for longer than the limit. */
  | 'none-past-limit'
  /** Fewer voters than a quorum of the desired count would remain. */
  | 'below-quorum-of-desired'
  /** The reachable voters would not be a majority of the voters that remain. */
  | 'reachable-not-majority';

export type HealingDecision =
  | { readonly remove: NodeId; readonly role: 'voter' | 'learner'; readonly unreachableMs: number; readonly votersAfter: readonly NodeId[] }
  | { readonly remove: undefined; readonly reason: KeepReason; readonly node?: NodeId; readonly unreachableMs?: number };

/**
 * Which member the leader removes now, if any (one change at a time). Of the members
 * unreachable for longer than the limit, the one unreachable longest (then the first by id) is
 * chosen. A learner counts toward no quorum and is always removed. A voter is removed only if
 * the voters left (a) number at least a quorum of the desired count and (b) include a majority
 * that is reachable — so this never takes the cluster below a quorum it can still form.
 */
export function decideRemoval(v: HealingView): HealingDecision {
  if (v.limitMs <= 0) return { remove: undefined, reason: 'disabled' };
  if (v.desired === undefined) return { remove: undefined, reason: 'desired-unknown' };
  const { voters, learners } = v.membership;
  if (!voters.includes(v.leader)) return { remove: undefined, reason: 'leader-not-voter' };
  const past = [...voters, ...learners]
    .filter((id) => id !== v.leader)
    .flatMap((id) => {
      const since = v.unreachableSince.get(id);
      return since !== undefined && v.now - since > v.limitMs ? [{ id, ms: v.now - since }] : [];
    })
    .sort((a, b) => b.ms - a.ms || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const learner = past.find((c) => learners.includes(c.id));
  const voter = past.find((c) => voters.includes(c.id));
  // A learner's removal changes no quorum; take it first, it can never be refused.
  if (learner !== undefined) return { remove: learner.id, role: 'learner', unreachableMs: learner.ms, votersAfter: voters };
  if (voter === undefined) return { remove: undefined, reason: 'none-past-limit' };
  const after = voters.filter((id) => id !== voter.id);
  const withheld = (reason: KeepReason): HealingDecision => ({ remove: undefined, reason, node: voter.id, unreachableMs: voter.ms });
  if (after.length < quorumOf(v.desired)) return withheld('below-quorum-of-desired');
  // Removing an unreachable voter leaves the reachable ones as they are, so if this candidate
  // is refused here, every other unreachable voter would be too.
  const reachable = after.filter((id) => id === v.leader || !v.unreachableSince.has(id)).length;
  if (reachable < quorumOf(after.length)) return withheld('reachable-not-majority');
  return { remove: voter.id, role: 'voter', unreachableMs: voter.ms, votersAfter: after };
}

/**
 * The members the leader has not heard from in `thresholdTicks` ticks or more, with since when,
 * read from the core's contact counter (the one behind its follower-unresponsive observation):
 * since = now − ticksSinceContact × tickMs. Counted in ticks, so a stalled event loop makes a
 * member look unreachable for less time, never more.
 */
export function unreachableSince(progress: ReadonlyMap<NodeId, MemberProgress>, self: NodeId, now: number, tickMs: number, thresholdTicks: number): Map<NodeId, number> {
  const out = new Map<NodeId, number>();
  for (const [id, p] of progress) if (id !== self && p.ticksSinceContact >= thresholdTicks) out.set(id, now - p.ticksSinceContact * tickMs);
  return out;
}

/**
 * The leader's side of self-healing, once per reconcile: decides, proposes the removal, and
 * says in the log what it did — or, once per member and reason, why it kept a member it could
 * not reach.
 */
export class Healer {
  /** The last "kept" line logged (term, member and reason), so it is not repeated every tick. */
  private kept = '';

  constructor(
    private readonly id: NodeId,
    private readonly logger: Logger,
    private readonly limitMs: number,
  ) {}

  /** Answers whether a removal was taken by `propose` (the core may refuse it: a change pending). */
  step(view: Omit<HealingView, 'leader' | 'limitMs'>, term: number, propose: (cc: ConfChange) => boolean): boolean {
    const d = decideRemoval({ ...view, leader: this.id, limitMs: this.limitMs });
    const head = `${this.id} [term ${term}]`;
    if (d.remove === undefined) {
      const key = d.node === undefined ? '' : `${term} ${d.node} ${d.reason}`;
      if (key !== '' && key !== this.kept) {
        const left = view.membership.voters.length - 1;
        const why =
          d.reason === 'below-quorum-of-desired'
            ? `removing it would leave ${left} voters, fewer than a quorum (${quorumOf(view.desired!)}) of the desired ${view.desired}`
            : `of the ${left} voters it would leave, fewer than a majority are reachable`;
        this.logger.warn(`${head} keeps voter ${d.node}, unreachable for ${d.unreachableMs} ms (limit ${this.limitMs} ms): ${why}`);
      }
      this.kept = key;
      return false;
    }
    if (!propose({ type: 'remove', node: d.remove })) return false;
    this.kept = '';
    const voters = view.membership.voters;
    const change = d.role === 'voter' ? `voters ${voters.join(',')} → ${d.votersAfter.join(',')}` : `voters ${voters.join(',')} unchanged`;
    this.logger.info(`${head} removed ${d.role} ${d.remove}, unreachable for ${d.unreachableMs} ms (limit ${this.limitMs} ms): ${change}, desired ${view.desired}`);
    return true;
  }
}
