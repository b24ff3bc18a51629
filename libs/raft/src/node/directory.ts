import type { ConfChange, Logger, Membership, NodeId } from '../core/types';
import type { PeerAddress } from '../transport/transport';

type Wish = 'voter' | 'gone';

export function sameAddress(a: PeerAddress, b: PeerAddress): boolean {
  return a.host === b.host && a.port === b.port;
}

/**
 * What the node replicates for itself through the log (entries '~addrs', '~join', '~leave')
 * and carries in snapshots: every member's address, and who asked to join or leave. Applied
 * alike on every node; only the leader acts on the wishes.
 */
export class Directory {
  private readonly book = new Map<NodeId, PeerAddress>();
  private readonly wanted = new Map<NodeId, Wish>();

  constructor(
    private readonly self: NodeId,
    private readonly logger: Logger,
    /** Called for every address learned (the node dials it). */
    private readonly onAddress: (id: NodeId, address: PeerAddress) => void,
  ) {}

  /** Applies one of the node's own entries. */
  apply(kind: string, body: Record<string, unknown>): void {
    if (kind === '~addrs') {
      for (const [id, a] of Object.entries(body as Record<string, PeerAddress>)) this.learn(id, a);
    } else if (kind === '~join') {
      const id = body.id as string;
      const address = body.address as PeerAddress;
      const known = this.book.get(id);
      if (known !== undefined && !sameAddress(known, address) && this.wanted.get(id) !== 'gone') {
        // A join in the name of a server we know elsewhere (and that has not left) would
        // redirect its traffic: refused, the same way on every node.
        this.logger.warn(`${this.self}: refused a join for ${id} at ${address.host}:${address.port}; it is known at ${known.host}:${known.port}`);
      } else {
        this.learn(id, address);
        this.wanted.set(id, 'voter');
      }
    } else if (kind === '~leave') {
      this.wanted.set(body.id as string, 'gone');
    }
  }

  /** Known addresses the log does not hold yet (to publish as a '~addrs' entry). */
  missing(known: ReadonlyMap<NodeId, PeerAddress>): [NodeId, PeerAddress][] {
    return [...known].filter(([id, a]) => {
      const b = this.book.get(id);
      return b === undefined || !sameAddress(a, b);
    });
  }

  /**
   * Moves the membership one step toward what was asked (join: learner, then voter once caught
   * up; leave: removed). `propose` says whether the core took the change; a refused one (a
   * change pending, a lagging learner, the last voter) is skipped for the next wish.
   */
  step(m: Membership, propose: (cc: ConfChange) => boolean): void {
    for (const [id, want] of this.wanted) {
      const voter = m.voters.includes(id);
      const learner = m.learners.includes(id);
      let cc: ConfChange | undefined;
      if (want === 'voter') cc = voter ? undefined : learner ? { type: 'promote', node: id } : { type: 'add-learner', node: id };
      else if (voter || learner) cc = { type: 'remove', node: id };
      if (cc !== undefined && propose(cc)) return; // one change at a time
    }
  }

  addresses(): [NodeId, PeerAddress][] {
    return [...this.book];
  }

  toJSON(): unknown {
    return { book: [...this.book], wanted: [...this.wanted] };
  }

  restore(json: unknown): void {
    const { book, wanted } = json as { book: [NodeId, PeerAddress][]; wanted: [NodeId, Wish][] };
    this.book.clear();
    this.wanted.clear();
    for (const [id, a] of book) this.learn(id, a);
    for (const [id, w] of wanted) this.wanted.set(id, w);
  }

  private learn(id: NodeId, address: PeerAddress): void {
    this.book.set(id, address);
    if (id !== this.self) this.onAddress(id, address);
  }
}
