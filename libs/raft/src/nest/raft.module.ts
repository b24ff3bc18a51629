import { Inject, Injectable, Module, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { RaftNode, type RaftNodeOptions } from '../node/raft-node';

/** The injection token of the RaftNode the module runs. */
export const RAFT_NODE = Symbol('RAFT_NODE');
const RAFT_OPTIONS = Symbol('RAFT_OPTIONS');

export interface RaftModuleAsyncOptions {
  readonly imports?: DynamicModule['imports'];
  readonly inject?: unknown[];
  readonly useFactory: (...deps: never[]) => RaftNodeOptions | Promise<RaftNodeOptions>;
  /** On shutdown, ask the cluster to remove this node before stopping (a planned departure). */
  readonly leaveOnShutdown?: boolean;
}

/** Starts the node when the application boots and stops it when the application shuts down. */
@Injectable()
class RaftLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(RAFT_NODE) private readonly node: RaftNode,
    @Inject(RAFT_OPTIONS) private readonly opts: { leaveOnShutdown: boolean },
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.node.start();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.opts.leaveOnShutdown) {
      await this.node.requestLeave().catch(() => undefined);
    }
    await this.node.stop();
  }
}

/**
 * A thin NestJS wrapper around RaftNode: `RaftModule.forRootAsync({ useFactory })` provides the
 * node under RAFT_NODE. The library itself does not need Nest.
 */
@Module({})
export class RaftModule {
  static forRootAsync(options: RaftModuleAsyncOptions): DynamicModule {
    const nodeProvider: Provider = {
      provide: RAFT_NODE,
      inject: (options.inject ?? []) as never[],
      useFactory: async (...deps: never[]) => new RaftNode(await options.useFactory(...deps)),
    };
    return {
      module: RaftModule,
      global: true,
      imports: options.imports ?? [],
      providers: [nodeProvider, { provide: RAFT_OPTIONS, useValue: { leaveOnShutdown: options.leaveOnShutdown ?? false } }, RaftLifecycle],
      exports: [RAFT_NODE],
    };
  }
}
