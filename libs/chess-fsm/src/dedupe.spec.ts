import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChessMachine, DEFAULT_OPTIONS, type ApplyOutput, type ChessErrorCode, type MachineOptions } from './index';
import { Dedupe } from './dedupe';
import { BS, BT, WS, WT, XS, XT, seeded, type Body } from './machine.spec-fixtures';

// Exactly once: a retried (session, requestId) gets its first result back and changes nothing.



function machine(options: Partial<MachineOptions> = {}): ChessMachine {
  return new ChessMachine({ ...DEFAULT_OPTIONS, ...options });
}

const create = (requestId: string, gameId: string, o: Body = {}): Body => ({ type: 'create', requestId, session: WS, gameId, token: WT, color: 'white', timeControl: null, ...o });
const join = (requestId: string, gameId: string, o: Body = {}): Body => ({ type: 'join', requestId, session: BS, gameId, token: BT, ...o });
const move = (requestId: string, gameId: string, color: 'white' | 'black', mv: string): Body => ({
  type: 'move',
  requestId,
  session: color === 'white' ? WS : BS,
  gameId,
  token: color === 'white' ? WT : BT,
  move: mv,
});
const seat = (type: string, requestId: string, gameId: string, color: 'white' | 'black'): Body => ({
  type,
  requestId,
  session: color === 'white' ? WS : BS,
  gameId,
  token: color === 'white' ? WT : BT,
});
const sweep = (requestId: string): Body => ({ type: 'sweep', requestId, session: 'leader' });

function ok(out: ApplyOutput): void {
  assert.equal(out.result.ok, true, JSON.stringify(out.result));
  assert.equal('duplicate' in out.result, false, 'a first application is not a duplicate');
}

function refused(out: ApplyOutput, code: ChessErrorCode): void {
  assert.equal(out.result.ok ? 'ok' : out.result.error.code, code, JSON.stringify(out.result));
  assert.deepEqual(out.events, []);
}

const utf8 = new TextDecoder();
const bytes = (m: ChessMachine): string => utf8.decode(m.snapshot());

/** Applies `retry` at `at` (≤ now) and checks it answers `first` with duplicate: true, no events, and changes nothing. */
function duplicate(m: ChessMachine, retry: Body, at: number, first: ApplyOutput): void {
  assert.ok(at <= m.now, 'a retry at a time not later than now');
  assert.equal(first.result.ok, true);
  const before = bytes(m);
  const out = m.apply(retry, at);
  assert.deepEqual(out, { result: { ...first.result, duplicate: true }, events: [] });
  assert.equal(bytes(m), before);
}

describe('a retried request', () => {
  it('create: the first result with duplicate: true, no events, nothing changes (at now and earlier)', () => {
    const m = machine();
    const first = m.apply(create('c1', 'g1', { name: 'Alice' }), 1000);
    assert.deepEqual(first.result, { ok: true, gameId: 'g1', version: 2, color: 'white' });
    assert.equal(first.events.length, 2);
    duplicate(m, create('c1', 'g1', { name: 'Alice' }), 1000, first);
    duplicate(m, create('c1', 'g1', { name: 'Alice' }), 10, first);
    assert.equal(m.view('g1')!.version, 2);
  });

  it('answers the stored result even when the retry’s body differs, and does not apply it', () => {
    const m = machine();
    const first = m.apply(create('c1', 'g1'), 0);
    duplicate(m, create('c1', 'g1', { color: 'black' }), 0, first);
    assert.equal(m.view('g1')!.seats.black, null);
    assert.equal(m.size, 1);
  });

  it('refuses a request id reused for another game or another kind of command (ERR_REQUEST_ID_REUSED), changing nothing', () => {
    const m = machine();
    ok(m.apply(create('c1', 'g1'), 0));
    const before = Buffer.from(m.snapshot());
    for (const reuse of [create('c1', 'g2'), move('c1', 'g1', 'white', 'e4')]) {
      const out = m.apply(reuse, 0);
      assert.equal(out.result.ok ? 'ok' : out.result.error.code, 'ERR_REQUEST_ID_REUSED');
      assert.deepEqual(out.events, []);
      assert.equal(m.precheck(reuse)?.ok, false);
    }
    assert.ok(Buffer.from(m.snapshot()).equals(before));
    assert.equal(m.view('g2'), undefined);
  });

  it('move: after the game moved on, the retry still gets its first result, not ERR_NOT_YOUR_TURN', () => {
    const m = machine();
    ok(m.apply(create('c1', 'g'), 0));
    ok(m.apply(join('j1', 'g'), 1));
    const first = m.apply(move('m1', 'g', 'white', 'e4'), 10);
    assert.deepEqual(first.result, { ok: true, gameId: 'g', version: 4, color: 'white' });
    ok(m.apply(move('m2', 'g', 'black', 'e5'), 20));
    duplicate(m, move('m1', 'g', 'white', 'e4'), 20, first);
    duplicate(m, move('m1', 'g', 'white', 'Nf3'), 20, first);
    assert.deepEqual(m.view('g')!.moves.map((x) => x.san), ['e4', 'e5']);
    assert.equal(m.view('g')!.turn, 'white');
  });

  it('join, offerDraw, resign and abort are each answered once', () => {
    const m = machine();
    ok(m.apply(create('c1', 'g'), 0));
    const j = m.apply(join('j1', 'g'), 1);
    duplicate(m, join('j1', 'g'), 1, j);
    const o = m.apply(seat('offerDraw', 'o1', 'g', 'black'), 2);
    duplicate(m, seat('offerDraw', 'o1', 'g', 'black'), 2, o);
    const r = m.apply(seat('resign', 'r1', 'g', 'white'), 3);
    assert.deepEqual(r.result, { ok: true, gameId: 'g', version: 5, color: 'white' });
    duplicate(m, seat('resign', 'r1', 'g', 'white'), 3, r);
    ok(m.apply(create('c2', 'h'), 4));
    const a = m.apply(seat('abort', 'a1', 'h', 'white'), 5);
    duplicate(m, seat('abort', 'a1', 'h', 'white'), 5, a);
    // A new request id for the same action is a new command: now refused.
    refused(m.apply(seat('resign', 'r2', 'g', 'white'), 5), 'ERR_GAME_OVER');
  });

  it('flag and sweep: the stored answer, even though a fresh sweep would now do more', () => {
    const m = machine({ openTimeoutMs: 1000 });
    ok(m.apply(create('c1', 'old'), 0));
    const s = m.apply(sweep('sw1'), 1000);
    assert.deepEqual(s.result, { ok: true, ended: ['old'], forgotten: 0 });
    ok(m.apply(create('c2', 'new'), 1000));
    ok(m.apply(create('c9', 'tick'), 3000));
    duplicate(m, sweep('sw1'), 3000, s);
    assert.equal(m.view('new')!.status, 'waiting');
    assert.deepEqual(m.apply(sweep('sw2'), 3000).result, { ok: true, ended: ['new'], forgotten: 0 });
    ok(m.apply(create('c3', 't', { timeControl: { initialMs: 1000, incrementMs: 0 } }), 3000));
    ok(m.apply(join('j3', 't'), 3000));
    ok(m.apply(move('m2', 't', 'white', 'e4'), 3000));
    ok(m.apply(move('m3', 't', 'black', 'e5'), 3000));
    const f = m.apply({ type: 'flag', requestId: 'f1', session: 'leader', gameId: 't' }, 4000);
    assert.deepEqual(f.result, { ok: true, gameId: 't', version: 6, color: 'white' });
    duplicate(m, { type: 'flag', requestId: 'f1', session: 'leader', gameId: 't' }, 4000, f);
  });

  it('is answered even after its game was forgotten, and does not create the game again', () => {
    const m = machine({ retainEndedMs: 100 });
    const first = m.apply(create('c1', 'g'), 0);
    ok(m.apply(seat('abort', 'a1', 'g', 'white'), 1));
    assert.deepEqual(m.apply(sweep('sw'), 101).result, { ok: true, ended: [], forgotten: 1 });
    duplicate(m, create('c1', 'g'), 101, first);
    assert.equal(m.view('g'), undefined);
    assert.equal(m.size, 0);
  });
});

describe('what makes a request the same', () => {
  it('the same requestId from another session is another command', () => {
    const m = machine();
    ok(m.apply(create('r1', 'g'), 0));
    ok(m.apply(join('r1', 'g'), 1));
    const w = m.apply(move('r2', 'g', 'white', 'e4'), 2);
    ok(w);
    const b = m.apply(move('r2', 'g', 'black', 'e5'), 3);
    ok(b);
    assert.deepEqual(b.events.map((e) => e.type), ['moved']);
    assert.deepEqual(m.view('g')!.moves.map((x) => x.san), ['e4', 'e5']);
    // And another session reusing a request id does not get that id's answer either.
    refused(m.apply({ ...create('r1', 'g'), session: XS, token: XT }, 4), 'ERR_GAME_EXISTS');
  });

  it('another requestId from the same session is another command', () => {
    const m = machine();
    ok(m.apply(create('c1', 'g'), 0));
    refused(m.apply(create('c2', 'g'), 0), 'ERR_GAME_EXISTS');
  });

  it('session and requestId are not confused across their boundary', () => {
    const m = machine();
    ok(m.apply({ ...create('b', 'g1'), session: 'a' }, 0));
    // ("a", "b"), ("a:b", "c") and ("a", "b:c") are three different requests.
    ok(m.apply({ ...create('c', 'g2'), session: 'a:b' }, 0));
    ok(m.apply({ ...create('b:c', 'g3'), session: 'a' }, 0));
    assert.equal(m.size, 3);
  });
});

describe('an unmarked failed command is not remembered (the rule before log version 4)', () => {
  it('a move refused (not your turn) succeeds when retried after the state changed', () => {
    const m = machine();
    ok(m.apply(create('c1', 'g'), 0));
    ok(m.apply(join('j1', 'g'), 0));
    ok(m.apply(move('m1', 'g', 'white', 'e4'), 1));
    refused(m.apply(move('early', 'g', 'white', 'd4'), 2), 'ERR_NOT_YOUR_TURN');
    ok(m.apply(move('m2', 'g', 'black', 'e5'), 3));
    const retry = m.apply(move('early', 'g', 'white', 'd4'), 4);
    ok(retry);
    assert.deepEqual(retry.events.map((e) => e.type), ['moved']);
    assert.deepEqual(m.view('g')!.moves.map((x) => x.san), ['e4', 'e5', 'd4']);
  });

  it('a join refused (unknown game) succeeds once the game exists', () => {
    const m = machine();
    refused(m.apply(join('j1', 'g'), 0), 'ERR_UNKNOWN_GAME');
    ok(m.apply(create('c1', 'g'), 1));
    const out = m.apply(join('j1', 'g'), 2);
    assert.deepEqual(out.result, { ok: true, gameId: 'g', version: 3, color: 'black' });
  });

  it('a refusal changes nothing, so the table is as before', () => {
    const m = machine();
    ok(m.apply(create('c1', 'g'), 5));
    const before = bytes(m);
    refused(m.apply(join('j1', 'nope'), 5), 'ERR_UNKNOWN_GAME');
    refused(m.apply(create('c2', 'g'), 5), 'ERR_GAME_EXISTS');
    assert.equal(bytes(m), before);
  });
});

describe('a command marked once (log version 4 on): its first answer is final, a refusal included', () => {
  const once = (b: Body): Body => ({ ...b, once: true });

  it('a second copy of a move refused (not your turn) is refused again after the state changed, and the game does not take it', () => {
    const m = machine();
    ok(m.apply(once(create('c1', 'g')), 0));
    ok(m.apply(once(join('j1', 'g')), 0));
    ok(m.apply(once(move('m1', 'g', 'white', 'e4')), 1));
    const first = m.apply(once(move('early', 'g', 'white', 'd4')), 2);
    refused(first, 'ERR_NOT_YOUR_TURN');
    ok(m.apply(once(move('m2', 'g', 'black', 'e5')), 3));
    const before = bytes(m);
    // The same command again (a proposal sent again after a leader change): the first answer.
    const copy = m.apply(once(move('early', 'g', 'white', 'd4')), 3);
    assert.deepEqual(copy, { result: first.result, events: [] });
    assert.equal(bytes(m), before, 'nothing changed');
    assert.deepEqual(m.view('g')!.moves.map((x) => x.san), ['e4', 'e5']);
    // Precheck says so before proposing; a new request id is a new command, and plays.
    assert.deepEqual(m.precheck(once(move('early', 'g', 'white', 'd4'))), first.result);
    ok(m.apply(once(move('later', 'g', 'white', 'd4')), 5));
  });

  it('a kept refusal outlives a snapshot and restore, and is the same bytes there', () => {
    const m = machine();
    const first = m.apply(once(join('j1', 'g')), 0);
    refused(first, 'ERR_UNKNOWN_GAME');
    ok(m.apply(once(create('c1', 'g')), 1));
    const restored = ChessMachine.fromSnapshot(m.snapshot());
    assert.equal(bytes(restored), bytes(m));
    assert.deepEqual(restored.apply(once(join('j1', 'g')), 2), { result: first.result, events: [] });
    assert.equal(restored.view('g')!.seats.black, null, 'the seat is still free');
  });

  it('a request id kept as a refusal and reused for another command is ERR_REQUEST_ID_REUSED, as for a success', () => {
    const m = machine();
    ok(m.apply(once(create('c1', 'g')), 0));
    refused(m.apply(once(join('x', 'nope')), 1), 'ERR_UNKNOWN_GAME');
    refused(m.apply(once(join('x', 'g')), 2), 'ERR_REQUEST_ID_REUSED');
  });

  it('refuses once with any value but true, changing nothing', () => {
    const m = machine();
    for (const v of [false, 1, 'true', null]) refused(m.apply({ ...create('c1', 'g'), once: v }, 0), 'ERR_MALFORMED');
    assert.equal(m.size, 0);
  });
});

describe('the table is bounded', () => {
  it('by size (dedupeLimit 2): the oldest is forgotten, and its retry is applied again', () => {
    const m = machine({ dedupeLimit: 2 });
    const c1 = m.apply(create('c1', 'g1'), 0);
    const c2 = m.apply(create('c2', 'g2'), 1);
    duplicate(m, create('c1', 'g1'), 1, c1);
    const c3 = m.apply(create('c3', 'g3'), 2);
    // c1 is gone: its retry is a new create of an existing game.
    refused(m.apply(create('c1', 'g1'), 2), 'ERR_GAME_EXISTS');
    duplicate(m, create('c2', 'g2'), 2, c2);
    duplicate(m, create('c3', 'g3'), 2, c3);
  });

  it('by size: an evicted join’s retry is refused (ERR_SEAT_TAKEN) instead of answered', () => {
    const m = machine({ dedupeLimit: 3 });
    ok(m.apply(create('c1', 'g'), 0));
    const j = m.apply(join('j1', 'g'), 1);
    ok(m.apply(seat('offerDraw', 'o1', 'g', 'white'), 2));
    duplicate(m, join('j1', 'g'), 2, j);
    ok(m.apply(seat('declineDraw', 'd1', 'g', 'black'), 3));
    // Remembered now: j1, o1, d1 (c1, the oldest, was pushed out); one more pushes j1 out.
    duplicate(m, join('j1', 'g'), 3, j);
    ok(m.apply(seat('offerDraw', 'o2', 'g', 'white'), 4));
    refused(m.apply(join('j1', 'g'), 4), 'ERR_SEAT_TAKEN');
    refused(m.apply(join('j1', 'g', { color: 'white' }), 4), 'ERR_SEAT_TAKEN');
    assert.equal(m.view('g')!.version, 6);
  });

  it('by age (dedupeTtlMs 1000, in entry time): a duplicate at ttl - 1, applied afresh at ttl', () => {
    const m = machine({ dedupeTtlMs: 1000 });
    ok(m.apply(create('c1', 'g'), 0));
    const j = m.apply(join('j1', 'g'), 100);
    duplicate(m, join('j1', 'g'), 100, j);
    m.apply(sweep('tick1'), 1099);
    duplicate(m, join('j1', 'g'), 1099, j);
    refused(m.apply(join('j1', 'g'), 1100), 'ERR_SEAT_TAKEN');
    // Entry time going back does not bring it back.
    refused(m.apply(join('j1', 'g'), 500), 'ERR_SEAT_TAKEN');
  });

  it('by age: a retry of an expired create is a new create (ERR_GAME_EXISTS), of an expired move a new move', () => {
    const m = machine({ dedupeTtlMs: 1000 });
    ok(m.apply(create('c1', 'g'), 0));
    ok(m.apply(join('j1', 'g'), 0));
    ok(m.apply(move('m1', 'g', 'white', 'e4'), 0));
    ok(m.apply(move('m2', 'g', 'black', 'e5'), 1));
    refused(m.apply(create('c1', 'g'), 1000), 'ERR_GAME_EXISTS');
    refused(m.apply(move('m1', 'g', 'white', 'e4'), 1000), 'ERR_ILLEGAL_MOVE');
    const again = m.apply(move('m1', 'g', 'white', 'Nf3'), 1000);
    ok(again);
    assert.deepEqual(m.view('g')!.moves.map((x) => x.san), ['e4', 'e5', 'Nf3']);
  });

  it('a request applied again after it expired is remembered as the newest (not evicted before older ones)', () => {
    const m = machine({ dedupeLimit: 4, dedupeTtlMs: 100 });
    ok(m.apply(create('c1', 'g'), 0));
    ok(m.apply(join('j1', 'g'), 0));
    ok(m.apply(seat('offerDraw', 'o1', 'g', 'white'), 0));
    ok(m.apply(seat('declineDraw', 'd1', 'g', 'black'), 1));
    // o1 has expired: its retry is applied afresh (a new offer) and remembered at 1000.
    const o1 = m.apply(seat('offerDraw', 'o1', 'g', 'white'), 1000);
    assert.deepEqual(o1.events.map((e) => e.type), ['drawOffered']);
    ok(m.apply(seat('declineDraw', 'd2', 'g', 'black'), 1001));
    ok(m.apply(seat('offerDraw', 'o3', 'g', 'white'), 1002));
    ok(m.apply(seat('declineDraw', 'd3', 'g', 'black'), 1003));
    // The four newest answers are o1 (1000), d2, o3 and d3, all younger than the ttl: o1's retry is a duplicate.
    duplicate(m, seat('offerDraw', 'o1', 'g', 'white'), 1003, o1);
  });
});

describe('the table survives snapshot and restore', () => {
  it('a retry on a restored machine gets the first result; the restored snapshot is the same bytes', () => {
    const m = machine();
    const c = m.apply(create('c1', 'g', { name: 'Alice' }), 0);
    const j = m.apply(join('j1', 'g', { name: 'Bob' }), 5);
    const e4 = m.apply(move('m1', 'g', 'white', 'e4'), 10);
    const restored = ChessMachine.fromSnapshot(m.snapshot());
    assert.equal(bytes(restored), bytes(m));
    duplicate(restored, create('c1', 'g', { name: 'Alice' }), 10, c);
    duplicate(restored, join('j1', 'g', { name: 'Bob' }), 10, j);
    duplicate(restored, move('m1', 'g', 'white', 'e4'), 10, e4);
    // Into an existing machine too.
    const other = machine();
    ok(other.apply(create('x1', 'x'), 99));
    other.restore(m.snapshot());
    duplicate(other, move('m1', 'g', 'white', 'e4'), 10, e4);
    assert.equal(other.view('x'), undefined);
  });

  it('keeps its bounds: a restored machine evicts by the snapshot’s dedupeLimit and dedupeTtlMs', () => {
    const m = machine({ dedupeLimit: 2, dedupeTtlMs: 1000 });
    const c1 = m.apply(create('c1', 'g1'), 0);
    const c2 = m.apply(create('c2', 'g2'), 100);
    const restored = ChessMachine.fromSnapshot(m.snapshot());
    assert.deepEqual(restored.options, m.options);
    duplicate(restored, create('c1', 'g1'), 100, c1);
    ok(restored.apply(create('c3', 'g3'), 100));
    refused(restored.apply(create('c1', 'g1'), 100), 'ERR_GAME_EXISTS');
    duplicate(restored, create('c2', 'g2'), 100, c2);
    refused(restored.apply(create('c2', 'g2'), 1100), 'ERR_GAME_EXISTS');
  });
});

describe('Dedupe: the table itself, held to a plain list over many evictions', () => {
  it('keeps and forgets exactly what a list in insertion order would, keys coming back after expiry included', () => {
    const limit = 300;
    const ttl = 150;
    const table = new Dedupe(limit, ttl);
    // The model: [key, at] oldest first; a key remembered again moves to the back.
    let model: [string, number][] = [];
    const rand = seeded(77);
    const ok = { ok: true, color: 'white' } as const;
    let at = 0;
    const seen = { byAge: 0, bySize: 0, backWhileKept: 0 };
    for (let i = 0; i < 20_000; i++) {
      // Bursts (many requests in a few ms: the size bound evicts) between quieter spells with
      // long gaps (the age bound evicts, and a key can come back expired but not yet forgotten).
      const burst = Math.floor(i / 500) % 2 === 0;
      at += burst ? Number(rand(10) === 0) : rand(50) === 0 ? 150 + rand(100) : rand(3);
      // Keys come back: in a burst from 2,000 (more than the table holds), in between from 200
      // (which a gap finds expired and not yet forgotten).
      const [session, requestId] = [`s${rand(10)}`, burst ? `b${rand(200)}` : `q${rand(20)}`];
      const k = `${session} ${requestId}`;
      if (table.find(session, requestId, at) === undefined) {
        table.remember(session, requestId, at, ok, 'move g');
        // Expired but not yet forgotten: the table's older entry for it goes stale.
        if (model.some(([m]) => m === k)) seen.backWhileKept++;
        model = model.filter(([m]) => m !== k);
        model.push([k, at]);
      }
      while (model.length > 0 && (model.length > limit || model[0]![1] <= at - ttl)) {
        if (model.length > limit) seen.bySize++;
        else seen.byAge++;
        model.shift();
      }
      if (i % 7 === 0) {
        table.expire(at);
        assert.deepEqual(
          table.rows().map(([key, e]) => [key, e.at]),
          model,
          `after ${i + 1} requests`,
        );
      }
    }
    // Thousands of evictions: the queue behind the table has been cut many times over.
    assert.equal(table.size, model.length);
    assert.ok(seen.byAge > 1000 && seen.bySize > 1000 && seen.backWhileKept > 20, JSON.stringify(seen));
  });
});
