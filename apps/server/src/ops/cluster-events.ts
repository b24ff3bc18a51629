import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { Observation, RaftNode } from '@rookery/raft';
import { RAFT_NODE } from '@rookery/raft/nest';
import { fromEvent, share, type Observable, type Subscription } from 'rxjs';

/**
 * The Raft node's observations (role and leader changes, membership commits, unresponsive
 * followers, transfers) as one Observable, and the log lines operators read from them.
 */
@Injectable()
export class ClusterEvents implements OnModuleDestroy {
  readonly observations$: Observable<Observation>;
  private readonly log = new Logger('Raft');
  private readonly subscription: Subscription;

  constructor(@Inject(RAFT_NODE) node: RaftNode) {
    this.observations$ = fromEvent(node, 'observation') as Observable<Observation>;
    this.observations$ = this.observations$.pipe(share());
    this.subscription = this.observations$.subscribe((o) => {
      switch (o.kind) {
        case 'leader-changed':
          this.log.log(`leader is ${o.leader || 'unknown'} at term ${o.term}`);
          break;
        case 'role-changed':
          this.log.log(`${node.id} became ${o.to} at term ${o.term} (was ${o.from})`);
          break;
        case 'membership-committed':
          this.log.log(`membership committed at index ${o.index}: voters ${o.membership.voters.join(',')}${o.membership.learners.length ? `; learners ${o.membership.learners.join(',')}` : ''}`);
          break;
        case 'follower-unresponsive':
          this.log.warn(`follower ${o.follower} missed ${o.missedHeartbeats} heartbeats at term ${o.term}`);
          break;
        default:
          this.log.log(`${o.kind}${'term' in o ? ` at term ${o.term}` : ''}`);
      }
    });
  }

  onModuleDestroy(): void {
    this.subscription.unsubscribe();
  }
}
