import type { CommandResult } from './types';

/**
 * The applied request ids (Raft dissertation §6.3): a command whose (session, request id) was
 * already applied gets its first result back instead of being applied again. Successful results
 * are kept, and refusals of commands marked `once` (log version 4 on). An unmarked refusal is
 * not: that was the rule before version 4, when a refused command's second copy was applied
 * afresh. A refusal changes nothing, but its answer may already have reached the client, and a
 * second copy applied to a game that has moved on since could succeed: the client would have
 * been told no, and the move made anyway.
 *
 * Bounded by size and by age in entry time. Entry time never goes backwards, so insertion order
 * is also age order and both bounds evict from the front. The front is found through a queue of
 * its own, not by iterating the Map: a Map keeps the slots of deleted entries until it is next
 * rehashed, and an iterator walks them all, so iterating a table of 100,000 from the front after
 * each insert had cost a follower a third of its CPU.
 */
interface Entry {
  readonly key: string;
  readonly at: number;
  readonly result: CommandResult;
  readonly what: string;
}

export class Dedupe {
  private readonly seen = new Map<string, Entry>();
  /** Every entry in insertion order from `head` on; one whose key now maps to a newer entry is stale and skipped. */
  private order: (Entry | undefined)[] = [];
  private head = 0;

  constructor(
    private readonly limit: number,
    private readonly ttlMs: number,
  ) {}

  get size(): number {
    return this.seen.size;
  }

  /** The first answer to (session, requestId), and what that command was (its type and game). */
  find(session: string, requestId: string, at: number): { result: CommandResult; what: string } | undefined {
    const hit = this.seen.get(key(session, requestId));
    return hit !== undefined && hit.at > at - this.ttlMs ? hit : undefined;
  }

  remember(session: string, requestId: string, at: number, result: CommandResult, what: string): void {
    const k = key(session, requestId);
    // A key seen before (and expired) moves to the back: insertion order must stay age order.
    this.seen.delete(k);
    this.add({ key: k, at, result, what });
    this.expire(at);
  }

  /** Forgets what is older than the age bound at `at`, and the oldest beyond the size bound. */
  expire(at: number): void {
    const order = this.order;
    while (this.head < order.length) {
      const e = order[this.head]!;
      const live = this.seen.get(e.key) === e;
      if (live && this.seen.size <= this.limit && e.at > at - this.ttlMs) break;
      if (live) this.seen.delete(e.key);
      order[this.head++] = undefined;
    }
    // The queue is cut once its dead front is most of it: amortised O(1) an insert.
    if (this.head > 1024 && this.head * 2 > order.length) {
      this.order = order.slice(this.head);
      this.head = 0;
    }
  }

  /** The entries as they are now (each is replaced, never changed, so they can be read later). */
  rows(): [string, Entry][] {
    return [...this.seen];
  }

  toJSON(): [string, number, CommandResult, string][] {
    return [...this.seen].map(([k, v]) => [k, v.at, v.result, v.what]);
  }

  load(saved: [string, number, CommandResult, string][]): void {
    this.seen.clear();
    this.order = [];
    this.head = 0;
    for (const [k, at, result, what] of saved) this.add({ key: k, at, result, what });
  }

  private add(e: Entry): void {
    this.seen.set(e.key, e);
    this.order.push(e);
  }
}

function key(session: string, requestId: string): string {
  // Neither part may contain a space (validate.ts), so the pair is unambiguous.
  return `${session} ${requestId}`;
}
