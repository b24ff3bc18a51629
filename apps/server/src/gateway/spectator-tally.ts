import type { NodeId } from '@rookery/raft';

/**
 * The cluster-wide count of each game's spectators, as one node knows it: its own (counted each
 * interval) plus what each peer last reported, each report kept only while fresh — a node that
 * stopped reporting (dead, partitioned) stops counting after `staleMs`. Pure: time is passed in.
 */
export class SpectatorTally {
  /** This node's spectators by game, as last counted (games with none left out). */
  private local = new Map<string, number>();
  /** Each peer's last report by game, and when it arrived. */
  private readonly peers = new Map<NodeId, Map<string, { count: number; at: number }>>();
  /** The totals last announced to the games' rooms (games at zero left out). */
  private readonly announced = new Map<string, number>();

  constructor(private readonly staleMs: number) {}

  setLocal(counts: ReadonlyMap<string, number>): void {
    this.local = new Map([...counts].filter(([, n]) => n > 0));
  }

  /** A peer's counts, by game; a zero says the game has no spectators there now. */
  heard(peer: NodeId, counts: Iterable<readonly [string, number]>, now: number): void {
    let games = this.peers.get(peer);
    if (games === undefined) this.peers.set(peer, (games = new Map()));
    for (const [gameId, count] of counts) {
      if (count > 0) games.set(gameId, { count, at: now });
      else games.delete(gameId);
    }
    if (games.size === 0) this.peers.delete(peer);
  }

  /** `gameId`'s spectators on every node: `localNow` here (or as last counted) plus the fresh peer reports. */
  total(gameId: string, now: number, localNow = this.local.get(gameId) ?? 0): number {
    this.expire(now);
    return this.sum(gameId, localNow);
  }

  /** The games whose total differs from the one last announced, with the new totals, now taken as announced. */
  changes(now: number): [gameId: string, count: number][] {
    this.expire(now);
    const games = new Set([...this.local.keys(), ...this.announced.keys()]);
    for (const reports of this.peers.values()) for (const g of reports.keys()) games.add(g);
    const out: [string, number][] = [];
    for (const g of games) {
      const n = this.sum(g, this.local.get(g) ?? 0);
      if (n === (this.announced.get(g) ?? 0)) continue;
      out.push([g, n]);
      if (n > 0) this.announced.set(g, n);
      else this.announced.delete(g);
    }
    return out;
  }

  private sum(gameId: string, local: number): number {
    let n = local;
    for (const games of this.peers.values()) n += games.get(gameId)?.count ?? 0;
    return n;
  }

  private expire(now: number): void {
    for (const [peer, games] of this.peers) {
      for (const [g, r] of games) if (now - r.at > this.staleMs) games.delete(g);
      if (games.size === 0) this.peers.delete(peer);
    }
  }
}
