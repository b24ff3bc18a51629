import { decodeConfEntry } from '../core/membership';
import type { Entry, Logger, NodeId, Snapshot } from '../core/types';
import type { Directory } from './directory';
import { decodeEnvelope } from './envelope';
import type { Members } from './members';
import type { Requests } from './requests';
import { unframeSnapshot, type Snapshotter } from './snapshotter';
import type { StateMachine } from './types';

export interface ApplierParts {
  readonly id: NodeId;
  readonly logger: Logger;
  readonly stateMachine: StateMachine;
  /** The newest log version this server reads (RaftNodeOptions.logVersion). */
  readonly logVersion: number;
  readonly directory: Directory;
  readonly members: Members;
  readonly requests: Requests;
  readonly snapshots: Snapshotter;
  /** Stops the node for good (the cluster's log outgrew this server). */
  readonly fail: (e: Error) => void;
}

/**
 * What a node does with what its log commits: committed entries and received snapshots are
 * applied to the node's own state (conf changes, the directory's `~` entries) and to the
 * application's state machine, and each proposal this node made is answered with its entry's
 * result. A snapshot or entry that raises the cluster's log version above what this server reads
 * stops the node (see outgrown) rather than let it misread what follows.
 */
export class Applier {
  /** The index of the last entry applied (or of the snapshot restored). */
  applied = 0;

  constructor(private readonly p: ApplierParts) {}

  /** Why this server cannot go on with its cluster's log, if it cannot: the cluster writes a newer version than it reads. */
  outgrown(): string | undefined {
    const cluster = this.p.directory.clusterLogVersion;
    if (cluster <= this.p.logVersion) return undefined;
    return `${this.p.id}: the cluster's log is at version ${cluster}, and this server reads up to version ${this.p.logVersion}: it cannot apply the log; run a build that reads version ${cluster} (a cluster's log version never goes down)`;
  }

  /**
   * The snapshot found on disk at start: its state restored. Throws (nothing applied, the
   * caller closes its storage) if the cluster's log had outgrown this server by then.
   */
  restoreOnStart(snap: Snapshot): void {
    this.restore(snap.data);
    const outgrown = this.outgrown();
    if (outgrown !== undefined) throw new Error(outgrown);
    this.applied = snap.meta.index;
    this.p.snapshots.restored(snap.meta.index, snap.data.length);
  }

  /**
   * A snapshot the leader sent, now on disk: its state replaces this node's, and proposals its
   * entries covered are answered as of unknown outcome. False if it stopped the node (outgrown).
   */
  install(snap: Snapshot): boolean {
    this.p.snapshots.abandon();
    this.restore(snap.data);
    if (this.stopOutgrown()) return false;
    this.applied = snap.meta.index;
    this.p.requests.outcomesUnknown(snap.meta.index);
    this.p.snapshots.restored(snap.meta.index, snap.data.length);
    return true;
  }

  /** Applies committed entries in order; one that stops the node (outgrown) leaves the rest unapplied. */
  apply(entries: Entry[]): void {
    for (const e of entries) {
      this.applied = e.index;
      this.p.snapshots.counted(e.data.length);
      if (e.type === 'conf') {
        const change = decodeConfEntry(e.data).change;
        if (change?.type === 'remove') this.p.directory.removed(change.node);
        continue;
      }
      if (e.data.length === 0) continue;
      const env = decodeEnvelope(e.data);
      if (env.id.startsWith('~')) {
        this.p.members.applyInternal(env.id, env.command);
        if (this.stopOutgrown()) return;
        continue;
      }
      let result: unknown;
      let failure: Error | undefined;
      try {
        result = this.p.stateMachine.apply(env.command, { index: e.index, term: e.term });
      } catch (err) {
        // A deterministic state machine fails the same way everywhere; the proposer hears of it.
        failure = err instanceof Error ? err : new Error(String(err));
      }
      const pending = this.p.requests.take(env.id);
      if (pending === undefined) continue;
      if (failure !== undefined) pending.reject(failure);
      else pending.resolve(result);
    }
  }

  /** A snapshot's state: the node's own (the directory), then the application's. */
  private restore(data: Uint8Array): void {
    const { head, app } = unframeSnapshot(data);
    this.p.directory.restore(head);
    this.p.stateMachine.restore(app);
  }

  /** Stops the node if its cluster's log outgrew it (see outgrown); answers whether it did. */
  private stopOutgrown(): boolean {
    const why = this.outgrown();
    if (why === undefined) return false;
    this.p.logger.warn(why);
    this.p.fail(new Error(why));
    return true;
  }
}
