import type { Admin } from './admin';
import type { LinkFault, Network } from './network';
import type { NodeHandle, NodeSet } from './nodes';
import type { Recorder } from './recorder';

/**
 * The nemesis' hands: kill -9 and restart, SIGSTOP and SIGCONT, cut and heal links — each logged
 * with its time, and each remembered so that `healAll` undoes whatever is still broken.
 */
export class Faults {
  readonly log: string[] = [];
  /** Counts per kind, for the schedule's line. */
  readonly counts = new Map<string, number>();
  private readonly restarting = new Set<Promise<void>>();

  constructor(
    readonly nodes: NodeSet,
    readonly network: Network,
    readonly admin: Admin,
    private readonly rec: Recorder,
  ) {}

  now(): number {
    return this.rec.now();
  }

  note(line: string): void {
    this.log.push(`${(this.rec.now() / 1000).toFixed(3)}s ${line}`);
  }

  count(kind: string): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
  }

  async kill(node: NodeHandle, why: string): Promise<void> {
    if (node.proc === undefined) return;
    this.note(`kill -9 ${node.id} (pid ${node.pid}) ${why}`);
    await this.nodes.kill(node);
  }

  /** Starts a killed member again in the background (it takes seconds); `healAll` waits for it. */
  restart(node: NodeHandle): void {
    if (node.proc !== undefined || node.removed) return;
    this.note(`restart ${node.id}`);
    const p = this.nodes
      .start(node)
      .catch((e: unknown) => this.note(`restart of ${node.id} failed: ${String(e).split('\n')[0]}`))
      .finally(() => this.restarting.delete(p));
    this.restarting.add(p);
  }

  pause(node: NodeHandle, why: string): void {
    if (node.proc === undefined || node.paused) return;
    this.note(`SIGSTOP ${node.id} ${why}`);
    this.nodes.pause(node);
  }

  resume(node: NodeHandle): void {
    if (!node.paused) return;
    this.note(`SIGCONT ${node.id}`);
    this.nodes.resume(node);
  }

  /** Cuts every link from a node of `a` to a node of `b` (and back, unless `oneWay`). */
  async partition(a: readonly string[], b: readonly string[], fault: Exclude<LinkFault, 'open'>, oneWay = false, why = ''): Promise<void> {
    this.note(`partition ${fault} ${a.join(',')} ${oneWay ? '->' : '<->'} ${b.join(',')} ${why}`.trim());
    for (const x of a) {
      for (const y of b) {
        if (x === y) continue;
        await this.network.cut(x, y, fault);
        if (!oneWay) await this.network.cut(y, x, fault);
      }
    }
  }

  async cutLinks(links: readonly [string, string][], fault: Exclude<LinkFault, 'open'>): Promise<void> {
    this.note(`cut ${fault} ${links.map(([x, y]) => `${x}->${y}`).join(' ')}`);
    for (const [x, y] of links) await this.network.cut(x, y, fault);
  }

  async healNetwork(release: 'reset' | 'resume'): Promise<void> {
    this.note(`heal the network (${release})`);
    await this.network.heal(release);
  }

  /** Undoes everything: the network healed, paused nodes resumed, killed members started and serving. */
  async healAll(release: 'reset' | 'resume'): Promise<void> {
    await this.healNetwork(release);
    for (const n of this.nodes.members()) this.resume(n);
    for (const n of this.nodes.members()) this.restart(n);
    while (this.restarting.size > 0) await Promise.all([...this.restarting]);
  }
}
