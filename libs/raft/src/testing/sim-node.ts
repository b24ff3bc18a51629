import { RaftCore, type RaftStatus } from '../core/raft';
import type { RaftConfig } from '../core/config';
import { MemoryStorage } from '../core/storage';
import type { Entry, Logger, Message, NodeId, ReadState, Ready, Snapshot } from '../core/types';
import type { Prng } from './prng';

/** What a runtime saw while handling one Ready; the simulator's checks hang off these. */
export interface ReadyObserver {
  /** After the hard state and entries are persisted, before any message is sent. */
  persisted?(node: SimNode, rd: Ready): void;
  /** For each message, after persistence. */
  sending?(node: SimNode, m: Message): void;
  /** For each committed entry, in order, after the state machine applied it. */
  applied?(node: SimNode, e: Entry): void;
  /** The state machine was restored from a snapshot the leader sent. */
  restored?(node: SimNode, snap: Snapshot): void;
  readState?(node: SimNode, rs: ReadState): void;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/**
 * A member run by an in-memory runtime: MemoryStorage as its disk and, as its state machine, a
 * digest of every payload applied (with the last few payloads, to give snapshots some bulk).
 * Crashing drops the core and the state machine, and keeps the storage.
 */
export class SimNode {
  readonly storage = new MemoryStorage();
  core: RaftCore | undefined;
  /** Index of the last entry the state machine applied in this life. */
  appliedIndex = 0;
  /** The state machine: a digest of everything applied, and the latest payloads. */
  digest = 0;
  private recent: string[] = [];
  restarts = 0;

  constructor(
    readonly id: NodeId,
    private readonly voters: readonly NodeId[],
    private readonly options: Partial<RaftConfig>,
    private readonly rng: Prng,
    private readonly logger?: Logger,
  ) {
    this.start();
  }

  get alive(): boolean {
    return this.core !== undefined;
  }

  start(): void {
    const cfg: RaftConfig = {
      ...this.options,
      id: this.id,
      voters: this.voters,
      randomInt: (n) => this.rng.int(n),
      applied: 0,
      ...(this.logger ? { logger: this.logger } : {}),
    };
    // The state machine restarts from the stored snapshot, if any, and replays the log after it.
    const snap = this.storage.snapshot();
    this.restoreState(snap);
    this.core = new RaftCore({ ...cfg, applied: this.appliedIndex }, this.storage);
  }

  /** Snapshots the state machine at its applied index; the core then lets the log be compacted. */
  takeSnapshot(): Snapshot | undefined {
    const core = this.core;
    const stored = this.storage.snapshot()?.meta.index ?? 0;
    if (core === undefined || this.appliedIndex <= stored || this.appliedIndex !== core.log.applied) return undefined;
    const meta = core.snapshotCreated(this.appliedIndex);
    if (meta === undefined) return undefined;
    const snap: Snapshot = { meta, data: encoder.encode(`${this.digest}|${this.recent.join(',')}`) };
    this.storage.saveSnapshot(snap);
    return snap;
  }

  private restoreState(snap: Snapshot | undefined): void {
    if (snap === undefined) {
      this.appliedIndex = 0;
      this.digest = 0;
      this.recent = [];
      return;
    }
    const [digest = '0', recent = ''] = decoder.decode(snap.data).split('|');
    this.appliedIndex = snap.meta.index;
    this.digest = Number(digest);
    this.recent = recent === '' ? [] : recent.split(',');
  }

  private apply(e: Entry): void {
    this.appliedIndex = e.index;
    if (e.type !== 'normal' || e.data.length === 0) return;
    const key = decoder.decode(e.data);
    let h = (this.digest ^ e.index) >>> 0;
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619) >>> 0;
    this.digest = h;
    this.recent.push(key);
    if (this.recent.length > 32) this.recent.shift();
  }

  crash(): void {
    this.core = undefined;
  }

  restart(): void {
    this.restarts++;
    this.start();
  }

  status(): RaftStatus | undefined {
    return this.core?.status();
  }

  /**
   * Handles one Ready as a careful runtime would: persist, then send, then apply, then advance.
   * Returns the messages to put on the network, or undefined when there was nothing to do.
   */
  processReady(obs: ReadyObserver = {}): Message[] | undefined {
    const core = this.core;
    if (core === undefined || !core.hasReady()) return undefined;
    const rd = core.ready();
    if (rd.snapshot !== undefined) {
      this.storage.applySnapshot(rd.snapshot);
      this.restoreState(rd.snapshot);
    }
    if (rd.hardState !== undefined) this.storage.setHardState(rd.hardState);
    this.storage.append(rd.entries);
    obs.persisted?.(this, rd);
    if (rd.snapshot !== undefined) obs.restored?.(this, rd.snapshot);
    if (obs.sending) for (const m of rd.messages) obs.sending(this, m);
    for (const e of rd.committedEntries) {
      this.apply(e);
      obs.applied?.(this, e);
    }
    if (obs.readState) for (const rs of rd.readStates) obs.readState(this, rs);
    if (rd.compactIndex > 0) this.storage.compact(rd.compactIndex);
    core.advance(rd);
    return rd.messages;
  }
}
