import { Inject, Injectable, Logger } from '@nestjs/common';
import type { RaftNode } from '@rookery/raft';
import { RAFT_NODE } from '@rookery/raft/nest';
import { GamesService } from '../chess/games.service';
import type { ServerConfig } from '../config';
import { CONFIG } from '../tokens';
import { RestartSlot } from './restart-slot';

/** Where a node stands: serving; waiting for a restart slot (still serving); draining; stopping. */
export type DrainPhase = 'serving' | 'waiting-for-slot' | 'draining' | 'stopping';

/**
 * Draining is a protocol (DESIGN decision 8), run on SIGTERM or the admin call:
 * a restart slot first (Redis; the node serves while it waits) → not ready, and HAProxy's agent
 * says `drain` → clients told `server:draining`, closed after a grace period in batches →
 * leadership handed to a follower if this node leads → the proposals in flight finished →
 * agent `maint`, Raft stopped cleanly → exit 0. From the slot on, all within DRAIN_DEADLINE_MS,
 * after which the process exits 1 anyway.
 */
@Injectable()
export class Drainer {
  phase: DrainPhase = 'serving';
  private readonly log = new Logger('Drainer');
  private clients: (graceMs: number) => Promise<void> = async () => undefined;
  private close: () => Promise<void> = async () => undefined;

  constructor(
    @Inject(RAFT_NODE) private readonly node: RaftNode,
    @Inject(CONFIG) private readonly config: ServerConfig,
    @Inject(RestartSlot) private readonly slot: RestartSlot,
    @Inject(GamesService) private readonly games: GamesService,
  ) {}

  /** Not ready and refusing new commands: from the moment the slot is taken. */
  get draining(): boolean {
    return this.phase === 'draining' || this.phase === 'stopping';
  }

  /** The gateway's part: tell clients to move, close them after the grace period. */
  onClients(f: (graceMs: number) => Promise<void>): void {
    this.clients = f;
  }

  /** The application's part: close it (Raft stops with it). */
  onClose(f: () => Promise<void>): void {
    this.close = f;
  }

  async drainAndExit(reason: string): Promise<void> {
    if (this.phase !== 'serving') return;
    this.phase = 'waiting-for-slot';
    this.log.log(`asked to drain (${reason})${this.slot.enabled ? '; taking a restart slot first' : ''}`);
    await this.slot.take();
    this.phase = 'draining';
    const deadline = this.config.drainDeadlineMs;
    const force = setTimeout(() => {
      this.log.error(`drain (${reason}) passed its ${deadline} ms deadline in phase ${this.phase}; exiting`);
      process.exit(1);
    }, deadline);
    force.unref();
    const started = Date.now();
    this.log.log(`draining (${reason}): not ready; clients get ${this.config.drainGraceMs} ms`);
    await this.clients(this.config.drainGraceMs);
    if (this.node.status().role === 'leader') await this.handOver();
    // What this node's clients asked before the drain gets its answer (or its timeout).
    const busy = this.games.inFlight;
    if (busy > 0) this.log.log(`waiting for ${busy} proposal(s) in flight`);
    await this.games.idle(Math.max(0, deadline - (Date.now() - started) - 1000));
    this.phase = 'stopping';
    await this.close();
    this.log.log(`stopped after ${Date.now() - started} ms of draining`);
    process.exit(0);
  }

  private async handOver(): Promise<void> {
    try {
      this.node.transferLeadership();
      const until = Date.now() + this.config.tickMs * 20;
      while (this.node.status().role === 'leader' && Date.now() < until) await new Promise((r) => setTimeout(r, this.config.tickMs));
      const s = this.node.status();
      this.log.log(`leadership handed over in term ${s.term}: ${s.role === 'leader' ? 'not taken, still leading' : s.leader || 'no leader yet'}`);
    } catch (e) {
      this.log.warn(`leadership transfer refused: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}
