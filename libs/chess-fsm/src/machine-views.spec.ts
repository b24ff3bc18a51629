/**
 * What the machine shows, driven through the public API only: no token or session in any view,
 * event, result, catch-up or PGN; the lobby (`liveGames`); catch-ups (`eventsSince`: events,
 * resync, ahead, unknown); and the events a snapshot keeps for a restored replica's catch-ups.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChessMachine, type GameSummary } from './index';
import { SNAPSHOT_HISTORY } from './snapshot';
import { BS, BT, WS, WT, XS, XT, Table, ok, refused, utf8 } from './machine.spec-fixtures';

const SECRETS = [WT, BT, XT, WS, BS, XS];

describe('no secrets in what the machine shows', () => {
  it('views, the lobby, events, results, catch-ups and PGN never contain a token or a session', () => {
    const t = new Table({ historyLimit: 8 });
    t.started('g1', 0, { initialMs: 60_000, incrementMs: 1000 });
    ok(t.create('g2', 1, { token: XT, session: XS, name: 'Spec' }));
    t.play('g1', ['e4', 'e5', 'Nf3'], 10);
    for (let i = 0; i < 40; i++) {
      ok(t.act('offerDraw', 'g1', BT, 20 + i));
      ok(t.act('declineDraw', 'g1', WT, 20 + i));
    }
    ok(t.act('resign', 'g1', BT, 100));
    refused(t.move('g1', WT, 'a3', 101), 'ERR_GAME_OVER');
    refused(t.join('g2', 102, { session: XS, token: 'tok-x-another-000000' }), 'ERR_ALREADY_SEATED');
    const shown = JSON.stringify({
      views: [t.m.view('g1'), t.m.view('g2')],
      lobby: t.m.liveGames(),
      outputs: t.outputs,
      catchups: [t.m.eventsSince('g1', 0), t.m.eventsSince('g1', 80), t.m.eventsSince('g2', 0), t.m.eventsSince('g1', 999)],
      pgn: [t.m.pgn('g1'), t.m.pgn('g2')],
    });
    for (const s of SECRETS.concat('tok-x-another-000000')) assert.equal(shown.includes(s), false, `${s} leaked`);
    // The check can fail: the snapshot does hold the tokens and sessions.
    const snap = utf8.decode(t.m.snapshot());
    for (const s of [WT, BT, XT, WS, BS, XS]) assert.equal(snap.includes(s), true, s);
  });
});

describe('liveGames', () => {
  it('lists waiting and started games (oldest first), not ended ones', () => {
    const t = new Table();
    ok(t.create('wait', 10, { name: 'W', timeControl: { initialMs: 180_000, incrementMs: 2000 } }));
    t.started('live', 20);
    t.play('live', ['e4', 'c5', 'Nf3'], 30);
    t.started('over', 40);
    ok(t.act('resign', 'over', WT, 41));
    ok(t.create('aborted', 50));
    ok(t.act('abort', 'aborted', WT, 51));
    const want: GameSummary[] = [
      { gameId: 'wait', status: 'waiting', version: 2, timeControl: { initialMs: 180_000, incrementMs: 2000 }, seats: { white: { name: 'W' }, black: null }, plies: 0, createdAt: 10 },
      { gameId: 'live', status: 'started', version: 6, timeControl: null, seats: { white: { name: 'Anonymous' }, black: { name: 'Anonymous' } }, plies: 3, createdAt: 20 },
    ];
    assert.deepEqual(t.m.liveGames(), want);
    ok(t.act('resign', 'live', BT, 60));
    assert.deepEqual(t.m.liveGames().map((g) => g.gameId), ['wait']);
  });
});

describe('eventsSince', () => {
  it('gives exactly the events after v; none at v === version; ahead beyond; unknown for no game', () => {
    const t = new Table();
    t.started('g1', 0);
    t.play('g1', ['e4', 'd5', 'exd5'], 10);
    const all = t.events('g1');
    assert.equal(all.length, 7);
    for (let v = 0; v <= 7; v++) assert.deepEqual(t.m.eventsSince('g1', v), { kind: 'events', events: all.slice(v) }, `since ${v}`);
    assert.deepEqual(t.m.eventsSince('g1', 7), { kind: 'events', events: [] });
    assert.deepEqual(t.m.eventsSince('g1', 8), { kind: 'ahead', version: 7 });
    assert.deepEqual(t.m.eventsSince('g1', 1000), { kind: 'ahead', version: 7 });
    assert.deepEqual(t.m.eventsSince('nope', 0), { kind: 'unknown' });
  });

  it('a full view marked resync once the events after v are no longer kept (historyLimit 8)', () => {
    const t = new Table({ historyLimit: 8 });
    t.started('g1', 0);
    for (let i = 0; i < 60; i++) {
      ok(t.act('offerDraw', 'g1', WT, 10 + i));
      ok(t.act('declineDraw', 'g1', BT, 10 + i));
    }
    const all = t.events('g1');
    assert.equal(all.length, 123);
    const view = t.m.view('g1')!;
    assert.equal(view.version, 123);
    for (const v of [0, 1, 2, 50]) assert.deepEqual(t.m.eventsSince('g1', v), { kind: 'resync', view }, `since ${v}`);
    // At least the last historyLimit events are kept.
    for (const k of [0, 1, 5, 8]) assert.deepEqual(t.m.eventsSince('g1', 123 - k), { kind: 'events', events: all.slice(123 - k) }, `last ${k}`);
    assert.deepEqual(t.m.eventsSince('g1', 124), { kind: 'ahead', version: 123 });
  });

  it('the resync view is the same as view() and reflects the game now', () => {
    const t = new Table({ historyLimit: 8 });
    t.started('g1', 0);
    for (let i = 0; i < 40; i++) {
      ok(t.act('offerDraw', 'g1', BT, 10 + i));
      ok(t.act('declineDraw', 'g1', WT, 10 + i));
    }
    ok(t.move('g1', WT, 'd4', 100));
    const c = t.m.eventsSince('g1', 0);
    assert.equal(c.kind, 'resync');
    if (c.kind === 'resync') {
      assert.deepEqual(c.view, t.m.view('g1'));
      assert.equal(c.view.version, 84);
      assert.deepEqual(c.view.moves, [{ san: 'd4', uci: 'd2d4' }]);
    }
  });
});

describe('the events a snapshot keeps', () => {
  /** Draw offers and declines in game g1 (two events each), applied to `m` from version `from` on. */
  const offers = (m: ChessMachine, from: number, to: number): void => {
    for (let v = from; v < to; v += 2) {
      assert.ok(m.apply({ type: 'offerDraw', requestId: `o${v}`, session: WS, gameId: 'g1', token: WT }, 1000 + v).result.ok);
      assert.ok(m.apply({ type: 'declineDraw', requestId: `d${v}`, session: BS, gameId: 'g1', token: BT }, 1000 + v).result.ok);
    }
  };

  it(`a restored replica has the newest ${SNAPSHOT_HISTORY} events of a game: a catch-up from within them is the same, from before them a resync`, () => {
    const t = new Table();
    t.started('g1', 0);
    offers(t.m, 3, 43);
    const version = t.m.view('g1')!.version;
    assert.equal(version, 43);
    const r = ChessMachine.fromSnapshot(t.m.snapshot());
    const kept = version - SNAPSHOT_HISTORY;
    for (let v = kept; v <= version; v++) assert.deepEqual(r.eventsSince('g1', v), t.m.eventsSince('g1', v), `since ${v}`);
    assert.equal(t.m.eventsSince('g1', kept - 1).kind, 'events', 'the original still has them');
    for (const v of [0, 1, kept - 1]) assert.deepEqual(r.eventsSince('g1', v), { kind: 'resync', view: t.m.view('g1') }, `since ${v}`);
    // And it carries on: the events after the restore join the kept ones.
    offers(t.m, 43, 47);
    offers(r, 43, 47);
    assert.deepEqual(r.eventsSince('g1', kept), t.m.eventsSince('g1', kept));
  });

  it(`with a historyLimit below ${SNAPSHOT_HISTORY}, a restored replica's snapshots stay byte-identical to the original's`, () => {
    // historyLimit 4: the original trims its history back to 4 events whenever it passes 68.
    // A replica restored with more than 4 would trim at other versions, and for a while hold
    // more of the newest events than the original: its snapshots would differ.
    const a = new Table({ historyLimit: 4 }).m;
    a.apply({ type: 'create', requestId: 'c', session: WS, gameId: 'g1', token: WT, color: 'white', timeControl: null }, 1);
    a.apply({ type: 'join', requestId: 'j', session: BS, gameId: 'g1', token: BT }, 2);
    offers(a, 3, 33);
    const r = ChessMachine.fromSnapshot(a.snapshot());
    let compared = 0;
    for (let v = 33; v < 181; v += 2) {
      offers(a, v, v + 2);
      offers(r, v, v + 2);
      assert.ok(Buffer.from(r.snapshot()).equals(Buffer.from(a.snapshot())), `snapshots differ at version ${v + 2}`);
      compared++;
    }
    assert.equal(compared, 74);
  });
});
