import { EventEmitter } from 'node:events';
import { RaftCore, type RaftStatus } from '../core/raft';
import type { RaftConfig } from '../core/config';
import type { ConfChange, Entry, Logger, Message, NodeId, Observation, Ready } from '../core/types';
import { SILENT_LOGGER } from '../core/types';
import { DiskStorage, type DiskStorageOptions } from '../storage/disk-storage';
import { PeerTransport, type PeerAddress } from '../transport/transport';
import { decodeEnvelope, encodeEnvelope } from './envelope';

/** What the node replicates: the application's deterministic state machine. */
export interface StateMachine<R = unknown> {
  /** Applies one committed command; returns the result handed to whoever proposed it. */
  apply(command: Uint8Array, entry: { index: number; term: number }): R;
  /** The whole state, for a snapshot. */
  snapshot(): Uint8Array;
  /** Replaces the whole state with a snapshot's. */
  restore(data: Uint8Array): void;
}

export interface RaftNodeOptions {
  readonly id: NodeId;
  readonly dataDir: string;
  readonly listen: PeerAddress;
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
  /** Snapshot the state machine every this many applied entries. */
  readonly snapshotEvery?: number;
  readonly raft?: Partial<Omit<RaftConfig, 'id' | 'voters' | 'randomInt' | 'logger' | 'applied'>>;
  readonly storage?: DiskStorageOptions;
  readonly logger?: Logger;
}

/** A failed request, with a stable code (the core's, or ERR_TIMEOUT / ERR_SHUTTING_DOWN). */
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
  timer: NodeJS.Timeout;
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
  private stopping = false;
  private seq = 0;
  private readonly pending = new Map<string, Pending>();
  private readonly reads = new Map<string, { index: number | undefined } & Pending>();
  private applied = 0;
  private lastSnapshot = 0;
  private readonly logger: Logger;

  constructor(private readonly opts: RaftNodeOptions) {
    super();
    this.id = opts.id;
    this.logger = opts.logger ?? SILENT_LOGGER;
  }

  async start(): Promise<PeerAddress> {
    const o = this.opts;
    this.storage = DiskStorage.open(o.dataDir, o.storage);
    const snap = this.storage.snapshot();
    if (snap !== undefined) {
      o.stateMachine.restore(snap.data);
      this.applied = snap.meta.index;
      this.lastSnapshot = snap.meta.index;
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
    this.transport = new PeerTransport({ id: o.id, listen: o.listen, secret: o.secret, logger: this.logger, onMessage: (m) => this.onMessage(m) });
    const addr = await this.transport.start();
    for (const [id, a] of o.peers) if (id !== o.id) this.transport.setPeer(id, a);
    this.ticker = setInterval(() => {
      this.core.tick();
      this.schedule();
    }, o.tickMs ?? 100);
    this.schedule();
    return addr;
  }

  /** Proposes a command; resolves with the state machine's result once it is applied here. */
  propose(command: Uint8Array): Promise<unknown> {
    if (this.stopping) return Promise.reject(new RaftRequestError('ERR_SHUTTING_DOWN', `${this.id} is shutting down`));
    const pid = `${this.id}.${this.startedAt}.${++this.seq}`;
    const res = this.core.propose(encodeEnvelope(pid, command));
    if (!res.ok) return Promise.reject(new RaftRequestError(res.error.code, res.error.message, res.error.leader));
    this.schedule();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(pid);
        reject(new RaftRequestError('ERR_TIMEOUT', `${this.id}: proposal ${pid} not applied within ${this.opts.proposalTimeoutMs ?? 5000} ms (it may still commit)`));
      }, this.opts.proposalTimeoutMs ?? 5000);
      this.pending.set(pid, { resolve, reject, timer });
    });
  }

  /** Resolves once a read here would be linearizable (Raft §6.4 ReadIndex). */
  readIndex(): Promise<void> {
    if (this.stopping) return Promise.reject(new RaftRequestError('ERR_SHUTTING_DOWN', `${this.id} is shutting down`));
    const ctx = `${this.id}.${this.startedAt}.r${++this.seq}`;
    const res = this.core.readIndex(ctx);
    if (!res.ok) return Promise.reject(new RaftRequestError(res.error.code, res.error.message, res.error.leader));
    this.schedule();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.reads.delete(ctx);
        reject(new RaftRequestError('ERR_TIMEOUT', `${this.id}: read ${ctx} not confirmed within ${this.opts.proposalTimeoutMs ?? 5000} ms`));
      }, this.opts.proposalTimeoutMs ?? 5000);
      this.reads.set(ctx, { index: undefined, resolve: () => resolve(), reject, timer });
    });
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

  status(): RaftStatus & { appliedIndex: number } {
    return { ...this.core.status(), appliedIndex: this.applied };
  }

  /** Learns (or changes) a peer's address, e.g. a server that asks to join. */
  setPeer(id: NodeId, address: PeerAddress): void {
    if (id !== this.id) this.transport.setPeer(id, address);
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.ticker !== undefined) clearInterval(this.ticker);
    const err = (): RaftRequestError => new RaftRequestError('ERR_SHUTTING_DOWN', `${this.id} shut down before the request completed`);
    for (const p of [...this.pending.values(), ...this.reads.values()]) {
      clearTimeout(p.timer);
      p.reject(err());
    }
    this.pending.clear();
    this.reads.clear();
    await this.transport.stop();
    this.storage.close();
  }

  private readonly startedAt = Date.now().toString(36);

  private onMessage(m: Message): void {
    if (this.stopping) return;
    this.core.step(m);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.stopping) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.drain();
    });
  }

  /** Handles Readies until none is left: persist, send, apply, advance. */
  private drain(): void {
    while (!this.stopping && this.core.hasReady()) {
      const rd = this.core.ready();
      this.storage.persist({ hardState: rd.hardState, entries: rd.entries, snapshot: rd.snapshot });
      if (rd.snapshot !== undefined) {
        this.opts.stateMachine.restore(rd.snapshot.data);
        this.applied = rd.snapshot.meta.index;
        this.lastSnapshot = rd.snapshot.meta.index;
      }
      for (const m of rd.messages) this.transport.send(m);
      this.apply(rd.committedEntries);
      this.answerReads(rd);
      if (rd.compactIndex > 0) this.storage.compact(rd.compactIndex);
      for (const o of rd.observations) this.observe(o);
      this.core.advance(rd);
      this.maybeSnapshot();
    }
  }

  private apply(entries: Entry[]): void {
    for (const e of entries) {
      this.applied = e.index;
      if (e.type !== 'normal' || e.data.length === 0) continue;
      const env = decodeEnvelope(e.data);
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
      clearTimeout(p.timer);
      if (failure !== undefined) p.reject(failure);
      else p.resolve(result);
    }
  }

  private answerReads(rd: Ready): void {
    for (const rs of rd.readStates) {
      const r = this.reads.get(rs.context);
      if (r !== undefined) r.index = rs.index;
    }
    for (const [ctx, r] of this.reads) {
      if (r.index !== undefined && r.index <= this.applied) {
        this.reads.delete(ctx);
        clearTimeout(r.timer);
        r.resolve(undefined);
      }
    }
  }

  private observe(o: Observation): void {
    this.logger.info(`${this.id} observed ${o.kind}${'term' in o ? ` at term ${o.term}` : ''}`);
    this.emit('observation', o);
  }

  private maybeSnapshot(): void {
    const every = this.opts.snapshotEvery ?? 10_000;
    if (this.applied - this.lastSnapshot < every) return;
    const meta = this.core.snapshotCreated(this.applied);
    if (meta === undefined) return;
    this.storage.saveSnapshot({ meta, data: this.opts.stateMachine.snapshot() });
    this.lastSnapshot = meta.index;
  }
}
