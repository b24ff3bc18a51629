import { ChessErrorCode } from '@rookery/protocol';
import type { StreamItem } from './streams';

/**
 * What the chaos clients record: every operation with its inputs, its outcome and its outputs,
 * stamped on the harness's one monotonic clock. The checker reads nothing else, so a history
 * written to JSON can be checked again later (`--check file.json`).
 */

/**
 * ok: acknowledged, with its outputs. fail: a definite refusal with a stable code — it never
 * took effect. unknown: the client gave up (timeout, connection lost, ERR_TIMEOUT,
 * ERR_UNAVAILABLE, …): it may take effect at any time after its invoke, or never.
 */
export type Outcome = 'ok' | 'fail' | 'unknown';

export type CommandKind = 'create' | 'join' | 'move' | 'resign';

/** The part of a game's view the checker compares: what the log decides, not the replica's clock. */
export interface ViewDigest {
  version: number;
  status: 'waiting' | 'started' | 'ended';
  result: string;
  /** UCI, in order. */
  moves: string[];
}

interface OpBase {
  id: number;
  /** The player (its session) or `check` for the harness's own final reads. */
  client: string;
  /** The game the operation is about; '' for a create that was never acknowledged (its id is unknown). */
  game: string;
  /** ms on the harness's monotonic clock. */
  invoke: number;
  /** When the client learned the outcome or gave up. Meaningless for an unknown operation's effect. */
  complete: number;
  outcome: Outcome;
  via: 'socket' | 'http';
  /** The node asked. */
  node: string;
  /**
   * `node#pid` of the process that answered, when it is certain (the same process before and
   * after): the stale-read check compares answers of one process only.
   */
  process?: string;
  /** The refusal's code (fail), or why the outcome is unknown. */
  code?: string;
}

/** A command: create, join, move or resign. `requestId` is the same for every retry of one command. */
export interface CommandOp extends OpBase {
  kind: CommandKind;
  session: string;
  requestId: string;
  /** The seat's token: a create's or join's from its acknowledgement (absent when never acknowledged). */
  token?: string;
  /** The creator's color (create). */
  color?: 'white' | 'black';
  /** UCI (move). */
  move?: string;
  /** The version answered (ok). */
  version?: number;
  duplicate?: boolean;
}

/**
 * A read of a game's view. `replica`: answered from one node's own replica, which the HTTP API
 * says may trail the leader — it must show a state the game really passed through, no later than
 * its answer, and never older than what that same process answered before. `linearizable`: must
 * show the state at a point between its invoke and its answer (the final read after healing).
 */
export interface ReadOp extends OpBase {
  kind: 'read';
  consistency: 'replica' | 'linearizable';
  /** null: the node answered that it does not know the game. */
  view: ViewDigest | null;
}

export type Op = CommandOp | ReadOp;

/** Each node's view of each game once the cluster is healed and quiet. */
export interface FinalView {
  game: string;
  node: string;
  /** null: the node does not know the game; undefined: it did not answer. */
  view: ViewDigest | null | undefined;
}

/** One schedule's record: what the checker needs, and what a person needs to replay it. */
export interface History {
  seed: number;
  nodes: number;
  ops: Op[];
  finals: FinalView[];
  /** When the final reads were made (the final read of each game is linearizable at any point in this window). */
  finalWindow: { invoke: number; complete: number };
  /** The nemesis' log, one line per action, for people. */
  faults: string[];
  /** What every Socket.IO connection received of each game, in arrival order. */
  streams?: StreamItem[];
}

/** Codes after which the command may still be applied: retry it with the same request id. */
const MAYBE_APPLIED = new Set<string>(['ERR_TIMEOUT', 'ERR_UNAVAILABLE', 'ERR_DRAINING', 'ERR_INTERNAL']);

/** Codes the state machine answers (definite: a refused command changes nothing and is not remembered). */
const CHESS_CODES = new Set<string>(Object.values(ChessErrorCode));

/**
 * Whether an answer with `code` means the command did not happen (fail) or may have (unknown).
 * Anything not known to be a definite refusal is unknown: a checker must not assume a failure.
 */
export function outcomeOf(code: string): 'fail' | 'unknown' {
  if (MAYBE_APPLIED.has(code)) return 'unknown';
  if (CHESS_CODES.has(code) || code === 'ERR_BAD_REQUEST' || code === 'ERR_RATE_LIMITED' || code === 'ERR_NOT_FOUND') return 'fail';
  return 'unknown';
}

export function sameView(a: ViewDigest | null | undefined, b: ViewDigest | null | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a === null || b === null) return a === b;
  return a.version === b.version && a.status === b.status && a.result === b.result && a.moves.length === b.moves.length && a.moves.every((m, i) => m === b.moves[i]);
}

export function describeView(v: ViewDigest | null | undefined): string {
  if (v === undefined) return 'no answer';
  if (v === null) return 'unknown game';
  return `v${v.version} ${v.status}${v.result !== '*' ? ` ${v.result}` : ''} [${v.moves.join(' ')}]`;
}

export function describeOp(op: Op): string {
  const when = `@${op.invoke.toFixed(1)}-${op.outcome === 'unknown' ? '?' : op.complete.toFixed(1)}`;
  if (op.kind === 'read') return `#${op.id} ${op.client} read(${op.consistency}) on ${op.node} ${when} -> ${describeView(op.view)}`;
  const what = op.kind === 'move' ? `move ${op.move}` : op.kind === 'create' ? `create as ${op.color}` : op.kind;
  const out = op.outcome === 'ok' ? `ok v${op.version}${op.duplicate ? ' duplicate' : ''}` : `${op.outcome}${op.code ? ` ${op.code}` : ''}`;
  return `#${op.id} ${op.client} ${what} [${op.requestId}] via ${op.via} on ${op.node} ${when} -> ${out}`;
}
