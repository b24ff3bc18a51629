import { Controller, Get, HttpException, Inject } from '@nestjs/common';
import type { RaftNode } from '@rookery/raft';
import { RAFT_NODE } from '@rookery/raft/nest';
import { Drainer } from '../ops/drainer';

/** How far this node's applied index may trail the commit index it knows and still be ready. */
const READY_WINDOW = 100;

/**
 * Health for HAProxy and orchestrators: live (the process answers), ready (a leader is known,
 * this replica has applied within a small window of the commit index, and the node is not
 * draining), leader (200 only on the leader: the check of HAProxy's write backend).
 */
@Controller('health')
export class HealthController {
  constructor(
    @Inject(RAFT_NODE) private readonly node: RaftNode,
    @Inject(Drainer) private readonly drain: Drainer,
  ) {}

  @Get('live')
  live(): unknown {
    return { ok: true, id: this.node.id };
  }

  @Get('ready')
  ready(): unknown {
    const s = this.node.status();
    const why =
      this.drain.draining ? 'draining'
      : s.leader === '' ? 'no leader known'
      : s.commit - s.appliedIndex > READY_WINDOW ? `catching up: applied ${s.appliedIndex} of ${s.commit}`
      : undefined;
    const body = { ok: why === undefined, id: this.node.id, role: s.role, term: s.term, leader: s.leader, commitIndex: s.commit, appliedIndex: s.appliedIndex, ...(why ? { reason: why } : {}) };
    if (why !== undefined) throw new HttpException(body, 503);
    return body;
  }

  @Get('leader')
  leader(): unknown {
    const s = this.node.status();
    const body = { ok: s.role === 'leader', id: this.node.id, role: s.role, term: s.term, leader: s.leader };
    if (s.role !== 'leader') throw new HttpException(body, 503);
    return body;
  }
}
