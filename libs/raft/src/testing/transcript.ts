import type { RaftConfig } from '../core/config';
import { describeMembership } from '../core/membership';
import type { ConfChangeType, Message, NodeId, Observation } from '../core/types';
import { describe, describeEntries } from './describe';
import { Prng } from './prng';
import { SimNode } from './sim-node';

/**
 * Transcript tests, in the spirit of etcd's datadriven interaction tests. A file is a list of
 * blocks:
 *
 *     # why this step matters
 *     command arg key=value
 *     ----
 *     what it printed
 *     (blank line)
 *
 * Commands (nodes are n1..nN; with no node named, a command applies to every node):
 *   add-nodes N [prevote=bool] [checkquorum=bool] [election=T] [heartbeat=T] [forward=bool]
 *                [maxsize=B] [inflight=K] [uncommitted=B]
 *   campaign nX | tick nX [count=K] | tick-election nX... | tick-heartbeat nX...
 *   propose nX DATA | read-index nX CONTEXT
 *   conf nX add-voter|add-learner|promote|demote|remove nY    a membership change at nX
 *   transfer nX [nY]                hand leadership from nX to nY (or the most up-to-date voter)
 *   snapshot nX                     nX snapshots its state machine; its log compacts behind it
 *   process-ready [nX...]           handle each node's Ready: persist, queue messages, apply
 *   deliver-msgs [from=nX] [to=nX] [drop]   deliver (or drop) queued messages
 *   stabilize [nX...]               process-ready and deliver until nothing moves
 *   cut nX nY | isolate nX | heal   cut links both ways, cut a node off, reconnect all
 *   crash nX | restart nX           lose unpersisted state / start again from storage
 *   status [nX...] | log [nX...]
 * Election timeouts are not randomized here (see MaxPrng): `tick-election` passes one base
 * election timeout, which ends leases and lets check-quorum act; `campaign` starts elections.
 */
export class TranscriptEnv {
  private nodes = new Map<NodeId, SimNode>();
  private queue: Message[] = [];
  private readonly cutLinks = new Set<string>();
  private electionTick = 10;
  private heartbeatTick = 1;
  private out: string[] = [];

  run(command: string): string {
    this.out = [];
    const [name, ...rest] = command.trim().split(/\s+/);
    const args = rest.filter((a) => !a.includes('='));
    const kv = new Map(rest.filter((a) => a.includes('=')).map((a) => a.split('=', 2) as [string, string]));
    switch (name) {
      case 'add-nodes':
        this.addNodes(Number(args[0]), kv);
        break;
      case 'campaign':
        this.node(args[0]).core!.campaign();
        break;
      case 'tick':
        for (let i = 0; i < Number(kv.get('count') ?? 1); i++) this.node(args[0]).core!.tick();
        break;
      case 'tick-election':
      case 'tick-heartbeat': {
        const n = name === 'tick-election' ? this.electionTick : this.heartbeatTick;
        for (const id of this.pick(args)) for (let i = 0; i < n; i++) this.nodes.get(id)!.core?.tick();
        break;
      }
      case 'propose': {
        const res = this.node(args[0]).core!.propose(new TextEncoder().encode(args[1] ?? ''));
        this.print(res.ok ? ('index' in res ? `appended at ${res.term}/${res.index}` : `forwarded to ${res.forwardedTo}`) : `${res.error.code}: ${res.error.message}`);
        break;
      }
      case 'conf': {
        const res = this.node(args[0]).core!.proposeConfChange({ type: args[1] as ConfChangeType, node: args[2] ?? '' });
        this.print(res.ok ? ('index' in res ? `appended at ${res.term}/${res.index}` : 'forwarded') : `${res.error.code}: ${res.error.message}`);
        break;
      }
      case 'transfer': {
        const res = this.node(args[0]).core!.transferLeadership(args[1]);
        this.print(res.ok ? 'ok' : `${res.error.code}: ${res.error.message}`);
        break;
      }
      case 'snapshot': {
        const snap = this.node(args[0]).takeSnapshot();
        this.print(snap === undefined ? 'no snapshot' : `snapshot at ${snap.meta.term}/${snap.meta.index}, ${describeMembership(snap.meta.membership)}, ${snap.data.length} bytes`);
        break;
      }
      case 'read-index': {
        const res = this.node(args[0]).core!.readIndex(args[1] ?? '');
        this.print(res.ok ? 'ok' : `${res.error.code}: ${res.error.message}`);
        break;
      }
      case 'process-ready':
        for (const id of this.pick(args)) this.processReady(id, true);
        break;
      case 'deliver-msgs':
        this.deliver(kv.get('from'), kv.get('to'), args.includes('drop'), true);
        break;
      case 'stabilize':
        this.stabilize(this.pick(args));
        break;
      case 'cut':
        this.cutLinks.add(`${args[0]}>${args[1]}`).add(`${args[1]}>${args[0]}`);
        break;
      case 'isolate':
        for (const other of this.nodes.keys()) if (other !== args[0]) this.cutLinks.add(`${args[0]}>${other}`).add(`${other}>${args[0]}`);
        break;
      case 'heal':
        this.cutLinks.clear();
        break;
      case 'crash':
        this.node(args[0]).crash();
        this.queue = this.queue.filter((m) => m.to !== args[0]);
        break;
      case 'restart':
        this.node(args[0]).restart();
        this.status([args[0]!]);
        break;
      case 'status':
        this.status(this.pick(args));
        break;
      case 'log':
        for (const id of this.pick(args)) {
          const n = this.nodes.get(id)!;
          const log = n.core?.log;
          if (log === undefined) {
            this.print(`${id}: down`);
            continue;
          }
          const first = log.firstIndex();
          const ents = log.lastIndex() >= first ? log.slice(first, log.lastIndex() + 1, Infinity) : [];
          const snap = n.storage.snapshot();
          const head = first > 1 ? `(compacted to ${log.term(first - 1)}/${first - 1}${snap ? `; snapshot ${snap.meta.term}/${snap.meta.index}` : ''}) ` : '';
          this.print(`${id}: ${head}${describeEntries(ents, true)}`);
        }
        break;
      default:
        throw new Error(`unknown transcript command '${name}'`);
    }
    return this.out.join('\n');
  }

  private addNodes(count: number, kv: Map<string, string>): void {
    const bool = (k: string, d: boolean): boolean => (kv.has(k) ? kv.get(k) === 'true' : d);
    this.electionTick = Number(kv.get('election') ?? 10);
    this.heartbeatTick = Number(kv.get('heartbeat') ?? 1);
    const opts: Partial<RaftConfig> = {
      electionTick: this.electionTick,
      heartbeatTick: this.heartbeatTick,
      preVote: bool('prevote', true),
      checkQuorum: bool('checkquorum', true),
      forwardProposals: bool('forward', true),
      ...(kv.has('maxsize') ? { maxSizePerMsg: Number(kv.get('maxsize')) } : {}),
      ...(kv.has('inflight') ? { maxInflightMsgs: Number(kv.get('inflight')), maxInflightBytes: 0 } : {}),
      ...(kv.has('uncommitted') ? { maxUncommittedEntriesSize: Number(kv.get('uncommitted')) } : {}),
      ...(kv.has('trailing') ? { snapshotTrailingEntries: Number(kv.get('trailing')) } : {}),
      ...(kv.has('chunk') ? { snapshotChunkSize: Number(kv.get('chunk')) } : {}),
      ...(kv.has('lag') ? { maxPromotionLag: Number(kv.get('lag')) } : {}),
    };
    // Spares start with no membership: they join when a leader adds them.
    const spares = Number(kv.get('spares') ?? 0);
    const ids = Array.from({ length: count }, (_, i) => `n${i + 1}`);
    const all = Array.from({ length: count + spares }, (_, i) => `n${i + 1}`);
    this.nodes = new Map(all.map((id) => [id, new SimNode(id, ids.includes(id) ? ids : [], opts, new MaxPrng())]));
  }

  private processReady(id: NodeId, verbose: boolean): boolean {
    const n = this.nodes.get(id)!;
    let any = false;
    const msgs = n.processReady({
      persisted: (_, rd) => {
        any = true;
        if (!verbose) return;
        const parts: string[] = [];
        if (rd.softState) parts.push(`${rd.softState.role}${rd.softState.leader ? ` (leader ${rd.softState.leader})` : ''}`);
        if (rd.hardState) parts.push(`hard state term ${rd.hardState.term} vote ${rd.hardState.vote || '-'} commit ${rd.hardState.commit}`);
        if (rd.snapshot !== undefined) parts.push(`restore snapshot ${rd.snapshot.meta.term}/${rd.snapshot.meta.index}`);
        if (rd.entries.length > 0) parts.push(`persist ${describeEntries(rd.entries)}`);
        if (rd.committedEntries.length > 0) parts.push(`apply ${describeEntries(rd.committedEntries)}`);
        for (const rs of rd.readStates) parts.push(`read ${rs.context} at index ${rs.index}`);
        if (rd.compactIndex > 0) parts.push(`compact to ${rd.compactIndex}`);
        for (const o of rd.observations) if (o.kind !== 'role-changed' && o.kind !== 'leader-changed') parts.push(describeObservation(o));
        if (parts.length > 0) this.print(`${id}: ${parts.join('; ')}`);
      },
    });
    // A cut link loses a message as it is sent.
    if (msgs !== undefined) for (const m of msgs) if (!this.cutLinks.has(`${m.from}>${m.to}`)) this.queue.push(m);
    return any;
  }

  private deliver(from: string | undefined, to: string | undefined, drop: boolean, verbose: boolean): number {
    const take = this.queue.filter((m) => (from === undefined || m.from === from) && (to === undefined || m.to === to));
    this.queue = this.queue.filter((m) => !take.includes(m));
    for (const m of take) {
      const target = this.nodes.get(m.to);
      const lost = drop || this.cutLinks.has(`${m.from}>${m.to}`) || target?.core === undefined;
      if (verbose || !lost) this.print(`${m.from}->${m.to} ${describe(m)}${lost ? ' (dropped)' : ''}`);
      if (!lost) target!.core!.step(m);
    }
    return take.length;
  }

  private stabilize(ids: NodeId[]): void {
    for (let round = 0; round < 1000; round++) {
      let moved = false;
      for (const id of ids) while (this.processReady(id, true)) moved = true;
      for (const id of ids) if (this.deliver(undefined, id, false, false) > 0) moved = true;
      if (!moved) return;
    }
    throw new Error('stabilize: still busy after 1000 rounds');
  }

  private status(ids: NodeId[]): void {
    for (const id of ids) {
      const s = this.nodes.get(id)!.status();
      if (s === undefined) {
        this.print(`${id}: down`);
        continue;
      }
      const n = this.nodes.get(id)!;
      const last = n.core!.log.lastIndex();
      this.print(`${id}: ${s.role} term ${s.term} vote ${s.vote || '-'} leader ${s.leader || '-'} commit ${s.commit} applied ${n.appliedIndex} last ${n.core!.log.term(last)}/${last}`);
    }
  }

  private node(id: string | undefined): SimNode {
    const n = id === undefined ? undefined : this.nodes.get(id);
    if (n === undefined) throw new Error(`no node '${id}'`);
    return n;
  }

  private pick(args: string[]): NodeId[] {
    return args.length > 0 ? args : [...this.nodes.keys()];
  }

  private print(line: string): void {
    this.out.push(line);
  }
}

function describeObservation(o: Observation): string {
  switch (o.kind) {
    case 'membership-committed':
      return `membership committed at ${o.index}: ${describeMembership(o.membership)}`;
    case 'follower-unresponsive':
      return `${o.follower} missed ${o.missedHeartbeats} heartbeats`;
    case 'follower-responsive':
      return `${o.follower} answers again`;
    case 'transfer-started':
      return `handing leadership to ${o.to}`;
    case 'transfer-aborted':
      return `transfer to ${o.to} aborted: ${o.reason}`;
    default:
      return o.kind;
  }
}

/**
 * The injected random source of transcript nodes: always the largest value, so a follower's
 * election timeout is exactly 2 * election - 1 ticks and `tick-election` (one base timeout)
 * ends a leader's lease without starting a campaign; `campaign` starts one explicitly.
 */
class MaxPrng extends Prng {
  constructor() {
    super(0);
  }
  override int(n: number): number {
    return n - 1;
  }
}

export interface TranscriptBlock {
  readonly comments: string[];
  readonly command: string;
  readonly expected: string;
}

export function parseTranscript(text: string): TranscriptBlock[] {
  const lines = text.split('\n');
  const blocks: TranscriptBlock[] = [];
  let comments: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      comments.push(line);
      continue;
    }
    if (lines[i + 1] !== '----') throw new Error(`line ${i + 1}: expected '----' after command '${line}'`);
    const out: string[] = [];
    i += 2;
    while (i < lines.length && lines[i] !== '') out.push(lines[i++]!);
    blocks.push({ comments, command: line, expected: out.join('\n') });
    comments = [];
  }
  return blocks;
}

export function formatTranscript(blocks: readonly { comments: string[]; command: string; expected: string }[]): string {
  return blocks.map((b) => [...b.comments, b.command, '----', ...(b.expected ? [b.expected] : [])].join('\n')).join('\n\n') + '\n';
}
