import { AdminClient, AdminError, type NodeStatus } from './admin';

export interface RollingRestartOptions {
  nodes: readonly string[];
  adminToken: string;
  /** How far a restarted node's applied index may trail the leader's commit index to count as caught up. */
  window?: number;
  /** The longest one node may take from drain to caught up. */
  perNodeTimeoutMs?: number;
  /** What it is doing now, for a progress display. */
  progress?: (e: Progress) => void;
}

export type Progress =
  | { kind: 'plan'; order: { id: string; url: string; role: string }[] }
  | { kind: 'step'; index: number; total: number; id: string; phase: 'transfer' | 'draining' | 'waiting-for-slot' | 'down' | 'starting' | 'catching-up' | 'done'; detail?: string; elapsedMs: number };

export interface RestartReport {
  id: string;
  url: string;
  /** From the drain request until the node was back and caught up. */
  tookMs: number;
  /** How long it was not answering at all. */
  downMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Restarts every node of a cluster, one at a time: the followers first, the leader last after
 * it has handed its leadership over. Each node is asked to drain (admin API); it takes a
 * restart slot (redis-semaphore) before it goes, its supervisor (Docker, systemd, `npm start`)
 * starts it again, and the next node waits until this one is ready, caught up (applied index
 * within `window` of the leader's commit index) and has given its slot back.
 */
export async function rollingRestart(o: RollingRestartOptions): Promise<RestartReport[]> {
  const window = o.window ?? 100;
  const perNode = o.perNodeTimeoutMs ?? 120_000;
  const say = o.progress ?? (() => undefined);
  const clients = o.nodes.map((u) => new AdminClient(u.replace(/\/+$/, ''), o.adminToken));
  const before = await Promise.all(clients.map(async (c) => ({ c, s: await c.status(3000), ready: await c.ready() })));
  const sick = before.filter((b) => b.s === undefined || !b.ready);
  if (sick.length > 0) throw new AdminError(`not every node is up and ready (${sick.map((b) => b.c.url).join(', ')}): a rolling restart starts from a healthy cluster`);
  const leaderId = before.find((b) => b.s!.role === 'leader')?.s!.id ?? before[0]!.s!.leader;
  const order = [...before.filter((b) => b.s!.id !== leaderId).sort((a, b) => a.s!.id.localeCompare(b.s!.id)), ...before.filter((b) => b.s!.id === leaderId)];
  say({ kind: 'plan', order: order.map((b) => ({ id: b.s!.id, url: b.c.url, role: b.s!.role })) });

  const reports: RestartReport[] = [];
  for (const [i, { c, s }] of order.entries()) {
    const started = Date.now();
    const step = (phase: Extract<Progress, { kind: 'step' }>['phase'], detail?: string): void =>
      say({ kind: 'step', index: i + 1, total: order.length, id: s!.id, phase, elapsedMs: Date.now() - started, ...(detail ? { detail } : {}) });
    const deadline = started + perNode;
    const late = (what: string): never => {
      throw new AdminError(`${s!.id} (${c.url}) did not ${what} within ${perNode} ms`);
    };
    let now = await c.status();
    if (now === undefined) late('answer');
    if (now!.role === 'leader') {
      step('transfer', `term ${now!.term}`);
      await c.post('transfer').catch(() => undefined);
      while ((now = await c.status())?.role === 'leader') {
        if (Date.now() > deadline) late('hand its leadership over');
        await sleep(100);
      }
    }
    const pid = now!.startedAt;
    await c.post('drain');
    step('draining');
    // Gone: its process ended (it answers nothing) or was replaced (another start time).
    let downAt = 0;
    for (;;) {
      const st = await c.status(500);
      if (st === undefined) {
        downAt = Date.now();
        break;
      }
      if (st.startedAt !== pid) break;
      if (st.drain.phase === 'waiting-for-slot') step('waiting-for-slot', st.drain.waitingFor);
      if (Date.now() > deadline) late('drain and stop');
      await sleep(100);
    }
    step('down');
    let back: NodeStatus | undefined;
    while ((back = await c.status(500)) === undefined || back.startedAt === pid) {
      if (Date.now() > deadline) late('come back (is it supervised? Docker restart policy, systemd, npm start)');
      await sleep(100);
    }
    const downMs = downAt === 0 ? 0 : Date.now() - downAt;
    step('starting');
    for (;;) {
      const st = await c.status(500);
      const leader = st?.leader ? await leaderStatus(clients, st.leader) : undefined;
      const caughtUp = st !== undefined && leader !== undefined && leader.commit - st.appliedIndex <= window && st.drain.restartSlot === 'none' && (await c.ready());
      if (caughtUp) break;
      if (st && leader) step('catching-up', `applied ${st.appliedIndex} of ${leader.commit}${st.drain.restartSlot !== 'none' ? ', slot not yet given back' : ''}`);
      if (Date.now() > deadline) late('catch up');
      await sleep(100);
    }
    step('done');
    reports.push({ id: s!.id, url: c.url, tookMs: Date.now() - started, downMs });
  }
  return reports;
}

async function leaderStatus(clients: readonly AdminClient[], leaderId: string): Promise<NodeStatus | undefined> {
  for (const c of clients) {
    const s = await c.status(500);
    if (s?.id === leaderId) return s;
  }
  return undefined;
}
