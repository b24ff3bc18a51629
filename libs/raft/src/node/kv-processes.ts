import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../testing/ports';

/**
 * kv-node processes on loopback ports, for the multi-process tests: each member gets a fresh
 * data directory and free ports; `stopAll` kills whatever is still running and removes the
 * directories.
 */

export interface Member {
  readonly id: string;
  readonly raft: number;
  readonly http: number;
  readonly dir: string;
  proc?: ChildProcess;
  /** What the running (or last) process printed on stdout. */
  output?: string;
}

export interface MemberStatus {
  role: string;
  term: number;
  commit: number;
  appliedIndex: number;
  desiredMembers?: number;
  logVersion: number;
  clusterLogVersion: number;
  logVersions: Record<string, number>;
  membership: { voters: string[]; learners: string[] };
}

export class KvProcesses {
  private readonly dirs: string[] = [];
  private readonly procs = new Set<ChildProcess>();

  constructor(
    private readonly tickMs: number,
    private readonly secret = 'cluster-test-secret',
  ) {}

  /** Members with fresh data directories and free ports (not started). */
  async newMembers(ids: string[]): Promise<Member[]> {
    const out: Member[] = [];
    for (const id of ids) {
      const dir = mkdtempSync(join(tmpdir(), `rookery-${id}-`));
      this.dirs.push(dir);
      out.push({ id, raft: await freePort(), http: await freePort(), dir });
    }
    return out;
  }

  /** Starts `m` (again, on its directory and ports); resolves once it listens. */
  spawn(m: Member, peers: string, extra: string[] = []): Promise<void> {
    const proc = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'kv-node.ts'), '--id', m.id, '--data', m.dir, '--raft', `127.0.0.1:${m.raft}`, '--http', `127.0.0.1:${m.http}`, '--peers', peers, '--tick-ms', String(this.tickMs), ...extra], {
      env: { ...process.env, RAFT_SECRET: this.secret },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    this.procs.add(proc);
    proc.on('exit', () => this.procs.delete(proc));
    m.proc = proc;
    m.output = '';
    return new Promise((resolve, reject) => {
      proc.stdout!.on('data', (d: Buffer) => {
        m.output += d.toString();
        if (m.output!.includes(`kv-node ${m.id} ready`)) resolve();
      });
      proc.once('exit', (code) => reject(new Error(`kv-node ${m.id} exited with ${code} before it was ready${m.output === '' ? '' : `: ${m.output!.trim()}`}`)));
    });
  }

  /** kill -9 of every process still running, once each has exited; then the directories go. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.procs].map((p) => signalled(p, 'SIGKILL')));
    for (const d of this.dirs) rmSync(d, { recursive: true, force: true });
  }
}

/** Sends `signal` to `p` unless it has exited; resolves with its exit code once it has. */
export function signalled(p: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve(p.exitCode);
  return new Promise((resolve) => {
    p.once('exit', (code) => resolve(code));
    p.kill(signal);
  });
}

/** The --peers list of `members`. */
export function peersOf(members: readonly Member[]): string {
  return members.map((m) => `${m.id}@127.0.0.1:${m.raft}`).join(',');
}

export async function http(m: Member, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`http://127.0.0.1:${m.http}${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  return { status: res.status, json: await res.json() };
}

export async function status(m: Member): Promise<MemberStatus | undefined> {
  try {
    return (await http(m, '/status')).json as MemberStatus;
  } catch {
    return undefined;
  }
}

/** Polls `f` until it answers something other than undefined. */
export async function until<T>(f: () => Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The one member that says it leads, if exactly one does. */
export async function leaderOf(members: readonly Member[]): Promise<Member | undefined> {
  const states = await Promise.all(members.map(status));
  const leaders = members.filter((_, i) => states[i]?.role === 'leader');
  return leaders.length === 1 ? leaders[0] : undefined;
}
