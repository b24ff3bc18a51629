interface Item {
  readonly map: Map<string, unknown>;
  readonly key: string;
  readonly entry: unknown;
  readonly deadline: number;
  readonly expire: (entry: unknown) => void;
}

/**
 * The deadlines of a node's pending requests, kept by one timer rather than a timer each. Every
 * request waits the same `ms`, so deadlines fall in the order they were set and a queue holds
 * them in order. A request settled in time has left its map; the queue skips it when it comes to
 * the front. Under load this spares a timer's creation and cancellation per proposal, which had
 * been a few per cent of a leader's CPU.
 */
export class Deadlines {
  private queue: (Item | undefined)[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(readonly ms: number) {}

  /** `entry`, kept in `map` under `key`: if it is still there `ms` from now, it is taken out and `expire`d. */
  add<T>(map: Map<string, T>, key: string, entry: T, expire: (entry: T) => void): void {
    map.set(key, entry);
    this.queue.push({ map: map as Map<string, unknown>, key, entry, deadline: performance.now() + this.ms, expire: expire as (entry: unknown) => void });
    if (this.timer === undefined && !this.stopped) this.arm();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.queue = [];
    this.head = 0;
  }

  /** Expires what is due, drops what has settled, and waits for the first deadline left. */
  private fire(): void {
    this.timer = undefined;
    const now = performance.now();
    const q = this.queue;
    while (this.head < q.length) {
      const it = q[this.head]!;
      const live = it.map.get(it.key) === it.entry;
      if (live && it.deadline > now) break;
      q[this.head++] = undefined;
      if (live) {
        it.map.delete(it.key);
        it.expire(it.entry);
      }
    }
    if (this.head > 1024 && this.head * 2 > q.length) {
      this.queue = q.slice(this.head);
      this.head = 0;
    }
    if (this.head < this.queue.length && !this.stopped) this.arm();
  }

  private arm(): void {
    const first = this.queue[this.head]!;
    this.timer = setTimeout(() => this.fire(), Math.max(1, Math.ceil(first.deadline - performance.now())));
  }
}
