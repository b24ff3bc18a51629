import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { RaftCore, type RaftStatus } from '../core/raft';
import { DEFAULTS, type RaftConfig } from '../core/config';
import { decodeConfEntry } from '../core/membership';
import type { ConfChange, Entry, Logger, Message, NodeId, Observation, Ready } from '../core/types';
import { NONE, SILENT_LOGGER } from '../core/types';
import { DiskStorage, type DiskStorageOptions } from '../storage/disk-storage';
import { PeerTransport, type PeerAddress, type TransportStats } from '../transport/transport';
import { Deadlines } from './deadlines';
import { Directory } from './directory';
import { decodeEnvelope, encodeEnvelope } from './envelope';
import { PeerChannels, checkChannel, type PeerMessageHandler } from './peer-channels';
import { Healer, unreachableSince } from './self-healing';
import { Snapshotter, unframeSnapshot } from './snapshotter';

const LEADER_MESSAGES: ReadonlySet<Message['type']> = new Set(['MsgApp', 'MsgHeartbeat', 'MsgSnap']);

/** What the node replicates: the application's deterministic state machine. */
export interface StateMachine<R = unknown> {
  /** Applies one committed command; returns the result handed to whoever proposed it. */
  apply(command: Uint8Array, entry: { index: number; term: number }): R;
  /** The whole state, for a snapshot. */
  snapshot(): Uint8Array;
  /**
   * Optional, for a state too large to encode in one turn of the event loop: a snapshot as of
   * now, taken in steps while apply goes on (the state machine keeps what a step has not yet
   * encoded as it was, e.g. copy on write). The node steps it a few milliseconds at a time and
   * calls `end` when done with it, finished or not.
   */
  beginSnapshot?(): SnapshotSteps;
  /** Replaces the whole state with a snapshot's. */
  restore(data: Uint8Array): void;
}

/** A snapshot taken in steps (StateMachine.beginSnapshot). */
export interface SnapshotSteps {
  /** Does up to `units` more of the work; true once `result` is ready. */
  step(units: number): boolean;
  /** The snapshot's bytes as pieces joined in order (the node copies them into its file's frame a slice at a time). */
  result(): readonly Uint8Array[];
  /** The node is done with this snapshot: the state machine may stop keeping state for it. */
  end(): void;
}

export interface RaftNodeOptions {
  readonly id: NodeId;
  readonly dataDir: string;
  readonly listen: PeerAddress;
  /** The address peers should use for this node, when `listen` is a wildcard or not reachable as such. */
  readonly advertise?: PeerAddress;
  readonly secret: string;
  /** Every member's address (this node's included). The voters when the cluster is new. */
  readonly peers: ReadonlyMap<NodeId, PeerAddress>;
  /** Join an existing cluster instead of founding one: start with no membership. */
  readonly join?: boolean;
  readonly stateMachine: StateMachine;
  /** Length of a tick in ms (election timeout is electionTick ticks). */
  readonly tickMs?: number;
  /** A proposal not applied within this many ms is rejected with ERR_TIMEOUT. */
  readonly proposalTimeoutMs?: number;
  /** Snapshot the state machine every this many applied entries (default 100,000, as etcd). */
  readonly snapshotEvery?: number;
  /**
   * And only once the entries applied since the last snapshot hold at least this many times its
   * bytes (default 1; 0: by count alone). A snapshot costs as much as the state is large, and
   * replaying the log after a restart as much as the log is long: so a big state is snapshotted
   * no oftener than its own size in new entries, and a restart reads at most about twice it (or
   * snapshotEvery entries after it, whichever is more).
   */
  readonly snapshotLogRatio?: number;
  /** How a Ready is written: in place ('sync', the default: fastest on the 2-core bench machine), off the event loop ('async'), or by load ('auto'). */
  readonly persistMode?: 'auto' | 'sync' | 'async';
  /**
   * The leader rewrites each application command it appends with this — its own proposals and
   * those a follower forwarded — e.g. to stamp the entry with the leader's clock (the chess
   * state machine takes its time from the entry). Internal entries (addresses, joins) are left alone.
   */
  readonly stamp?: (command: Uint8Array) => Uint8Array;
  /**
   * The state machine applies a command at most once by an id of its own inside the command (as
   * the chess machine does by session and request id), so a proposal orphaned by a leader change
   * may be proposed again: it is, under the same proposal id, as soon as a leader is known, and
   * its promise settles with the first application's result (the second copy meets the state
   * machine's dedupe and has no waiter). Without it, an orphan is rejected with ERR_LEADER_CHANGED.
   */
  readonly resubmitOrphans?: boolean;
  /**
   * The desired voter count the first leader of a new cluster writes to the log (0 or unset: as
   * many voters as founded the cluster). Only the initial value: later, setDesiredMembers.
   */
  readonly desiredMembers?: number;
  /**
   * The leader removes a member it has not heard from for longer than this (0 or unset: never),
   * without ever leaving fewer voters than a quorum of the desired count or a voter set whose
   * reachable members are not a majority (see decideRemoval).
   */
  readonly removeUnreachableAfterMs?: number;
  readonly raft?: Partial<Omit<RaftConfig, 'id' | 'voters' | 'randomInt' | 'logger' | 'applied'>>;
  readonly storage?: DiskStorageOptions;
  readonly logger?: Logger;
}

/**
 * Who asks to join when a server asks for itself: its data directory's incarnation and its stint
 * (RaftNode.joiner). A server of a version before stints names only its incarnation.
 */
export interface Joiner {
  readonly incarnation: string;
  readonly stint?: string;
}

function newStint(): string {
  return randomBytes(8).toString('hex');
}

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

interface Pending {
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

/**
 * The runtime around the pure core: a real ticker, DiskStorage, the peer transport and the
 * state machine. Each turn it handles the core's Ready: persist (one write, one fdatasync),
 * send, apply, then advance. Proposals are promises settled when their entry is applied (with
 * the state machine's result), or rejected with a stable code — never left hanging.
 */
export class RaftNode extends EventEmitter {
  readonly id: NodeId;
  private core!: RaftCore;
  private storage!: DiskStorage;
  private transport!: PeerTransport;
  private ticker: NodeJS.Timeout | undefined;
  private scheduled = false;
  /** The drain loop in progress, if any (stop() waits for its write before closing files). */
  private draining: Promise<void> | undefined;
  private stopping = false;
  private currentStint = newStint();
  private seq = 0;
  private readonly pending = new Map<string, Pending>();
  private readonly deadlines: Deadlines<Pending>;
  private readonly reads = new Map<string, { index: number | undefined } & Pending>();
  private applied = 0;
  private readonly snapshots: Snapshotter;
  /** Replicated through the log: every member's address, who asked to join or leave, the desired member count. */
  private readonly directory: Directory;
  private lastReconcile = 0;
  /** The term in which this node, leading, proposed the initial desired member count. */
  private desiredProposedIn = 0;
  private readonly healer: Healer | undefined;
  private readonly logger: Logger;
  private readonly channels: PeerChannels;

  constructor(private readonly opts: RaftNodeOptions) {
    super();
    this.id = opts.id;
    this.logger = opts.logger ?? SILENT_LOGGER;
    this.deadlines = new Deadlines<Pending>(opts.proposalTimeoutMs ?? 5000, [this.pending, this.reads], (p) => new RaftRequestError('ERR_TIMEOUT', `${this.id}: ${p.late} within ${this.deadlines.ms} ms`));
    this.channels = new PeerChannels(opts.id, this.logger);
    // During start the transport does not exist yet: addresses from a snapshot wait in the
    // directory and are dialled once it does.
    this.directory = new Directory(opts.id, this.logger, (id, a) => this.transport?.setPeer(id, a));
    const desired = opts.desiredMembers ?? 0;
    if (!Number.isInteger(desired) || desired < 0) throw new RangeError(`RaftNode ${opts.id}: desiredMembers must be an integer of at least 0 (0: as many as founded the cluster), not ${desired}`);
    const limit = opts.removeUnreachableAfterMs ?? 0;
    if (!Number.isFinite(limit) || limit < 0) throw new RangeError(`RaftNode ${opts.id}: removeUnreachableAfterMs must be a number of ms of at least 0 (0: never), not ${limit}`);
    if (limit > 0) this.healer = new Healer(opts.id, this.logger, limit);
    this.snapshots = new Snapshotter(
      {
        id: opts.id,
        logger: this.logger,
        stateMachine: opts.stateMachine,
        storage: () => this.storage,
        applied: () => this.applied,
        head: () => Buffer.from(JSON.stringify(this.directory)),
        meta: (index) => this.core.snapshotMeta(index),
        created: (index) => this.core.snapshotCreated(index),
        stopping: () => this.stopping,
        schedule: () => this.schedule(),
      },
      opts.snapshotEvery ?? 100_000,
      opts.snapshotLogRatio ?? 1,
    );
  }

  async start(): Promise<PeerAddress> {
    const o = this.opts;
    this.storage = DiskStorage.open(o.dataDir, o.storage);
    const snap = this.storage.snapshot();
    if (snap !== undefined) {
      this.restoreSnapshot(snap.data);
      this.applied = snap.meta.index;
      this.snapshots.restored(snap.meta.index, snap.data.length);
    }
    this.core = new RaftCore(
      {
        ...o.raft,
        id: o.id,
        voters: o.join ? [] : [...o.peers.keys()],
        applied: this.applied,
        randomInt: (n) => Math.floor(Math.random() * n),
        logger: this.logger,
      },
      this.storage,
    );
    this.transport = new PeerTransport({
      id: o.id,
      listen: o.listen,
      ...(o.advertise !== undefined ? { advertise: o.advertise } : {}),
      secret: o.secret,
      logger: this.logger,
      onMessage: (m) => this.onMessage(m),
      onAppMessage: (from, channel, payload) => {
        if (!this.stopping) this.channels.deliver(from, channel, payload);
      },
      // A peer that proved itself and is new to us (a member that just added us) can be answered.
      onPeerAddress: (id, a) => {
        if (id !== this.id && !this.transport.peerAddresses().has(id)) this.transport.setPeer(id, a);
      },
    });
    const addr = await this.transport.start();
    for (const [id, a] of [...o.peers, ...this.directory.addresses()]) if (id !== o.id) this.transport.setPeer(id, a);
    this.ticker = setInterval(() => {
      this.core.tick();
      if (this.core.role === 'leader') this.reconcile();
      this.schedule();
    }, o.tickMs ?? 100);
    this.schedule();
    return addr;
  }

  /** Proposes a command; resolves with the state machine's result once it is applied here. */
  propose(command: Uint8Array): Promise<unknown> {
    return this.submit(`${this.id}.${this.startedAt}.${++this.seq}`, command, 'proposal');
  }

  /**
   * Resolves true once this node knows a leader (at once if it does), or false after
   * `timeoutMs`: for a caller that retries after ERR_LEADER_CHANGED or ERR_NO_LEADER.
   */
  whenLeaderKnown(timeoutMs: number): Promise<boolean> {
    if (this.core.leader !== NONE) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (known: boolean): void => {
        clearTimeout(timer);
        this.off('observation', onObservation);
        resolve(known);
      };
      const onObservation = (o: Observation): void => {
        if (o.kind === 'leader-changed' && o.leader !== NONE) done(true);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      this.on('observation', onObservation);
    });
  }

  /** Resolves once a read here would be linearizable (Raft §6.4 ReadIndex). */
  async readIndex(): Promise<void> {
    const ctx = `${this.id}.${this.startedAt}.r${++this.seq}`;
    this.check(() => this.core.readIndex(ctx));
    const { leader, term } = this.core;
    await new Promise((resolve, reject) => {
      this.reads.set(ctx, { resolve, reject, deadline: this.deadlines.next(), late: `read ${ctx} not confirmed`, leader, term, command: undefined, index: undefined });
    });
  }

  /** Proposes an entry under proposal id `pid`; settles when the entry is applied here. */
  private submit(pid: string, command: Uint8Array, what: string): Promise<unknown> {
    try {
      const stamp = this.opts.stamp;
      // On a follower the command is forwarded as it is, and the leader stamps it on arrival.
      const data = stamp !== undefined && !pid.startsWith('~') && this.core.role === 'leader' ? stamp(command) : command;
      this.check(() => this.core.propose(encodeEnvelope(pid, data)));
    } catch (e) {
      return Promise.reject(e);
    }
    // The core answered ok, so a leader was known: this one, or the one it was forwarded to.
    const { leader, term } = this.core;
    const again = this.opts.resubmitOrphans === true && !pid.startsWith('~') ? command : undefined;
    // One object of one shape, made once: a spread of a base into it had cost about 3% of a
    // leader's CPU under load.
    return new Promise((resolve, reject) => {
      this.pending.set(pid, { resolve, reject, deadline: this.deadlines.next(), late: `${what} ${pid} not applied (it may still commit)`, leader, term, command: again });
    });
  }

  /** Runs a core request; throws its error (or ERR_SHUTTING_DOWN) as a RaftRequestError. */
  private check(request: () => { ok: true } | { ok: false; error: { code: string; message: string; leader?: NodeId } }): void {
    if (this.stopping) throw new RaftRequestError('ERR_SHUTTING_DOWN', `${this.id} is shutting down`);
    const res = request();
    if (!res.ok) throw new RaftRequestError(res.error.code, res.error.message, res.error.leader);
    this.schedule();
  }

  /** A membership change (on the leader). Resolves once it is appended; it applies at once. */
  proposeConfChange(cc: ConfChange): void {
    const res = this.core.proposeConfChange(cc);
    if (!res.ok) throw new RaftRequestError(res.error.code, res.error.message, res.error.leader);
    this.schedule();
  }

  transferLeadership(to?: NodeId): void {
    const res = this.core.transferLeadership(to);
    if (!res.ok) throw new RaftRequestError(res.error.code, res.error.message, res.error.leader);
    this.schedule();
  }

  /**
   * `desiredMembers`: the replicated desired voter count, undefined until the first leader has
   * fixed it. `snapshotIndex`: the index of the newest snapshot on this node's disk (0: none).
   */
  status(): RaftStatus & { appliedIndex: number; snapshotIndex: number; desiredMembers: number | undefined; transport: TransportStats } {
    return { ...this.core.status(), appliedIndex: this.applied, snapshotIndex: this.snapshots.lastIndex, desiredMembers: this.directory.desiredMembers, transport: { ...this.transport.stats } };
  }

  /** Learns (or changes) a peer's address, e.g. a server that asks to join. */
  setPeer(id: NodeId, address: PeerAddress): void {
    if (id !== this.id) this.transport.setPeer(id, address);
  }

  /**
   * Sends an application message on `channel` to every peer connected now; answers how many it
   * went to. Outside the log and best effort: not queued for a peer that is down, not retried,
   * not ordered with entries — for news like presence that its sender repeats. A channel name
   * that is not 1-64 of `A-Z a-z 0-9 _ . : -`, or a payload over 64 KiB, is a RangeError.
   */
  broadcast(channel: string, payload: Uint8Array): number {
    checkChannel(channel);
    if (this.transport === undefined || this.stopping) return 0;
    let sent = 0;
    for (const id of this.transport.peerAddresses().keys()) if (this.transport.sendApp(id, channel, payload)) sent++;
    return sent;
  }

  /** Calls `handler` with each application message a peer sends on `channel`; returns the unsubscribe. */
  onPeerMessage(channel: string, handler: PeerMessageHandler): () => void {
    return this.channels.on(channel, handler);
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.ticker !== undefined) clearInterval(this.ticker);
    this.deadlines.stop();
    const err = (): RaftRequestError => new RaftRequestError('ERR_SHUTTING_DOWN', `${this.id} shut down before the request completed`);
    for (const p of [...this.pending.values(), ...this.reads.values()]) {
      p.reject(err());
    }
    this.pending.clear();
    this.reads.clear();
    await this.draining;
    this.snapshots.abandon();
    await this.snapshots.settled();
    await this.transport.stop();
    this.storage.close();
  }

  /**
   * Asks the cluster to take `id` (listening at `address`) in: recorded in the log, then the
   * leader adds it as a learner, and promotes it once it has caught up. Any member may be asked.
   * `joiner` is who asks when a server asks for itself (its `joiner`: incarnation and stint); an
   * operator's add names none. Rejected with ERR_JOIN_REFUSED if `id` is a member known at
   * another address (and has not left): such a join would redirect its traffic; with
   * ERR_MEMBER_REMOVED if an operator removed `id` as this very incarnation; with ERR_JOIN_STALE
   * if `id` has left of its own accord since this stint asked (see Directory.apply).
   */
  requestJoin(id: NodeId, address: PeerAddress, joiner?: Joiner): Promise<unknown> {
    // Fields left undefined are left out of the entry's JSON.
    return this.proposeInternal('~join', { id, address, incarnation: joiner?.incarnation, stint: joiner?.stint });
  }

  /** This node's data directory's identity (set by start). */
  get incarnation(): string {
    return this.storage.incarnation;
  }

  /**
   * This node's stint in the cluster: 16 hex digits, new at each start and after each leave of
   * its own. A join names it, so that one sent before the node left and applied after is refused.
   */
  get stint(): string {
    return this.currentStint;
  }

  /** What this node names when it asks to join for itself (set by start). */
  get joiner(): Joiner {
    return { incarnation: this.incarnation, stint: this.currentStint };
  }

  /**
   * Asks the cluster to remove this node (a planned departure, on a clean shutdown) and resolves
   * once a membership without it has committed, so a caller that stops afterwards leaves a
   * cluster that no longer counts on it. The node may ask to join again later.
   */
  async requestLeave(timeoutMs = this.opts.proposalTimeoutMs ?? 5000): Promise<void> {
    // The leave ends this stint. A join asked while it is under way still names the stint, and
    // is refused if applied after it; a join asked once it has settled is a new stint's.
    try {
      await this.leave({ id: this.id, stint: this.currentStint }, timeoutMs);
    } finally {
      this.currentStint = newStint();
    }
  }

  /**
   * An operator's removal of `id`: resolves once a membership without it has committed. The
   * removed server, restarted with its data, is refused if it asks to join again
   * (ERR_MEMBER_REMOVED); one started with an empty data directory may join.
   */
  removeMember(id: NodeId, timeoutMs = this.opts.proposalTimeoutMs ?? 5000): Promise<void> {
    return this.leave({ id, removal: true }, timeoutMs);
  }

  private async leave(body: { id: NodeId; removal?: true; stint?: string }, timeoutMs: number): Promise<void> {
    const id = body.id;
    await this.proposeInternal('~leave', body);
    const gone = (): boolean => {
      const m = this.core.committedMembership().membership;
      return !m.voters.includes(id) && !m.learners.includes(id);
    };
    const deadline = Date.now() + timeoutMs;
    while (!gone()) {
      if (this.stopping) throw new RaftRequestError('ERR_SHUTTING_DOWN', `${this.id} shut down before ${id} was removed`);
      if (Date.now() > deadline) throw new RaftRequestError('ERR_TIMEOUT', `${id} was not removed within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, this.opts.tickMs ?? 100));
    }
  }

  /**
   * Sets the desired voter count (an integer of at least 1; anything else is refused with
   * ERR_INVALID_DESIRED_MEMBERS). Recorded in the log like a join, through any member; resolves
   * once applied here. Self-healing never removes a voter if fewer than a quorum of it would remain.
   */
  async setDesiredMembers(count: number): Promise<void> {
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) {
      throw new RaftRequestError('ERR_INVALID_DESIRED_MEMBERS', `the desired member count must be an integer of at least 1, not ${typeof count === 'number' ? count : JSON.stringify(count)}`);
    }
    await this.proposeInternal('~desired', { count });
  }

  private proposeInternal(kind: string, body: unknown): Promise<unknown> {
    return this.submit(`${kind}.${this.id}.${this.startedAt}.${++this.seq}`, Buffer.from(JSON.stringify(body)), `${kind} request`);
  }

  /** Entries the node writes for itself: addresses, join and leave requests, the desired member count. */
  private applyInternal(pid: string, command: Uint8Array): void {
    const refused = this.directory.apply(pid.split('.')[0]!, JSON.parse(Buffer.from(command).toString('utf8')) as Record<string, unknown>);
    const p = this.pending.get(pid);
    if (p !== undefined) {
      this.pending.delete(pid);
      if (refused === undefined) p.resolve({ ok: true });
      else p.reject(new RaftRequestError(refused.code, `${this.id}: ${refused.message}`));
    }
  }

  /**
   * The leader, once per tick: publishes addresses the log lacks, fixes the desired member
   * count if no leader has yet, moves the membership toward what servers asked for (see
   * Directory.step), and otherwise removes a member unreachable for too long (see decideRemoval).
   */
  private reconcile(): void {
    const known = new Map(this.transport.peerAddresses());
    if (this.transport.bound !== undefined) known.set(this.id, this.transport.bound);
    const missing = this.directory.missing(known);
    const now = Date.now();
    if (missing.length > 0 && now - this.lastReconcile > 1000) {
      this.lastReconcile = now;
      this.core.propose(encodeEnvelope(`~addrs.${this.id}.${this.startedAt}.${++this.seq}`, Buffer.from(JSON.stringify(Object.fromEntries(missing)))));
    }
    // Act only on requests applied here: a committed join or leave not yet applied would
    // otherwise be undone by a stale wish.
    if (this.applied < this.core.log.committed) return;
    const membership = this.core.membership();
    const desired = this.directory.desiredMembers;
    if (desired === undefined && this.desiredProposedIn !== this.core.term) {
      // A new cluster: its first leader fixes the count (a repeat by a later leader is ignored at apply).
      const count = this.opts.desiredMembers || membership.voters.length;
      const body = Buffer.from(JSON.stringify({ count, initial: true }));
      if (this.core.propose(encodeEnvelope(`~desired.${this.id}.${this.startedAt}.${++this.seq}`, body)).ok) this.desiredProposedIn = this.core.term;
    }
    const progress = this.core.status().progress;
    const threshold = (this.opts.raft?.heartbeatTick ?? DEFAULTS.heartbeatTick) * (this.opts.raft?.unresponsiveAfterHeartbeats ?? DEFAULTS.unresponsiveAfterHeartbeats);
    const asked = this.directory.step(membership, (cc) => {
      // The core judges "caught up" by the learner's match index alone, which is 0 — and so
      // within maxPromotionLag of a short log — before the learner has answered at all. A voter
      // the leader has never heard from would count toward quorums it cannot help form.
      const p = progress.get(cc.node);
      if (cc.type === 'promote' && (p === undefined || p.match === 0 || p.ticksSinceContact >= threshold)) return false;
      const ok = this.core.proposeConfChange(cc).ok;
      if (ok) this.logger.info(`${this.id} [term ${this.core.term}] ${cc.type} ${cc.node}, as it asked`);
      return ok;
    });
    if (asked || this.healer === undefined) return;
    const unreachable = unreachableSince(progress, this.id, now, this.opts.tickMs ?? 100, threshold);
    this.healer.step({ membership, desired, unreachableSince: unreachable, now }, this.core.term, (cc) => this.core.proposeConfChange(cc).ok);
  }

  /** A snapshot's state: the node's own (the directory), then the application's. */
  private restoreSnapshot(data: Uint8Array): void {
    const { head, app } = unframeSnapshot(data);
    this.directory.restore(head);
    this.opts.stateMachine.restore(app);
  }

  private readonly startedAt = Date.now().toString(36);

  private onMessage(m: Message): void {
    if (this.stopping) return;
    const stamp = this.opts.stamp;
    if (stamp !== undefined && m.type === 'MsgProp' && this.core.role === 'leader') {
      m = {
        ...m,
        entries: m.entries.map((e) => {
          const env = decodeEnvelope(e.data);
          return e.type !== 'normal' || env.id === '' || env.id.startsWith('~') ? e : { ...e, data: encodeEnvelope(env.id, stamp(env.command)) };
        }),
      };
    }
    this.core.step(m);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.stopping) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.draining ??= this.drain().finally(() => (this.draining = undefined));
    });
  }

  /**
   * Handles Readies until none is left: persist, send, apply, advance. The write and its
   * fdatasync run off the event loop; messages and proposals that arrive meanwhile are stepped
   * at once and go out with the next Ready (so a slow disk batches more, rather than less).
   */
  private async drain(): Promise<void> {
    try {
      while (!this.stopping && this.core.hasReady()) {
        const rd = this.core.ready();
        // A leader's appends and heartbeats go out before its own write (Raft §10.2.1): its
        // entries count toward commit only once advance() says they are on its disk. Every
        // other message (votes, acknowledgements) waits for the write it vouches for.
        for (const m of rd.messages) if (LEADER_MESSAGES.has(m.type)) this.transport.send(m);
        const batch = { hardState: rd.hardState, entries: rd.entries, snapshot: rd.snapshot, sync: rd.mustSync };
        // Light load (a Ready of at most one entry): write in place, sparing the thread-pool
        // round trip. Heavier load: write off the event loop, which keeps reading the network
        // and so gathers a bigger batch for the next write.
        if (this.persistSync(rd.entries.length)) this.storage.persist(batch);
        else await this.storage.persistAsync(batch);
        if (this.stopping) return;
        if (rd.snapshot !== undefined) {
          this.snapshots.abandon();
          this.restoreSnapshot(rd.snapshot.data);
          this.applied = rd.snapshot.meta.index;
          this.outcomesUnknown(rd.snapshot.meta.index);
          this.snapshots.restored(rd.snapshot.meta.index, rd.snapshot.data.length);
        }
        for (const m of rd.messages) if (!LEADER_MESSAGES.has(m.type)) this.transport.send(m);
        this.apply(rd.committedEntries);
        this.answerReads(rd);
        if (rd.compactIndex > 0) this.storage.compact(rd.compactIndex);
        for (const o of rd.observations) this.observe(o);
        if (rd.observations.some((o) => o.kind === 'leader-changed')) this.orphanRequests();
        this.core.advance(rd);
        this.snapshots.maybe();
      }
    } catch (e) {
      // The disk failed a write: nothing in it may be acknowledged, and the node cannot go on.
      this.logger.warn(`${this.id}: storage write failed, stopping: ${e instanceof Error ? e.message : String(e)}`);
      this.emit('fatal', e);
      void this.stop();
    }
  }

  private persistSync(entries: number): boolean {
    const mode = this.opts.persistMode ?? 'sync';
    return mode === 'sync' || (mode === 'auto' && entries <= 1);
  }

  private apply(entries: Entry[]): void {
    for (const e of entries) {
      this.applied = e.index;
      this.snapshots.counted(e.data.length);
      if (e.type === 'conf') {
        const change = decodeConfEntry(e.data).change;
        if (change?.type === 'remove') this.directory.removed(change.node);
        continue;
      }
      if (e.data.length === 0) continue;
      const env = decodeEnvelope(e.data);
      if (env.id.startsWith('~')) {
        this.applyInternal(env.id, env.command);
        continue;
      }
      let result: unknown;
      let failure: Error | undefined;
      try {
        result = this.opts.stateMachine.apply(env.command, { index: e.index, term: e.term });
      } catch (err) {
        // A deterministic state machine fails the same way everywhere; the proposer hears of it.
        failure = err instanceof Error ? err : new Error(String(err));
      }
      const p = this.pending.get(env.id);
      if (p === undefined) continue;
      this.pending.delete(env.id);
      if (failure !== undefined) p.reject(failure);
      else p.resolve(result);
    }
  }

  /**
   * The leader changed. A proposal the old leader took (appended, or forwarded to it) and that
   * is not applied yet may have died with it, or may still commit under the new one; a read it
   * had not yet confirmed will not be. Rather than leave their callers waiting out
   * proposalTimeoutMs, they are rejected now with ERR_LEADER_CHANGED, so a caller can retry at
   * once (a proposal under its request id: its outcome is unknown).
   */
  private orphanRequests(): void {
    const { leader, term } = this.core;
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
  private outcomesUnknown(index: number): void {
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
    const { leader, term } = this.core;
    const was = `${p.leader === NONE ? 'waited for a leader' : `went to ${p.leader}`} at term ${p.term}`;
    p.leader = NONE;
    p.term = term;
    if (leader === NONE) {
      this.logger.warn(`${this.id}: proposal ${pid} ${was}, and now no leader is known at term ${term}: it will be proposed again to the next`);
      return;
    }
    const stamp = this.opts.stamp;
    const data = stamp !== undefined && this.core.role === 'leader' ? stamp(command) : command;
    const res = this.core.propose(encodeEnvelope(pid, data));
    if (!res.ok) {
      this.logger.warn(`${this.id}: proposal ${pid} ${was}; ${leader} leads at term ${term} but refused it again (${res.error.code}), so it waits for the next leader`);
      return;
    }
    p.leader = leader;
    this.logger.warn(`${this.id}: proposal ${pid} ${was}; proposed again under the same id to ${leader} at term ${term} (the state machine applies it once)`);
  }

  private answerReads(rd: Ready): void {
    for (const rs of rd.readStates) {
      const r = this.reads.get(rs.context);
      if (r !== undefined) r.index = rs.index;
    }
    for (const [ctx, r] of this.reads) {
      if (r.index !== undefined && r.index <= this.applied) {
        this.reads.delete(ctx);
        r.resolve(undefined);
      }
    }
  }

  private observe(o: Observation): void {
    this.logger.info(`${this.id} observed ${o.kind}${'term' in o ? ` at term ${o.term}` : ''}`);
    this.emit('observation', o);
  }
}
