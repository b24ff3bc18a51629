import { Inject, Logger, type OnModuleDestroy } from '@nestjs/common';
import { ConnectedSocket, MessageBody, SubscribeMessage, WebSocketGateway, WebSocketServer, type OnGatewayConnection, type OnGatewayDisconnect, type OnGatewayInit } from '@nestjs/websockets';
import type { Command, GameEvent } from '@rookery/chess-fsm';
import {
  CLIENT_EVENTS,
  GatewayErrorCode,
  SESSION,
  TOKEN,
  checkPayload,
  type ClientEventName,
  type CreatePayload,
  type JoinPayload,
} from '@rookery/protocol';
import type { RaftNode } from '@rookery/raft';
import { RAFT_NODE } from '@rookery/raft/nest';
import { firstValueFrom, filter, take, timeout, type Subscription } from 'rxjs';
import { GamesService, commandAck, seatAck, type Seated } from '../chess/games.service';
import { ChessReplica } from '../chess/replica';
import type { ServerConfig } from '../config';
import { CONFIG, TRUSTED_PROXIES } from '../tokens';
import type { TrustedProxies } from '../http/client-ip';
import { FanoutAdapter } from './fanout-adapter';
import { Presence } from './presence';
import { RateLimiter } from './rate-limit';
import { room, type IoServer, type IoSocket } from './sockets';
import { Drainer } from '../ops/drainer';
import { Metrics } from '../ops/metrics';

type Failure = { ok: false; error: { code: string; message: string } };

const bad = (code: string, message: string): Failure => ({ ok: false, error: { code, message } });
const MOVE_EVENTS = new Set<ClientEventName>(['game:move']);
/** Sockets closed at once at the end of a drain, and the pause between two batches. */
const DRAIN_BATCH = 500;
const DRAIN_BATCH_GAP_MS = 50;

/**
 * The Socket.IO gateway: play, watch and resume. Every payload is validated, every command
 * checked against this replica before it is proposed, every answer an acknowledgement (never
 * silence). Events reach sockets through one subscription to the replica's applied events,
 * fanned out by game rooms: every node serves every game, since every node applies every entry.
 */
@WebSocketGateway()
export class GamesGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, OnModuleDestroy {
  @WebSocketServer() private server!: IoServer;
  private readonly log = new Logger('GamesGateway');
  private readonly subscriptions: Subscription[] = [];
  private readonly connectionsPerIp = new Map<string, number>();
  private clockSync: NodeJS.Timeout | undefined;

  constructor(
    @Inject(GamesService) private readonly games: GamesService,
    @Inject(ChessReplica) private readonly replica: ChessReplica,
    @Inject(CONFIG) private readonly config: ServerConfig,
    @Inject(Drainer) private readonly drain: Drainer,
    @Inject(Metrics) private readonly metrics: Metrics,
    @Inject(RAFT_NODE) private readonly node: RaftNode,
    @Inject(RateLimiter) private readonly limiter: RateLimiter,
    @Inject(Presence) private readonly presence: Presence,
    @Inject(TRUSTED_PROXIES) private readonly proxies: TrustedProxies,
  ) {
    drain.onClients((graceMs) => this.drainClients(graceMs));
  }

  afterInit(server: IoServer): void {
    const adapter = server.of('/').adapter;
    if (adapter instanceof FanoutAdapter) this.metrics.watchBroadcasts(() => adapter.sent);
    // Authentication happens in the handshake: Nest guards do not run at connection time.
    server.use((socket, next) => {
      if (this.drain.draining) return next(new Error(`${GatewayErrorCode.Draining}: this node is draining; connect to another`));
      const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
      const ip = this.proxies.clientAddress(socket.handshake.address, socket.handshake.headers['x-forwarded-for']);
      if ((this.connectionsPerIp.get(ip) ?? 0) >= this.config.maxConnectionsPerIp) {
        return next(new Error(`${GatewayErrorCode.RateLimited}: too many connections from ${ip}`));
      }
      const session = auth['session'];
      if (session !== undefined && (typeof session !== 'string' || !SESSION.test(session))) {
        return next(new Error(`${GatewayErrorCode.BadRequest}: auth.session must be 8-64 letters, digits or _ . : -`));
      }
      const seats = new Map<string, string>();
      const given = auth['seats'];
      if (given !== undefined) {
        if (typeof given !== 'object' || given === null || Array.isArray(given) || Object.keys(given).length > 64) {
          return next(new Error(`${GatewayErrorCode.BadRequest}: auth.seats must map up to 64 game ids to seat tokens`));
        }
        for (const [gameId, token] of Object.entries(given as Record<string, unknown>)) {
          if (typeof token !== 'string' || !TOKEN.test(token) || !/^[A-Za-z0-9_-]{1,32}$/.test(gameId)) {
            return next(new Error(`${GatewayErrorCode.BadRequest}: auth.seats.${gameId.slice(0, 32)} is not a seat token`));
          }
          seats.set(gameId, token);
        }
      }
      socket.data = { session: (session as string | undefined) ?? `anon-${socket.id}`, seats, ip };
      next();
    });
    // What one command did to a game goes to its watchers in one packet: a broadcast costs per
    // socket, and a capture or a mate is more than one event. Socket.IO encodes a packet before
    // it looks for the room's sockets: a game nobody watches on this node (most of them, on
    // most nodes) is not encoded at all.
    const send = (gameId: string, events: readonly GameEvent[]): void => {
      const name = room(gameId);
      if (server.of('/').adapter.rooms.get(name)?.size) server.to(name).emit('game:event', ...events);
    };
    this.subscriptions.push(
      this.replica.applied$.subscribe((events) => {
        const gameId = events[0]!.gameId;
        if (events.every((e) => e.gameId === gameId)) return send(gameId, events);
        // A sweep ends several games in one command.
        const byGame = new Map<string, GameEvent[]>();
        for (const e of events) {
          const of = byGame.get(e.gameId);
          if (of === undefined) byGame.set(e.gameId, [e]);
          else of.push(e);
        }
        for (const [id, es] of byGame) send(id, es);
      }),
    );
    // A snapshot replaced this replica's state: every watcher gets a full view, marked as a resync.
    this.subscriptions.push(
      this.replica.restored$.subscribe(() => {
        for (const [name] of server.of('/').adapter.rooms) {
          if (!name.startsWith('game:')) continue;
          const view = this.replica.machine.view(name.slice(5));
          if (view !== undefined) server.to(name).emit('game:resync', view);
        }
      }),
    );
    this.presence.attach(server);
    this.clockSync = setInterval(() => this.syncClocks(), 2000);
    this.clockSync.unref();
  }

  handleConnection(socket: IoSocket): void {
    this.metrics.sockets.inc();
    socket.on('game:move', (...args: unknown[]) => {
      // Socket.IO's arguments as Nest maps them: the payload, then the acknowledgement.
      const last = args[args.length - 1];
      const ack = typeof last === 'function' ? (last as (answer: unknown) => void) : undefined;
      const size = ack === undefined ? args.length : args.length - 1;
      const payload = size === 1 ? args[0] : size === 0 ? undefined : args.slice(0, size);
      void this.move(socket, payload)
        .catch((e: unknown) => {
          this.log.error(`game:move from session ${socket.data.session} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
          // Retryable: the client sends it again under the same request id, applied once either way.
          return bad(GatewayErrorCode.Unavailable, 'internal error on this node; retry with the same request id');
        })
        .then((answer) => ack?.(answer));
    });
    const ip = socket.data.ip;
    this.connectionsPerIp.set(ip, (this.connectionsPerIp.get(ip) ?? 0) + 1);
    socket.onAny((event: string, ...args: unknown[]) => {
      if ((CLIENT_EVENTS as readonly string[]).includes(event)) return;
      const ack = args[args.length - 1];
      if (typeof ack === 'function') (ack as (r: Failure) => void)(bad(GatewayErrorCode.BadRequest, `unknown event ${JSON.stringify(String(event).slice(0, 40))}`));
    });
  }

  handleDisconnect(socket: IoSocket): void {
    this.metrics.sockets.dec();
    const ip = socket.data.ip;
    const n = (this.connectionsPerIp.get(ip) ?? 1) - 1;
    if (n <= 0) this.connectionsPerIp.delete(ip);
    else this.connectionsPerIp.set(ip, n);
    this.limiter.forget(socket.id);
  }

  onModuleDestroy(): void {
    for (const s of this.subscriptions) s.unsubscribe();
    if (this.clockSync !== undefined) clearInterval(this.clockSync);
  }

  // ---- Play ---------------------------------------------------------------------------------

  @SubscribeMessage('game:create')
  async create(@ConnectedSocket() s: IoSocket, @MessageBody() p: unknown): Promise<unknown> {
    const refused = this.admit(s, 'game:create', p);
    if (refused) return refused;
    return this.seated(s, await this.games.create(s.data.session, p as CreatePayload));
  }

  @SubscribeMessage('game:join')
  async join(@ConnectedSocket() s: IoSocket, @MessageBody() p: unknown): Promise<unknown> {
    const refused = this.admit(s, 'game:join', p);
    if (refused) return refused;
    return this.seated(s, await this.games.join(s.data.session, p as JoinPayload));
  }

  /**
   * `game:move`, the hot path, is bound in handleConnection straight to the socket rather than
   * through @SubscribeMessage: Nest's per-message pipeline (an rxjs chain, pipes, filters) cost
   * about a twelfth of the leader's CPU per move under load, and this handler uses none of it.
   */
  move(s: IoSocket, p: unknown): Promise<unknown> {
    return this.seatCommand(s, 'game:move', p, (q) => (q['ply'] === undefined ? { type: 'move', move: String(q['move']) } : { type: 'move', move: String(q['move']), ply: q['ply'] }));
  }

  @SubscribeMessage('game:resign')
  resign(@ConnectedSocket() s: IoSocket, @MessageBody() p: unknown): Promise<unknown> {
    return this.seatCommand(s, 'game:resign', p, () => ({ type: 'resign' }));
  }

  @SubscribeMessage('game:offerDraw')
  offerDraw(@ConnectedSocket() s: IoSocket, @MessageBody() p: unknown): Promise<unknown> {
    return this.seatCommand(s, 'game:offerDraw', p, () => ({ type: 'offerDraw' }));
  }

  @SubscribeMessage('game:acceptDraw')
  acceptDraw(@ConnectedSocket() s: IoSocket, @MessageBody() p: unknown): Promise<unknown> {
    return this.seatCommand(s, 'game:acceptDraw', p, () => ({ type: 'acceptDraw' }));
  }

  @SubscribeMessage('game:declineDraw')
  declineDraw(@ConnectedSocket() s: IoSocket, @MessageBody() p: unknown): Promise<unknown> {
    return this.seatCommand(s, 'game:declineDraw', p, () => ({ type: 'declineDraw' }));
  }

  @SubscribeMessage('game:claimDraw')
  claimDraw(@ConnectedSocket() s: IoSocket, @MessageBody() p: unknown): Promise<unknown> {
    return this.seatCommand(s, 'game:claimDraw', p, (q) => ({ type: 'claimDraw', ...(q['reason'] !== undefined ? { reason: q['reason'] as 'threefold' | 'fifty-moves' } : {}) }));
  }

  @SubscribeMessage('game:abort')
  abort(@ConnectedSocket() s: IoSocket, @MessageBody() p: unknown): Promise<unknown> {
    return this.seatCommand(s, 'game:abort', p, () => ({ type: 'abort' }));
  }

  // ---- Watch and resume ----------------------------------------------------------------------

  @SubscribeMessage('game:watch')
  async watch(@ConnectedSocket() s: IoSocket, @MessageBody() p: unknown): Promise<unknown> {
    const refused = this.admit(s, 'game:watch', p);
    if (refused) return refused;
    const { gameId, version } = p as { gameId: string; version?: number };
    // Reading the catch-up and joining the room in the same turn: no event can fall between them.
    let catchup = version === undefined ? this.viewOf(gameId) : this.replica.machine.eventsSince(gameId, version);
    // A replica behind what the client has seen waits until it has applied that far (DESIGN
    // decision 6). An unknown game on a replica that has applied all it knows committed is
    // unknown, not pending.
    const st = this.node.status();
    if (version !== undefined && (catchup.kind === 'ahead' || (catchup.kind === 'unknown' && st.appliedIndex < st.commit))) {
      try {
        await firstValueFrom(this.replica.game$(gameId).pipe(filter((e) => e.version >= version), take(1), timeout(this.config.proposalTimeoutMs)));
      } catch {
        return bad(GatewayErrorCode.Behind, `this node has not applied version ${version} of game ${gameId} within ${this.config.proposalTimeoutMs} ms; try another`);
      }
      catchup = this.replica.machine.eventsSince(gameId, version);
    }
    if (catchup.kind === 'unknown' || catchup.kind === 'ahead') return bad('ERR_UNKNOWN_GAME', `no game ${gameId}`);
    void s.join(room(gameId));
    this.presence.watching(s, gameId);
    return { ok: true, catchup };
  }

  @SubscribeMessage('game:unwatch')
  unwatch(@ConnectedSocket() s: IoSocket, @MessageBody() p: unknown): unknown {
    const refused = this.admit(s, 'game:unwatch', p);
    if (refused) return refused;
    void s.leave(room((p as { gameId: string }).gameId));
    return { ok: true };
  }

  @SubscribeMessage('lobby:list')
  lobby(@ConnectedSocket() s: IoSocket, @MessageBody() p: unknown): unknown {
    const refused = this.admit(s, 'lobby:list', p ?? {});
    if (refused) return refused;
    return { ok: true, games: this.replica.machine.liveGames(200) };
  }

  // ---- Helpers ---------------------------------------------------------------------------------

  /** Validation and rate limits: the refusal, or undefined to go on. */
  private admit(s: IoSocket, event: ClientEventName, p: unknown): Failure | undefined {
    const problem = checkPayload(event, p);
    if (problem !== undefined) return bad(GatewayErrorCode.BadRequest, problem);
    if (event === 'game:watch' || event === 'game:unwatch' || event === 'lobby:list') return undefined;
    const limited = this.limiter.take(s.id, s.data.ip, MOVE_EVENTS.has(event) ? 'move' : 'command');
    if (limited !== undefined) {
      this.metrics.rateLimited.inc({ kind: MOVE_EVENTS.has(event) ? 'move' : 'command' });
      return bad(GatewayErrorCode.RateLimited, limited);
    }
    if (this.drain.draining) return bad(GatewayErrorCode.Draining, 'this node is draining; reconnect to another');
    return undefined;
  }

  private async seatCommand(s: IoSocket, event: ClientEventName, p: unknown, body: (q: Record<string, unknown>) => Record<string, unknown>): Promise<unknown> {
    const refused = this.admit(s, event, p);
    if (refused) return refused;
    const q = p as Record<string, unknown> & { requestId: string; gameId: string };
    const token = s.data.seats.get(q.gameId);
    if (token === undefined) return bad('ERR_NOT_SEATED', `this connection holds no seat in game ${q.gameId}`);
    // The body is a fresh object: the seat's fields go onto it, not into a copy made by a spread.
    const command = body(q);
    command['requestId'] = q.requestId;
    command['session'] = s.data.session;
    command['gameId'] = q.gameId;
    command['token'] = token;
    return commandAck(q.gameId, await this.games.execute(command as unknown as Command));
  }

  /** After a create or join: remember the seat, watch the game from the version answered, and answer with the token. */
  private seated(s: IoSocket, seated: Seated): unknown {
    const { outcome, gameId, token } = seated;
    if (!outcome.ok) return outcome;
    s.data.seats.set(gameId, token);
    // Events applied between the answer and now are sent here, the rest through the room: none
    // missed, none twice. A socket already in the room (a retried create) has had them all.
    if (!s.rooms.has(room(gameId))) {
      const since = this.replica.machine.eventsSince(gameId, outcome.version ?? 0);
      void s.join(room(gameId));
      if (since.kind === 'events' && since.events.length > 0) s.emit('game:event', ...since.events);
      // A retried create or join long after the first: the events since are no longer all kept.
      else if (since.kind === 'resync') s.emit('game:resync', since.view);
      this.presence.watching(s, gameId);
    }
    return seatAck(seated);
  }

  private viewOf(gameId: string): { kind: 'resync'; view: NonNullable<ReturnType<ChessReplica['machine']['view']>> } | { kind: 'unknown' } {
    const view = this.replica.machine.view(gameId);
    return view === undefined ? { kind: 'unknown' } : { kind: 'resync', view };
  }

  /** Clocks, now and then, to the watchers of games whose clock runs (volatile: a slow client just misses one). */
  private syncClocks(): void {
    const serverTime = Date.now();
    for (const [name, members] of this.server.of('/').adapter.rooms) {
      if (!name.startsWith('game:') || members.size === 0) continue;
      const gameId = name.slice(5);
      const c = this.replica.machine.clocks(gameId);
      if (c === undefined || c.clocks.running === null) continue;
      this.server.volatile.to(name).emit('clock:sync', { gameId, version: c.version, clocks: c.clocks, serverTime });
    }
  }

  /**
   * Tells every client to move, then closes those still here after the grace period — in
   * batches, so that the nodes they reconnect to are not hit by all of them in one instant.
   */
  async drainClients(graceMs: number): Promise<void> {
    this.server.emit('server:draining', { reconnectInMs: Math.min(graceMs, 1000) });
    this.log.log(`draining ${this.server.of('/').sockets.size} sockets within ${graceMs} ms`);
    await new Promise((r) => setTimeout(r, graceMs));
    const left = [...this.server.of('/').sockets.values()];
    for (let i = 0; i < left.length; i += DRAIN_BATCH) {
      for (const s of left.slice(i, i + DRAIN_BATCH)) s.disconnect(true);
      if (i + DRAIN_BATCH < left.length) await new Promise((r) => setTimeout(r, DRAIN_BATCH_GAP_MS));
    }
    this.server.disconnectSockets(true);
  }
}
