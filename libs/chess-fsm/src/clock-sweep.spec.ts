/**
 * The sweep, from entry times only: open games, games with no first move and idle untimed games
 * aborted as abandoned, idle timed games left to their clocks, and ended games forgotten. The
 * Table and checks are in clock.spec-fixtures.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GameEvent } from './index';
import { TC, Table, clocks, ok, refused } from './clock.spec-fixtures';
import { BS, BT, WS, WT, XS, XT } from './machine.spec-fixtures';

describe('sweep', () => {
  const options = { openTimeoutMs: 1000, firstMoveTimeoutMs: 500, idleTimeoutMs: 2000, retainEndedMs: 3000 };

  function abandoned(gameId: string, version: number, at: number): GameEvent {
    return { type: 'aborted', reason: 'abandoned', by: null, result: '*', gameId, version, at };
  }

  it('aborts an open game openTimeoutMs after it was created (not 1 ms sooner)', () => {
    const t = new Table(options);
    ok(t.apply({ type: 'create', session: WS, gameId: 'open', token: WT, color: 'white', timeControl: TC }, 0));
    assert.deepEqual(t.sweep(999), { result: { ok: true, ended: [], forgotten: 0 }, events: [] });
    assert.equal(t.m.view('open')!.status, 'waiting');
    assert.deepEqual(t.sweep(1000), { result: { ok: true, ended: ['open'], forgotten: 0 }, events: [abandoned('open', 3, 1000)] });
    const v = t.m.view('open')!;
    assert.deepEqual([v.status, v.result, v.reason, v.endedAt], ['ended', '*', 'abandoned', 1000]);
    assert.deepEqual(t.m.liveGames(), []);
  });

  it('aborts a started game with no first move firstMoveTimeoutMs after the join', () => {
    const t = new Table(options);
    t.start('g', 0, TC, { joinAt: 200 });
    assert.deepEqual(t.sweep(699).result, { ok: true, ended: [], forgotten: 0 });
    assert.deepEqual(t.sweep(700), { result: { ok: true, ended: ['g'], forgotten: 0 }, events: [abandoned('g', 4, 700)] });
    assert.equal(t.m.view('g')!.reason, 'abandoned');
  });

  it('aborts a game whose black player has not made a first move firstMoveTimeoutMs after white’s', () => {
    const t = new Table(options);
    t.start('g', 0, null);
    t.play('g', 'e4', 300);
    assert.deepEqual(t.sweep(799).result, { ok: true, ended: [], forgotten: 0 });
    assert.deepEqual(t.sweep(800), { result: { ok: true, ended: ['g'], forgotten: 0 }, events: [abandoned('g', 5, 800)] });
  });

  it('ends an untimed game with no move for idleTimeoutMs', () => {
    const t = new Table(options);
    t.start('g', 0, null);
    t.play('g', 'e4', 10);
    t.play('g', 'e5', 20);
    t.play('g', 'Nf3', 30);
    assert.deepEqual(t.sweep(2029).result, { ok: true, ended: [], forgotten: 0 });
    assert.deepEqual(t.sweep(2030), { result: { ok: true, ended: ['g'], forgotten: 0 }, events: [abandoned('g', 7, 2030)] });
  });

  it('leaves an idle timed game to its clock, and flags it when the clock has run out', () => {
    const t = new Table(options);
    t.start('g', 0, { initialMs: 60_000, incrementMs: 0 });
    t.play('g', 'e4', 10);
    t.play('g', 'e5', 20);
    assert.deepEqual(t.sweep(50_000).result, { ok: true, ended: [], forgotten: 0 });
    assert.deepEqual(t.sweep(60_019).result, { ok: true, ended: [], forgotten: 0 });
    assert.deepEqual(t.sweep(60_020), {
      result: { ok: true, ended: ['g'], forgotten: 0 },
      events: [{ type: 'flagged', color: 'white', result: '0-1', clocks: clocks(0, 60_000, null, 60_020), gameId: 'g', version: 6, at: 60_020 }],
    });
    assert.equal(t.m.view('g')!.reason, 'timeout');
  });

  it('forgets an ended game retainEndedMs after it ended: then ERR_UNKNOWN_GAME everywhere', () => {
    const t = new Table(options);
    t.start('g', 0, TC);
    t.play('g', 'e4', 10);
    ok(t.apply({ type: 'resign', session: BS, gameId: 'g', token: BT }, 100));
    assert.deepEqual(t.sweep(3099).result, { ok: true, ended: [], forgotten: 0 });
    assert.equal(t.m.view('g')!.status, 'ended');
    assert.equal(t.m.size, 1);
    assert.deepEqual(t.sweep(3100), { result: { ok: true, ended: [], forgotten: 1 }, events: [] });
    assert.equal(t.m.size, 0);
    assert.equal(t.m.view('g'), undefined);
    assert.equal(t.m.pgn('g'), undefined);
    assert.equal(t.m.flagDeadline('g'), undefined);
    assert.deepEqual(t.m.eventsSince('g', 0), { kind: 'unknown' });
    refused(t.apply({ type: 'join', session: XS, gameId: 'g', token: XT }, 3100), 'ERR_UNKNOWN_GAME');
    refused(t.move('g', 'black', 'e5', 3100), 'ERR_UNKNOWN_GAME');
    refused(t.apply({ type: 'resign', session: WS, gameId: 'g', token: WT }, 3100), 'ERR_UNKNOWN_GAME');
    refused(t.flag('g', 3100), 'ERR_UNKNOWN_GAME');
    // The id is free again.
    ok(t.apply({ type: 'create', session: XS, gameId: 'g', token: XT, color: 'black', timeControl: null }, 3200));
    assert.equal(t.m.view('g')!.version, 2);
  });

  it('a game the sweep ended is kept retainEndedMs from then, and forgotten by a later sweep', () => {
    const t = new Table(options);
    ok(t.apply({ type: 'create', session: WS, gameId: 'open', token: WT, color: 'white', timeControl: null }, 0));
    assert.deepEqual(t.sweep(1000).result, { ok: true, ended: ['open'], forgotten: 0 });
    assert.deepEqual(t.sweep(3999).result, { ok: true, ended: [], forgotten: 0 });
    assert.deepEqual(t.sweep(4000).result, { ok: true, ended: [], forgotten: 1 });
    assert.equal(t.m.view('open'), undefined);
  });

  it('leaves fresh games alone; ends several due games in one sweep, in creation order', () => {
    const t = new Table(options);
    ok(t.apply({ type: 'create', session: WS, gameId: 'open-old', token: WT, color: 'white', timeControl: null }, 0));
    t.start('nomove', 100, null);
    t.start('idle', 200, null);
    t.play('idle', 'e4', 210);
    t.play('idle', 'e5', 220);
    t.start('clock', 300, { initialMs: 5000, incrementMs: 0 });
    t.play('clock', 'e4', 310);
    t.play('clock', 'e5', 320);
    t.start('over', 400, null);
    ok(t.apply({ type: 'resign', session: WS, gameId: 'over', token: WT }, 401));
    ok(t.apply({ type: 'create', session: WS, gameId: 'open-new', token: WT, color: 'black', timeControl: null }, 450));

    const views = (): unknown => ['open-old', 'nomove', 'idle', 'clock', 'over', 'open-new'].map((id) => t.m.view(id));
    const before = JSON.stringify(views());
    assert.deepEqual(t.sweep(599), { result: { ok: true, ended: [], forgotten: 0 }, events: [] });
    assert.equal(JSON.stringify(views()), before);

    // At 3500: open-old has been open 3500 ms (≥ 1000), nomove has waited 3400 ms for a first move (≥ 500), idle has had
    // no move for 3280 ms (≥ 2000), open-new has been open 3050 ms; clock still has time (its flag falls at 5320);
    // over ended 3099 ms ago (≥ 3000): forgotten.
    const out = t.sweep(3500);
    assert.deepEqual(out.result, { ok: true, ended: ['open-old', 'nomove', 'idle', 'open-new'], forgotten: 1 });
    assert.deepEqual(out.events, [abandoned('open-old', 3, 3500), abandoned('nomove', 4, 3500), abandoned('idle', 6, 3500), abandoned('open-new', 3, 3500)]);
    assert.equal(t.m.view('clock')!.status, 'started');
    assert.equal(t.m.view('over'), undefined);
    assert.deepEqual(t.m.liveGames().map((g) => g.gameId), ['clock']);
    assert.deepEqual(t.sweep(5320).result, { ok: true, ended: ['clock'], forgotten: 0 });
  });
});
