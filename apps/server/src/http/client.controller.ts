import { Controller, Get, HttpException, Inject, Param, Res } from '@nestjs/common';
import { resolve } from 'node:path';
import type { ServerConfig } from '../config';
import { CONFIG } from '../tokens';

/** A game id in a share link: the form of every game id (libs/protocol's gameId field). */
const GAME_ID = /^[A-Za-z0-9_-]{1,32}$/;

/** The slice of Express's response the page route uses. */
interface PageResponse {
  headersSent: boolean;
  sendFile(path: string, options: { root: string; headers: Record<string, string> }, done: (err?: Error) => void): void;
  status(code: number): { json(body: unknown): void };
}

const notFound = (path: string): HttpException => new HttpException({ ok: false, error: { code: 'ERR_NOT_FOUND', message: `Cannot GET ${path}` } }, 404);

/**
 * What the browser client needs from a node besides its static files (`--client-dir`): the
 * nodes it may reconnect to, and its page at the paths of its share links.
 */
@Controller()
export class ClientController {
  constructor(@Inject(CONFIG) private readonly config: ServerConfig) {}

  /** The client nodes (`--client-nodes`), in order; empty behind a load balancer: stay on this origin. */
  @Get('api/nodes')
  nodes(): { ok: true; nodes: string[] } {
    return { ok: true, nodes: [...this.config.clientNodes] };
  }

  /**
   * A share link, /game/<id>: the single-page app's index.html, which routes by its own URL.
   * Whether the game exists is the page's question (it may be on a replica not yet caught up).
   */
  @Get('game/:gameId')
  game(@Param('gameId') gameId: string, @Res() res: PageResponse): void {
    const dir = this.config.clientDir;
    if (dir === undefined || !GAME_ID.test(gameId)) throw notFound(`/game/${gameId.slice(0, 40)}`);
    // no-cache: a new build's index.html names new hashed assets, so it is revalidated each time.
    res.sendFile('index.html', { root: resolve(dir), headers: { 'cache-control': 'no-cache' } }, (err) => {
      if (err && !res.headersSent) res.status(404).json({ ok: false, error: { code: 'ERR_NOT_FOUND', message: 'the client has no index.html' } });
    });
  }
}
