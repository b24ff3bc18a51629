import { watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { Prng } from '@rookery/raft/testing';
import type { Faults } from './faults';
import type { NodeHandle } from './nodes';

/**
 * Faults timed to the moments Raft is most exposed: a leadership transfer under way, a
 * membership change being committed (and a learner catching up), a snapshot being written or
 * installed. The moments are found the way an operator would see them — the admin API's status
 * (membership, each follower's replication state) and the snapshot files appearing on disk.
 */

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const SNAPSHOT_FILE = /^snap-\d+-\d+\.snap(\.tmp)?$/;

/** What a strike broke, so it can be mended. */
type Mend = () => Promise<void> | void;

export class Strikes {
  constructor(
    private readonly f: Faults,
    private readonly rng: Prng,
    private readonly addNode: () => Promise<NodeHandle>,
  ) {}

  /** Asks the leader to hand over to a follower, and strikes the old leader or the transferee within 150 ms. */
  async transfer(until: number): Promise<void> {
    const leader = await this.f.admin.leader(this.f.nodes.up());
    if (leader === undefined) return this.f.note('transfer: no leader to ask');
    const to = this.rng.pick(leader.status.membership.voters.filter((v) => v !== leader.node.id));
    const transferee = to === undefined ? undefined : this.f.nodes.byId(to);
    if (transferee === undefined) return this.f.note('transfer: no follower to hand over to');
    const answer = await this.f.admin.transfer(leader.node, to);
    this.f.note(`transfer leadership ${leader.node.id} -> ${to}: ${answer}`);
    await sleep(this.rng.int(150));
    const mend = await this.strike([leader.node, transferee], 'during the transfer');
    await this.hold(2500, until);
    await mend();
  }

  /**
   * A server added (a joiner: learner, then voter) and one removed, in the order that keeps at
   * least three voters; a fault strikes while each change is in flight.
   */
  async membership(until: number): Promise<void> {
    const leader = await this.f.admin.leader(this.f.nodes.up());
    const voters = leader?.status.membership.voters.length ?? this.f.nodes.members().length;
    if (voters <= 3) {
      await this.add(until);
      await this.remove(until);
    } else {
      await this.remove(until);
      await this.add(until);
    }
  }

  private async add(until: number): Promise<void> {
    const joiner = await this.addNode();
    this.f.note(`${joiner.id} serves: it asks to be added`);
    if (this.rng.chance(0.5)) {
      // The operator's way too, at the same time: one server asked in twice must be added once.
      const via = this.rng.pick(this.f.nodes.up().filter((n) => n !== joiner));
      if (via !== undefined) this.f.note(`add ${joiner.id} (asked of ${via.id}): ${await this.f.admin.add(via, joiner.id, `${joiner.place.raft.host}:${joiner.place.raft.port}`)}`);
    }
    // The learner's catch-up and its promotion follow within a second or two of its start.
    await sleep(this.rng.int(1200));
    const others = this.f.nodes.up().filter((n) => n !== joiner);
    const leader = (await this.f.admin.leader(others))?.node;
    const mend = await this.strike(leader !== undefined ? [leader, joiner] : [joiner], 'while the joiner catches up');
    await this.hold(2000, until);
    await mend();
    const deadline = Date.now() + 8000;
    while (Date.now() < deadline) {
      const l = await this.f.admin.leader(this.f.nodes.up());
      if (l?.status.membership.voters.includes(joiner.id)) return this.f.note(`${joiner.id} is a voter`);
      await sleep(200);
    }
    this.f.note(`${joiner.id} is not a voter yet`);
  }

  private async remove(until: number): Promise<void> {
    const leader = await this.f.admin.leader(this.f.nodes.up());
    if (leader === undefined) return this.f.note('remove: no leader');
    const voters = leader.status.membership.voters;
    if (voters.length < 4) return this.f.note(`remove: only ${voters.length} voters, none taken out`);
    const victimId = this.rng.chance(0.3) ? leader.node.id : this.rng.pick(voters.filter((v) => v !== leader.node.id));
    const victim = this.f.nodes.byId(victimId);
    if (victim === undefined) return;
    const via = this.rng.pick(this.f.nodes.up());
    this.f.note(`remove ${victimId} (asked of ${via.id})${victimId === leader.node.id ? ' (the leader)' : ''}`);
    const answer = this.f.admin.remove(via, victimId);
    await sleep(this.rng.int(200));
    const mend = await this.strike([leader.node, victim], 'while the removal commits');
    let result = await answer;
    await this.hold(2000, until);
    await mend();
    if (result !== 'ok') result = await this.f.admin.remove(this.rng.pick(this.f.nodes.up().filter((n) => n !== victim)) ?? via, victimId);
    this.f.note(`remove ${victimId}: ${result}`);
    if (result !== 'ok') return;
    // Out of the cluster: stopped for good, as an operator would.
    victim.removed = true;
    await this.f.kill(victim, '(removed from the cluster)');
  }

  /** Strikes a node as it writes a snapshot, or a follower and its leader as a snapshot is installed. */
  async snapshot(until: number): Promise<void> {
    if (this.rng.chance(0.5)) await this.duringSnapshotWrite(until);
    else await this.duringSnapshotInstall(until);
  }

  /** Watches every running node's snapshot directory; the first to start writing one is killed or paused on the spot. */
  private async duringSnapshotWrite(until: number): Promise<void> {
    const kill = this.rng.chance(0.7);
    const hit = await firstSnapshot(this.f.nodes.up(), 5000, (node, file) => {
      // Signalled from the watch callback itself: the write (and its fsync) is still under way.
      if (kill) void this.f.kill(node, `(writing ${file})`);
      else this.f.pause(node, `(writing ${file})`);
    });
    if (hit === undefined) return this.f.note('snapshot: no node wrote one within 5 s');
    await this.hold(2000, until);
    if (kill) this.f.restart(hit);
    else this.f.resume(hit);
  }

  /**
   * Cuts a follower off until the leader has written two snapshots (its log compacted past the
   * follower's), lets it back, and strikes the follower or the leader the moment a snapshot file
   * appears on the follower — the one the leader sends it, being installed.
   */
  private async duringSnapshotInstall(until: number): Promise<void> {
    const leader = await this.f.admin.leader(this.f.nodes.up());
    if (leader === undefined) return this.f.note('snapshot install: no leader');
    const follower = this.rng.pick(this.f.nodes.up().filter((n) => n !== leader.node));
    if (follower === undefined) return;
    const others = this.f.nodes.members().filter((n) => n !== follower).map((n) => n.id);
    await this.f.partition([follower.id], others, 'refuse', false, '(to fall behind the snapshot)');
    for (let i = 0; i < 2 && this.f.now() < until; i++) await firstSnapshot([leader.node], 4000, () => undefined);
    const victim = this.rng.chance(0.6) ? follower : leader.node;
    const installing = firstSnapshot([follower], 4000, (_node, file) => void this.f.kill(victim, `(${follower.id} is installing ${file})`));
    await this.f.healNetwork('reset');
    if ((await installing) === undefined) return this.f.note(`snapshot install: ${follower.id} caught up without writing a snapshot`);
    await this.hold(2000, until);
    this.f.restart(victim);
  }

  /** One fault on one of `nodes`: kill -9, a pause, or a partition from the others. Returns how to mend it. */
  private async strike(nodes: readonly NodeHandle[], why: string): Promise<Mend> {
    const node = this.rng.pick(nodes);
    switch (this.rng.int(3)) {
      case 0:
        await this.f.kill(node, `(${why})`);
        return () => this.f.restart(node);
      case 1:
        this.f.pause(node, `(${why})`);
        return () => this.f.resume(node);
      default: {
        const others = this.f.nodes.members().filter((n) => n !== node).map((n) => n.id);
        await this.f.partition([node.id], others, this.rng.chance(0.5) ? 'refuse' : 'blackhole', false, `(${why})`);
        return () => this.f.healNetwork(this.rng.chance(0.5) ? 'reset' : 'resume');
      }
    }
  }

  private hold(maxMs: number, until: number): Promise<void> {
    const ms = 300 + this.rng.int(maxMs - 300);
    return sleep(Math.max(100, Math.min(ms, until - this.f.now())));
  }
}

/**
 * Resolves with the first of `nodes` to create a snapshot file (`onFile` runs in the watch
 * callback, while the file is being written), or undefined after `timeoutMs`.
 */
function firstSnapshot(nodes: readonly NodeHandle[], timeoutMs: number, onFile: (node: NodeHandle, file: string) => void): Promise<NodeHandle | undefined> {
  const watchers: FSWatcher[] = [];
  let done = false;
  return new Promise<NodeHandle | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(undefined), timeoutMs);
    for (const node of nodes) {
      try {
        watchers.push(
          watch(join(node.dataDir, 'snap'), (_event, file) => {
            if (done || file === null || !SNAPSHOT_FILE.test(file) || node.proc === undefined) return;
            done = true;
            clearTimeout(timer);
            for (const w of watchers) w.close();
            onFile(node, file);
            resolve(node);
          }),
        );
      } catch {
        // Not started yet: no directory to watch.
      }
    }
  }).finally(() => {
    for (const w of watchers) w.close();
  });
}
