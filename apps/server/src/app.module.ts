import { Module, type DynamicModule } from '@nestjs/common';
import { RaftModule } from '@rookery/raft/nest';
import type { Logger } from 'pino';
import { stampEntry } from './chess/entry';
import { GamesService } from './chess/games.service';
import { Minter } from './chess/ids';
import { ChessReplica } from './chess/replica';
import { Referee } from './clock/referee';
import type { ServerConfig } from './config';
import { GamesGateway } from './gateway/games.gateway';
import { Presence } from './gateway/presence';
import { RateLimiter } from './gateway/rate-limit';
import { ClientController } from './http/client.controller';
import { GamesController } from './http/games.controller';
import { HealthController } from './http/health.controller';
import { raftLogger } from './logger';
import { AdminController } from './ops/admin.controller';
import { ClusterEvents } from './ops/cluster-events';
import { HaproxyAgent } from './ops/agent';
import { Drainer } from './ops/drainer';
import { RestartSlot } from './ops/restart-slot';
import { Metrics } from './ops/metrics';
import { MetricsController } from './ops/metrics.controller';
import { CONFIG, MINTER, TRUSTED_PROXIES } from './tokens';
import { TrustedProxies } from './http/client-ip';

/** The node: Raft (with the chess replica as its state machine), the gateway, the HTTP API. */
@Module({})
export class AppModule {
  static forRoot(config: ServerConfig, log: Logger): DynamicModule {
    const replica = new ChessReplica();
    return {
      module: AppModule,
      imports: [
        RaftModule.forRootAsync({
          useFactory: () => ({
            id: config.nodeId,
            dataDir: config.dataDir,
            listen: config.raft,
            ...(config.advertise !== undefined ? { advertise: config.advertise } : {}),
            secret: config.secret,
            peers: config.peers,
            join: config.join !== undefined,
            stateMachine: replica,
            tickMs: config.tickMs,
            proposalTimeoutMs: config.proposalTimeoutMs,
            // Self-healing membership: the wanted voter count (0: as founded) and when a silent voter is removed.
            desiredMembers: config.desiredMembers,
            // What this server reads of the log; the cluster writes no newer version than all its members read.
            logVersion: config.logVersion,
            removeUnreachableAfterMs: config.removeUnreachableAfterMs,
            snapshotEvery: config.snapshotEvery,
            snapshotLogRatio: config.snapshotLogPercent / 100,
            raft: { snapshotTrailingEntries: config.snapshotTrailingEntries },
            // The leader stamps each chess entry with its clock: the state machine's only time.
            stamp: (command) => stampEntry(command, Date.now()),
            // The machine applies a (session, request id) once, so a move orphaned by a leader
            // change is proposed again at once, and its player answered by its first application.
            resubmitOrphans: true,
            logger: raftLogger(log),
          }),
        }),
      ],
      controllers: [GamesController, HealthController, MetricsController, AdminController, ClientController],
      providers: [
        { provide: CONFIG, useValue: config },
        { provide: ChessReplica, useValue: replica },
        { provide: MINTER, useValue: new Minter(config.secret) },
        { provide: TRUSTED_PROXIES, useValue: new TrustedProxies(config.trustProxy) },
        Drainer,
        RestartSlot,
        HaproxyAgent,
        RateLimiter,
        Presence,
        ClusterEvents,
        Metrics,
        GamesService,
        GamesGateway,
        Referee,
      ],
    };
  }
}
