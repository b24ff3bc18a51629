import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { MAX_PAYLOAD_BYTES } from '@rookery/protocol';
import type { Server, ServerOptions } from 'socket.io';
import type { ServerConfig } from '../config';
import { FanoutAdapter } from './fanout-adapter';

/**
 * Socket.IO's server options, set once: small payloads, a cheaper room broadcast, a heartbeat
 * HAProxy's tunnel timeout outlasts, and CORS for the client nodes' origins only.
 */
export class RookeryIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly config: Pick<ServerConfig, 'clientNodes'>,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const origins = this.config.clientNodes;
    return super.createIOServer(port, {
      ...options,
      maxHttpBufferSize: MAX_PAYLOAD_BYTES,
      // Rooms broadcast a finished WebSocket frame to idle sockets in one write each.
      adapter: FanoutAdapter,
      pingInterval: 25_000,
      pingTimeout: 20_000,
      // Reconnecting clients resume by version (game:watch), not by Socket.IO's connection-state
      // recovery (which FanoutAdapter, an in-memory Adapter and not a SessionAwareAdapter, would
      // silently not do).
      connectionStateRecovery: undefined,
      // A client page served by one node connects to another when it moves (--client-nodes):
      // long-polling is cross-origin XHR there, which the browser allows only with CORS. No
      // cookies are involved (a session is in the handshake's auth), so no credentials.
      // Without client nodes, no CORS at all: the page talks to the origin that served it.
      cors: origins.length > 0 ? { origin: [...origins], methods: ['GET', 'POST'], credentials: false } : undefined,
    }) as Server;
  }
}
