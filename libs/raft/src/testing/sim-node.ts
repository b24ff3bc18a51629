import { RaftCore, type RaftStatus } from '../core/raft';
import type { RaftConfig } from '../core/config';
import { MemoryStorage } from '../core/storage';
import type { Entry, Logger, Message, NodeId, ReadState, Ready } from '../core/types';
import type { Prng } from './prng';

/** What a runtime saw while handling one Ready; the simulator's checks hang off these. */
export interface ReadyObserver {
  /** After the hard state and entries are persisted, before any message is sent. */
  persisted?(node: SimNode, rd: Ready): void;
  /** For each message, after persistence. */
  sending?(node: SimNode, m: Message): void;
  /** For each committed entry, in order. */
  applied?(node: SimNode, e: Entry): void;
  readState?(node: SimNode, rs: ReadState): void;
}

/**
 * A member run by an in-memory runtime: MemoryStorage as its disk, a list as its state
 * machine. Crashing drops the core (and whatever it had not persisted) and keeps the storage.
 */
export class SimNode {
  readonly storage = new MemoryStorage();
  core: RaftCore | undefined;
  /** Index of the last entry the state machine applied in this life. */
  appliedIndex = 0;
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
    this.core = new RaftCore(cfg, this.storage);
    this.appliedIndex = 0;
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
    if (rd.hardState !== undefined) this.storage.setHardState(rd.hardState);
    this.storage.append(rd.entries);
    obs.persisted?.(this, rd);
    if (obs.sending) for (const m of rd.messages) obs.sending(this, m);
    for (const e of rd.committedEntries) {
      this.appliedIndex = e.index;
      obs.applied?.(this, e);
    }
    if (obs.readState) for (const rs of rd.readStates) obs.readState(this, rs);
    core.advance(rd);
    return rd.messages;
  }
}
