import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { createServer, type Server } from 'node:net';
import type { ServerConfig } from '../config';
import { CONFIG } from '../tokens';
import { Drainer } from './drainer';

/**
 * HAProxy's agent-check (`agent-check agent-port AGENT_PORT`): HAProxy connects now and then and
 * reads one line saying how this node stands. `up ready` while it serves; `drain` once it
 * drains (HAProxy sends it no new connections, and a client told `server:draining` reconnects to
 * another node); `maint` when it is about to stop. Its health check (`/health/ready`) still
 * decides up or down; the agent lets the node take itself out before that check notices.
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
    return phase === 'stopping' ? 'maint\n' : phase === 'draining' ? 'drain\n' : 'up ready\n';
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
