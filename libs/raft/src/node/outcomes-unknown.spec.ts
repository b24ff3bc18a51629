/**
 * A follower whose state is replaced by the leader's snapshot cannot know what became of the
 * proposals still pending on it: one may be inside the snapshot, applied where the follower never
 * saw its result. Three real RaftNodes on loopback show that the node says so at once — each such
 * proposal is rejected with ERR_OUTCOME_UNKNOWN, naming the snapshot's index, as the snapshot is
 * installed, not when its 30 s proposal timeout would end it — while the command itself, which
 * the leader took and committed during the partition, is applied exactly once on every node.
 */
import assert from 'node:assert/strict';
import { connect, createServer, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import type { PeerAddress } from '../transport/transport';
import { freePort } from '../testing/ports';
import { suiteNodes } from '../testing/suite-nodes';
import { RaftNode, RaftRequestError, type StateMachine } from './raft-node';
import { until } from '../testing/until';

const TICK_MS = 20;
/** Long enough that a timeout can never be mistaken for the answer under test. */
const PROPOSAL_TIMEOUT_MS = 30_000;
/** How long the follower may take to install the snapshot and answer, once it hears the leader again. */
const ANSWER_WITHIN_MS = 10_000;

/** The whole state: every command applied, with its index, in order. A proposer hears the index. */
class Ledger implements StateMachine<number> {
  entries: [index: number, command: string][] = [];
  apply(command: Uint8Array, entry: { index: number }): number {
    this.entries.push([entry.index, Buffer.from(command).toString('utf8')]);
    return entry.index;
  }
  snapshot(): Uint8Array {
    return Buffer.from(JSON.stringify(this.entries));
  }
  restore(data: Uint8Array): void {
    this.entries = JSON.parse(Buffer.from(data).toString('utf8')) as [number, string][];
  }
  /** The indexes at which `command` was applied. */
  indexesOf(command: string): number[] {
    return this.entries.filter(([, c]) => c === command).map(([i]) => i);
  }
}

/**
 * A loopback relay in front of one node's Raft port (the node advertises the relay, so its peers
 * dial it). `hold()` stops passing on what the peers send, keeping it in order: the node hears
 * nothing, while what it sends still goes out, on connections it dials itself. `release()`
 * delivers what piled up, then lets bytes flow again.
 */
class HoldingRelay {
  private held: (() => void)[] | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly server = createServer((client) => {
    const upstream = connect(this.target.port, this.target.host);
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.setNoDelay(true);
      s.on('error', () => undefined);
      s.on('close', () => {
        this.sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    client.on('data', (chunk: Buffer) => {
      if (this.held === undefined) upstream.write(chunk);
      else this.held.push(() => upstream.write(chunk));
    });
  });

  constructor(private readonly target: PeerAddress) {}

  async listen(port: number): Promise<PeerAddress> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
    return { host: '127.0.0.1', port };
  }

  hold(): void {
    this.held ??= [];
  }

  release(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const write of held) write();
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

describe('RaftNode: proposals pending on a follower whose state the leader snapshot replaces', () => {
  const suite = suiteNodes('rookery-outcome-');
  let relay: HoldingRelay | undefined;
  after(() => relay?.close());

  it('are rejected with ERR_OUTCOME_UNKNOWN naming the snapshot index as soon as it is installed, not at their timeout; the command applies exactly once everywhere', { timeout: 25_000 }, async () => {
    const ids = ['n1', 'n2', 'n3'] as const;
    const listen = new Map<string, PeerAddress>();
    for (const id of ids) listen.set(id, { host: '127.0.0.1', port: await freePort() });
    // n2 is the follower cut off: its peers reach it only through the relay.
    relay = new HoldingRelay(listen.get('n2')!);
    const front = await relay.listen(await freePort());
    const peers = new Map<string, PeerAddress>([...listen].map(([id, a]) => [id, id === 'n2' ? front : a]));
    const machines = new Map<string, Ledger>(ids.map((id) => [id, new Ledger()]));
    for (const id of ids) {
      suite.keep(
        new RaftNode({
          id,
          dataDir: suite.dir(`${id}-`),
          listen: listen.get(id)!,
          ...(id === 'n2' ? { advertise: front } : {}),
          secret: 'outcomes-unknown-test',
          peers,
          stateMachine: machines.get(id)!,
          tickMs: TICK_MS,
          proposalTimeoutMs: PROPOSAL_TIMEOUT_MS,
          // The leader snapshots every 4 entries and keeps no log behind its snapshot, so a
          // follower that fell behind can only catch up by the snapshot.
          snapshotEvery: 4,
          snapshotLogRatio: 0,
          raft: {
            // n1 leads: the others would wait 20 s or more before campaigning, so n2, hearing
            // nothing, keeps n1 as its leader (no leader change rejects its proposal first).
            electionTick: id === 'n1' ? 10 : 1000,
            // One MsgApp in flight per follower: once n2 is cut off, the leader sends it nothing
            // more of the log (else n2 would catch up from what piled up in the relay).
            maxInflightMsgs: 1,
            snapshotTrailingEntries: 0,
          },
        }),
      );
    }
    const [n1, n2, n3] = suite.nodes as [RaftNode, RaftNode, RaftNode];
    const [leaderLedger, ledger2] = [machines.get('n1')!, machines.get('n2')!];
    await Promise.all(suite.nodes.map((n) => n.start()));
    await until(() => n1.status().role === 'leader' && suite.nodes.every((n) => n.status().leader === 'n1'), 10_000, 'n1 to lead, known to all');
    assert.equal(typeof (await n2.propose(Buffer.from('before'))), 'number', 'a proposal through n2 (forwarded) is applied');

    // Quiet: every member holds and has applied the leader's whole log.
    await until(() => {
      const s = n1.status();
      const caughtUp = (id: string): boolean => s.progress.get(id)?.match === s.lastIndex && s.progress.get(id)?.next === s.lastIndex + 1;
      return s.commit === s.lastIndex && caughtUp('n2') && caughtUp('n3') && suite.nodes.every((n) => n.status().appliedIndex === s.lastIndex && n.status().desiredMembers === 3);
    }, 5000, 'every member to have applied the whole log');

    // Cut n2 off from what its peers send; let the leader see it silent (no answer from it is
    // still on the way), then fill its one-message window with an entry it will not get yet.
    relay.hold();
    await until(() => (n1.status().progress.get('n2')?.ticksSinceContact ?? 0) >= 3, 5000, 'n1 to have heard nothing from n2 for 3 ticks');
    const filler = (await n1.propose(Buffer.from('while-cut'))) as number;
    const window = n1.status().progress.get('n2')!;
    assert.equal(window.state, 'replicate');
    assert.ok(window.next > window.match && window.next <= filler + 1, `one MsgApp to n2 outstanding (${JSON.stringify(window)})`);

    // A proposal on n2: forwarded (n2 still sends to n1), taken and committed by n1 and n3.
    const COMMAND = 'from-n2';
    let outcome: Outcome | undefined;
    const settled = n2.propose(Buffer.from(COMMAND)).then(
      (value) => (outcome = { ok: true, value }),
      (error: unknown) => (outcome = { ok: false, error }),
    );
    /** The proposal's outcome so far (read afresh: the compiler cannot see the callbacks set it). */
    const answer = (): Outcome | undefined => outcome;
    await until(() => leaderLedger.indexesOf(COMMAND).length > 0, 5000, `n1 to apply ${COMMAND}`);
    const [at] = leaderLedger.indexesOf(COMMAND) as [number];
    assert.ok(n1.status().progress.get('n2')!.next <= at, `n1 never sent n2 the entry at ${at}`);

    // The leader goes on, snapshots past it and compacts its log behind the snapshot.
    for (let i = 0; n1.status().snapshotIndex < at + 1; i++) {
      assert.ok(i < 40, `n1 snapshots past index ${at} within 40 more entries`);
      await n1.propose(Buffer.from(`after-${i}`));
    }
    await n1.propose(Buffer.from('last'));
    assert.equal(answer(), undefined, 'the proposal is still pending on n2');
    assert.equal(n2.status().leader, 'n1', 'n2 still follows n1: no leader change can answer it');
    assert.ok(n2.status().appliedIndex < at, `n2 has not applied index ${at}`);
    assert.deepEqual(ledger2.indexesOf(COMMAND), []);

    // Heal: n2 hears the leader again, can only catch up by its snapshot, and answers at once.
    const healedAt = Date.now();
    relay.release();
    // n2 applied nothing past `at` on its own: a snapshot index past it is the leader's, installed.
    await until(() => n2.status().snapshotIndex > at, ANSWER_WITHIN_MS, `n2 to install the leader's snapshot within ${ANSWER_WITHIN_MS} ms of the heal`);
    const answeredMs = Date.now() - healedAt;
    const answered = answer();
    assert.ok(answered !== undefined, `n2 installed the leader's snapshot up to ${n2.status().snapshotIndex}, and the proposal pending there is still unanswered`);
    await settled;
    assert.ok(!answered.ok, `rejected, not ${JSON.stringify(answered)}`);
    const error = answered.error;
    assert.ok(error instanceof RaftRequestError, String(error));
    assert.equal(error.code, 'ERR_OUTCOME_UNKNOWN', error.message);
    const named = /^n2: proposal n2\.\S+ was pending when the leader's snapshot up to index (\d+) replaced this node's state/.exec(error.message);
    assert.ok(named !== null, error.message);
    const snapshotAt = Number(named[1]);
    assert.ok(snapshotAt > at, `the snapshot (up to ${snapshotAt}) holds the proposal's entry (${at})`);
    assert.ok(n2.status().snapshotIndex >= snapshotAt, 'n2 installed that snapshot');
    assert.ok(answeredMs < PROPOSAL_TIMEOUT_MS / 3, `answered ${answeredMs} ms after the heal: the snapshot, not the ${PROPOSAL_TIMEOUT_MS} ms timeout, ended it`);
    process.stdout.write(`# proposal on n2 (entry ${at}) rejected ${answeredMs} ms after the heal, by the snapshot up to ${snapshotAt}\n`);

    // The cluster converges, and the command was applied once, at its index, on every node.
    await until(() => {
      const commit = n1.status().commit;
      return suite.nodes.every((n) => n.status().appliedIndex === commit) && [n2, n3].every((n) => JSON.stringify(machines.get(n.id)!.entries) === JSON.stringify(leaderLedger.entries));
    }, 5000, 'every node to apply the same commands');
    for (const id of ids) assert.deepEqual(machines.get(id)!.indexesOf(COMMAND), [at], `${id} applied ${COMMAND} once, at ${at}`);
    const next = (await n2.propose(Buffer.from('after-heal'))) as number;
    await until(() => [n1, n3].every((n) => n.status().appliedIndex >= next), 5000, 'the next proposal everywhere');
    for (const id of ids) assert.deepEqual(machines.get(id)!.indexesOf('after-heal'), [next], `${id} applied after-heal`);
  });
});
