import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Command } from '@rookery/chess-fsm';
import { ChessErrorCode } from '@rookery/protocol';
import type { RaftNode } from '@rookery/raft';
import type { ServerConfig } from '../config';
import { Metrics } from '../ops/metrics';
import { decodeEntry, encodeEntry } from './entry';
import { commandForLog, GamesService } from './games.service';
import { Minter } from './ids';
import { ChessReplica } from './replica';

describe('the command as it goes into the log', () => {
  it("at log version 1 a move leaves its ply behind (checked against the replica before proposing); the command itself is not changed", () => {
    const move: Command = { type: 'move', requestId: 'r1', session: 'session-1', gameId: 'game-1', token: 'token-0123456789abcdef', move: 'e2e4', ply: 3 };
    assert.deepEqual(commandForLog(move, 1), { type: 'move', requestId: 'r1', session: 'session-1', gameId: 'game-1', token: 'token-0123456789abcdef', move: 'e2e4' });
    assert.equal(move.ply, 3);
  });

  it('from log version 2 a move keeps its ply in the log', () => {
    const move: Command = { type: 'move', requestId: 'r1', session: 'session-1', gameId: 'game-1', token: 'token-0123456789abcdef', move: 'e2e4', ply: 3 };
    assert.equal(commandForLog(move, 2), move);
    assert.equal(commandForLog(move, 3), move);
  });

  it('from log version 4 every command is marked once, its first answer final; the command itself is not changed', () => {
    const move: Command = { type: 'move', requestId: 'r4', session: 'session-1', gameId: 'game-1', token: 'token-0123456789abcdef', move: 'e2e4', ply: 3 };
    const resign: Command = { type: 'resign', requestId: 'r5', session: 'session-1', gameId: 'game-1', token: 'token-0123456789abcdef' };
    assert.deepEqual(commandForLog(move, 4), { ...move, once: true });
    assert.deepEqual(commandForLog(resign, 4), { ...resign, once: true });
    assert.equal(commandForLog(resign, 3), resign, 'not below 4');
    assert.equal(move.once, undefined);
  });

  it('a move without a ply, and any other command, go in as they are', () => {
    const move: Command = { type: 'move', requestId: 'r2', session: 'session-1', gameId: 'game-1', token: 'token-0123456789abcdef', move: 'Nf3' };
    const resign: Command = { type: 'resign', requestId: 'r3', session: 'session-1', gameId: 'game-1', token: 'token-0123456789abcdef' };
    for (const version of [1, 2]) {
      assert.equal(commandForLog(move, version), move);
      assert.equal(commandForLog(resign, version), resign);
    }
  });
});

/**
 * A Raft node as far as the service sees it: entries the leader has committed that this replica
 * has not yet applied (`behind`), a ReadIndex round that applies them, and proposals applied at
 * once after them.
 */
class BehindNode {
  readIndexRounds = 0;
  proposals = 0;
  /** The entries proposed, decoded. */
  readonly proposed: unknown[] = [];
  clusterLogVersion = 2;
  private readonly behind: Uint8Array[] = [];
  private index = 0;
  private at = 1_700_000_000_000;

  constructor(private readonly replica: ChessReplica) {}

  /** A command the leader has committed and this replica has not applied. */
  committedElsewhere(command: Command): void {
    this.behind.push(encodeEntry(command, ++this.at));
  }

  applyHere(command: Command): void {
    this.replica.apply(encodeEntry(command, ++this.at), { index: ++this.index });
  }

  async readIndex(): Promise<void> {
    this.readIndexRounds++;
    this.catchUp();
  }

  async propose(data: Uint8Array): Promise<unknown> {
    this.proposals++;
    this.proposed.push(decodeEntry(data)?.command);
    this.catchUp();
    return this.replica.apply(data, { index: ++this.index });
  }

  whenLeaderKnown(): Promise<boolean> {
    return Promise.resolve(true);
  }

  private catchUp(): void {
    for (const data of this.behind.splice(0)) this.replica.apply(data, { index: ++this.index });
  }
}

describe("a move's ply against a replica that may be behind", () => {
  const white = { session: 'session-white', token: 'token-white-0123456789' };
  const black = { session: 'session-black', token: 'token-black-0123456789' };
  const gameId = 'game-ply';
  const move = (seat: typeof white, requestId: string, text: string, ply?: number): Command => ({ type: 'move', requestId, session: seat.session, gameId, token: seat.token, move: text, ...(ply !== undefined ? { ply } : {}) });

  function setup(): { node: BehindNode; replica: ChessReplica; service: GamesService } {
    const replica = new ChessReplica();
    const node = new BehindNode(replica);
    const service = new GamesService(node as unknown as RaftNode, replica, new Metrics(node as unknown as RaftNode, replica), new Minter('a-secret-of-enough-length-0123456789'), { proposalTimeoutMs: 1000 } as ServerConfig);
    node.applyHere({ type: 'create', requestId: 'c', session: white.session, gameId, token: white.token, color: 'white', timeControl: null });
    node.applyHere({ type: 'join', requestId: 'j', session: black.session, gameId, token: black.token });
    node.applyHere(move(white, 'm0', 'e2e4'));
    // Black's reply is committed, and the client saw it elsewhere; this replica has not applied it.
    node.committedElsewhere(move(black, 'm1', 'e7e5'));
    return { node, replica, service };
  }

  it('a ply ahead of the replica asks a ReadIndex first, and the move is played once the replica has caught up', async () => {
    const { node, replica, service } = setup();
    const out = await service.execute(move(white, 'm2', 'Nf3', 2));
    assert.equal(out.ok, true, JSON.stringify(out));
    assert.equal(node.readIndexRounds, 1);
    assert.deepEqual(replica.machine.view(gameId)?.moves.map((m) => m.san), ['e4', 'e5', 'Nf3']);
  });

  const refusals = [
    { name: 'a ply ahead of even the leader is refused as stale after the ReadIndex, and nothing is proposed', ply: 4, readIndexRounds: 1, moves: ['e4', 'e5'] },
    { name: 'a ply behind the replica is stale for certain: refused at once, with no ReadIndex and no proposal', ply: 0, readIndexRounds: 0, moves: ['e4'] },
  ];
  for (const r of refusals) {
    it(r.name, async () => {
      const { node, replica, service } = setup();
      const out = await service.execute(move(white, 'm2', 'Nf3', r.ply));
      assert.equal(out.ok ? 'ok' : out.error.code, ChessErrorCode.StaleMove);
      assert.equal(node.readIndexRounds, r.readIndexRounds);
      assert.equal(node.proposals, 0);
      assert.deepEqual(replica.machine.view(gameId)?.moves.map((m) => m.san), r.moves);
    });
  }
});

describe("what goes into the log with a move, by the cluster's log version", () => {
  const white = { session: 'session-white', token: 'token-white-0123456789' };
  const black = { session: 'session-black', token: 'token-black-0123456789' };
  const gameId = 'game-found';

  async function played(version: number, text: string, ply?: number): Promise<Record<string, unknown>> {
    const replica = new ChessReplica();
    const node = new BehindNode(replica);
    node.clusterLogVersion = version;
    const service = new GamesService(node as unknown as RaftNode, replica, new Metrics(node as unknown as RaftNode, replica), new Minter('a-secret-of-enough-length-0123456789'), { proposalTimeoutMs: 1000 } as ServerConfig);
    node.applyHere({ type: 'create', requestId: 'c', session: white.session, gameId, token: white.token, color: 'white', timeControl: null });
    node.applyHere({ type: 'join', requestId: 'j', session: black.session, gameId, token: black.token });
    const out = await service.execute({ type: 'move', requestId: 'm', session: white.session, gameId, token: white.token, move: text, ...(ply !== undefined ? { ply } : {}) });
    assert.equal(out.ok, true, JSON.stringify(out));
    assert.equal(node.proposed.length, 1);
    return node.proposed[0] as Record<string, unknown>;
  }

  it('from version 3 a move carries what precheck found it to do, and its ply', async () => {
    const entry = await played(3, 'Nf3', 0);
    assert.equal(entry.ply, 0);
    assert.deepEqual(entry.found, { version: 3, san: 'Nf3', uci: 'g1f3', fen: 'rnbqkbnr/pppppppp/8/8/8/5N2/PPPPPPPP/RNBQKB1R b KQkq - 1 1', piece: 'n' });
  });

  it('below version 3 it carries no finding (a replica of version 2 would refuse the field), and below 2 no ply', async () => {
    const two = await played(2, 'Nf3', 0);
    assert.equal(two.found, undefined);
    assert.equal(two.ply, 0);
    const one = await played(1, 'Nf3', 0);
    assert.equal(one.found, undefined);
    assert.equal(one.ply, undefined);
  });
});
