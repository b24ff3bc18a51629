import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../src/testing/ports';

/** Whether Debian's etcd (package etcd-server) is on PATH. */
export function hasEtcd(): boolean {
  try {
    execFileSync('etcd', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function waitFor<T>(f: () => Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Starts a 3-member etcd on loopback ports (fsync on, its defaults), recording its processes
 * and data folders in `procs` and `dirs` for the caller to clean up; returns the leader's
 * client URL.
 */
export async function startEtcd(procs: ChildProcess[], dirs: string[]): Promise<string> {
  const members = await Promise.all(['e1', 'e2', 'e3'].map(async (name) => ({ name, peer: await freePort(), client: await freePort(), dir: mkdtempSync(join(tmpdir(), `bench-${name}-`)) })));
  dirs.push(...members.map((m) => m.dir));
  const cluster = members.map((m) => `${m.name}=http://127.0.0.1:${m.peer}`).join(',');
  for (const m of members) {
    const p = spawn('etcd', [
      '--name', m.name, '--data-dir', m.dir,
      '--listen-peer-urls', `http://127.0.0.1:${m.peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${m.peer}`,
      '--listen-client-urls', `http://127.0.0.1:${m.client}`, '--advertise-client-urls', `http://127.0.0.1:${m.client}`,
      '--initial-cluster', cluster, '--initial-cluster-state', 'new', '--initial-cluster-token', 'bench',
    ], { stdio: 'ignore' });
    procs.push(p);
  }
  return waitFor(async () => {
    for (const m of members) {
      const res = await fetch(`http://127.0.0.1:${m.client}/v3/maintenance/status`, { method: 'POST', body: '{}' });
      const s = (await res.json()) as { leader?: string; header?: { member_id?: string } };
      if (s.leader !== undefined && s.leader === s.header?.member_id) return `http://127.0.0.1:${m.client}`;
    }
    return undefined;
  }, 20_000, 'an etcd leader');
}
