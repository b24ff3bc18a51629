import { validNodeId } from './membership';
import type { Logger, NodeId } from './types';

/** Everything a core needs, including the collaborators it must not create itself. */
export interface RaftConfig {
  /** This member's id. */
  readonly id: NodeId;
  /**
   * The voters when the storage holds no membership yet (a new cluster). A server joining an
   * existing cluster starts with none and learns the membership from the leader.
   */
  readonly voters: readonly NodeId[];
  /** The learners when the storage holds no membership yet. */
  readonly learners?: readonly NodeId[];
  /**
   * Entries kept behind a snapshot when the log is compacted, so that a follower a little
   * behind still catches up from the log rather than needing the whole snapshot.
   */
  readonly snapshotTrailingEntries?: number;
  /** A follower silent for this many heartbeat intervals is reported unresponsive (an observation). */
  readonly unresponsiveAfterHeartbeats?: number;
  /** A learner is promoted only when its log is at most this many entries behind the leader's. */
  readonly maxPromotionLag?: number;
  /** Ticks without hearing from a leader before a follower campaigns; randomized in [n, 2n). */
  readonly electionTick?: number;
  /** Ticks between a leader's heartbeats. Must be less than electionTick. */
  readonly heartbeatTick?: number;
  /** Ask for votes in a pre-vote round first, so a node that cannot win does not bump terms. */
  readonly preVote?: boolean;
  /** A leader that has not heard from a quorum within an election timeout steps down. */
  readonly checkQuorum?: boolean;
  /** Payload bytes per MsgApp (at least one entry is always sent). */
  readonly maxSizePerMsg?: number;
  /** Bytes of snapshot per MsgSnap chunk. */
  readonly snapshotChunkSize?: number;
  /** MsgApps (or snapshot chunks) in flight per follower. */
  readonly maxInflightMsgs?: number;
  /** Payload bytes in flight per follower; 0 for no byte bound. */
  readonly maxInflightBytes?: number;
  /** Payload bytes of the leader's uncommitted log; proposals past it are refused. 0: no bound. */
  readonly maxUncommittedEntriesSize?: number;
  /** Payload bytes of committed entries handed out per Ready. */
  readonly maxCommittedSizePerReady?: number;
  /** Followers forward proposals to the leader; when off they refuse them with ERR_NOT_LEADER. */
  readonly forwardProposals?: boolean;
  /** The last index the state machine had applied when this core was started. */
  readonly applied?: number;
  /** The injected random source: an integer in [0, n). */
  readonly randomInt: (n: number) => number;
  readonly logger?: Logger;
}

export type ResolvedConfig = Required<RaftConfig>;

export const DEFAULTS = {
  electionTick: 10,
  heartbeatTick: 1,
  preVote: true,
  checkQuorum: true,
  maxSizePerMsg: 1024 * 1024,
  maxInflightMsgs: 256,
  maxInflightBytes: 32 * 1024 * 1024,
  maxUncommittedEntriesSize: 64 * 1024 * 1024,
  maxCommittedSizePerReady: 16 * 1024 * 1024,
  forwardProposals: true,
  applied: 0,
  learners: [] as readonly NodeId[],
  maxPromotionLag: 100,
  snapshotTrailingEntries: 5000,
  snapshotChunkSize: 1024 * 1024,
  unresponsiveAfterHeartbeats: 3,
} as const;

/** Fills defaults and rejects a configuration the core cannot run with. */
export function resolveConfig(cfg: RaftConfig, logger: Logger): ResolvedConfig {
  const c: ResolvedConfig = { ...DEFAULTS, logger, ...stripUndefined(cfg) } as ResolvedConfig;
  const problems: string[] = [];
  if (!validNodeId(c.id)) problems.push('id must be 1 to 64 characters of letters, digits, ".", "_", ":" or "-"');
  const members = [...c.voters, ...c.learners];
  if (new Set(members).size !== members.length) problems.push('voters and learners must be distinct');
  for (const m of members) if (!validNodeId(m)) problems.push(`member id '${m}' is not valid`);
  if (!Number.isInteger(c.snapshotTrailingEntries) || c.snapshotTrailingEntries < 0) problems.push('snapshotTrailingEntries must be a non-negative integer');
  if (!Number.isInteger(c.unresponsiveAfterHeartbeats) || c.unresponsiveAfterHeartbeats <= 0) problems.push('unresponsiveAfterHeartbeats must be a positive integer');
  if (!Number.isInteger(c.maxPromotionLag) || c.maxPromotionLag < 0) problems.push('maxPromotionLag must be a non-negative integer');
  if (!Number.isInteger(c.heartbeatTick) || c.heartbeatTick <= 0) problems.push('heartbeatTick must be a positive integer');
  if (!Number.isInteger(c.electionTick) || c.electionTick <= c.heartbeatTick) problems.push('electionTick must be an integer greater than heartbeatTick');
  if (!Number.isInteger(c.maxInflightMsgs) || c.maxInflightMsgs <= 0) problems.push('maxInflightMsgs must be a positive integer');
  if (c.maxSizePerMsg <= 0) problems.push('maxSizePerMsg must be positive');
  if (!Number.isInteger(c.snapshotChunkSize) || c.snapshotChunkSize <= 0) problems.push('snapshotChunkSize must be a positive integer');
  if (c.maxInflightBytes < 0) problems.push('maxInflightBytes must not be negative');
  if (c.maxInflightBytes > 0 && c.maxInflightBytes < c.maxSizePerMsg) problems.push('maxInflightBytes must be at least maxSizePerMsg');
  if (c.maxUncommittedEntriesSize < 0) problems.push('maxUncommittedEntriesSize must not be negative');
  if (problems.length > 0) throw new Error(`invalid raft config for ${c.id || '(no id)'}: ${problems.join('; ')}`);
  return c;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
