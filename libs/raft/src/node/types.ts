// What a RaftNode is given: the application's state machine it replicates (StateMachine, and
// SnapshotSteps for a snapshot taken in steps), and its options (RaftNodeOptions).
import type { RaftConfig } from '../core/config';
import type { Logger, NodeId } from '../core/types';
import type { DiskStorageOptions } from '../storage/disk-storage';
import type { PeerAddress } from '../transport/transport';

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
  /**
   * The newest version of the log's entries this server's code reads (default 1): the
   * application numbers its formats, and writes a newer one only once the cluster's log version
   * (RaftNode.clusterLogVersion) has risen to it, which happens once every member reads it. A
   * server reading less may not join such a cluster, and one finding its cluster above it (a
   * downgrade) stops: reading on would part it from the others.
   */
  readonly logVersion?: number;
  readonly raft?: Partial<Omit<RaftConfig, 'id' | 'voters' | 'randomInt' | 'logger' | 'applied'>>;
  readonly storage?: DiskStorageOptions;
  readonly logger?: Logger;
}
