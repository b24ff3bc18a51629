import { Inject, Injectable, Logger } from '@nestjs/common';
import type { RaftNode } from '@rookery/raft';
import { RAFT_NODE } from '@rookery/raft/nest';
import type { ServerConfig } from '../config';
import { CONFIG } from '../tokens';

/**
 * Draining is a protocol (DESIGN decision 8), run on SIGTERM or the admin call: the node turns
 * not-ready (HAProxy stops sending it sockets) → clients are told `server:draining` and closed
 * after a grace period → leadership goes to a follower if this node leads → the application
 * (and Raft, cleanly) stops → exit 0; all within a deadline, after which the process exits anyway.
 */
@Injectable()
export class Drainer {
  draining = false;
  private readonly log = new Logger('Drainer');
  private clients: (graceMs: number) => Promise<void> = async () => undefined;
  private close: () => Promise<void> = async () => undefined;

  constructor(
    @Inject(RAFT_NODE) private readonly node: RaftNode,
    @Inject(CONFIG) private readonly config: ServerConfig,
  ) {}

  /** The gateway's part: tell clients to move, close them after the grace period. */
  onClients(f: (graceMs: number) => Promise<void>): void {
    this.clients = f;
  }

  /** The application's part: close it (Raft stops with it). */
  onClose(f: () => Promise<void>): void {
    this.close = f;
  }

  async drainAndExit(reason: string): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    const deadline = this.config.drainGraceMs + 10_000;
    const force = setTimeout(() => {
      this.log.error(`drain (${reason}) passed its ${deadline} ms deadline; exiting`);
      process.exit(1);
    }, deadline);
    force.unref();
    this.log.log(`draining (${reason})`);
    await this.clients(this.config.drainGraceMs);
    if (this.node.status().role === 'leader') {
      try {
        this.node.transferLeadership();
        const until = Date.now() + this.config.tickMs * 20;
        while (this.node.status().role === 'leader' && Date.now() < until) await new Promise((r) => setTimeout(r, this.config.tickMs));
        this.log.log(`leadership handed over: ${this.node.status().leader || 'no leader yet'}`);
      } catch (e) {
        this.log.warn(`leadership transfer refused: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    // In-flight proposals: give the new leader a moment to commit what this node forwarded.
    await new Promise((r) => setTimeout(r, this.config.tickMs * 2));
    await this.close();
    this.log.log('stopped');
    process.exit(0);
  }
}
