import type { RaftConfig } from '../core/config';
import type { ConfChange, Entry, Membership, Message, NodeId } from '../core/types';
import { Prng } from '../testing/prng';
import { SimNode, type ReadyObserver } from '../testing/sim-node';
import { describe } from '../testing/describe';
import { payloadKey, SafetyChecker } from './invariants';
import { SimNetwork, NO_FAULTS } from './network';

export interface SimOptions {
  readonly seed: number;
  readonly nodes: number;
  /** Simulated time units of faults before the network heals (a node ticks every 10 units). */
  readonly chaosTime?: number;
  /** After healing: ticks within which a leader must be elected and a proposal commit everywhere. */
  readonly livenessTicks?: number;
  /** Print what happens, for replaying a failing seed. */
  readonly trace?: (line: string) => void;
  /** Raft options to run with (pre-vote and check-quorum are on by default). */
  readonly raft?: Partial<RaftConfig>;
  /**
   * Membership changes (on by default): two spare servers join the pool, and the leader is
   * asked at random to add, promote, demote and remove members.
   */
  readonly membership?: boolean;
  /** Snapshots and log compaction at random points (on by default). */
  readonly snapshots?: boolean;
  /** Leadership transfers at random points (on by default). */
  readonly transfers?: boolean;
}

export interface SimResult {
  readonly seed: number;
  readonly violations: readonly string[];
  readonly stats: {
    readonly time: number;
    readonly proposals: number;
    readonly acked: number;
    readonly reads: number;
    readonly confChanges: number;
    readonly snapshots: number;
    readonly snapshotsInstalled: number;
    readonly transfers: number;
    /** 1 when the committed voters went from K to K+2 and back to K. */
    readonly resized: number;
    readonly messages: number;
    readonly dropped: number;
    readonly crashes: number;
    readonly partitions: number;
    readonly leaders: number;
    readonly committed: number;
    readonly healedAfterTicks: number;
  };
}

const TICK = 10;
const encoder = new TextEncoder();

/**
 * One deterministic run: a cluster under a seeded storm of drops, duplicates, delays,
 * partitions, crashes and restarts, with every safety property checked after every step; then
 * the faults heal and the cluster must elect a leader and commit within a bound.
 */
export function simulate(opts: SimOptions): SimResult {
  const rng = new Prng(opts.seed);
  const trace = opts.trace;
  const chaosTime = opts.chaosTime ?? 3000;
  const livenessTicks = opts.livenessTicks ?? 100;
  const membershipFaults = opts.membership ?? true;
  const ids: NodeId[] = Array.from({ length: opts.nodes + (membershipFaults ? 2 : 0) }, (_, i) => `n${i + 1}`);
  const founders = ids.slice(0, opts.nodes);
  const net = new SimNetwork(rng.fork());
  const checker = new SafetyChecker();
  // This seed's flow control: tiny messages and windows make entries of old terms travel apart
  // from the new leader's no-op, which is where commit-rule bugs (Figure 8) hide.
  const flow: { -readonly [K in keyof RaftConfig]?: RaftConfig[K] } = rng.chance(0.5)
    ? { maxSizePerMsg: 1 + rng.int(16), maxInflightMsgs: 1 + rng.int(4), maxInflightBytes: 0 }
    : { maxInflightMsgs: 1 + rng.int(256) };
  // Snapshots (on by default): nodes snapshot at random points and compact behind a short
  // trailing window, so lagging and new members often need InstallSnapshot.
  const snapshotFaults = opts.snapshots ?? true;
  const pSnapshot = snapshotFaults ? rng.float() * 0.01 : 0;
  if (snapshotFaults) {
    flow.snapshotTrailingEntries = rng.chance(0.5) ? rng.int(10) : rng.int(200);
    flow.snapshotChunkSize = 8 + rng.int(120);
  }
  // Spare servers start with no membership: they wait to be added and contacted by a leader.
  const nodes = ids.map((id) => new SimNode(id, founders.includes(id) ? founders : [], { ...flow, ...opts.raft }, rng.fork()));
  const phase = new Map<NodeId, number>(ids.map((id) => [id, rng.int(TICK)]));
  /** proposal key -> the node it was proposed at. */
  const pending = new Map<string, NodeId>();
  const stats = { proposals: 0, acked: 0, reads: 0, confChanges: 0, snapshots: 0, snapshotsInstalled: 0, transfers: 0, resized: 0, crashes: 0, partitions: 0, leaders: 0, committed: 0, healedAfterTicks: 0 };
  let now = 0;

  // This seed's weather: how lossy and how violent the network and hosts are.
  net.faults = { drop: rng.float() * 0.2, duplicate: rng.float() * 0.05, slow: rng.float() * 0.1 };
  const pPropose = 0.02 + rng.float() * 0.1;
  const pPartition = rng.float() * 0.004;
  const pCrash = rng.float() * (rng.chance(0.3) ? 0.01 : 0.002);
  const pConfChange = membershipFaults ? rng.float() * 0.006 : 0;
  const transferFaults = opts.transfers ?? true;
  const pTransfer = transferFaults ? rng.float() * 0.003 : 0;
  trace?.(`seed ${opts.seed}: ${opts.nodes} nodes, drop ${net.faults.drop.toFixed(3)}, dup ${net.faults.duplicate.toFixed(3)}, slow ${net.faults.slow.toFixed(3)}`);

  const observer: ReadyObserver = {
    persisted: (n, rd) => checker.persisted(n, rd),
    sending: (n, m) => {
      checker.sending(n, m);
      net.send(now, m);
    },
    applied: (n, e) => {
      checker.applied(n, e);
      onApplied(n, e);
    },
    restored: (n, snap) => {
      stats.snapshotsInstalled++;
      checker.stateAt(n, snap.meta.index, `restored from ${snap.meta.term}/${snap.meta.index}`);
      trace?.(`${now} ${n.id} restored snapshot ${snap.meta.term}/${snap.meta.index}`);
    },
    readState: (n, rs) => {
      const floor = reads.get(rs.context);
      if (floor === undefined) return;
      reads.delete(rs.context);
      stats.reads++;
      // Linearizable read: it must see every write acknowledged before it was asked.
      if (rs.index < floor) checker.fail(`read ${rs.context} at ${n.id} was given index ${rs.index}, but index ${floor} was acknowledged before it was asked`);
    },
  };
  /** read context -> the highest index acknowledged when the read was asked. */
  const reads = new Map<string, number>();
  let ackedHigh = 0;

  function onApplied(n: SimNode, e: Entry): void {
    const key = payloadKey(e);
    if (key === '') return;
    if (pending.get(key) === n.id) {
      pending.delete(key);
      stats.acked++;
      checker.ack(e.index, e.term);
      ackedHigh = Math.max(ackedHigh, e.index);
    }
  }

  function processReady(n: SimNode): void {
    while (n.processReady(observer) !== undefined) {
      /* until quiescent */
    }
  }

  function deliver(m: Message): void {
    const n = nodes[ids.indexOf(m.to)];
    if (n?.core === undefined) return;
    trace?.(`${now} ${m.from}->${m.to} ${describe(m)}`);
    n.core.step(m);
    if (rng.chance(0.5)) processReady(n);
  }

  function propose(n: SimNode, key: string): boolean {
    if (n.core === undefined) return false;
    const res = n.core.propose(encoder.encode(key));
    trace?.(`${now} propose '${key}' at ${n.id}: ${res.ok ? ('index' in res ? `index ${res.index}` : `forwarded to ${res.forwardedTo}`) : res.error.code}`);
    if (res.ok) pending.set(key, n.id);
    return res.ok;
  }

  function advanceTime(chaos: boolean): void {
    now++;
    for (const m of net.due(now)) deliver(m);
    for (const n of nodes) {
      if (n.core !== undefined && (now + phase.get(n.id)!) % TICK === 0) n.core.tick();
    }
    if (chaos) injectFaults();
    for (const n of nodes) processReady(n);
    checker.check(nodes);
    trackResize();
    for (const n of nodes) {
      if (n.core?.role === 'leader' && n.core.term > lastLeaderTerm) {
        lastLeaderTerm = n.core.term;
        stats.leaders++;
        trace?.(`${now} ${n.id} leads term ${n.core.term}`);
      }
    }
  }
  let lastLeaderTerm = 0;

  function injectFaults(): void {
    if (rng.chance(pPropose)) propose(rng.pick(nodes), `p${stats.proposals++}`);
    if (rng.chance(pPropose / 4)) {
      const n = rng.pick(nodes);
      const context = `r${now}`;
      if (n.core?.readIndex(context).ok) reads.set(context, ackedHigh);
    }
    if (rng.chance(0.002)) {
      const n = rng.pick(nodes);
      if (n.core !== undefined && n.core.role !== 'leader') {
        trace?.(`${now} ${n.id} campaigns`);
        n.core.campaign();
      }
    }
    if (membershipFaults && rng.chance(pConfChange)) changeMembership();
    if (transferFaults && rng.chance(pTransfer)) {
      const leader = currentLeader();
      if (leader !== undefined) {
        const voters = leader.core!.voters.filter((v) => v !== leader.id);
        const to = rng.chance(0.5) || voters.length === 0 ? undefined : rng.pick(voters);
        const res = leader.core!.transferLeadership(to);
        stats.transfers += res.ok ? 1 : 0;
        trace?.(`${now} transfer leadership from ${leader.id} to ${to ?? 'the most up-to-date voter'}: ${res.ok ? 'started' : res.error.code}`);
      }
    }
    if (snapshotFaults && rng.chance(pSnapshot * nodes.length)) {
      const n = rng.pick(nodes);
      const snap = n.takeSnapshot();
      if (snap !== undefined) {
        stats.snapshots++;
        checker.stateAt(n, snap.meta.index, 'snapshot taken');
        trace?.(`${now} ${n.id} snapshot at ${snap.meta.term}/${snap.meta.index}`);
      }
    }
    if (rng.chance(pPartition)) partition();
    if (net.partitioned() && rng.chance(0.003)) {
      trace?.(`${now} heal partition`);
      net.heal();
    }
    if (rng.chance(pCrash)) {
      const n = rng.pick(nodes);
      if (n.core !== undefined) {
        trace?.(`${now} crash ${n.id} (term ${n.core.term}, role ${n.core.role}, persisted last index ${n.storage.lastIndex()})`);
        n.crash();
        net.dropTo(n.id);
        stats.crashes++;
      }
    }
    for (const n of nodes) {
      if (n.core === undefined && rng.chance(0.01)) {
        n.restart();
        checker.stateAt(n, n.appliedIndex, 'restarted from its snapshot');
        trace?.(`${now} restart ${n.id} at term ${n.core!.term}, commit ${n.core!.log.committed}`);
      }
    }
  }

  // Whether this run grew the committed voters from K to K+2 and shrank them back to K.
  let grew = false;
  function trackResize(): void {
    let committed: { index: number; voters: number } = { index: -1, voters: 0 };
    for (const n of nodes) {
      const c = n.core?.committedMembership();
      if (c !== undefined && c.index > committed.index) committed = { index: c.index, voters: c.membership.voters.length };
    }
    if (committed.voters >= opts.nodes + 2) grew = true;
    else if (grew && committed.voters <= opts.nodes) stats.resized = 1;
  }

  function currentLeader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const n of nodes) if (n.core?.role === 'leader' && (best === undefined || n.core.term > best.core!.term)) best = n;
    return best;
  }

  // Some runs follow a plan instead of a random walk: grow the voters to the whole pool, then
  // shrink back to the founders, one change at a time, faults going on all along.
  const resizePlan = membershipFaults && rng.chance(0.4);
  let planTarget: readonly NodeId[] = ids;

  function plannedChange(m: Membership): ConfChange | undefined {
    if (planTarget === ids && ids.every((id) => m.voters.includes(id))) planTarget = founders;
    for (const id of ids) {
      const wanted = planTarget.includes(id);
      if (wanted && !m.voters.includes(id)) return m.learners.includes(id) ? { type: 'promote', node: id } : { type: 'add-learner', node: id };
      if (!wanted && m.voters.includes(id)) return { type: rng.chance(0.5) ? 'demote' : 'remove', node: id };
      if (!wanted && m.learners.includes(id)) return { type: 'remove', node: id };
    }
    return undefined;
  }

  function changeMembership(): void {
    const leader = currentLeader();
    if (leader === undefined) return;
    const m = leader.core!.membership();
    const planned = resizePlan ? plannedChange(m) : undefined;
    if (planned !== undefined) {
      const res = leader.core!.proposeConfChange(planned);
      stats.confChanges += res.ok ? 1 : 0;
      trace?.(`${now} planned ${planned.type} ${planned.node} at ${leader.id}: ${res.ok ? 'appended' : res.error.code}`);
      return;
    }
    const options: ConfChange[] = [];
    for (const id of ids) {
      if (m.voters.includes(id)) {
        if (m.voters.length > 1) options.push({ type: 'demote', node: id }, { type: 'remove', node: id });
      } else if (m.learners.includes(id)) {
        options.push({ type: 'promote', node: id }, { type: 'promote', node: id }, { type: 'remove', node: id });
      } else {
        options.push({ type: 'add-learner', node: id }, { type: rng.chance(0.3) ? 'add-voter' : 'add-learner', node: id });
      }
    }
    const cc = rng.pick(options);
    const res = leader.core!.proposeConfChange(cc);
    stats.confChanges += res.ok ? 1 : 0;
    trace?.(`${now} ${cc.type} ${cc.node} at ${leader.id}: ${res.ok ? ('index' in res ? `appended at ${res.term}/${res.index}` : 'forwarded') : res.error.code}`);
  }

  function partition(): void {
    stats.partitions++;
    net.heal();
    const kind = rng.int(3);
    if (kind === 0) {
      // Symmetric: a random split into two sides.
      const side = new Set(ids.filter(() => rng.chance(0.5)));
      for (const a of ids) for (const b of ids) if (side.has(a) !== side.has(b)) net.cutLink(a, b);
      trace?.(`${now} partition {${[...side].join(',')}} | {${ids.filter((i) => !side.has(i)).join(',')}}`);
    } else if (kind === 1) {
      // Asymmetric: some links lose messages one way only.
      const cuts: string[] = [];
      for (let k = 0; k <= rng.int(ids.length); k++) {
        const a = rng.pick(ids);
        const b = rng.pick(ids);
        if (a !== b) {
          net.cutLink(a, b);
          cuts.push(`${a}>${b}`);
        }
      }
      trace?.(`${now} cut links ${cuts.join(' ')}`);
    } else {
      // Isolate the leader (if any) from everyone.
      const leader = nodes.find((n) => n.core?.role === 'leader');
      const victim = leader?.id ?? rng.pick(ids);
      for (const b of ids) {
        if (b !== victim) {
          net.cutLink(victim, b);
          net.cutLink(b, victim);
        }
      }
      trace?.(`${now} isolate ${victim}`);
    }
  }

  try {
    run();
  } catch (e) {
    // A broken invariant inside the core is a violation too, named by its message.
    checker.fail(`exception at time ${now}: ${e instanceof Error ? e.message : String(e)}`);
  }
  stats.committed = Math.max(0, ...nodes.map((n) => n.core?.log.committed ?? 0));
  return {
    seed: opts.seed,
    violations: checker.violations,
    stats: { ...stats, time: now, messages: net.sent, dropped: net.dropped },
  };

  function run(): void {
    while (now < chaosTime && checker.violations.length === 0) advanceTime(true);

    // Heal: restart everyone, reconnect, stop losing messages. Then demand progress.
    net.heal();
    net.faults = NO_FAULTS;
    for (const n of nodes) if (n.core === undefined) n.restart();
    trace?.(`${now} healed: all nodes up, network whole`);
    const healedAt = now;
    const deadline = now + livenessTicks * TICK;
    // A probe proposal at the leader; re-proposed if its leader loses office before it applies.
    let probe: { key: string; leader: SimNode; term: number } | undefined;
    while (now < deadline && checker.violations.length === 0) {
      advanceTime(false);
      const leader = currentLeader();
      if (leader === undefined) continue;
      const term = leader.core!.term;
      if (probe === undefined || probe.leader !== leader || probe.term !== term) {
        const key = `live${now}`;
        probe = propose(leader, key) ? { key, leader, term } : undefined;
        continue;
      }
      if (pending.has(probe.key)) continue;
      const commit = leader.core!.log.committed;
      const m = leader.core!.membership();
      const members = nodes.filter((n) => m.voters.includes(n.id) || m.learners.includes(n.id));
      if (members.every((n) => n.appliedIndex >= commit && n.core!.leader === leader.id && n.core!.term === term)) {
        stats.healedAfterTicks = Math.max(1, Math.ceil((now - healedAt) / TICK));
        break;
      }
    }
    if (checker.violations.length === 0 && stats.healedAfterTicks === 0) {
      const state = nodes.map((n) => `${n.id}:${n.core!.role}@${n.core!.term} commit ${n.core!.log.committed} applied ${n.appliedIndex}`).join(', ');
      checker.fail(`liveness: ${livenessTicks} ticks after healing, no leader had committed a new proposal on every node (${state})`);
    }

  }
}
