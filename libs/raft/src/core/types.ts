/** A member's name in the cluster. Stable for the life of the member. */
export type NodeId = string;

/** The empty NodeId: "no leader known" or "voted for nobody". */
export const NONE: NodeId = '';

/** 'normal' entries carry the state machine's commands; 'conf' entries carry a membership. */
export type EntryType = 'normal' | 'conf';

/**
 * One entry of the replicated log. A leader's no-op at the start of its term is a
 * normal entry with empty data.
 */
export interface Entry {
  readonly term: number;
  readonly index: number;
  readonly type: EntryType;
  readonly data: Uint8Array;
}

/**
 * Who is in the cluster. Voters elect leaders and count toward commit; learners only receive
 * the log (a new server catching up, or one kept as a warm spare).
 */
export interface Membership {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

/** One single-server membership change (Raft dissertation §4.1). */
export type ConfChangeType = 'add-voter' | 'add-learner' | 'promote' | 'demote' | 'remove';

export interface ConfChange {
  readonly type: ConfChangeType;
  readonly node: NodeId;
}

/** Where a snapshot stands in the log, and the membership in force there. */
export interface SnapshotMeta {
  readonly index: number;
  readonly term: number;
  readonly membership: Membership;
}

/** The state machine's state as of `meta.index`, standing in for the log up to it. */
export interface Snapshot {
  readonly meta: SnapshotMeta;
  readonly data: Uint8Array;
}

/** What must survive a crash besides the log: Raft's persistent state (Figure 2). */
export interface HardState {
  readonly term: number;
  readonly vote: NodeId;
  readonly commit: number;
}

export const EMPTY_HARD_STATE: HardState = { term: 0, vote: NONE, commit: 0 };

export type Role = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

/** Volatile state the runtime may want to observe; never persisted. */
export interface SoftState {
  readonly leader: NodeId;
  readonly role: Role;
}

export type MessageType =
  | 'MsgApp'
  | 'MsgAppResp'
  | 'MsgVote'
  | 'MsgVoteResp'
  | 'MsgPreVote'
  | 'MsgPreVoteResp'
  | 'MsgHeartbeat'
  | 'MsgHeartbeatResp'
  | 'MsgProp'
  | 'MsgReadIndex'
  | 'MsgReadIndexResp'
  | 'MsgSnap'
  | 'MsgSnapResp'
  | 'MsgTimeoutNow';

/**
 * A piece of a snapshot on its way to a follower (MsgSnap), or the follower's answer
 * (MsgSnapResp: `offset` is the next byte it expects; `data` is empty).
 */
export interface SnapshotChunk {
  readonly meta: SnapshotMeta;
  readonly offset: number;
  readonly data: Uint8Array;
  /** The chunk ends the snapshot. */
  readonly last: boolean;
}

/**
 * A message between cores. One flat shape for every type (as etcd's raftpb.Message), so the
 * transport encodes one layout and V8 keeps one hidden class. Field meaning by type:
 * - index/logTerm: MsgApp — the entry preceding `entries`; MsgVote/MsgPreVote — the
 *   candidate's last entry; MsgAppResp — last index accepted, or the rejected index with
 *   (rejectHint, logTerm) pointing at where the follower's log may diverge;
 *   MsgReadIndexResp — the index a read must wait for.
 * - context: the ReadIndex request a heartbeat round confirms.
 * A term of 0 marks a message that is not bound to a term (a forwarded proposal or read).
 */
export interface Message {
  type: MessageType;
  from: NodeId;
  to: NodeId;
  term: number;
  logTerm: number;
  index: number;
  entries: Entry[];
  commit: number;
  reject: boolean;
  rejectHint: number;
  context: string;
  /** MsgSnap and MsgSnapResp only. */
  snapshot: SnapshotChunk | undefined;
}

/** A ReadIndex answer: once the state machine has applied `index`, the read `context` is linearizable. */
export interface ReadState {
  readonly index: number;
  readonly context: string;
}

/**
 * What the runtime must do, in this order: persist `snapshot` (restoring the state machine from
 * it), `hardState` and `entries` (one write, synced when `mustSync`), then send `messages`, then
 * apply `committedEntries`, then discard entries up to `compactIndex`, then call `advance()`.
 */
export interface Ready {
  readonly softState: SoftState | undefined;
  readonly hardState: HardState | undefined;
  readonly entries: Entry[];
  readonly committedEntries: Entry[];
  readonly messages: Message[];
  readonly readStates: ReadState[];
  readonly mustSync: boolean;
  /** A snapshot from the leader that replaces the log: persist it and restore the state machine from it first. */
  readonly snapshot: Snapshot | undefined;
  /** After persisting, the runtime may discard stored entries up to this index (0: none). */
  readonly compactIndex: number;
  /** What happened since the last Ready that a runtime may want to act on or report. */
  readonly observations: Observation[];
}

/**
 * Events the core reports for the runtime to subscribe to (rolling restarts, self-healing,
 * metrics). They describe; they never need an answer.
 */
export type Observation =
  | { readonly kind: 'role-changed'; readonly term: number; readonly from: Role; readonly to: Role }
  | { readonly kind: 'leader-changed'; readonly term: number; readonly leader: NodeId }
  | { readonly kind: 'membership-committed'; readonly index: number; readonly membership: Membership }
  /** A follower has not answered for `missedHeartbeats` heartbeat intervals (leader only). */
  | { readonly kind: 'follower-unresponsive'; readonly term: number; readonly follower: NodeId; readonly missedHeartbeats: number }
  | { readonly kind: 'follower-responsive'; readonly term: number; readonly follower: NodeId }
  | { readonly kind: 'transfer-started'; readonly term: number; readonly to: NodeId }
  | { readonly kind: 'transfer-aborted'; readonly term: number; readonly to: NodeId; readonly reason: string };

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
}

const ignore = (_message: string): void => undefined;

export const SILENT_LOGGER: Logger = { debug: ignore, info: ignore, warn: ignore };

/** Size of an entry for flow control: its payload. */
export function entrySize(e: Entry): number {
  return e.data.length;
}

export function emptyMessage(type: MessageType, from: NodeId, to: NodeId): Message {
  return {
    type,
    from,
    to,
    term: 0,
    logTerm: 0,
    index: 0,
    entries: NO_ENTRIES,
    commit: 0,
    reject: false,
    rejectHint: 0,
    context: '',
    snapshot: undefined,
  };
}

/** Shared empty list; never mutated. */
export const NO_ENTRIES: Entry[] = Object.freeze([]) as unknown as Entry[];
