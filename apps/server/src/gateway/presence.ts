import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { NodeId, RaftNode } from '@rookery/raft';
import { RAFT_NODE } from '@rookery/raft/nest';
import { SpectatorTally } from './spectator-tally';
import { ROOM_PREFIX, room, type IoServer, type IoSocket } from './sockets';

/** The peer channel of presence reports. */
export const PRESENCE_CHANNEL = 'rookery.presence';
/** How often a node reports its spectators and announces changed totals. */
export const PRESENCE_INTERVAL_MS = 1000;
/** A peer's report counts this long: three missed intervals, and a little for a late one. */
const STALE_MS = 3.5 * PRESENCE_INTERVAL_MS;
/** Games per report, so a report stays well under the transport's 64 KiB (an entry is ≤ ~45 bytes). */
const GAMES_PER_REPORT = 1000;
const GAME_ID = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * Spectators across the cluster (`game:spectators`). Every node serves every game, so a game's
 * watchers are spread over the nodes; each node counts its own — connections in a game's room
 * holding no seat of it — and tells its peers every interval, outside the log (presence is not
 * state). Each node adds the fresh reports to its own count and tells a game's room when the
 * total changed, at most once an interval.
 *
 * Report payload (JSON on PRESENCE_CHANNEL): `{ "counts": [[gameId, count], …] }` — this node's
 * games with spectators, and a zero for each that has just lost its last.
 */
@Injectable()
export class Presence implements OnModuleDestroy {
  private readonly log = new Logger('Presence');
  private readonly tally = new SpectatorTally(STALE_MS);
  private server: IoServer | undefined;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  /** Games this node reported spectators of last time: a game missing now is reported as zero once. */
  private reported = new Set<string>();

  constructor(@Inject(RAFT_NODE) private readonly node: RaftNode) {}

  /** Starts counting the server's rooms and exchanging reports with the peers. */
  attach(server: IoServer): void {
    this.server = server;
    this.unsubscribe = this.node.onPeerMessage(PRESENCE_CHANNEL, (from, payload) => this.heard(from, payload));
    this.timer = setInterval(() => this.tick(), PRESENCE_INTERVAL_MS);
    this.timer.unref();
  }

  /** A socket has just started watching `gameId`: it hears the count soon after its answer. */
  watching(socket: IoSocket, gameId: string): void {
    // After the acknowledgement, which is sent once the handler's promise settles (microtasks).
    setImmediate(() => {
      if (!socket.connected || !socket.rooms.has(room(gameId))) return;
      socket.emit('game:spectators', { gameId, count: this.tally.total(gameId, Date.now(), this.countHere(gameId)) });
    });
  }

  onModuleDestroy(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.unsubscribe?.();
  }

  private tick(): void {
    const server = this.server;
    if (server === undefined) return;
    const counts = this.countAll();
    this.tally.setLocal(counts);
    const report: [string, number][] = [...counts];
    for (const g of this.reported) if (!counts.has(g)) report.push([g, 0]);
    this.reported = new Set(counts.keys());
    for (let i = 0; i < report.length; i += GAMES_PER_REPORT) {
      this.node.broadcast(PRESENCE_CHANNEL, Buffer.from(JSON.stringify({ counts: report.slice(i, i + GAMES_PER_REPORT) })));
    }
    for (const [gameId, count] of this.tally.changes(Date.now())) server.to(room(gameId)).emit('game:spectators', { gameId, count });
  }

  /** This node's spectators, by game: connections in a game's room that hold no seat of it. */
  private countAll(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const name of this.server?.of('/').adapter.rooms.keys() ?? []) {
      if (!name.startsWith(ROOM_PREFIX)) continue;
      const gameId = name.slice(ROOM_PREFIX.length);
      const n = this.countHere(gameId);
      if (n > 0) counts.set(gameId, n);
    }
    return counts;
  }

  private countHere(gameId: string): number {
    const ns = this.server?.of('/');
    if (ns === undefined) return 0;
    let n = 0;
    for (const id of ns.adapter.rooms.get(room(gameId)) ?? []) if (ns.sockets.get(id)?.data.seats.has(gameId) === false) n++;
    return n;
  }

  /** A peer's report. Malformed is a peer's bug (or another version's form): refused whole. */
  private heard(from: NodeId, payload: Uint8Array): void {
    const report = JSON.parse(Buffer.from(payload).toString('utf8')) as { counts?: unknown };
    const counts = report?.counts;
    const ok = (e: unknown): e is [string, number] => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && GAME_ID.test(e[0]) && Number.isSafeInteger(e[1]) && (e[1] as number) >= 0;
    if (!Array.isArray(counts) || counts.length > GAMES_PER_REPORT || !counts.every(ok)) {
      this.log.warn(`a presence report from ${from} is not { counts: [[gameId, count], …] }; ignored`);
      return;
    }
    this.tally.heard(from, counts, Date.now());
  }
}
