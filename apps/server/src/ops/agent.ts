import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { createServer, type Server } from 'node:net';
import type { ServerConfig } from '../config';
import { CONFIG } from '../tokens';
import { Drainer } from './drainer';

/**
 * HAProxy's agent-check (`agent-check agent-port AGENT_PORT`): HAProxy connects now and then and
 * reads one line saying how this node stands. `up ready` while it serves; `drain` once it is
 * asked to restart and waits for its slot (it still serves its clients, but HAProxy sends it no
 * new sessions); `maint` from the moment it drains (HAProxy sends it nothing, not even a client
 * whose sticky cookie names it, so a client told `server:draining` reconnects elsewhere). Its
 * health check (`/health/ready`) still decides up or down; the agent lets the node take itself
 * out before that check notices.
 */
@Injectable()
export class HaproxyAgent implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger('HaproxyAgent');
  private server: Server | undefined;

  constructor(
    @Inject(CONFIG) private readonly config: ServerConfig,
    @Inject(Drainer) private readonly drainer: Drainer,
  ) {}

  /** The line HAProxy reads now. */
  answer(): string {
    const phase = this.drainer.phase;
    return phase === 'waiting-for-slot' ? 'drain\n' : phase === 'serving' ? 'up ready\n' : 'maint\n';
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.agentPort === undefined) return;
    this.server = createServer((socket) => {
      socket.on('error', () => undefined);
      socket.end(this.answer());
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.config.agentPort, this.config.http.host, () => resolve());
    });
    this.log.log(`HAProxy agent on ${this.config.http.host}:${this.config.agentPort}`);
  }

  async onModuleDestroy(): Promise<void> {
    await new Promise((r) => (this.server ? this.server.close(() => r(undefined)) : r(undefined)));
  }
}
