/** The parts of a node's admin API (docs/http-api.md) a rolling restart reads and calls. */
export interface NodeStatus {
  id: string;
  role: 'leader' | 'follower' | 'candidate' | 'learner' | string;
  term: number;
  leader: string;
  commit: number;
  appliedIndex: number;
  pid: number;
  startedAt: number;
  membership: { voters: string[]; learners: string[] };
  drain: { phase: string; restartSlot: string; waitingFor?: string };
}

export class AdminClient {
  constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  /** The node's status, or undefined while it does not answer (it is down or restarting). */
  async status(timeoutMs = 1000): Promise<NodeStatus | undefined> {
    try {
      const res = await fetch(`${this.url}/api/admin/status`, { headers: { authorization: `Bearer ${this.token}` }, signal: AbortSignal.timeout(timeoutMs) });
      if (res.status === 401 || res.status === 404) throw new AdminError(`${this.url}: the admin API refused us (${res.status}): check ADMIN_TOKEN`);
      if (!res.ok) return undefined;
      return (await res.json()) as NodeStatus;
    } catch (e) {
      if (e instanceof AdminError) throw e;
      return undefined;
    }
  }

  async ready(): Promise<boolean> {
    return fetch(`${this.url}/health/ready`, { signal: AbortSignal.timeout(1000) })
      .then((r) => r.ok)
      .catch(() => false);
  }

  async post(path: string): Promise<void> {
    const res = await fetch(`${this.url}/api/admin/${path}`, { method: 'POST', headers: { authorization: `Bearer ${this.token}` }, signal: AbortSignal.timeout(5000) });
    if (!res.ok) throw new AdminError(`${this.url}: POST /api/admin/${path} answered ${res.status}: ${await res.text()}`);
  }
}

export class AdminError extends Error {
  override name = 'AdminError';
}
