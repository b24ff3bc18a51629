import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { MAX_PAYLOAD_BYTES } from '@rookery/protocol';
import type { Server, ServerOptions } from 'socket.io';

/** Socket.IO's server options, set once: small payloads, a heartbeat HAProxy's tunnel timeout outlasts. */
export class RookeryIoAdapter extends IoAdapter {
  constructor(app: INestApplicationContext) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    return super.createIOServer(port, {
      ...options,
      maxHttpBufferSize: MAX_PAYLOAD_BYTES,
      pingInterval: 25_000,
      pingTimeout: 20_000,
      // Reconnecting clients resume by version (game:watch), not by Socket.IO's connection-state recovery.
      connectionStateRecovery: undefined,
    }) as Server;
  }
}
