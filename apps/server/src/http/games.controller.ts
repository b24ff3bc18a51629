import { Body, Controller, Get, Headers, HttpCode, HttpException, Inject, Ip, Param, Post, Res } from '@nestjs/common';
import { ChessErrorCode, GatewayErrorCode, SESSION, TOKEN, checkPayload, type ClientEventName, type CreatePayload, type JoinPayload } from '@rookery/protocol';
import { GamesService, commandAck, seatAck } from '../chess/games.service';
import { ChessReplica } from '../chess/replica';
import { RateLimiter } from '../gateway/rate-limit';
import { Drainer } from '../ops/drainer';

/** HTTP status for each refusal: the body always carries the stable code. */
const STATUS: Record<string, number> = {
  [ChessErrorCode.Malformed]: 400,
  [GatewayErrorCode.BadRequest]: 400,
  [ChessErrorCode.UnknownGame]: 404,
  [ChessErrorCode.NotSeated]: 403,
  [GatewayErrorCode.RateLimited]: 429,
  [GatewayErrorCode.Timeout]: 503,
  [GatewayErrorCode.Unavailable]: 503,
  [GatewayErrorCode.Draining]: 503,
  [ChessErrorCode.TooManyGames]: 503,
};

function fail(code: string, message: string): never {
  throw new HttpException({ ok: false, error: { code, message } }, STATUS[code] ?? 409);
}

/** An answer that is a refusal becomes its HTTP error; any other is the body. */
function answer<T extends { ok: boolean }>(r: T | { ok: false; error: { code: string; message: string } }): T {
  if ('error' in r && !r.ok) fail(r.error.code, r.error.message);
  return r as T;
}

/**
 * The JSON API (k6 and scripts). Writes are accepted on any node: a follower forwards them
 * through Raft. A write names its client with the `x-rookery-session` header (with the body's
 * requestId it makes the command unique, so a retry returns the first result); a seat's
 * commands carry its token as `authorization: Bearer <token>`.
 */
@Controller('api/games')
export class GamesController {
  constructor(
    @Inject(GamesService) private readonly games: GamesService,
    @Inject(ChessReplica) private readonly replica: ChessReplica,
    @Inject(Drainer) private readonly drain: Drainer,
    @Inject(RateLimiter) private readonly limiter: RateLimiter,
  ) {}

  @Post()
  @HttpCode(201)
  async create(@Ip() ip: string, @Headers('x-rookery-session') session: string | undefined, @Body() body: unknown): Promise<unknown> {
    const s = this.check('game:create', body, session, ip);
    return answer(seatAck(await this.games.create(s, body as CreatePayload)));
  }

  @Post(':id/join')
  async join(@Ip() ip: string, @Param('id') gameId: string, @Headers('x-rookery-session') session: string | undefined, @Body() body: unknown): Promise<unknown> {
    const s = this.check('game:join', { ...(body as object), gameId }, session, ip);
    return answer(seatAck(await this.games.join(s, { ...(body as Omit<JoinPayload, 'gameId'>), gameId })));
  }

  @Post(':id/moves')
  move(@Ip() ip: string, @Param('id') gameId: string, @Headers('x-rookery-session') session: string | undefined, @Headers('authorization') auth: string | undefined, @Body() body: unknown): Promise<unknown> {
    return this.moveCommand(ip, gameId, session, auth, body);
  }

  /**
   * POST /api/games/:id/moves, behind the route above and behind the direct route of
   * direct-moves.ts (which takes the common requests before the framework does): the answer,
   * or an HttpException with the refusal.
   */
  async moveCommand(ip: string, gameId: string, session: string | undefined, auth: string | undefined, body: unknown): Promise<unknown> {
    const s = this.check('game:move', { ...(body as object), gameId }, session, ip);
    const token = /^Bearer (\S+)$/.exec(auth ?? '')?.[1];
    if (token === undefined || !TOKEN.test(token)) fail(ChessErrorCode.NotSeated, 'a move needs the seat token: authorization: Bearer <token>');
    const q = body as { requestId: string; move: string; ply?: number };
    return answer(commandAck(gameId, await this.games.execute({ type: 'move', requestId: q.requestId, session: s, gameId, token, move: q.move, ...(q.ply !== undefined ? { ply: q.ply } : {}) })));
  }

  @Get()
  list(): unknown {
    return { ok: true, games: this.replica.machine.liveGames() };
  }

  @Get(':id')
  view(@Param('id') gameId: string): unknown {
    const view = this.replica.machine.view(gameId);
    if (view === undefined) fail(ChessErrorCode.UnknownGame, `no game ${gameId}`);
    return { ok: true, game: view };
  }

  @Get(':id/pgn')
  pgn(@Param('id') gameId: string, @Res({ passthrough: true }) res: { type(t: string): unknown }): string {
    const pgn = this.replica.machine.pgn(gameId);
    if (pgn === undefined) fail(ChessErrorCode.UnknownGame, `no game ${gameId}`);
    // Only a found game is PGN: an error stays JSON.
    res.type('application/x-chess-pgn; charset=utf-8');
    return pgn;
  }

  /** Validation, the drain and the per-IP rate limit (shared with the client's sockets); the session. */
  private check(event: ClientEventName, body: unknown, session: string | undefined, ip: string): string {
    const problem = checkPayload(event, body);
    if (problem !== undefined) fail(GatewayErrorCode.BadRequest, problem);
    if (session === undefined || !SESSION.test(session)) fail(GatewayErrorCode.BadRequest, 'writes need an x-rookery-session header of 8-64 letters, digits or _ . : -');
    if (this.drain.draining) fail(GatewayErrorCode.Draining, 'this node is draining; send writes to another');
    const limited = this.limiter.takeIp(ip);
    if (limited !== undefined) fail(GatewayErrorCode.RateLimited, limited);
    return session;
  }
}
