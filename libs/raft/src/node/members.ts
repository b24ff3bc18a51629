// The membership as this node asks for it, through entries of its own in the log ('~join',
// '~leave', '~desired', '~addrs', '~versions', '~log-version', applied here to the directory), and
// as the leader keeps it once per tick (reconcile: addresses, the log versions members read and
// the cluster's, the initial desired count, the changes servers asked for, and the removal of
// members unreachable too long).
import { randomBytes } from 'node:crypto';
import { DEFAULTS } from '../core/config';
import type { RaftCore } from '../core/raft';
import type { Logger, Membership, NodeId } from '../core/types';
import type { PeerAddress, PeerTransport } from '../transport/transport';
import type { Directory } from './directory';
import { encodeEnvelope } from './envelope';
import type { Joiner } from './join';
import { RaftRequestError, type Requests } from './requests';
import { Healer, unreachableSince } from './self-healing';
import type { RaftNodeOptions } from './types';

function newStint(): string {
  return randomBytes(8).toString('hex');
}

/** What the membership needs of its node. */
export interface MembersHost {
  /** The node's core and transport (made by start, after the membership). */
  core(): RaftCore;
  transport(): PeerTransport;
  /** The last index applied. */
  applied(): number;
  /** The log version each server says it reads, as heard in its handshake (this node's own included). */
  heardLogVersions(): ReadonlyMap<NodeId, number>;
  stopping(): boolean;
}

/**
 * The node's side of its cluster's membership: its requests to join, leave, remove a member and
 * set the desired member count (RaftNode's methods of those names), its stint, and the leader's
 * upkeep. What the log carries of it is kept in the directory.
 */
export class Members {
  private currentStint = newStint();
  private lastReconcile = 0;
  private lastVersions = 0;
  /** The term in which this node, leading, proposed the initial desired member count. */
  private desiredProposedIn = 0;
  private readonly healer: Healer | undefined;

  constructor(
    private readonly id: NodeId,
    private readonly logger: Logger,
    private readonly opts: RaftNodeOptions,
    private readonly directory: Directory,
    private readonly requests: Requests,
    private readonly node: MembersHost,
  ) {
    const desired = opts.desiredMembers ?? 0;
    if (!Number.isInteger(desired) || desired < 0) throw new RangeError(`RaftNode ${opts.id}: desiredMembers must be an integer of at least 0 (0: as many as founded the cluster), not ${desired}`);
    const limit = opts.removeUnreachableAfterMs ?? 0;
    if (!Number.isFinite(limit) || limit < 0) throw new RangeError(`RaftNode ${opts.id}: removeUnreachableAfterMs must be a number of ms of at least 0 (0: never), not ${limit}`);
    if (limit > 0) this.healer = new Healer(opts.id, this.logger, limit);
  }

  /** RaftNode.stint. */
  get stint(): string {
    return this.currentStint;
  }

  /** RaftNode.requestJoin. */
  requestJoin(id: NodeId, address: PeerAddress, joiner?: Joiner): Promise<unknown> {
    // Fields left undefined are left out of the entry's JSON.
    return this.requests.proposeInternal('~join', { id, address, incarnation: joiner?.incarnation, stint: joiner?.stint, logVersion: joiner?.logVersion });
  }

  /** RaftNode.requestLeave. */
  async requestLeave(timeoutMs: number): Promise<void> {
    // The leave ends this stint. A join asked while it is under way still names the stint, and
    // is refused if applied after it; a join asked once it has settled is a new stint's.
    try {
      await this.leave({ id: this.id, stint: this.currentStint }, timeoutMs);
    } finally {
      this.currentStint = newStint();
    }
  }

  /** Asks for `body.id` to leave (its own leave, or an operator's removal); resolves once a membership without it has committed. */
  async leave(body: { id: NodeId; removal?: true; stint?: string }, timeoutMs: number): Promise<void> {
    const id = body.id;
    await this.requests.proposeInternal('~leave', body);
    const gone = (): boolean => {
      const m = this.node.core().committedMembership().membership;
      return !m.voters.includes(id) && !m.learners.includes(id);
    };
    const deadline = Date.now() + timeoutMs;
    while (!gone()) {
      if (this.node.stopping()) throw new RaftRequestError('ERR_SHUTTING_DOWN', `${this.id} shut down before ${id} was removed`);
      if (Date.now() > deadline) throw new RaftRequestError('ERR_TIMEOUT', `${id} was not removed within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, this.opts.tickMs ?? 100));
    }
  }

  /** RaftNode.setDesiredMembers. */
  async setDesiredMembers(count: number): Promise<void> {
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) {
      throw new RaftRequestError('ERR_INVALID_DESIRED_MEMBERS', `the desired member count must be an integer of at least 1, not ${typeof count === 'number' ? count : JSON.stringify(count)}`);
    }
    await this.requests.proposeInternal('~desired', { count });
  }

  /** Entries the node writes for itself: addresses, join and leave requests, the desired member count. */
  applyInternal(pid: string, command: Uint8Array): void {
    const refused = this.directory.apply(pid.split('.')[0]!, JSON.parse(Buffer.from(command).toString('utf8')) as Record<string, unknown>);
    const p = this.requests.take(pid);
    if (p !== undefined) {
      if (refused === undefined) p.resolve({ ok: true });
      else p.reject(new RaftRequestError(refused.code, `${this.id}: ${refused.message}`));
    }
  }

  /**
   * The leader, once per tick: publishes addresses the log lacks, fixes the desired member
   * count if no leader has yet, moves the membership toward what servers asked for (see
   * Directory.step), and otherwise removes a member unreachable for too long (see decideRemoval).
   */
  reconcile(): void {
    const core = this.node.core();
    const transport = this.node.transport();
    const known = new Map(transport.peerAddresses());
    if (transport.bound !== undefined) known.set(this.id, transport.bound);
    const missing = this.directory.missing(known);
    const now = Date.now();
    if (missing.length > 0 && now - this.lastReconcile > 1000) {
      this.lastReconcile = now;
      core.propose(encodeEnvelope(this.requests.internalId('~addrs'), Buffer.from(JSON.stringify(Object.fromEntries(missing)))));
    }
    // Act only on requests applied here: a committed join or leave not yet applied would
    // otherwise be undone by a stale wish.
    if (this.node.applied() < core.log.committed) return;
    const membership = core.membership();
    const progress = core.status().progress;
    const threshold = (this.opts.raft?.heartbeatTick ?? DEFAULTS.heartbeatTick) * (this.opts.raft?.unresponsiveAfterHeartbeats ?? DEFAULTS.unresponsiveAfterHeartbeats);
    // Heard from within the unresponsive threshold: what promotion and a log version's raise ask of a member.
    const inTouch = (id: NodeId): boolean => {
      const p = progress.get(id);
      return p !== undefined && p.ticksSinceContact < threshold;
    };
    this.keepLogVersions(membership, now, inTouch);
    const desired = this.directory.desiredMembers;
    if (desired === undefined && this.desiredProposedIn !== core.term) {
      // A new cluster: its first leader fixes the count (a repeat by a later leader is ignored at apply).
      const count = this.opts.desiredMembers || membership.voters.length;
      const body = Buffer.from(JSON.stringify({ count, initial: true }));
      if (core.propose(encodeEnvelope(this.requests.internalId('~desired'), body)).ok) this.desiredProposedIn = core.term;
    }
    const asked = this.directory.step(membership, (cc) => {
      // The core judges "caught up" by the learner's match index alone, which is 0 — and so
      // within maxPromotionLag of a short log — before the learner has answered at all. A voter
      // the leader has never heard from would count toward quorums it cannot help form.
      if (cc.type === 'promote' && (!inTouch(cc.node) || progress.get(cc.node)!.match === 0)) return false;
      const ok = core.proposeConfChange(cc).ok;
      if (ok) this.logger.info(`${this.id} [term ${core.term}] ${cc.type} ${cc.node}, as it asked`);
      return ok;
    });
    if (asked || this.healer === undefined) return;
    const unreachable = unreachableSince(progress, this.id, now, this.opts.tickMs ?? 100, threshold);
    this.healer.step({ membership, desired, unreachableSince: unreachable, now }, core.term, (cc) => core.proposeConfChange(cc).ok);
  }

  /**
   * Publishes the log versions members said they read that the log lacks, and raises the
   * cluster's log version once every member reads more (see Directory) — and only while every
   * other member is in touch (`inTouch`), so what the log says it reads is what it said in its
   * latest handshake: a member down meanwhile may be coming back on an older build, a rollback
   * that was allowed when it went down. At most once a second: what is proposed is applied a
   * few ms later, and a repeat changes nothing.
   */
  private keepLogVersions(membership: Membership, now: number, inTouch: (id: NodeId) => boolean): void {
    if (now - this.lastVersions < 1000) return;
    const members = new Set([...membership.voters, ...membership.learners]);
    const heard = new Map([...this.node.heardLogVersions()].filter(([id]) => members.has(id)));
    const unpublished = this.directory.unpublishedVersions(heard);
    const core = this.node.core();
    if (unpublished.length > 0) {
      this.lastVersions = now;
      core.propose(encodeEnvelope(this.requests.internalId('~versions'), Buffer.from(JSON.stringify(Object.fromEntries(unpublished)))));
      return;
    }
    const to = this.directory.raisableTo(membership);
    if (to === undefined || ![...members].every((id) => id === this.id || inTouch(id))) return;
    this.lastVersions = now;
    if (core.propose(encodeEnvelope(this.requests.internalId('~log-version'), Buffer.from(JSON.stringify({ version: to })))).ok) {
      this.logger.info(`${this.id} [term ${core.term}] raising the cluster's log version from ${this.directory.clusterLogVersion} to ${to}: every member (${[...members].join(', ')}) reads it`);
    }
  }
}
