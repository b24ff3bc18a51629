import type { NodeId } from './types';

/**
 * Expected failures of the core, returned as values. Codes are stable: runtimes, clients and
 * docs match on them.
 */
export type RaftErrorCode =
  /** This node is not the leader and forwarding is off (or the request cannot be forwarded). */
  | 'ERR_NOT_LEADER'
  /** No leader is known right now (an election is in progress); retry later. */
  | 'ERR_NO_LEADER'
  /** The leader's uncommitted log would pass its configured bound. */
  | 'ERR_UNCOMMITTED_LIMIT'
  /** A membership change is still uncommitted, or this leader has not yet committed an entry of its term. */
  | 'ERR_CONF_CHANGE_PENDING'
  /** The membership change makes no sense for the current membership (names why). */
  | 'ERR_INVALID_CONF_CHANGE'
  /** A learner is too far behind the leader's log to be promoted yet. */
  | 'ERR_LEARNER_BEHIND'
  /** The leader is handing leadership over and takes no proposals meanwhile. */
  | 'ERR_TRANSFER_IN_PROGRESS'
  /** A leadership transfer could not start (no such voter, or no voter to hand over to). */
  | 'ERR_INVALID_TRANSFER';

export interface RaftError {
  readonly code: RaftErrorCode;
  readonly message: string;
  /** The leader, when known: where a client should go instead. */
  readonly leader?: NodeId;
}

export type ProposeResult =
  | { readonly ok: true; readonly index: number; readonly term: number }
  | { readonly ok: true; readonly forwardedTo: NodeId }
  | { readonly ok: false; readonly error: RaftError };

export type RequestResult = { readonly ok: true } | { readonly ok: false; readonly error: RaftError };

export function raftError(code: RaftErrorCode, message: string, leader?: NodeId): { ok: false; error: RaftError } {
  return { ok: false, error: leader === undefined ? { code, message } : { code, message, leader } };
}

/** A broken invariant: the code (not the input) is wrong. Never caught by the core. */
export class RaftInvariantError extends Error {
  constructor(message: string) {
    super(`raft invariant broken: ${message}`);
    this.name = 'RaftInvariantError';
  }
}

export function invariant(condition: boolean, message: () => string): asserts condition {
  if (!condition) throw new RaftInvariantError(message());
}
