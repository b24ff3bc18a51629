import type { CommandOk } from './types';

/**
 * The applied request ids (Raft dissertation §6.3): a command whose (session, request id) was
 * already applied gets its first result back instead of being applied again. Only successful
 * results are kept: a failed command changed nothing, so applying its retry afresh is the same
 * as if the first attempt had never reached the log.
 *
 * Bounded by size and by age in entry time. Entry time never goes backwards, so the Map's
 * insertion order is also age order and both bounds evict from the front.
 */
export class Dedupe {
  private readonly seen = new Map<string, { at: number; result: CommandOk; what: string }>();

  constructor(
    private readonly limit: number,
    private readonly ttlMs: number,
  ) {}

  get size(): number {
    return this.seen.size;
  }

  /** The first answer to (session, requestId), and what that command was (its type and game). */
  find(session: string, requestId: string, at: number): { result: CommandOk; what: string } | undefined {
    const hit = this.seen.get(key(session, requestId));
    return hit !== undefined && hit.at > at - this.ttlMs ? hit : undefined;
  }

  remember(session: string, requestId: string, at: number, result: CommandOk, what: string): void {
    const k = key(session, requestId);
    // A key seen before (and expired) moves to the back: insertion order must stay age order.
    this.seen.delete(k);
    this.seen.set(k, { at, result, what });
    this.expire(at);
  }

  /** Forgets what is older than the age bound at `at`, and the oldest beyond the size bound. */
  expire(at: number): void {
    for (const [k, v] of this.seen) {
      if (this.seen.size <= this.limit && v.at > at - this.ttlMs) break;
      this.seen.delete(k);
    }
  }

  /** The entries as they are now (each is replaced, never changed, so they can be read later). */
  rows(): [string, { at: number; result: CommandOk; what: string }][] {
    return [...this.seen];
  }

  toJSON(): [string, number, CommandOk, string][] {
    return [...this.seen].map(([k, v]) => [k, v.at, v.result, v.what]);
  }

  load(saved: [string, number, CommandOk, string][]): void {
    this.seen.clear();
    for (const [k, at, result, what] of saved) this.seen.set(k, { at, result, what });
  }
}

function key(session: string, requestId: string): string {
  // Neither part may contain a space (validate.ts), so the pair is unambiguous.
  return `${session} ${requestId}`;
}
