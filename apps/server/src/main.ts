import 'reflect-metadata';
import type { Server as HttpServer } from 'node:http';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { joinUntilVoter, refusedAsRemoved, type RaftNode } from '@rookery/raft';
import { RAFT_NODE } from '@rookery/raft/nest';
import { AppModule } from './app.module';
import { ErrorsFilter } from './http/errors.filter';
import { serveMovesDirectly } from './http/direct-moves';
import { GamesController } from './http/games.controller';
import { setHeapGrowth } from './heap';
import { ConfigError, loadConfig, type ServerConfig } from './config';
import { RookeryIoAdapter } from './gateway/io-adapter';
import { NestPinoLogger, createLogger } from './logger';
import { Drainer } from './ops/drainer';
import type { TrustedProxies } from './http/client-ip';
import { TRUSTED_PROXIES } from './tokens';

/** A write's JSON body, at most (a move's is under 200 bytes). */
const JSON_BODY_LIMIT = 16 * 1024;

/**
 * One Rookery node: `tsx apps/server/src/main.ts --id n1 --http 127.0.0.1:8001 --raft 127.0.0.1:7001
 * --peers n1@127.0.0.1:7001,... --data ./data/n1` with RAFT_SECRET set (flags or env: see config.ts).
 * Prints `rookery <id> ready http=<port> raft=<port>` once it serves.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.argv.slice(2), process.env);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`rookery: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  // Before the games load: a heap that grows further between full collections (heap.ts).
  setHeapGrowth(config.heapGrowthPercent);
  const log = createLogger(config.nodeId, config.logLevel);
  const nestLogger = new NestPinoLogger(log);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, log), { logger: nestLogger });
  app.useWebSocketAdapter(new RookeryIoAdapter(app, config));
  app.disable('x-powered-by');
  // Which node answered: behind HAProxy, operators (and the tests) can see where a request went.
  app.use((_req: unknown, res: { setHeader(k: string, v: string): void }, next: () => void) => {
    res.setHeader('x-rookery-node', config.nodeId);
    next();
  });
  app.useBodyParser('json', { limit: JSON_BODY_LIMIT });
  // req.ip (the per-IP limits) believes X-Forwarded-For from TRUST_PROXY's proxies only, as the gateway does.
  const proxies = app.get<TrustedProxies>(TRUSTED_PROXIES);
  app.set('trust proxy', (addr: string) => proxies.trusts(addr));
  app.useGlobalFilters(new ErrorsFilter());
  if (config.clientDir !== undefined) app.useStaticAssets(config.clientDir);
  const server = app.getHttpServer() as HttpServer;
  // An idle kept-alive connection is closed by the load balancer first: were the node to close it
  // as the balancer reuses it, the request sent on it would fail (see --http-keep-alive-ms).
  server.keepAliveTimeout = config.httpKeepAliveMs;
  // POST /api/games/:id/moves in its common form skips Express and Nest (direct-moves.ts).
  serveMovesDirectly(server, { moves: app.get(GamesController), proxies, nodeId: config.nodeId, bodyLimit: JSON_BODY_LIMIT });
  const drainer = app.get(Drainer);
  // A draining node answers with `Connection: close`: the client takes its next request elsewhere.
  server.prependListener('request', (_req, res) => {
    if (drainer.draining) res.shouldKeepAlive = false;
  });
  const node = app.get<RaftNode>(RAFT_NODE);
  nestLogger.node = node;
  // The Raft node stopped for good (a disk write failed, or the cluster's log rose above what this
  // build reads): the process goes with it, so its supervisor sees it and the log says why.
  const fatal = (e: unknown): void => {
    log.error({ reason: e instanceof Error ? e.message : String(e) }, 'the Raft node stopped; exiting');
    process.exit(1);
  };
  if (node.failure !== undefined) fatal(node.failure);
  else node.once('fatal', fatal);
  await app.listen(config.http.port, config.http.host);
  const http = server.address() as { port: number };
  const raft = node.status();
  process.stdout.write(`rookery ${config.nodeId} ready http=${http.port} raft=${config.raft.port}\n`);
  log.info({ http: http.port, role: raft.role, term: raft.term }, 'ready');

  drainer.onClose(() => {
    // The close waits for every connection to end, and a kept-alive one would hold it open for up
    // to --http-keep-alive-ms: an idle one is closed now, one still answering once its answer is out.
    server.keepAliveTimeout = 1;
    server.closeIdleConnections();
    return app.close();
  });
  const stop = (signal: string): Promise<void> => drainer.drainAndExit(signal);
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  if (config.join !== undefined) void askToJoin(config, node, () => drainer.draining, log).catch((e: unknown) => log.error({ err: String(e) }, 'joining failed'));
}

/**
 * `--join URL`: asks a member's admin API to add this node (a learner first, promoted once caught
 * up), and asks again until this node's log shows it a voter (see joinUntilVoter), unless it
 * drains first.
 */
async function askToJoin(config: ServerConfig, node: RaftNode, draining: () => boolean, log: ReturnType<typeof createLogger>): Promise<void> {
  const raft = config.advertise ?? config.raft;
  const voter = await joinUntilVoter({
    id: config.nodeId,
    ask: async () => {
      const res = await fetch(new URL('/api/admin/members', config.join), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${config.adminToken}` },
        body: JSON.stringify({ id: config.nodeId, raft: `${raft.host}:${raft.port}`, ...node.joiner }),
        signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok) {
        const text = await res.text();
        if (refusedAsRemoved(text) !== undefined) {
          log.error({ status: res.status, body: text, incarnation: node.incarnation }, 'join refused: an operator removed this node');
          return 'removed';
        }
        log.warn({ status: res.status, body: text }, 'join refused; retrying');
        return undefined;
      }
      const index = Number(((await res.json()) as { index?: number }).index ?? 0);
      log.info({ join: config.join, index }, 'asked to join the cluster');
      return index;
    },
    node,
    stopped: draining,
    log: (message) => log.info({ join: config.join }, message),
  });
  if (voter) log.info({ join: config.join }, 'joined the cluster as a voter');
}

void main().catch((e) => {
  process.stderr.write(`rookery: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
