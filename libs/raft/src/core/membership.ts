import { raftError, type RaftError } from './errors';
import type { ConfChange, Membership, NodeId } from './types';

export function isVoterIn(m: Membership, id: NodeId): boolean {
  return m.voters.includes(id);
}

export function isMember(m: Membership, id: NodeId): boolean {
  return m.voters.includes(id) || m.learners.includes(id);
}

export function sameMembership(a: Membership, b: Membership): boolean {
  return sameSet(a.voters, b.voters) && sameSet(a.learners, b.learners);
}

function sameSet(a: readonly NodeId[], b: readonly NodeId[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

export function describeMembership(m: Membership): string {
  return `voters [${m.voters.join(',')}]${m.learners.length > 0 ? ` learners [${m.learners.join(',')}]` : ''}`;
}

/**
 * The membership after one change, or why the change is refused. A change may never leave the
 * cluster without voters.
 */
export function applyConfChange(m: Membership, cc: ConfChange): { ok: true; membership: Membership } | { ok: false; error: RaftError } {
  const { node } = cc;
  const voter = m.voters.includes(node);
  const learner = m.learners.includes(node);
  const refuse = (why: string): { ok: false; error: RaftError } => raftError('ERR_INVALID_CONF_CHANGE', `cannot ${cc.type} ${node}: ${why} (${describeMembership(m)})`);
  if (!validNodeId(node)) return refuse('a node id is 1 to 64 characters of letters, digits, ".", "_", ":" or "-"');
  switch (cc.type) {
    case 'add-voter':
      if (voter || learner) return refuse('it is already a member');
      return { ok: true, membership: { voters: [...m.voters, node], learners: m.learners } };
    case 'add-learner':
      if (voter || learner) return refuse('it is already a member');
      return { ok: true, membership: { voters: m.voters, learners: [...m.learners, node] } };
    case 'promote':
      if (!learner) return refuse('it is not a learner');
      return { ok: true, membership: { voters: [...m.voters, node], learners: m.learners.filter((x) => x !== node) } };
    case 'demote':
      if (!voter) return refuse('it is not a voter');
      if (m.voters.length === 1) return refuse('it is the last voter');
      return { ok: true, membership: { voters: m.voters.filter((x) => x !== node), learners: [...m.learners, node] } };
    case 'remove':
      if (!voter && !learner) return refuse('it is not a member');
      if (voter && m.voters.length === 1) return refuse('it is the last voter');
      return { ok: true, membership: { voters: m.voters.filter((x) => x !== node), learners: m.learners.filter((x) => x !== node) } };
  }
}

const ID = /^[A-Za-z0-9._:-]{1,64}$/;

export function validNodeId(id: string): boolean {
  return ID.test(id);
}

/**
 * A conf entry's payload: the change and the whole membership it produces, so that a log (or
 * a snapshot plus its suffix) can be read back without replaying changes. The founding
 * members write the same bootstrap entry (`bootstrap -`) at index 1. Node ids are ASCII
 * (validNodeId), so the encoding is one byte per character:
 *   `<type> <node>|<voter>,<voter>|<learner>,...`
 */
export function encodeConfEntry(cc: ConfChange | 'bootstrap', m: Membership): Uint8Array {
  const change = cc === 'bootstrap' ? 'bootstrap -' : `${cc.type} ${cc.node}`;
  const text = `${change}|${m.voters.join(',')}|${m.learners.join(',')}`;
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

/** Reads a conf entry; `change` is undefined for the bootstrap entry. */
export function decodeConfEntry(data: Uint8Array): { change: ConfChange | undefined; membership: Membership } {
  let text = '';
  for (let i = 0; i < data.length; i++) text += String.fromCharCode(data[i]!);
  const [change = '', voters = '', learners = ''] = text.split('|');
  const [type, node = ''] = change.split(' ');
  const list = (s: string): NodeId[] => (s === '' ? [] : s.split(','));
  const parsed = type === 'bootstrap' ? undefined : { type: type as ConfChange['type'], node };
  return { change: parsed, membership: { voters: list(voters), learners: list(learners) } };
}

/** How many of `voters` make a quorum: a majority. */
export function quorumOf(voters: readonly NodeId[]): number {
  return (voters.length >> 1) + 1;
}

/** Could two disjoint quorums be formed, one of `a`'s voters and one of `b`'s? */
export function disjointQuorumsPossible(a: readonly NodeId[], b: readonly NodeId[]): boolean {
  const shared = a.filter((x) => b.includes(x)).length;
  const onlyA = a.length - shared;
  const onlyB = b.length - shared;
  const needA = Math.max(0, quorumOf(a) - onlyA);
  const needB = Math.max(0, quorumOf(b) - onlyB);
  return needA + needB <= shared;
}
