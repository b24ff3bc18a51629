import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { RaftNode } from '@rookery/raft';
import { RAFT_NODE } from '@rookery/raft/nest';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Semaphore } from 'redis-semaphore';
import type { ServerConfig } from '../config';
import { CONFIG } from '../tokens';

/** What a node writes down before it goes away holding a slot, to give it back when it is back. */
interface HeldSlot {
  key: string;
  identifier: string;
  limit: number;
  takenAt: number;
}

/** How many voters may be down at once with a quorum still up: ⌊(voters - 1) / 2⌋, at least 1. */
export function restartSlots(voters: number): number {
  return Math.max(1, Math.floor((voters - 1) / 2));
}

/**
 * Restart slots (redis-semaphore): a node takes one before it drains and gives it back only
 * when, restarted, it has caught up — so however many restarts are asked at once (an operator
 * stopping every node, two rolling restarts overlapping), no more nodes are down than the
 * cluster can lose with a quorum kept. The slot outlives the process: its identifier is kept in
 * the data directory and the restarted node renews and releases it.
 *
 * Redis unreachable: safety over liveness. A node waits for a slot — serving as before, ready,
 * saying why in its log and admin status — for as long as Redis is away; a restart is never
 * the cause of a lost quorum. (An orchestrator that kills after its own grace period is outside
 * this promise: give it a grace period longer than a restart takes.)
 */
@Injectable()
export class RestartSlot implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger('RestartSlot');
  private redis: Redis | undefined;
  private readonly file: string;
  private readonly key: string;
  private stopped = false;
  /** What the slot is doing now, for the admin status. */
  state: 'none' | 'waiting' | 'held' | 'returning' = 'none';
  waitingFor = '';

  constructor(
    @Inject(CONFIG) private readonly config: ServerConfig,
    @Inject(RAFT_NODE) private readonly node: RaftNode,
  ) {
    this.file = join(config.dataDir, 'restart-slot.json');
    // One Redis may serve several clusters: the key names this one without revealing its secret.
    this.key = `rookery:restart:${createHash('sha256').update(config.secret).digest('hex').slice(0, 12)}`;
  }

  get enabled(): boolean {
    return this.config.redisUrl !== undefined;
  }

  onApplicationBootstrap(): void {
    if (!this.enabled) return;
    this.client(); // connect now: a drain asked later should not find Redis still connecting
    if (existsSync(this.file)) void this.giveBack();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    this.redis?.disconnect();
  }

  /** Waits for a slot (without Redis configured: at once); the slot stays taken after this process exits. */
  async take(): Promise<void> {
    if (!this.enabled) return;
    const identifier = `${this.config.nodeId}:${randomUUID()}`;
    this.state = 'waiting';
    for (let attempt = 0; !this.stopped; attempt++) {
      const voters = this.node.status().membership.voters.length;
      const limit = restartSlots(voters);
      // No refresh from here: the slot must expire on its own if this node never comes back.
      const sem = new Semaphore(this.client(), this.key, limit, { identifier, lockTimeout: this.config.restartSlotTtlMs, acquireTimeout: 1000, retryInterval: 100, refreshInterval: 0 });
      try {
        if (this.client().status !== 'ready') this.waitingFor = `Redis unreachable at ${this.config.redisUrl} (connection ${this.client().status})`;
        await this.connected(1000);
        if (await sem.tryAcquire()) {
          const held: HeldSlot = { key: this.key, identifier, limit, takenAt: Date.now() };
          writeFileSync(this.file, JSON.stringify(held));
          this.state = 'held';
          this.log.log(`took restart slot ${identifier} (${limit} of ${voters} voters may be down at once)`);
          return;
        }
        this.waitingFor = `all ${limit} restart slot(s) taken by other nodes`;
      } catch (e) {
        this.waitingFor = `Redis unreachable at ${this.config.redisUrl}: ${e instanceof Error ? e.message : String(e)}`;
      }
      if (attempt % 20 === 0) this.log.warn(`waiting for a restart slot before draining: ${this.waitingFor}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Restarted holding a slot: renew it, wait until caught up with the leader, then release it. */
  private async giveBack(): Promise<void> {
    let held: HeldSlot;
    try {
      held = JSON.parse(readFileSync(this.file, 'utf8')) as HeldSlot;
    } catch (e) {
      this.log.error(`restart slot file ${this.file} unreadable (${String(e)}); the slot expires on its own`);
      rmSync(this.file, { force: true });
      return;
    }
    this.state = 'returning';
    const sem = new Semaphore(this.client(), held.key, held.limit, { identifier: held.identifier, acquiredExternally: true, lockTimeout: this.config.restartSlotTtlMs, refreshInterval: 0 });
    await this.connected(2000);
    await sem.tryAcquire().catch(() => false); // renew: the restart may have taken a while
    // Caught up: a ReadIndex round returns once this replica has applied the leader's commit index.
    for (;;) {
      if (this.stopped) return;
      try {
        await this.node.readIndex();
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        await sem.release();
        rmSync(this.file, { force: true });
        this.state = 'none';
        const s = this.node.status();
        this.log.log(`caught up (applied ${s.appliedIndex}, commit ${s.commit}, term ${s.term}): released restart slot ${held.identifier}`);
        return;
      } catch (e) {
        if (attempt % 20 === 0) this.log.warn(`could not release restart slot ${held.identifier} yet: ${e instanceof Error ? e.message : String(e)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  /** Waits (up to `ms`) for the Redis connection to be usable; commands tell the rest. */
  private async connected(ms: number): Promise<void> {
    const r = this.client();
    const until = Date.now() + ms;
    while (r.status !== 'ready' && Date.now() < until && !this.stopped) await new Promise((res) => setTimeout(res, 20));
  }

  private client(): Redis {
    // Commands fail at once while Redis is away (no offline queue), so a wait can say why.
    if (this.redis === undefined) {
      this.redis = new Redis(this.config.redisUrl!, { lazyConnect: false, enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: (n) => Math.min(100 * n, 1000) });
      this.redis.on('error', () => undefined);
    }
    return this.redis;
  }
}
