import type { Message, NodeId } from '../core/types';
import type { Prng } from '../testing/prng';

interface InFlight {
  readonly at: number;
  readonly seq: number;
  readonly m: Message;
}

/** How the simulated network misbehaves; the simulator varies these per seed. */
export interface Faults {
  /** Probability a message is lost. */
  drop: number;
  /** Probability a message is delivered twice. */
  duplicate: number;
  /** Probability a message takes a long path (and so is reordered behind later ones). */
  slow: number;
}

export const NO_FAULTS: Faults = { drop: 0, duplicate: 0, slow: 0 };

/**
 * Messages in flight, delivered in time order. Partitions are a set of cut directed links:
 * a symmetric partition cuts both directions, an asymmetric one only one.
 */
export class SimNetwork {
  private heap: InFlight[] = [];
  private seq = 0;
  private readonly cut = new Set<string>();
  faults: Faults = NO_FAULTS;
  sent = 0;
  dropped = 0;

  constructor(private readonly rng: Prng) {}

  send(now: number, m: Message): void {
    this.sent++;
    if (this.isCut(m.from, m.to) || this.rng.chance(this.faults.drop)) {
      this.dropped++;
      return;
    }
    this.push(now + this.delay(), m);
    if (this.rng.chance(this.faults.duplicate)) this.push(now + this.delay(), m);
  }

  /** Removes and returns the messages due by `now`, oldest first. */
  due(now: number): Message[] {
    const out: Message[] = [];
    while (this.heap.length > 0 && this.heap[0]!.at <= now) {
      const f = this.pop();
      // A link cut while the message was on its way loses it.
      if (this.isCut(f.m.from, f.m.to)) this.dropped++;
      else out.push(f.m);
    }
    return out;
  }

  cutLink(from: NodeId, to: NodeId): void {
    this.cut.add(`${from}>${to}`);
  }

  isCut(from: NodeId, to: NodeId): boolean {
    return this.cut.size > 0 && this.cut.has(`${from}>${to}`);
  }

  heal(): void {
    this.cut.clear();
  }

  partitioned(): boolean {
    return this.cut.size > 0;
  }

  /** Forgets messages addressed to `id` (its process died with them in its socket buffers). */
  dropTo(id: NodeId): void {
    this.heap = this.heap.filter((f) => f.m.to !== id);
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.down(i);
  }

  size(): number {
    return this.heap.length;
  }

  private delay(): number {
    if (this.rng.chance(this.faults.slow)) return 5 + this.rng.int(40);
    return 1 + this.rng.int(4);
  }

  private push(at: number, m: Message): void {
    const h = this.heap;
    h.push({ at, seq: this.seq++, m });
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): InFlight {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      this.down(0);
    }
    return top;
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && before(h[l]!, h[m]!)) m = l;
      if (r < h.length && before(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}

function before(a: InFlight, b: InFlight): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
