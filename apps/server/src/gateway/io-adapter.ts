import type { INestApplicationContext } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { MessageMappingProperties } from '@nestjs/websockets';
import { MAX_PAYLOAD_BYTES } from '@rookery/protocol';
import type { Observable } from 'rxjs';
import type { Server, ServerOptions, Socket } from 'socket.io';
import type { ServerConfig } from '../config';
import { FanoutAdapter } from './fanout-adapter';
import { WriteThreads } from './write-threads';

/**
 * Socket.IO's server options, set once: small payloads, a cheaper room broadcast, a heartbeat
 * HAProxy's tunnel timeout outlasts, and CORS for the client nodes' origins only.
 */
export class RookeryIoAdapter extends IoAdapter {
  /** The node's fan-out write threads, shared by its namespaces; stopped with the application. */
  private readonly threads: WriteThreads | undefined;

  constructor(
    app: INestApplicationContext,
    private readonly config: Pick<ServerConfig, 'clientNodes' | 'fanoutThreads'>,
  ) {
    super(app);
    this.threads = WriteThreads.start(config.fanoutThreads);
  }

  override async dispose(): Promise<void> {
    await super.dispose();
    await this.threads?.close();
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const origins = this.config.clientNodes;
    return super.createIOServer(port, {
      ...options,
      maxHttpBufferSize: MAX_PAYLOAD_BYTES,
      // Rooms broadcast a finished WebSocket frame to idle sockets in one write each, part of
      // them from the write threads.
      adapter: FanoutAdapter.withWriteThreads(this.threads),
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

  /**
   * Binds each of the gateway's message handlers to a new connection with one plain listener.
   * Nest's own binding builds an RxJS pipeline per handler per connection (fromEvent, mergeMap,
   * takeUntil the disconnect, a subscriber): with the gateway's 12 handlers, heap snapshots of a
   * node before and after 1,000 spectators joined showed 62.7 MB more, most of it closures,
   * contexts and 44 subscribers per connection. That was most of what a spectator costs, and all
   * of it is marked by every full collection. The listener does what the pipeline did: it reads
   * the payload and the ack off the arguments as Nest does (`mapPayload`), runs the handler
   * (guards, pipes and exception filters included), and sends each non-empty result: an
   * `{ event, data }` is emitted, anything else answers the ack. A disconnected socket gets no
   * more events, so nothing needs to end the listener.
   */
  override bindMessageHandlers(socket: Socket, handlers: MessageMappingProperties[], transform: (data: unknown) => Observable<unknown>): void {
    for (const { message, callback, isAckHandledManually } of handlers) {
      socket.on(message as string, (...args: unknown[]) => {
        // rxjs' fromEvent, which Nest listens with, passes one argument as is and several as an array.
        const { data, ack } = this.mapPayload(args.length > 1 ? args : args[0]) as { data: unknown; ack?: unknown };
        transform(callback(data, ack)).subscribe({
          next: (response) => {
            if (response === null || response === undefined) return;
            const r = response as { event?: string; data?: unknown };
            if (r.event) {
              socket.emit(r.event, r.data);
              return;
            }
            if (isAckHandledManually !== true && typeof ack === 'function') (ack as (res: unknown) => void)(response);
          },
          error: (e: unknown) => logger.error(`socket ${socket.id}: handler of ${String(message)} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`),
        });
      });
    }
  }
}

const logger = new Logger('RookeryIoAdapter');
