import { Body, Controller, Delete, Get, Headers, HttpException, Inject, Param, Post, Put } from '@nestjs/common';
import { RaftRequestError, joinerOf, parseAddress, type RaftNode } from '@rookery/raft';
import { RAFT_NODE } from '@rookery/raft/nest';
import type { ServerConfig } from '../config';
import { CONFIG } from '../tokens';
import { Drainer } from './drainer';
import { RestartSlot } from './restart-slot';

/**
 * The operator's API, behind `authorization: Bearer <ADMIN_TOKEN>` (absent when no token is
 * configured): cluster status, membership (add, remove, demote), leadership transfer, drain.
 * Membership changes go to the leader (any node forwards the add and remove requests through
 * the log); a transfer or demote must be asked of the leader.
 */
/** When this process started: a restart tool tells a restarted node from one that never went away. */
const STARTED_AT = Date.now();

@Controller('api/admin')
export class AdminController {
  constructor(
    @Inject(RAFT_NODE) private readonly node: RaftNode,
    @Inject(CONFIG) private readonly config: ServerConfig,
    @Inject(Drainer) private readonly drainer: Drainer,
    @Inject(RestartSlot) private readonly slot: RestartSlot,
  ) {}

  private guard(auth: string | undefined): void {
    const token = this.config.adminToken;
    if (token === undefined) throw new HttpException({ ok: false, error: { code: 'ERR_NOT_FOUND', message: 'the admin API is off (no ADMIN_TOKEN)' } }, 404);
    if (auth !== `Bearer ${token}`) throw new HttpException({ ok: false, error: { code: 'ERR_UNAUTHORIZED', message: 'the admin API needs authorization: Bearer <ADMIN_TOKEN>' } }, 401);
  }

  private async run<T>(f: () => T | Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      if (e instanceof RaftRequestError) throw new HttpException({ ok: false, error: { code: e.code, message: e.message, ...(e.leader ? { leader: e.leader } : {}) } }, e.code === 'ERR_NOT_LEADER' ? 421 : e.code === 'ERR_INVALID_DESIRED_MEMBERS' ? 400 : 409);
      throw e;
    }
  }

  @Get('status')
  status(@Headers('authorization') auth: string | undefined): unknown {
    this.guard(auth);
    const s = this.node.status();
    return { ok: true, ...s, pid: process.pid, startedAt: STARTED_AT, progress: Object.fromEntries(s.progress), draining: this.drainer.draining, drain: { phase: this.drainer.phase, restartSlot: this.slot.state, ...(this.slot.state === 'waiting' ? { waitingFor: this.slot.waitingFor } : {}) } };
  }

  /**
   * Adds a server: it joins as a learner and is promoted to voter once caught up. A server asking
   * for itself names its `incarnation` (its data directory's identity), its `stint` (this run
   * of it) and its `logVersion` (refused, ERR_LOG_VERSION, below the cluster's); an operator's
   * add names none of them.
   */
  @Post('members')
  add(@Headers('authorization') auth: string | undefined, @Body() body: { id?: unknown; raft?: unknown; incarnation?: unknown; stint?: unknown; logVersion?: unknown }): Promise<unknown> {
    this.guard(auth);
    const id = body?.id;
    const raft = typeof body?.raft === 'string' ? parseAddress(body.raft) : undefined;
    const joiner = joinerOf(body?.incarnation, body?.stint, body?.logVersion);
    if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,32}$/.test(id) || raft === undefined || joiner instanceof Error) {
      throw new HttpException({ ok: false, error: { code: 'ERR_BAD_REQUEST', message: 'body must be { id, raft: "host:port" }; a server asking for itself adds its incarnation, and its stint, of 16 hex digits each, and the log version it reads (a whole number from 1)' } }, 400);
    }
    return this.run(async () => {
      await this.node.requestJoin(id, raft, joiner);
      // This node has applied the request by now: a joiner waits to have applied as far.
      return { ok: true, index: this.node.status().appliedIndex };
    });
  }

  /**
   * Removes a server; resolves once a membership without it has committed. The server, if
   * restarted with its data and --join, is refused (ERR_MEMBER_REMOVED).
   */
  @Delete('members/:id')
  remove(@Headers('authorization') auth: string | undefined, @Param('id') id: string): Promise<unknown> {
    this.guard(auth);
    return this.run(async () => {
      await this.node.removeMember(id);
      return { ok: true };
    });
  }

  @Post('members/:id/demote')
  demote(@Headers('authorization') auth: string | undefined, @Param('id') id: string): Promise<unknown> {
    this.guard(auth);
    return this.run(() => {
      this.node.proposeConfChange({ type: 'demote', node: id });
      return { ok: true };
    });
  }

  @Post('transfer')
  transfer(@Headers('authorization') auth: string | undefined, @Body() body: { to?: unknown }): Promise<unknown> {
    this.guard(auth);
    const to = typeof body?.to === 'string' ? body.to : undefined;
    return this.run(() => {
      this.node.transferLeadership(to);
      return { ok: true };
    });
  }

  /**
   * The number of voters the cluster keeps (replicated): self-healing removes an unreachable
   * voter only while a quorum of this many remains, and a node joining is promoted to replace one.
   */
  @Put('desired-members')
  desired(@Headers('authorization') auth: string | undefined, @Body() body: { count?: unknown }): Promise<unknown> {
    this.guard(auth);
    return this.run(async () => {
      await this.node.setDesiredMembers(body?.count as number);
      return { ok: true, desiredMembers: this.node.status().desiredMembers };
    });
  }

  /** Drains this node (as SIGTERM does) and exits. */
  @Post('drain')
  drain(@Headers('authorization') auth: string | undefined): unknown {
    this.guard(auth);
    setImmediate(() => void this.drainer.drainAndExit('admin'));
    return { ok: true, draining: true };
  }
}
