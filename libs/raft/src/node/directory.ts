import type { ConfChange, Logger, Membership, NodeId } from '../core/types';
import { logVersionOf, type PeerAddress } from '../transport/transport';

type Wish = 'voter' | 'gone';

/** Why a join was refused: ERR_JOIN_REFUSED (the id is a member elsewhere), ERR_MEMBER_REMOVED, ERR_JOIN_STALE or ERR_LOG_VERSION (the joiner cannot read the cluster's log). */
export interface JoinRefusal {
  readonly code: 'ERR_JOIN_REFUSED' | 'ERR_MEMBER_REMOVED' | 'ERR_JOIN_STALE' | 'ERR_LOG_VERSION';
  readonly message: string;
}

export function sameAddress(a: PeerAddress, b: PeerAddress): boolean {
  return a.host === b.host && a.port === b.port;
}

/**
 * How many of a server's ended stints the directory keeps. A join is stale only if it waited
 * out the server's leave; one that waited out as many leaves (each a restart or a planned
 * departure, and each one committed) is not expected: the oldest is forgotten.
 */
export const ENDED_STINTS = 16;

/**
 * What the node replicates for itself through the log (entries '~addrs', '~join', '~leave',
 * '~desired', '~versions', '~log-version') and carries in snapshots: every member's address, who
 * asked to join or leave, the desired voter count, the log version each server says it reads,
 * and the cluster's log version. Applied alike on every node; only the leader acts on them.
 *
 * The cluster's log version is what every member reads: the application writes entries of a
 * newer format only once it has risen that far (RaftNode.clusterLogVersion). It starts at 1 and
 * only rises — the leader raises it once every member has said it reads more — so a server
 * whose code reads less may not join, and one downgraded below it stops rather than misread.
 */
export class Directory {
  private readonly book = new Map<NodeId, PeerAddress>();
  private readonly wanted = new Map<NodeId, Wish>();
  /** The incarnation each server last joined as, when it asked for itself. */
  private readonly joinedAs = new Map<NodeId, string>();
  /** Servers an operator removed, and the incarnation removed: that one may not join again. */
  private readonly barred = new Map<NodeId, string>();
  /**
   * Servers that left of their own accord, and the stints their leaves ended (the latest
   * ENDED_STINTS, oldest first): a join from any of them is stale.
   */
  private readonly departed = new Map<NodeId, string[]>();
  /** The desired voter count; undefined until the first leader has fixed it. */
  private desired: number | undefined;
  /** The log version each server last said it reads (its transport handshake, published by a leader). */
  private readonly reads = new Map<NodeId, number>();
  /** The cluster's log version: every member reads it. */
  private logVersion = 1;

  constructor(
    private readonly self: NodeId,
    private readonly logger: Logger,
    /** Called for every address learned (the node dials it). */
    private readonly onAddress: (id: NodeId, address: PeerAddress) => void,
  ) {}

  /**
   * Applies one of the node's own entries; a join it refuses is answered with why.
   *
   * A join names the joiner's incarnation (its data directory's identity, see DiskStorage) when
   * the joiner asks for itself. An operator's removal (a '~leave' marked `removal`) bars the
   * incarnation the member last joined as: that server, restarted with its data, asks again with
   * --join (or a request it sent before the removal arrives late), and is refused, the same way
   * on every node, rather than pushing its way back in. A server started anew under the same id
   * (an empty data directory, so a new incarnation) is welcome, and so is an operator's own add.
   * A member's own leave (a planned departure) and self-healing's removal bar nothing.
   *
   * A server asking for itself also names its stint (RaftNode.stint: new at each start, and
   * after each leave of its own). Its own leave ends that stint: a join the stint sent before it
   * left, applied after (it waited on a paused or partitioned member), is refused as stale
   * rather than adding back a server that is stopping. The same server started again, or
   * joining anew after its leave, asks under a new stint and is welcome; the stints its leaves
   * ended stay stale (the latest ENDED_STINTS of them), back in the cluster or not.
   */
  apply(kind: string, body: Record<string, unknown>): JoinRefusal | undefined {
    if (kind === '~addrs') {
      for (const [id, a] of Object.entries(body as Record<string, PeerAddress>)) this.learn(id, a);
    } else if (kind === '~join') {
      const id = body.id as string;
      const address = body.address as PeerAddress;
      const incarnation = typeof body.incarnation === 'string' ? body.incarnation : undefined;
      const stint = typeof body.stint === 'string' ? body.stint : undefined;
      // A joiner that names no version is older than versions: it reads version 1. An operator's
      // add names none either, and is not refused for it: the operator vouches for the server.
      const reads = body.logVersion === undefined ? undefined : logVersionOf(body.logVersion);
      const known = this.book.get(id);
      if (known !== undefined && !sameAddress(known, address) && this.wanted.get(id) !== 'gone') {
        // A join in the name of a server we know elsewhere (and that has not left) would
        // redirect its traffic: refused, the same way on every node.
        return this.refuse('ERR_JOIN_REFUSED', `a join for ${id} at ${address.host}:${address.port} is refused: ${id} is a member known at ${known.host}:${known.port} (remove it first, or join under another id)`);
      }
      if (incarnation !== undefined && this.barred.get(id) === incarnation) {
        return this.refuse('ERR_MEMBER_REMOVED', `a join for ${id} (incarnation ${incarnation}) is refused: an operator removed ${id} as that incarnation, and it stays out; to bring it back, start it with an empty data directory or add it through the admin API`);
      }
      if (stint !== undefined && this.departed.get(id)?.includes(stint) === true) {
        return this.refuse('ERR_JOIN_STALE', `a join for ${id} (stint ${stint}) is refused: ${id} left the cluster since it asked, ending that stint; a join it sent before leaving arrived late. Started again, ${id} asks anew`);
      }
      if ((reads !== undefined || incarnation !== undefined) && (reads ?? 1) < this.logVersion) {
        return this.refuse('ERR_LOG_VERSION', `a join for ${id} is refused: it reads log version ${reads ?? 1}, and the cluster writes version ${this.logVersion}; upgrade ${id} first`);
      }
      this.learn(id, address);
      this.wanted.set(id, 'voter');
      if (reads !== undefined) this.reads.set(id, reads);
      this.barred.delete(id);
      // An operator's add names no incarnation: what the server last asked as still stands.
      if (incarnation !== undefined) this.joinedAs.set(id, incarnation);
    } else if (kind === '~leave') {
      const id = body.id as string;
      this.wanted.set(id, 'gone');
      const incarnation = this.joinedAs.get(id);
      if (body.removal === true && incarnation !== undefined) this.barred.set(id, incarnation);
      if (body.removal !== true && typeof body.stint === 'string') this.endStint(id, body.stint);
    } else if (kind === '~versions') {
      for (const [id, v] of Object.entries(body)) this.reads.set(id, logVersionOf(v));
    } else if (kind === '~log-version') {
      // Raised only: a stale or repeated raise changes nothing.
      this.logVersion = Math.max(this.logVersion, logVersionOf(body.version));
    } else if (kind === '~desired') {
      const count = body.count;
      // Checked before proposing; checked again here, the same way on every node.
      if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) {
        this.logger.warn(`${this.self}: ignored a desired member count of ${JSON.stringify(count)}; it must be an integer of at least 1`);
      } else if (body.initial !== true || this.desired === undefined) {
        // The first leader's initial count fixes it once; it never overrides a count already set.
        this.desired = count;
      }
    }
  }

  /** The desired voter count; undefined until the first leader has fixed it. */
  get desiredMembers(): number | undefined {
    return this.desired;
  }

  /** The cluster's log version (see the class comment). */
  get clusterLogVersion(): number {
    return this.logVersion;
  }

  /** The log version each server last said it reads, as the log has it. */
  logVersions(): ReadonlyMap<NodeId, number> {
    return this.reads;
  }

  /** Versions heard that the log does not hold yet (to publish as a '~versions' entry). */
  unpublishedVersions(heard: ReadonlyMap<NodeId, number>): [NodeId, number][] {
    return [...heard].filter(([id, v]) => this.reads.get(id) !== v);
  }

  /**
   * The version the cluster's log may rise to: the least any member of `m` reads, if every
   * member has said and that is above the current one; otherwise undefined.
   */
  raisableTo(m: Membership): number | undefined {
    let least = Infinity;
    for (const id of [...m.voters, ...m.learners]) least = Math.min(least, this.reads.get(id) ?? 0);
    return Number.isFinite(least) && least > this.logVersion ? least : undefined;
  }

  /**
   * A committed conf entry removed `id`: it stays out until it asks to join again, whoever
   * removed it (its own leave, the leader's self-healing, an operator), so an old join wish
   * cannot add it back.
   */
  removed(id: NodeId): void {
    this.wanted.set(id, 'gone');
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
   * change pending, a lagging learner, the last voter) is skipped for the next wish. Answers
   * whether a change was taken.
   *
   * A joining server is promoted even when the voters already number the desired count: that is
   * how an operator replaces a dead member (start the new one with --join; the dead one is then
   * removed by the self-healing rule, see decideRemoval).
   */
  step(m: Membership, propose: (cc: ConfChange) => boolean): boolean {
    for (const [id, want] of this.wanted) {
      const voter = m.voters.includes(id);
      const learner = m.learners.includes(id);
      let cc: ConfChange | undefined;
      if (want === 'voter') cc = voter ? undefined : learner ? { type: 'promote', node: id } : { type: 'add-learner', node: id };
      else if (voter || learner) cc = { type: 'remove', node: id };
      if (cc !== undefined && propose(cc)) return true; // one change at a time
    }
    return false;
  }

  addresses(): [NodeId, PeerAddress][] {
    return [...this.book];
  }

  toJSON(): unknown {
    const json: Record<string, unknown> = { book: [...this.book], wanted: [...this.wanted] };
    if (this.desired !== undefined) json.desired = this.desired;
    if (this.joinedAs.size > 0) json.joinedAs = [...this.joinedAs];
    if (this.barred.size > 0) json.barred = [...this.barred];
    if (this.departed.size > 0) json.departed = [...this.departed];
    if (this.reads.size > 0) json.reads = [...this.reads];
    if (this.logVersion > 1) json.logVersion = this.logVersion;
    return json;
  }

  restore(json: unknown): void {
    // `desired` is absent from snapshots written before it existed: the next leader fixes it.
    // `joinedAs`, `barred` and `departed` likewise (and when empty).
    // `reads` and `logVersion` likewise: a cluster from before log versions is at version 1.
    const { book, wanted, desired, joinedAs, barred, departed, reads, logVersion } = json as {
      book: [NodeId, PeerAddress][];
      wanted: [NodeId, Wish][];
      desired?: number;
      joinedAs?: [NodeId, string][];
      barred?: [NodeId, string][];
      /** One stint per server in snapshots written before a server's ended stints were all kept. */
      departed?: [NodeId, string | string[]][];
      reads?: [NodeId, number][];
      logVersion?: number;
    };
    this.book.clear();
    this.wanted.clear();
    this.joinedAs.clear();
    this.barred.clear();
    this.departed.clear();
    this.reads.clear();
    for (const [id, a] of book) this.learn(id, a);
    for (const [id, w] of wanted) this.wanted.set(id, w);
    for (const [id, i] of joinedAs ?? []) this.joinedAs.set(id, i);
    for (const [id, i] of barred ?? []) this.barred.set(id, i);
    for (const [id, ended] of departed ?? []) this.departed.set(id, typeof ended === 'string' ? [ended] : [...ended]);
    for (const [id, v] of reads ?? []) this.reads.set(id, logVersionOf(v));
    this.desired = desired;
    this.logVersion = logVersionOf(logVersion);
  }

  private endStint(id: NodeId, stint: string): void {
    const ended = this.departed.get(id) ?? [];
    if (ended.includes(stint)) return;
    ended.push(stint);
    if (ended.length > ENDED_STINTS) ended.shift();
    this.departed.set(id, ended);
  }

  private refuse(code: JoinRefusal['code'], message: string): JoinRefusal {
    this.logger.warn(`${this.self}: ${message}`);
    return { code, message };
  }

  private learn(id: NodeId, address: PeerAddress): void {
    this.book.set(id, address);
    if (id !== this.self) this.onAddress(id, address);
  }
}
