import { Inject, Injectable } from '@nestjs/common';
import type { RaftNode } from '@rookery/raft';
import { RAFT_NODE } from '@rookery/raft/nest';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { ChessReplica } from '../chess/replica';

/** The node's Prometheus metrics (GET /metrics). Raft's and the games' gauges are read at scrape time. */
@Injectable()
export class Metrics {
  readonly registry = new Registry();
  readonly commands = new Counter({ name: 'rookery_commands_total', help: 'Commands proposed by this node, by type and outcome code', labelNames: ['type', 'code'] as const, registers: [this.registry] });
  readonly commitLatency = new Histogram({
    name: 'rookery_command_seconds',
    help: 'From proposing a command to its result being applied here',
    labelNames: ['type'] as const,
    buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5],
    registers: [this.registry],
  });
  readonly rateLimited = new Counter({ name: 'rookery_rate_limited_total', help: 'Requests refused by a rate limit', labelNames: ['kind'] as const, registers: [this.registry] });
  readonly sockets = new Gauge({ name: 'rookery_sockets', help: 'Socket.IO connections open on this node', registers: [this.registry] });
  readonly events = new Counter({ name: 'rookery_game_events_total', help: 'Game events applied on this node (rate() gives events/s)', registers: [this.registry] });

  constructor(
    @Inject(RAFT_NODE) node: RaftNode,
    @Inject(ChessReplica) replica: ChessReplica,
  ) {
    collectDefaultMetrics({ register: this.registry, prefix: 'rookery_process_' });
    const raft = (name: string, help: string, read: (s: ReturnType<RaftNode['status']>) => number): void => {
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          try {
            this.set(read(node.status()));
          } catch {
            // not started yet
          }
        },
      });
    };
    raft('rookery_raft_term', 'Current Raft term', (s) => s.term);
    raft('rookery_raft_commit_index', 'Highest log index known committed', (s) => s.commit);
    raft('rookery_raft_applied_index', 'Highest log index applied to the state machine', (s) => s.appliedIndex);
    raft('rookery_raft_last_index', 'Last index in the log', (s) => s.lastIndex);
    raft('rookery_raft_snapshot_index', 'Index of the newest snapshot on this node\'s disk (0: none yet)', (s) => s.snapshotIndex);
    raft('rookery_raft_is_leader', '1 on the leader', (s) => (s.role === 'leader' ? 1 : 0));
    new Gauge({
      name: 'rookery_raft_role',
      help: 'This node\'s Raft role (1 for the current one)',
      labelNames: ['role'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        try {
          this.set({ role: node.status().role }, 1);
        } catch {
          // not started yet
        }
      },
    });
    new Gauge({
      name: 'rookery_games',
      help: 'Games held by this replica that are live (waiting or started)',
      registers: [this.registry],
      collect() {
        let live = 0;
        for (const _ of replica.machine.liveGameIds()) live++;
        this.set(live);
      },
    });
    replica.applied$.subscribe((events) => this.events.inc(events.length));
  }

  /**
   * Sockets reached by this node's one-room broadcasts (a game's events, its clock syncs), by
   * path: read from the Socket.IO adapter at scrape time (see FanoutAdapter).
   */
  watchBroadcasts(read: () => { readonly direct: number; readonly thread: number; readonly engine: number }): void {
    new Counter({
      name: 'rookery_broadcast_sockets_total',
      help: 'Sockets one-room broadcasts went to, by path: "direct" (the finished frame in one write from the event loop), "thread" (the same, from a fan-out write thread) or "engine" (handed to Engine.IO: long-polling, busy or slow sockets, binary packets)',
      labelNames: ['path'] as const,
      registers: [this.registry],
      collect() {
        const sent = read();
        this.reset();
        this.inc({ path: 'direct' }, sent.direct);
        this.inc({ path: 'thread' }, sent.thread);
        this.inc({ path: 'engine' }, sent.engine);
      },
    });
  }
}
