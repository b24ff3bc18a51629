import type { NodeId } from '../core/types';
import { INCARNATION } from '../storage/disk-storage';

/**
 * Who asks to join when a server asks for itself: its data directory's incarnation and its stint
 * (RaftNode.joiner). A server of a version before stints names only its incarnation.
 */
export interface Joiner {
  readonly incarnation: string;
  readonly stint?: string;
  /** The newest log version it reads (RaftNodeOptions.logVersion); a server older than versions names none, and reads 1. */
  readonly logVersion?: number;
}

export interface JoinOptions {
  /** This server's id. */
  readonly id: NodeId;
  /**
   * Asks a member to take this server in. Resolves, if the member took the request, with an
   * index the member had applied by then (so at or past the request's entry; 0 if it does not
   * say); with 'removed' if the cluster refused it because an operator removed this server
   * (ERR_MEMBER_REMOVED: asking again cannot help); else undefined.
   */
  readonly ask: () => Promise<number | 'removed' | undefined>;
  /** This server's node: where it stands by its own log (a RaftNode). */
  readonly node: { status(): { readonly membership: { readonly voters: readonly NodeId[] }; readonly leader: NodeId; readonly applied: number } };
  /** True once the server is going away: stop asking. */
  readonly stopped: () => boolean;
  /** After a refused or failed request, the first pause; doubled each time up to `maxPauseMs`. */
  readonly retryMs?: number;
  readonly maxPauseMs?: number;
  /**
   * After a request was taken: how long to wait to see this server a voter before asking
   * again. Asking again is harmless (a wish already recorded changes nothing), so this only
   * bounds how long a lost wish goes unnoticed.
   */
  readonly recheckMs?: number;
  readonly log?: (message: string) => void;
  /** Injected for tests. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

/**
 * A server started with `--join` asks a member to take it in, and keeps at it until its own log
 * shows it a voter, with a leader replicating to it — not merely until a member says yes.
 * Between the yes and the promotion the cluster can let it go again: the self-healing rule
 * removes a learner the leader has not heard from (the leader's connection to it still waiting
 * out a backoff, say), and a removal stands until the server asks again (Directory.removed). A
 * joiner that took the first yes as final stayed out for good.
 *
 * Once it has been a voter it is done: a later removal (an operator's, or self-healing's while it
 * was unreachable) is the cluster's decision, and it does not push its way back in. Restarted, it
 * asks again, which self-healing's removal allows; after an operator's removal the cluster refuses
 * this incarnation ('removed'), and it stops asking.
 * Resolves true once it is a voter, false if stopped or refused as removed first.
 */
export async function joinUntilVoter(o: JoinOptions): Promise<boolean> {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = o.now ?? Date.now;
  const retryMs = o.retryMs ?? 200;
  const maxPauseMs = o.maxPauseMs ?? 5000;
  const recheckMs = o.recheckMs ?? 10_000;
  // A voter by its log, hearing from a leader, and having applied as far as the member that said
  // yes had: a server back with the data of a membership it was since removed from reads "voter"
  // in its own stale log until it has the entries that removed it, which come before its request.
  // (A member that names no index: entries applied since the yes, at least.)
  let mustApply = Number.POSITIVE_INFINITY; // nothing counts before the first yes
  const isVoter = (): boolean => {
    const s = o.node.status();
    return s.membership.voters.includes(o.id) && s.leader !== '' && s.applied >= mustApply;
  };
  let pause = retryMs;
  for (let asked = 0; !o.stopped(); ) {
    let index: number | 'removed' | undefined;
    try {
      index = await o.ask();
    } catch (e) {
      o.log?.(`${o.id}: asking to join failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    asked++;
    if (index === 'removed') {
      o.log?.(`${o.id}: the cluster refuses to take it back: an operator removed it. Not asking again; start it with an empty data directory, or add it through the admin API, to bring it back`);
      return false;
    }
    if (index === undefined) {
      await sleep(pause);
      pause = Math.min(maxPauseMs, pause * 2);
      continue;
    }
    pause = retryMs;
    mustApply = Math.max(index, o.node.status().applied + 1);
    // Taken: watch for the promotion (a learner first, a voter once caught up).
    const until = now() + recheckMs;
    while (!o.stopped() && !isVoter() && now() < until) await sleep(Math.min(200, recheckMs));
    if (isVoter()) {
      o.log?.(`${o.id}: a voter (asked ${asked} time${asked === 1 ? '' : 's'})`);
      return true;
    }
    if (!o.stopped()) o.log?.(`${o.id}: asked to join ${recheckMs} ms ago and not a voter yet; asking again`);
  }
  return false;
}

/**
 * What a member's refusal of a join says, for an `ask`: 'removed' if its body's error code is
 * ERR_MEMBER_REMOVED (the admin API's and kv-node's `{ error: { code } }`), else undefined (worth
 * asking again).
 */
export function refusedAsRemoved(body: string): 'removed' | undefined {
  try {
    return (JSON.parse(body) as { error?: { code?: unknown } }).error?.code === 'ERR_MEMBER_REMOVED' ? 'removed' : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Who a join request says is asking (its body's `incarnation`, `stint` and `logVersion`), checked
 * the same way by every API that takes one: undefined for an operator's add (none of them); a
 * Joiner for a server asking for itself (its incarnation, and its stint and log version unless it
 * is of a version before them); an Error saying what is wrong otherwise (a stint or log version
 * without the incarnation, either id not 16 hex digits, a log version not a whole number from 1).
 */
export function joinerOf(incarnation: unknown, stint: unknown, logVersion?: unknown): Joiner | undefined | Error {
  const hex16 = (v: unknown): v is string => typeof v === 'string' && INCARNATION.test(v);
  if (incarnation === undefined) return stint === undefined && logVersion === undefined ? undefined : new Error('a stint or log version needs the incarnation it is a run of');
  if (!hex16(incarnation) || (stint !== undefined && !hex16(stint))) return new Error('an incarnation and a stint are 16 hex digits each');
  if (logVersion !== undefined && (typeof logVersion !== 'number' || !Number.isSafeInteger(logVersion) || logVersion < 1)) return new Error('a log version is a whole number of at least 1');
  return logVersion === undefined ? { incarnation, stint } : { incarnation, stint, logVersion };
}
