import type { RaftConfig } from '../core/config';
import { RaftCore } from '../core/raft';
import { MemoryStorage } from '../core/storage';
import type { Entry, HardState, Message, NodeId, ReadState, Ready } from '../core/types';

export type HandClusterOptions = Partial<Omit<RaftConfig, 'id' | 'voters'>>;

/** What a member's disk holds before a test starts: the term of each entry, and its hard state. */
export interface Disk {
  readonly terms: number[];
  readonly hardState: HardState;
}

export function entry(index: number, term: number, data = ''): Entry {
  return { term, index, type: 'normal', data: new TextEncoder().encode(data) };
}

/**
 * Cores n1..nN on MemoryStorage, run by hand as a careful runtime would: persist each Ready,
 * then send its messages, then apply, then advance. Nothing moves unless a test says so.
 * Election timeouts are not randomized (the injected source returns 0) unless options say so.
 */
export class HandCluster {
  readonly ids: NodeId[];
  readonly storages = new Map<NodeId, MemoryStorage>();
  readonly applied = new Map<NodeId, Entry[]>();
  readonly reads = new Map<NodeId, ReadState[]>();
  readonly lastReady = new Map<NodeId, Ready>();
  private readonly cores = new Map<NodeId, RaftCore>();
  /** Messages for which this returns true are lost on the way. */
  drop: (m: Message) => boolean = () => false;

  constructor(size: number, opts: HandClusterOptions | ((id: NodeId) => HandClusterOptions) = {}, disks: Record<NodeId, Disk> = {}) {
    this.ids = Array.from({ length: size }, (_, i) => `n${i + 1}`);
    for (const id of this.ids) {
      const storage = new MemoryStorage();
      const disk = disks[id];
      if (disk !== undefined) {
        storage.append(disk.terms.map((term, i) => entry(i + 1, term)));
        storage.setHardState(disk.hardState);
      }
      this.storages.set(id, storage);
      this.applied.set(id, []);
      this.reads.set(id, []);
      const o = typeof opts === 'function' ? opts(id) : opts;
      this.cores.set(id, new RaftCore({ randomInt: () => 0, ...o, id, voters: this.ids }, storage));
    }
  }

  core(id: NodeId): RaftCore {
    return this.cores.get(id)!;
  }

  /** Handles one Ready of `id`; returns the messages it sent. */
  handle(id: NodeId): Message[] {
    const core = this.core(id);
    if (!core.hasReady()) return [];
    const rd = core.ready();
    this.lastReady.set(id, rd);
    const storage = this.storages.get(id)!;
    if (rd.hardState !== undefined) storage.setHardState(rd.hardState);
    storage.append(rd.entries);
    this.applied.get(id)!.push(...rd.committedEntries);
    this.reads.get(id)!.push(...rd.readStates);
    core.advance(rd);
    return rd.messages;
  }

  deliver(msgs: readonly Message[]): void {
    for (const m of msgs) if (!this.drop(m)) this.cores.get(m.to)?.step(m);
  }

  /** Handles Readies and delivers messages until nothing moves; returns every message sent. */
  stabilize(): Message[] {
    const sent: Message[] = [];
    for (let round = 0; round < 1000; round++) {
      const busy = this.ids.filter((id) => this.core(id).hasReady());
      if (busy.length === 0) return sent;
      const msgs = busy.flatMap((id) => this.handle(id));
      sent.push(...msgs);
      this.deliver(msgs);
    }
    throw new Error('the cluster did not stabilize in 1000 rounds');
  }

  /** Ticks `id` n times, letting the cluster settle after each tick; returns every message sent. */
  tick(id: NodeId, n = 1): Message[] {
    const sent: Message[] = [];
    for (let i = 0; i < n; i++) {
      this.core(id).tick();
      sent.push(...this.stabilize());
    }
    return sent;
  }

  isolate(id: NodeId): void {
    this.drop = (m) => m.from === id || m.to === id;
  }

  heal(): void {
    this.drop = () => false;
  }

  /** Campaigns `id` and settles; throws unless it won. */
  elect(id: NodeId): void {
    this.core(id).campaign();
    this.stabilize();
    if (this.core(id).role !== 'leader') throw new Error(`${id} should have won the election (it is ${this.core(id).role} at term ${this.core(id).term})`);
  }
}
