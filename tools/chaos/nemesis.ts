import type { Prng } from '@rookery/raft/testing';
import type { Faults } from './faults';
import type { LinkFault } from './network';
import type { NodeHandle } from './nodes';
import type { Recorder } from './recorder';
import { Strikes } from './strikes';

/**
 * The nemesis: a run of fault episodes drawn from the schedule's PRNG — kill -9 and restart,
 * SIGSTOP and SIGCONT, partitions of several shapes, and strikes timed to the middle of a
 * leadership transfer, a membership change or a snapshot. Each episode breaks something, holds
 * it a while, and mends it; what is still broken at the end, `Faults.healAll` mends.
 */

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

type Episode = 'kill' | 'pause' | 'partition' | 'transfer' | 'membership' | 'snapshot';

export class Nemesis {
  private readonly strikes: Strikes;
  private membershipDone = false;

  constructor(
    private readonly faults: Faults,
    private readonly rng: Prng,
    private readonly rec: Recorder,
    /** Snapshot strikes need nodes that snapshot often (`--snapshot-every`). */
    private readonly snapshots: boolean,
    addNode: () => Promise<NodeHandle>,
  ) {
    this.strikes = new Strikes(faults, rng, addNode);
  }

  /** Episodes until `until` (recorder time); each mends what it broke before the next begins. */
  async run(until: number): Promise<void> {
    await sleep(300 + this.rng.int(700));
    while (this.rec.now() < until - 500) {
      const episode = this.choose();
      this.faults.count(episode);
      try {
        await this.play(episode, until);
      } catch (e) {
        this.faults.note(`episode ${episode} failed: ${String(e)}`);
      }
      await sleep(200 + this.rng.int(1300));
    }
  }

  private choose(): Episode {
    const weights: [Episode, number][] = [
      ['kill', 20],
      ['pause', 15],
      ['partition', 30],
      ['transfer', 15],
      ['membership', this.membershipDone ? 0 : 12],
      ['snapshot', this.snapshots ? 12 : 0],
    ];
    let r = this.rng.int(weights.reduce((a, [, w]) => a + w, 0));
    for (const [e, w] of weights) {
      if (r < w) return e;
      r -= w;
    }
    return 'partition';
  }

  private hold(maxMs: number, until: number): Promise<void> {
    const ms = 300 + this.rng.int(maxMs - 300);
    return sleep(Math.max(100, Math.min(ms, until - this.rec.now())));
  }

  private async play(episode: Episode, until: number): Promise<void> {
    const f = this.faults;
    switch (episode) {
      case 'kill': {
        const target = await this.target();
        if (target === undefined) return;
        await f.kill(target.node, target.why);
        await this.hold(3000, until);
        f.restart(target.node);
        return;
      }
      case 'pause': {
        const target = await this.target();
        if (target === undefined) return;
        f.pause(target.node, target.why);
        await this.hold(3000, until);
        f.resume(target.node);
        return;
      }
      case 'partition':
        await this.partition();
        await this.hold(4000, until);
        await f.healNetwork(this.rng.chance(0.5) ? 'reset' : 'resume');
        return;
      case 'transfer':
        return this.strikes.transfer(until);
      case 'membership':
        this.membershipDone = true;
        return this.strikes.membership(until);
      case 'snapshot':
        return this.strikes.snapshot(until);
    }
  }

  /** The leader half the time (where faults hurt most), else any node that is up. */
  private async target(): Promise<{ node: NodeHandle; why: string } | undefined> {
    const up = this.faults.nodes.up();
    if (this.rng.chance(0.5)) {
      const leader = await this.faults.admin.leader(up);
      if (leader !== undefined) return { node: leader.node, why: `(the leader, term ${leader.status.term})` };
    }
    const node = up.length > 0 ? this.rng.pick(up) : undefined;
    return node === undefined ? undefined : { node, why: '' };
  }

  private async partition(): Promise<void> {
    const f = this.faults;
    const ids = f.nodes.members().map((n) => n.id);
    const fault: Exclude<LinkFault, 'open'> = this.rng.chance(0.6) ? 'refuse' : 'blackhole';
    const leader = (await f.admin.leader(f.nodes.up()))?.node.id ?? this.rng.pick(ids);
    const others = ids.filter((i) => i !== leader);
    const shuffled = [...ids].sort(() => this.rng.float() - 0.5);
    switch (this.rng.int(6)) {
      case 0:
        return f.partition([leader], others, fault, false, '(the leader isolated)');
      case 1: {
        const minority = 1 + this.rng.int(Math.floor(ids.length / 2));
        return f.partition(shuffled.slice(0, minority), shuffled.slice(minority), fault, false, '(majority and minority)');
      }
      case 2:
        // The leader's followers still hear it, it hears none of them: it must step down (check quorum) for a new one to lead.
        return f.partition(others, [leader], fault, true, '(nothing reaches the leader)');
      case 3:
        return f.partition([leader], others, fault, true, '(the leader reaches nobody)');
      case 4: {
        // A bridge: one node hears both halves, which do not hear each other.
        const [bridge, ...rest] = shuffled;
        const half = Math.ceil(rest.length / 2);
        return f.partition(rest.slice(0, half), rest.slice(half), fault, false, `(${bridge} bridges the halves)`);
      }
      default: {
        const links: [string, string][] = [];
        for (const x of ids) for (const y of ids) if (x !== y && this.rng.chance(0.3)) links.push([x, y]);
        if (links.length > 0) await f.cutLinks(links, fault);
      }
    }
  }
}
