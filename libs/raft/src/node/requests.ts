// A node's requests in flight: proposals waiting for their entry to be applied here and reads
// for their index to be confirmed and applied, their deadlines, and how they end early (the
// leader changed, the leader's snapshot replaced the state, the node stops). RaftRequestError is
// how a request of the node fails.
import type { RaftCore } from '../core/raft';
import type { Logger, NodeId, Ready } from '../core/types';
import { NONE } from '../core/types';
import { Deadlines } from './deadlines';
import { encodeEnvelope } from './envelope';
import type { RaftNodeOptions } from './types';

/**
 * A failed request, with a stable code (the core's, or ERR_TIMEOUT / ERR_LEADER_CHANGED /
 * ERR_OUTCOME_UNKNOWN / ERR_SHUTTING_DOWN / ERR_INVALID_DESIRED_MEMBERS). ERR_TIMEOUT,
 * ERR_LEADER_CHANGED and ERR_OUTCOME_UNKNOWN (the leader's snapshot replaced this node's state
 * while the request was pending) leave the outcome unknown: the entry may have committed or still
 * commit, so a retry must be one the state machine can tell from a first attempt (a request id).
 */
export class RaftRequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly leader?: NodeId,
  ) {
    super(message);
    this.name = 'RaftRequestError';
  }
}

/** A proposal or read waiting here to be settled. */
export interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  /** When it times out (Deadlines: ERR_TIMEOUT after proposalTimeoutMs), and what it was, for the message. */
  deadline: number;
  late: string;
  /** The leader that took the request (this node, or the one it was forwarded to), and its term; NONE while it waits for one. */
  leader?: NodeId;
  term?: number;
  /** A proposal's command as the caller gave it (unstamped), kept to propose it again. */
  command?: Uint8Array;
}

/** What the requests need of their node. */
export interface RequestsHost {
  /** The node's core (made by start, after the requests). */
  core(): RaftCore;
  stopping(): boolean;
  /** Runs the node's Ready loop (a request was stepped). */
  schedule(): void;
}

/**
 * The node's pending proposals (by proposal id) and reads (by context), and the ids it gives its
 * requests. Each is settled once: by its entry's application (take) or its read's (answerReads),
 * or rejected with a stable code — at its deadline, when the leader that took it changes, when a
 * snapshot replaces the state, or when the node stops.
 */
export class Requests {
  private readonly startedAt = Date.now().toString(36);
  private seq = 0;
  private readonly pending = new Map<string, Pending>();
  private readonly deadlines: Deadlines<Pending>;
  private readonly reads = new Map<string, { index: number | undefined } & Pending>();

  constructor(
    private readonly id: NodeId,
    private readonly logger: Logger,
    private readonly opts: RaftNodeOptions,
    private readonly node: RequestsHost,
  ) {
    this.deadlines = new Deadlines<Pending>(opts.proposalTimeoutMs ?? 5000, [this.pending, this.reads], (p) => new RaftRequestError('ERR_TIMEOUT', `${this.id}: ${p.late} within ${this.deadlines.ms} ms`));
  }

  /** An application command (RaftNode.propose). */
  propose(command: Uint8Array): Promise<unknown> {
    return this.submit(`${this.id}.${this.startedAt}.${++this.seq}`, command, 'proposal');
  }

  /** One of the node's own entries (a join, a leave, the desired member count); settles when it is applied here. */
  proposeInternal(kind: string, body: unknown): Promise<unknown> {
    return this.submit(this.internalId(kind), Buffer.from(JSON.stringify(body)), `${kind} request`);
  }

  /** The proposal id of a new entry of the node's own, of `kind` ('~join', '~addrs', ...). */
  internalId(kind: string): string {
    return `${kind}.${this.id}.${this.startedAt}.${++this.seq}`;
  }

  /** RaftNode.readIndex: resolves once a read here would be linearizable (Raft §6.4 ReadIndex). */
  async readIndex(): Promise<void> {
    const ctx = `${this.id}.${this.startedAt}.r${++this.seq}`;
    const core = this.node.core();
    this.check(() => core.readIndex(ctx));
    const { leader, term } = core;
    await new Promise((resolve, reject) => {
      this.reads.set(ctx, { resolve, reject, deadline: this.deadlines.next(), late: `read ${ctx} not confirmed`, leader, term, command: undefined, index: undefined });
    });
  }

  /** Proposes an entry under proposal id `pid`; settles when the entry is applied here. */
  private submit(pid: string, command: Uint8Array, what: string): Promise<unknown> {
    const core = this.node.core();
    try {
      const data = pid.startsWith('~') ? command : this.stamped(core, command);
      this.check(() => core.propose(encodeEnvelope(pid, data)));
    } catch (e) {
      return Promise.reject(e);
    }
    // The core answered ok, so a leader was known: this one, or the one it was forwarded to.
    const { leader, term } = core;
    const again = this.opts.resubmitOrphans === true && !pid.startsWith('~') ? command : undefined;
    // One object of one shape, made once: a spread of a base into it had cost about 3% of a
    // leader's CPU under load.
    return new Promise((resolve, reject) => {
      this.pending.set(pid, { resolve, reject, deadline: this.deadlines.next(), late: `${what} ${pid} not applied (it may still commit)`, leader, term, command: again });
    });
  }

  /** An application command as proposed here: stamped by the leader (opts.stamp); on a follower forwarded as it is, and the leader stamps it on arrival. */
  private stamped(core: RaftCore, command: Uint8Array): Uint8Array {
    const stamp = this.opts.stamp;
    return stamp !== undefined && core.role === 'leader' ? stamp(command) : command;
  }

  /** Runs a core request; throws its error (or ERR_SHUTTING_DOWN) as a RaftRequestError. */
  private check(request: () => { ok: true } | { ok: false; error: { code: string; message: string; leader?: NodeId } }): void {
    if (this.node.stopping()) throw new RaftRequestError('ERR_SHUTTING_DOWN', `${this.id} is shutting down`);
    const res = request();
    if (!res.ok) throw new RaftRequestError(res.error.code, res.error.message, res.error.leader);
    this.node.schedule();
  }

  /** The proposal waiting here for entry `pid`, taken out to be settled by its application; undefined if none waits. */
  take(pid: string): Pending | undefined {
    const p = this.pending.get(pid);
    if (p !== undefined) this.pending.delete(pid);
    return p;
  }

  /**
   * The leader changed. A proposal the old leader took (appended, or forwarded to it) and that
   * is not applied yet may have died with it, or may still commit under the new one; a read it
   * had not yet confirmed will not be. Rather than leave their callers waiting out
   * proposalTimeoutMs, they are rejected now with ERR_LEADER_CHANGED, so a caller can retry at
   * once (a proposal under its request id: its outcome is unknown).
   */
  orphanRequests(): void {
    const { leader, term } = this.node.core();
    const now = leader === NONE ? `no leader is known at term ${term}` : `${leader} leads at term ${term}`;
    const orphaned = (p: Pending): boolean => p.leader !== undefined && (p.leader !== leader || p.term !== term);
    const reject = (p: Pending, what: string): void => {
      p.reject(new RaftRequestError('ERR_LEADER_CHANGED', `${this.id}: ${what} went to ${p.leader} at term ${p.term}, and now ${now}`, leader === NONE ? undefined : leader));
    };
    for (const [pid, p] of this.pending) {
      if (!orphaned(p)) continue;
      if (p.command !== undefined) {
        this.resubmit(pid, p, p.command);
        continue;
      }
      this.pending.delete(pid);
      reject(p, `proposal ${pid} (it may still commit)`);
    }
    for (const [ctx, r] of this.reads) {
      if (r.index !== undefined || !orphaned(r)) continue;
      this.reads.delete(ctx);
      reject(r, `read ${ctx}`);
    }
  }

  /**
   * The state was replaced by the leader's snapshot up to `index`: a proposal still pending here
   * may be among the entries it holds, applied where this node never saw its result. Left
   * pending, it would wait for its timeout, or, proposed again (resubmitOrphans), be answered as
   * a retry of itself. Its outcome is unknown here, and the caller hears so at once, to retry
   * under its request id. The node's own requests (joins, leaves) are left to their timeouts.
   */
  outcomesUnknown(index: number): void {
    for (const [pid, p] of this.pending) {
      if (pid.startsWith('~')) continue;
      this.pending.delete(pid);
      p.reject(new RaftRequestError('ERR_OUTCOME_UNKNOWN', `${this.id}: proposal ${pid} was pending when the leader's snapshot up to index ${index} replaced this node's state; it may be in it (retry under the same request id)`));
    }
  }

  /**
   * Proposes an orphan again under its own id (resubmitOrphans): to the leader now known, or,
   * while none is (or the core refuses: a transfer under way), at the next leader change. The
   * promise and its deadline stay those of the first attempt.
   */
  private resubmit(pid: string, p: Pending, command: Uint8Array): void {
    const core = this.node.core();
    const { leader, term } = core;
    const was = `${p.leader === NONE ? 'waited for a leader' : `went to ${p.leader}`} at term ${p.term}`;
    p.leader = NONE;
    p.term = term;
    if (leader === NONE) {
      this.logger.warn(`${this.id}: proposal ${pid} ${was}, and now no leader is known at term ${term}: it will be proposed again to the next`);
      return;
    }
    const res = core.propose(encodeEnvelope(pid, this.stamped(core, command)));
    if (!res.ok) {
      this.logger.warn(`${this.id}: proposal ${pid} ${was}; ${leader} leads at term ${term} but refused it again (${res.error.code}), so it waits for the next leader`);
      return;
    }
    p.leader = leader;
    this.logger.warn(`${this.id}: proposal ${pid} ${was}; proposed again under the same id to ${leader} at term ${term} (the state machine applies it once)`);
  }

  /** Reads whose index a Ready confirmed, answered once this node has applied as far (`applied`). */
  answerReads(rd: Ready, applied: number): void {
    for (const rs of rd.readStates) {
      const r = this.reads.get(rs.context);
      if (r !== undefined) r.index = rs.index;
    }
    for (const [ctx, r] of this.reads) {
      if (r.index !== undefined && r.index <= applied) {
        this.reads.delete(ctx);
        r.resolve(undefined);
      }
    }
  }

  /** The node stops: every request still pending is rejected with ERR_SHUTTING_DOWN. */
  stop(): void {
    this.deadlines.stop();
    const err = (): RaftRequestError => new RaftRequestError('ERR_SHUTTING_DOWN', `${this.id} shut down before the request completed`);
    for (const p of [...this.pending.values(), ...this.reads.values()]) {
      p.reject(err());
    }
    this.pending.clear();
    this.reads.clear();
  }
}
