import type { NodeHandle } from './nodes';

/**
 * The nodes' admin API as the nemesis and the healer use it: every call bounded in time, and a
 * node that does not answer (killed, paused, partitioned from its leader) is `undefined`, never
 * an exception.
 */

export interface AdminStatus {
  id: string;
  role: string;
  term: number;
  leader: string;
  commit: number;
  appliedIndex: number;
  lastIndex: number;
  membership: { voters: string[]; learners: string[] };
  /** The leader's view of each member: match index, replication state (`probe`, `replicate`, `snapshot`). */
  progress: Record<string, { match: number; next: number; state: string }>;
  pid: number;
}

export class Admin {
  constructor(private readonly token: string) {}

  async status(node: NodeHandle, timeoutMs = 1000): Promise<AdminStatus | undefined> {
    const r = await this.call(node, 'GET', '/api/admin/status', undefined, timeoutMs);
    return r?.status === 200 ? (r.body as AdminStatus) : undefined;
  }

  /** The node that says it leads with the highest term, among those that answer. */
  async leader(nodes: readonly NodeHandle[], timeoutMs = 1000): Promise<{ node: NodeHandle; status: AdminStatus } | undefined> {
    const all = await Promise.all(nodes.map(async (node) => ({ node, status: await this.status(node, timeoutMs) })));
    const leaders = all.filter((x): x is { node: NodeHandle; status: AdminStatus } => x.status?.role === 'leader');
    leaders.sort((a, b) => b.status.term - a.status.term);
    return leaders[0];
  }

  /** Asks the leader to hand over leadership (to `to`, or to its most up-to-date follower). */
  async transfer(leader: NodeHandle, to?: string): Promise<string> {
    const r = await this.call(leader, 'POST', '/api/admin/transfer', to === undefined ? {} : { to }, 2000);
    return describe(r);
  }

  /** Asks `via` to add `id` (listening at `raft`): a learner first, a voter once caught up. */
  async add(via: NodeHandle, id: string, raft: string): Promise<string> {
    return describe(await this.call(via, 'POST', '/api/admin/members', { id, raft }, 3000));
  }

  /** Asks `via` to remove `id`; answers once a membership without it has committed (or the call's error). */
  async remove(via: NodeHandle, id: string, timeoutMs = 6000): Promise<string> {
    const r = await this.call(via, 'DELETE', `/api/admin/members/${encodeURIComponent(id)}`, undefined, timeoutMs);
    return describe(r);
  }

  private async call(node: NodeHandle, method: string, path: string, body: unknown, timeoutMs: number): Promise<{ status: number; body: unknown } | undefined> {
    try {
      const res = await fetch(`${node.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      });
      return { status: res.status, body: await res.json().catch(() => undefined) };
    } catch {
      return undefined;
    }
  }
}

function describe(r: { status: number; body: unknown } | undefined): string {
  if (r === undefined) return 'no answer';
  if (r.status < 300) return 'ok';
  const code = (r.body as { error?: { code?: string } } | undefined)?.error?.code;
  return `${r.status} ${code ?? ''}`.trim();
}
