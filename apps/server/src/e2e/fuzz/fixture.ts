import assert from 'node:assert/strict';
import type { Socket } from 'socket.io-client';
import type { NodeHandle } from '@rookery/testing';
import { cluster, http, mustConnect, postJson, settled } from './cluster';

/**
 * The fixture the fuzz suite must leave untouched: three games built through the API under test,
 * their seat tokens and sessions, every request made to build them, the views first read of them,
 * the pooled sockets of each kind, and the request ids the state machine has seen accepted.
 */

export type Failure = { ok: false; error: { code: string; message: string } };
export type Answer = { ok: true; [k: string]: unknown } | Failure;
export type GameName = 'G1' | 'G2' | 'G3';
/** The socket kinds of the pools: who they are and which seat tokens their handshake presents. */
export type Kind = 'anon' | 'A' | 'B' | 'C' | 'thief' | 'forger';
export const KINDS: readonly Kind[] = ['anon', 'A', 'B', 'C', 'thief', 'forger'];

interface Fixture {
  /** G1: started, 1.e4 e5 2.Nf3, Black to move (A White, B Black). G2: waiting (C White, 5+2). G3: aborted (D Black). */
  games: Record<GameName, string>;
  tokens: { tA: string; tB: string; tC: string; tD: string };
  sessions: { A: string; B: string; C: string; D: string; Z: string; Y: string };
  /** Tokens no game knows, in the right format. */
  forged: string[];
  /** The version of each game, for watch. */
  versions: Record<GameName, number>;
  /** Every request the fixture made, to replay. */
  requests: Recorded[];
}

interface Recorded {
  session: string;
  requestId: string;
  via: 'socket' | 'http';
  event: 'game:create' | 'game:join' | 'game:move' | 'game:abort';
  gameId: string;
  token: string;
  payload: Record<string, unknown>;
  answer: Record<string, unknown>;
}

/** The command type each seat event proposes. */
export const SEAT_TYPE: Record<string, string> = {
  'game:move': 'move',
  'game:resign': 'resign',
  'game:offerDraw': 'offerDraw',
  'game:acceptDraw': 'acceptDraw',
  'game:declineDraw': 'declineDraw',
  'game:claimDraw': 'claimDraw',
  'game:abort': 'abort',
};

export let fx: Fixture;
/** The fixture games' views on every node, as first read. */
export const baseline = new Map<string, string>();
export const pools = new Map<string, Socket>();
/** (session, requestId) → what the accepted command was, as the state machine's dedupe keeps it. */
export const accepted = new Map<string, string>();

export const gameOf = (id: string): GameName | undefined => (Object.keys(fx.games) as GameName[]).find((g) => fx.games[g] === id);
export const dedupeKey = (session: string, requestId: string): string => `${session} ${requestId}`;
export const identity = (type: string, gameId: string): string => (type === 'create' ? 'create' : `${type} in game ${gameId}`);

/** Records an accepted command's (session, request id), as the state machine's dedupe does. */
export function remember(session: string, requestId: unknown, type: string, gameId: string): void {
  if (typeof requestId === 'string' && !accepted.has(dedupeKey(session, requestId))) accepted.set(dedupeKey(session, requestId), identity(type, gameId));
}

export function seatsOf(kind: Kind): Record<string, string> {
  const { games, tokens, forged } = fx;
  switch (kind) {
    case 'anon':
      return {};
    case 'A':
      return { [games.G1]: tokens.tA };
    case 'B':
      return { [games.G1]: tokens.tB };
    case 'C':
      // tD is D's: a genuine token presented by another session.
      return { [games.G2]: tokens.tC, [games.G3]: tokens.tD };
    case 'thief':
      return { [games.G1]: tokens.tC, [games.G2]: tokens.tA, [games.G3]: tokens.tB };
    case 'forger':
      return { [games.G1]: forged[0]!, [games.G2]: forged[1]!, [games.G3]: forged[2]!, nosuchgame: forged[3]! };
  }
}

/** The session a socket of `kind` presents (none for anon: the gateway names it anon-<socket id>). */
function handshakeSession(kind: Kind): string | undefined {
  const s = fx.sessions;
  return { anon: undefined, A: s.A, B: s.B, C: s.C, thief: s.Z, forger: s.Y }[kind];
}

export function sessionOf(kind: Kind, socket: Socket): string {
  return handshakeSession(kind) ?? `anon-${socket.id}`;
}

/** A pooled socket of `kind` on `node`, connected again if junk (or a test) closed it. */
export async function pooled(node: NodeHandle, kind: Kind): Promise<Socket> {
  const key = `${node.id}/${kind}`;
  const have = pools.get(key);
  if (have?.connected) return have;
  const session = handshakeSession(kind);
  const s = await mustConnect(node, { ...(session !== undefined ? { session } : {}), seats: seatsOf(kind) });
  pools.set(key, s);
  return s;
}

/**
 * The fixture games' views on every node. A view's clocks are given as of the replica's latest
 * entry time (`clocks.at`), which any entry moves: with no clock running that is the one field
 * that may change, and it is left out.
 */
export async function views(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  await Promise.all(
    cluster.nodes.flatMap((n) =>
      (Object.keys(fx.games) as GameName[]).map(async (g) => {
        const r = await http(n, 'GET', `/api/games/${fx.games[g]}`);
        const body = r.json as { game?: { clocks: { running: string | null; at?: number } | null } } | undefined;
        const clocks = body?.game?.clocks;
        if (clocks != null && clocks.running === null) delete clocks.at;
        out.set(`${n.id}/${g}`, `${r.status} ${JSON.stringify(body ?? r.text)}`);
      }),
    ),
  );
  return out;
}

/** Builds the fixture through the API under test, over both transports and on every node. */
export async function buildFixture(seed: number, ackMs: number): Promise<void> {
  const [n1, n2, n3] = cluster.nodes as [NodeHandle, NodeHandle, NodeHandle];
  const tag = (seed % 1_000_000).toString(36);
  const sessions = { A: `fz-A-${tag}`, B: `fz-B-${tag}`, C: `fz-C-${tag}`, D: `fz-D-${tag}`, Z: `fz-Z-${tag}`, Y: `fz-Y-${tag}` };
  const requests: Recorded[] = [];
  const viaHttp = async (node: NodeHandle, event: Recorded['event'], session: string, gameId: string, token: string, payload: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const path = event === 'game:create' ? '/api/games' : event === 'game:join' ? `/api/games/${gameId}/join` : `/api/games/${gameId}/moves`;
    const r = await postJson(node, path, payload, { 'x-rookery-session': session, ...(event === 'game:move' ? { authorization: `Bearer ${token}` } : {}) });
    assert.equal(r.status, 201, `fixture ${event}: ${r.text}`);
    // The next step may go to another node: it checks against its own replica, so let every node apply this one first.
    await settled();
    const answer = r.json as Record<string, unknown>;
    const id = (answer['gameId'] as string | undefined) ?? gameId;
    requests.push({ session, requestId: payload['requestId'] as string, via: 'http', event, gameId: id, token: (answer['token'] as string | undefined) ?? token, payload, answer });
    return answer;
  };
  const viaSocket = async (node: NodeHandle, event: Recorded['event'], session: string, seats: Record<string, string>, payload: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const s = await mustConnect(node, { session, seats });
    const answer = (await s.timeout(ackMs).emitWithAck(event, payload)) as Record<string, unknown>;
    s.close();
    assert.equal(answer['ok'], true, `fixture ${event}: ${JSON.stringify(answer)}`);
    await settled();
    const gameId = (answer['gameId'] as string | undefined) ?? (payload['gameId'] as string);
    requests.push({ session, requestId: payload['requestId'] as string, via: 'socket', event, gameId, token: (answer['token'] as string | undefined) ?? seats[gameId]!, payload, answer });
    return answer;
  };
  // G1: A (White) creates over HTTP, B joins over a socket, three moves over both.
  const g1 = await viaHttp(n1, 'game:create', sessions.A, '', '', { requestId: 'fx-create', timeControl: null, color: 'white', name: 'Alice' });
  const G1 = g1['gameId'] as string;
  const tA = g1['token'] as string;
  const b = await viaSocket(n2, 'game:join', sessions.B, {}, { requestId: 'fx-join', gameId: G1, name: 'Bob' });
  const tB = b['token'] as string;
  await viaHttp(n3, 'game:move', sessions.A, G1, tA, { requestId: 'fx-m1', move: 'e4' });
  await viaSocket(n1, 'game:move', sessions.B, { [G1]: tB }, { requestId: 'fx-m2', gameId: G1, move: 'e5' });
  await viaSocket(n3, 'game:move', sessions.A, { [G1]: tA }, { requestId: 'fx-m3', gameId: G1, move: 'Nf3' });
  // G2: C waits for an opponent. G3: D creates and aborts.
  const g2 = await viaSocket(n2, 'game:create', sessions.C, {}, { requestId: 'fx-create', timeControl: { initialMs: 300_000, incrementMs: 2000 }, color: 'white' });
  const g3 = await viaHttp(n3, 'game:create', sessions.D, '', '', { requestId: 'fx-create-3', timeControl: null, color: 'black' });
  const G3 = g3['gameId'] as string;
  await viaSocket(n1, 'game:abort', sessions.D, { [G3]: g3['token'] as string }, { requestId: 'fx-abort', gameId: G3 });
  fx = {
    games: { G1, G2: g2['gameId'] as string, G3 },
    tokens: { tA, tB, tC: g2['token'] as string, tD: g3['token'] as string },
    sessions,
    forged: ['forged-token-0000000001', 'forged-token-0000000002', tA.split('').reverse().join(''), 'forged-token-0000000004'],
    versions: { G1: 0, G2: 0, G3: 0 },
    requests,
  };
  for (const g of Object.keys(fx.games) as GameName[]) {
    const r = await http(n1, 'GET', `/api/games/${fx.games[g]}`);
    fx.versions[g] = ((r.json as { game: { version: number } }).game.version);
  }
  const v1 = (await http(n1, 'GET', `/api/games/${G1}`)).json as { game: { status: string; turn: string } };
  assert.equal(v1.game.status, 'started');
  assert.equal(v1.game.turn, 'black');
  for (const r of requests) remember(r.session, r.requestId, r.event === 'game:create' ? 'create' : r.event === 'game:join' ? 'join' : SEAT_TYPE[r.event]!, r.event === 'game:create' ? '' : r.gameId);
}
