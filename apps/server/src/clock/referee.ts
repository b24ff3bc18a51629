import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { RaftNode } from '@rookery/raft';
import { RAFT_NODE } from '@rookery/raft/nest';
import type { Subscription } from 'rxjs';
import { GamesService } from '../chess/games.service';
import { ChessReplica } from '../chess/replica';

const SWEEP_EVERY_MS = 30_000;

/**
 * The leader's timekeeping: it proposes a flag when a side's clock runs out (the state machine
 * checks it against the entry time the leader stamps) and a sweep now and then. Every node
 * tracks the deadlines from the events it applies, so a new leader takes over at once.
 */
@Injectable()
export class Referee implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger('Referee');
  private readonly deadlines = new Map<string, number>();
  private readonly inFlight = new Set<string>();
  private subscriptions: Subscription[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastSweep = Date.now();
  private lastRescan = 0;

  constructor(
    @Inject(RAFT_NODE) private readonly node: RaftNode,
    @Inject(ChessReplica) private readonly replica: ChessReplica,
    @Inject(GamesService) private readonly games: GamesService,
  ) {}

  onApplicationBootstrap(): void {
    this.subscriptions = [
      this.replica.applied$.subscribe((events) => {
        for (const e of events) this.track(e.gameId);
      }),
      this.replica.restored$.subscribe(() => this.rescan()),
    ];
    this.timer = setInterval(() => this.tick(), 100);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    for (const s of this.subscriptions) s.unsubscribe();
    if (this.timer !== undefined) clearInterval(this.timer);
  }

  private track(gameId: string): void {
    const d = this.replica.machine.flagDeadline(gameId);
    if (d === undefined) this.deadlines.delete(gameId);
    else this.deadlines.set(gameId, d);
  }

  /** All live games' deadlines again (after a restore, and now and then as a safety net). */
  private rescan(): void {
    this.deadlines.clear();
    for (const id of this.replica.machine.liveGameIds()) this.track(id);
    this.lastRescan = Date.now();
  }

  private tick(): void {
    const now = Date.now();
    if (now - this.lastRescan > 5000) this.rescan();
    if (this.node.status().role !== 'leader') return;
    for (const [gameId, deadline] of this.deadlines) {
      if (deadline > now) continue;
      // One flag in flight per deadline; each attempt its own request id, since a refusal is final
      // for its id (log version 4): a flag refused as early (a new leader's clock behind the old
      // one's) is proposed again as a new command.
      const key = `${gameId}:${deadline}`;
      if (this.inFlight.has(key)) continue;
      this.inFlight.add(key);
      const requestId = `flag:${gameId}:${deadline.toString(36)}:${now.toString(36)}`;
      void this.games
        .execute({ type: 'flag', requestId, session: `node-${this.node.id}`, gameId })
        .then((r) => {
          if (!r.ok && r.error.code !== 'ERR_GAME_OVER' && r.error.code !== 'ERR_NOT_FLAGGED') this.log.warn(`flag in game ${gameId} (deadline ${deadline}): ${r.error.code} ${r.error.message}`);
        })
        .finally(() => this.inFlight.delete(key));
    }
    if (now - this.lastSweep >= SWEEP_EVERY_MS) {
      this.lastSweep = now;
      void this.games.execute({ type: 'sweep', requestId: `sweep:${now}`, session: `node-${this.node.id}` });
    }
  }
}
