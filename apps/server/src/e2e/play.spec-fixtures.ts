import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { TOKEN, type Ack, type Handshake, type SeatAck } from '@rookery/protocol';
import { TestCluster, type NodeHandle } from '@rookery/testing';
import { Client, waitView } from './client';

/** play.spec.ts's frame: a 3-node cluster per suite, its clients, and a seated game between two of them. */

export interface Game {
  gameId: string;
  white: Client;
  black: Client;
  whiteToken: string;
  blackToken: string;
  whiteSession: string;
  blackSession: string;
}

/** Starts a 3-node cluster (with `extraArgs`) before the suite and stops it, and every client connected through it, after. */
export function harness(extraArgs: string[] = []): {
  cluster: () => TestCluster;
  leader: () => NodeHandle;
  followers: () => [NodeHandle, NodeHandle];
  connect: (node: NodeHandle, auth?: Handshake) => Promise<Client>;
  newGame: (tag: string, whiteNode: NodeHandle, blackNode: NodeHandle) => Promise<Game>;
} {
  let cluster: TestCluster | undefined;
  let leader: NodeHandle | undefined;
  const clients: Client[] = [];
  before(async () => {
    cluster = await TestCluster.start(3, extraArgs);
    leader = await cluster.leader();
  });
  after(async () => {
    for (const c of clients) c.close();
    await cluster?.stop();
  });
  const connect = async (node: NodeHandle, auth: Handshake = {}): Promise<Client> => {
    const c = await Client.connect(node, auth);
    clients.push(c);
    return c;
  };
  const followers = (): [NodeHandle, NodeHandle] => {
    const f = cluster!.nodes.filter((n) => n !== leader);
    return [f[0]!, f[1]!];
  };
  const newGame = async (tag: string, whiteNode: NodeHandle, blackNode: NodeHandle): Promise<Game> => {
    const whiteSession = `${tag}-white-session`;
    const blackSession = `${tag}-black-session`;
    const white = await connect(whiteNode, { session: whiteSession });
    const created = await white.create(`${tag}-create`, 'white', `${tag} white`);
    assert.ok(created.ok, `create: ${JSON.stringify(created)}`);
    const gameId = created.gameId;
    assert.deepEqual(created, { ok: true, gameId, color: 'white', token: created.token, version: 2 } satisfies Ack<SeatAck>);
    assert.match(created.token, TOKEN);
    // The joiner's node checks the join against its own replica: it must have applied the create.
    await waitView(blackNode, gameId, (v) => v.version >= 2, 'created');
    const black = await connect(blackNode, { session: blackSession });
    const joined = await black.join(gameId, `${tag}-join`, `${tag} black`);
    assert.ok(joined.ok, `join: ${JSON.stringify(joined)}`);
    assert.deepEqual(joined, { ok: true, gameId, color: 'black', token: joined.token, version: 3 });
    assert.notEqual(joined.token, created.token);
    // Both players see the game start: the creator through its game's room, on another node.
    await white.waitForVersion(gameId, 3);
    return { gameId, white, black, whiteToken: created.token, blackToken: joined.token, whiteSession, blackSession };
  };
  return { cluster: () => cluster!, leader: () => leader!, followers, connect, newGame };
}
