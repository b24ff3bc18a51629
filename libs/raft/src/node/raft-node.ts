import { EventEmitter } from 'node:events';
import { RaftCore, type RaftStatus } from '../core/raft';
import type { ConfChange, Logger, Message, NodeId, Observation } from '../core/types';
import { NONE, SILENT_LOGGER } from '../core/types';
import { DiskStorage } from '../storage/disk-storage';
import { PeerTransport, type PeerAddress, type TransportStats } from '../transport/transport';
import { Applier } from './applier';
import { Directory } from './directory';
import { decodeEnvelope, encodeEnvelope } from './envelope';
import type { Joiner } from './join';
import { Members } from './members';
import { PeerChannels, checkChannel, type PeerMessageHandler } from './peer-channels';
import { RaftRequestError, Requests } from './requests';
import { Snapshotter } from './snapshotter';
import type { RaftNodeOptions } from './types';

// Declared apart (types.ts, requests.ts, join.ts), and part of this module's surface as before.
export { RaftRequestError } from './requests';
export type { Joiner } from './join';
export type { RaftNodeOptions, SnapshotSteps, StateMachine } from './types';

const LEADER_MESSAGES: ReadonlySet<Message['type']> = new Set(['MsgApp', 'MsgHeartbeat', 'MsgSnap']);

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
  /** Proposals and reads in flight. */
  private readonly requests: Requests;
  private readonly snapshots: Snapshotter;
  /** Applies what the log commits (entries, snapshots) and answers this node's proposals. */
  private readonly applier: Applier;
  /** Replicated through the log: every member's address, who asked to join or leave, the desired member count. */
  private readonly directory: Directory;
  /** Joins, leaves, the desired member count, and the leader's upkeep of the membership. */
  private readonly members: Members;
  private readonly logger: Logger;
  private readonly channels: PeerChannels;
  /** The newest log version this server reads (RaftNodeOptions.logVersion). */
  readonly logVersion: number;
  private failed: Error | undefined;
  /** The log version each peer said it reads in its latest handshake, and this server's own. */
  private readonly heardLogVersions = new Map<NodeId, number>();

  constructor(private readonly opts: RaftNodeOptions) {
    super();
    this.id = opts.id;
    this.logVersion = opts.logVersion ?? 1;
    if (!Number.isSafeInteger(this.logVersion) || this.logVersion < 1) throw new RangeError(`RaftNode ${opts.id}: logVersion must be a whole number of at least 1, not ${this.logVersion}`);
    this.heardLogVersions.set(opts.id, this.logVersion);
    this.logger = opts.logger ?? SILENT_LOGGER;
    this.requests = new Requests(opts.id, this.logger, opts, {
      core: () => this.core,
      stopping: () => this.stopping,
      schedule: () => this.schedule(),
    });
    this.channels = new PeerChannels(opts.id, this.logger);
    // During start the transport does not exist yet: addresses from a snapshot wait in the
    // directory and are dialled once it does.
    this.directory = new Directory(opts.id, this.logger, (id, a) => this.transport?.setPeer(id, a));
    this.members = new Members(opts.id, this.logger, opts, this.directory, this.requests, {
      core: () => this.core,
      transport: () => this.transport,
      applied: () => this.applier.applied,
      stopping: () => this.stopping,
      heardLogVersions: () => this.heardLogVersions,
    });
    this.snapshots = new Snapshotter(
      {
        id: opts.id,
        logger: this.logger,
        stateMachine: opts.stateMachine,
        storage: () => this.storage,
        applied: () => this.applier.applied,
        head: () => Buffer.from(JSON.stringify(this.directory)),
        meta: (index) => this.core.snapshotMeta(index),
        created: (index) => this.core.snapshotCreated(index),
        stopping: () => this.stopping,
        schedule: () => this.schedule(),
      },
      opts.snapshotEvery ?? 100_000,
      opts.snapshotLogRatio ?? 1,
    );
    this.applier = new Applier({
      id: opts.id,
      logger: this.logger,
      stateMachine: opts.stateMachine,
      logVersion: this.logVersion,
      directory: this.directory,
      members: this.members,
      requests: this.requests,
      snapshots: this.snapshots,
      fail: (e) => this.fail(e),
    });
  }

  async start(): Promise<PeerAddress> {
    const o = this.opts;
    this.storage = DiskStorage.open(o.dataDir, o.storage);
    const snap = this.storage.snapshot();
    if (snap !== undefined) {
      try {
        this.applier.restoreOnStart(snap);
      } catch (e) {
        this.storage.close();
        throw e;
      }
    }
    this.core = new RaftCore(
      {
        ...o.raft,
        id: o.id,
        voters: o.join ? [] : [...o.peers.keys()],
        applied: this.applier.applied,
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
      logVersion: this.logVersion,
      onPeerLogVersion: (id, v) => {
        if (id !== this.id) this.heardLogVersions.set(id, v);
      },
    });
    const addr = await this.transport.start();
    for (const [id, a] of [...o.peers, ...this.directory.addresses()]) if (id !== o.id) this.transport.setPeer(id, a);
    this.ticker = setInterval(() => {
      this.core.tick();
      if (this.core.role === 'leader') this.members.reconcile();
      this.schedule();
    }, o.tickMs ?? 100);
    this.schedule();
    return addr;
  }

  /** Proposes a command; resolves with the state machine's result once it is applied here. */
  propose(command: Uint8Array): Promise<unknown> {
    return this.requests.propose(command);
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
  readIndex(): Promise<void> {
    return this.requests.readIndex();
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
  status(): RaftStatus & { appliedIndex: number; snapshotIndex: number; desiredMembers: number | undefined; logVersion: number; clusterLogVersion: number; logVersions: Record<NodeId, number>; transport: TransportStats } {
    return {
      ...this.core.status(),
      appliedIndex: this.applier.applied,
      snapshotIndex: this.snapshots.lastIndex,
      desiredMembers: this.directory.desiredMembers,
      logVersion: this.logVersion,
      clusterLogVersion: this.directory.clusterLogVersion,
      logVersions: Object.fromEntries(this.directory.logVersions()),
      transport: { ...this.transport.stats },
    };
  }

  /**
   * The cluster's log version as applied here: every member reads entries of this version, so
   * the application may write them (see RaftNodeOptions.logVersion). 1 until raised.
   */
  get clusterLogVersion(): number {
    return this.directory.clusterLogVersion;
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
    this.requests.stop();
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
    return this.members.requestJoin(id, address, joiner);
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
    return this.members.stint;
  }

  /** What this node names when it asks to join for itself (set by start). */
  get joiner(): Joiner {
    return { incarnation: this.incarnation, stint: this.members.stint, logVersion: this.logVersion };
  }

  /**
   * Asks the cluster to remove this node (a planned departure, on a clean shutdown) and resolves
   * once a membership without it has committed, so a caller that stops afterwards leaves a
   * cluster that no longer counts on it. The node may ask to join again later.
   */
  requestLeave(timeoutMs = this.opts.proposalTimeoutMs ?? 5000): Promise<void> {
    return this.members.requestLeave(timeoutMs);
  }

  /**
   * An operator's removal of `id`: resolves once a membership without it has committed. The
   * removed server, restarted with its data, is refused if it asks to join again
   * (ERR_MEMBER_REMOVED); one started with an empty data directory may join.
   */
  removeMember(id: NodeId, timeoutMs = this.opts.proposalTimeoutMs ?? 5000): Promise<void> {
    return this.members.leave({ id, removal: true }, timeoutMs);
  }

  /**
   * Sets the desired voter count (an integer of at least 1; anything else is refused with
   * ERR_INVALID_DESIRED_MEMBERS). Recorded in the log like a join, through any member; resolves
   * once applied here. Self-healing never removes a voter if fewer than a quorum of it would remain.
   */
  setDesiredMembers(count: number): Promise<void> {
    return this.members.setDesiredMembers(count);
  }

  /** Stops the node for good: `failure` says why, and a 'fatal' event (emitted once) too. */
  private fail(e: unknown): void {
    if (this.failed !== undefined) return;
    this.failed = e instanceof Error ? e : new Error(String(e));
    this.emit('fatal', this.failed);
    void this.stop();
  }

  /** Why the node stopped for good (a failed disk write, a log newer than it reads), if it did: for a caller that listens for 'fatal' late. */
  get failure(): Error | undefined {
    return this.failed;
  }

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
        // A snapshot that stopped the node (the cluster's log outgrew this server): nothing more.
        if (rd.snapshot !== undefined && !this.applier.install(rd.snapshot)) return;
        for (const m of rd.messages) if (!LEADER_MESSAGES.has(m.type)) this.transport.send(m);
        this.applier.apply(rd.committedEntries);
        // Stopped while applying: the cluster's log outgrew this server (Applier.outgrown).
        if (this.stopping) return;
        this.requests.answerReads(rd, this.applier.applied);
        if (rd.compactIndex > 0) this.storage.compact(rd.compactIndex);
        for (const o of rd.observations) this.observe(o);
        if (rd.observations.some((o) => o.kind === 'leader-changed')) this.requests.orphanRequests();
        this.core.advance(rd);
        this.snapshots.maybe();
      }
    } catch (e) {
      // The disk failed a write: nothing in it may be acknowledged, and the node cannot go on.
      this.logger.warn(`${this.id}: storage write failed, stopping: ${e instanceof Error ? e.message : String(e)}`);
      this.fail(e);
    }
  }

  private persistSync(entries: number): boolean {
    const mode = this.opts.persistMode ?? 'sync';
    return mode === 'sync' || (mode === 'auto' && entries <= 1);
  }

  private observe(o: Observation): void {
    this.logger.info(`${this.id} observed ${o.kind}${'term' in o ? ` at term ${o.term}` : ''}`);
    this.emit('observation', o);
  }
}
