import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { RaftNode } from '@rookery/raft';
import { RAFT_NODE } from '@rookery/raft/nest';
import { AppModule } from './app.module';
import { ErrorsFilter } from './http/errors.filter';
import { ConfigError, loadConfig } from './config';
import { DrainState } from './drain';
import { GamesGateway } from './gateway/games.gateway';
import { RookeryIoAdapter } from './gateway/io-adapter';
import { NestPinoLogger, createLogger } from './logger';

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
  const log = createLogger(config.nodeId, config.logLevel);
  const nestLogger = new NestPinoLogger(log);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, log), { logger: nestLogger });
  app.useWebSocketAdapter(new RookeryIoAdapter(app));
  app.disable('x-powered-by');
  app.useBodyParser('json', { limit: '16kb' });
  app.useGlobalFilters(new ErrorsFilter());
  if (config.clientDir !== undefined) app.useStaticAssets(config.clientDir);
  const node = app.get<RaftNode>(RAFT_NODE);
  nestLogger.node = node;
  await app.listen(config.http.port, config.http.host);
  const http = app.getHttpServer().address() as { port: number };
  const raft = node.status();
  process.stdout.write(`rookery ${config.nodeId} ready http=${http.port} raft=${config.raft.port}\n`);
  log.info({ http: http.port, role: raft.role, term: raft.term }, 'ready');

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'draining');
    // Drain (DESIGN decision 8): not ready, clients told to move and closed, leadership handed over, then stop.
    app.get(DrainState).draining = true;
    await app.get(GamesGateway).drainClients(config.drainGraceMs);
    if (node.status().role === 'leader') {
      try {
        node.transferLeadership();
        await new Promise((r) => setTimeout(r, config.tickMs * 5));
      } catch (e) {
        log.warn({ err: String(e) }, 'leadership transfer refused');
      }
    }
    await app.close();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

void main().catch((e) => {
  process.stderr.write(`rookery: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
