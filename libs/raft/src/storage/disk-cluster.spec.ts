import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { RaftCore } from '../core/raft';
import type { Message, NodeId } from '../core/types';
import { Prng } from '../testing/prng';
import { DiskStorage } from './disk-storage';
import { decodeRecord } from './records';

const roots: string[] = [];
after(() => {
  for (const d of roots) rmSync(d, { recursive: true, force: true });
});

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A member on DiskStorage whose process can be killed: the core and open files go, the directory stays. */
class DiskNode {
  storage: DiskStorage;
  core: RaftCore;
  applied: string[] = [];

  constructor(
    readonly id: NodeId,
    readonly dir: string,
    private readonly ids: NodeId[],
    private readonly rng: Prng,
  ) {
    this.storage = DiskStorage.open(dir, { segmentBytes: 2048, cacheEntries: 16 });
    this.core = this.start();
  }

  private start(): RaftCore {
    return new RaftCore({ id: this.id, voters: this.ids, randomInt: (n) => this.rng.int(n) }, this.storage);
  }

  kill(): void {
    this.storage.close();
  }

  restart(): void {
    this.storage = DiskStorage.open(this.dir, { segmentBytes: 2048, cacheEntries: 16 });
    this.applied = [];
    this.core = this.start();
  }

  /** One Ready: persist (one write, one fdatasync), then hand back the messages, then apply. */
  handle(): Message[] {
    if (!this.core.hasReady()) return [];
    const rd = this.core.ready();
    this.storage.persist({ hardState: rd.hardState, entries: rd.entries, snapshot: rd.snapshot });
    for (const e of rd.committedEntries) if (e.type === 'normal' && e.data.length > 0) this.applied.push(dec.decode(e.data));
    this.core.advance(rd);
    return rd.messages;
  }
}

describe('a cluster on DiskStorage survives a torn write', () => {
  it('a killed node whose last write was torn recovers, loses nothing acknowledged, and the cluster converges', () => {
    const ids = ['n1', 'n2', 'n3'];
    const rng = new Prng(7);
    const nodes = new Map(ids.map((id) => {
      const dir = mkdtempSync(join(tmpdir(), `rookery-${id}-`));
      roots.push(dir);
      return [id, new DiskNode(id, dir, ids, rng.fork())] as const;
    }));
    const down = new Set<NodeId>();
    const pump = (rounds = 50): void => {
      let inbox: Message[] = [];
      for (let r = 0; r < rounds; r++) {
        for (const m of inbox) if (!down.has(m.to) && !down.has(m.from)) nodes.get(m.to)!.core.step(m);
        inbox = [];
        for (const [id, n] of nodes) if (!down.has(id)) inbox.push(...n.handle());
        if (inbox.length === 0) return;
      }
    };
    nodes.get('n1')!.core.campaign();
    pump();
    assert.equal(nodes.get('n1')!.core.role, 'leader');

    // Acknowledged = applied on the leader, which needs a quorum to have fsynced it.
    const acked: string[] = [];
    const proposeAndPump = (key: string): void => {
      assert.ok(nodes.get('n1')!.core.propose(enc.encode(key)).ok);
      pump();
    };
    for (let i = 0; i < 30; i++) proposeAndPump(`a${i}`);
    acked.push(...nodes.get('n1')!.applied);

    // n3 is killed in the middle of its next write, before it could acknowledge it: the write
    // reaches its segment only in part.
    const n1 = nodes.get('n1')!;
    const n3 = nodes.get('n3')!;
    const wal = join(n3.dir, 'wal');
    const last = join(wal, readdirSync(wal).sort().at(-1)!);
    const sizeBefore = readFileSync(last).length;
    assert.ok(n1.core.propose(enc.encode('b0')).ok);
    for (const m of n1.handle()) if (m.to === 'n3') n3.core.step(m);
    n3.handle(); // persisted; its acknowledgement dies with the process
    const grown = readFileSync(last).length;
    assert.ok(grown > sizeBefore, 'n3 wrote the new entry');
    n3.kill();
    down.add('n3');
    truncateSync(last, sizeBefore + Math.floor((grown - sizeBefore) / 2));
    // n1 resends b0 to n2 at the next heartbeat round.
    n1.core.tick();
    pump();

    // The others go on without it.
    for (let i = 1; i < 10; i++) proposeAndPump(`b${i}`);
    acked.push(...nodes.get('n1')!.applied.slice(acked.length));

    n3.restart();
    down.delete('n3');
    assert.equal(n3.storage.recovery.truncatedFile, last, 'recovery cut the torn tail');
    assert.equal(n3.storage.lastIndex(), 32, 'everything it had acknowledged (through index 32) is still there; the torn b0 is not');
    for (let r = 0; r < 5; r++) {
      nodes.get('n1')!.core.tick();
      pump();
    }
    proposeAndPump('c0');
    acked.push('c0');

    for (const [id, n] of nodes) {
      const log = n.storage.entries(n.storage.firstIndex(), n.storage.lastIndex() + 1, Infinity).filter((e) => e.type === 'normal' && e.data.length > 0).map((e) => dec.decode(e.data));
      assert.deepEqual(log, acked, `${id}'s log holds every acknowledged entry, in order`);
    }
    assert.deepEqual(n3.applied, acked, 'the restarted node re-applied everything, in order');
    for (const n of nodes.values()) n.kill();
  });

  it('every record of the WAL is intact after a clean run (the crash test starts from a valid file)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rookery-clean-'));
    roots.push(dir);
    const s = DiskStorage.open(dir);
    s.persist({ entries: [{ index: 1, term: 1, type: 'normal', data: enc.encode('x') }], hardState: { term: 1, vote: 'n1', commit: 1 } });
    s.close();
    const buf = readFileSync(join(dir, 'wal', readdirSync(join(dir, 'wal'))[0]!));
    let off = 0;
    let records = 0;
    while (off < buf.length) {
      const r = decodeRecord(buf, off);
      assert.ok(r.ok);
      off = r.end;
      records++;
    }
    assert.equal(records, 3, 'the segment opens with a hard state, then the entry and the batch hard state');
  });
});
