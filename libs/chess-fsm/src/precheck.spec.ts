import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Chess } from 'chess.js';
import { ChessMachine } from './index';
import { BS, BT, WS, WT, XS, XT, type Body } from './machine.spec-fixtures';

// precheck: a refusal it predicts is the refusal apply gives, and asking changes nothing.
describe('precheck', () => {
  it('agrees with apply on every refusal it predicts, through random games with stray commands', () => {
    let seed = 7;
    const rand = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    let predicted = 0;
    let passed = 0;
    for (let g = 0; g < 20; g++) {
      const m = new ChessMachine();
      let at = 1_000;
      let n = 0;
      const id = `g${g}`;
      const board = new Chess();
      const check = (c: Body): void => {
        const before = Buffer.from(m.snapshot());
        const pre = m.precheck(c);
        assert.ok(Buffer.from(m.snapshot()).equals(before), 'precheck changed the machine');
        const out = m.apply(c, ++at);
        if (pre === undefined) passed++;
        else {
          predicted++;
          assert.equal(pre.ok, false);
          assert.deepEqual(out.result.ok ? 'ok' : out.result.error.code, pre.ok ? 'ok' : pre.error.code, JSON.stringify(c));
        }
        if (out.result.ok && c['type'] === 'move') board.move(String(c['move']));
      };
      check({ type: 'move', requestId: `r${n++}`, session: WS, gameId: id, token: WT, move: 'e4' });
      check({ type: 'create', requestId: `r${n++}`, session: WS, gameId: id, token: WT, color: 'white', timeControl: null });
      check({ type: 'create', requestId: `r${n++}`, session: BS, gameId: id, token: BT, color: 'black', timeControl: null });
      check({ type: 'move', requestId: `r${n++}`, session: WS, gameId: id, token: WT, move: 'e4' });
      check({ type: 'join', requestId: `r${n++}`, session: BS, gameId: id, token: BT });
      check({ type: 'join', requestId: `r${n++}`, session: XS, gameId: id, token: XT });
      for (let ply = 0; ply < 60 && !board.isGameOver(); ply++) {
        const legal = board.moves();
        const turn = board.turn() === 'w' ? { session: WS, token: WT } : { session: BS, token: BT };
        const other = board.turn() === 'w' ? { session: BS, token: BT } : { session: WS, token: WT };
        // Now and then a stray: the wrong side, a spectator, an illegal move, a draw claim, a move made on another ply.
        switch (rand(8)) {
          case 0:
            check({ type: 'move', requestId: `r${n++}`, ...other, gameId: id, move: legal[0]! });
            break;
          case 1:
            check({ type: 'move', requestId: `r${n++}`, session: XS, token: XT, gameId: id, move: legal[0]! });
            break;
          case 2:
            check({ type: 'move', requestId: `r${n++}`, ...turn, gameId: id, move: 'Ke8' });
            break;
          case 3:
            check({ type: 'claimDraw', requestId: `r${n++}`, ...turn, gameId: id });
            break;
          case 4:
            check({ type: rand(2) === 0 ? 'acceptDraw' : 'declineDraw', requestId: `r${n++}`, ...turn, gameId: id });
            break;
          case 5:
            check({ type: rand(2) === 0 ? 'abort' : 'offerDraw', requestId: `r${n++}`, ...other, gameId: id });
            break;
          case 6:
            check({ type: 'move', requestId: `r${n++}`, ...turn, gameId: id, move: legal[0]!, ply: board.history().length + (rand(2) === 0 ? -1 : 1) });
            break;
        }
        // The move itself, half the time with the ply it is made on.
        check({ type: 'move', requestId: `r${n++}`, ...turn, gameId: id, move: legal[rand(legal.length)]!, ...(rand(2) === 0 ? { ply: board.history().length } : {}) });
      }
      check({ type: 'resign', requestId: `r${n++}`, session: WS, token: WT, gameId: id });
      check({ type: 'move', requestId: `r${n++}`, session: WS, token: WT, gameId: id, move: 'a3' });
    }
    assert.ok(predicted > 50 && passed > 500, `predicted ${predicted}, passed ${passed}`);
  });

  it('leaves apply as it would be without it: a move it found is reused only for the same text in the same position', () => {
    // Two machines fed the same commands; one is asked about each first (as the leader asks),
    // and sometimes about another move or game in between (a check that is not followed by its apply).
    let seed = 11;
    const rand = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const asked = new ChessMachine();
    const plain = new ChessMachine();
    const boards = new Map<string, Chess>();
    let at = 1_000;
    let n = 0;
    const both = (c: Body): void => {
      at++;
      const a = asked.apply(c, at);
      const b = plain.apply(c, at);
      assert.deepEqual(a, b, JSON.stringify(c));
    };
    for (const id of ['ga', 'gb']) {
      both({ type: 'create', requestId: `c${id}`, session: WS, gameId: id, token: WT, color: 'white', timeControl: null });
      both({ type: 'join', requestId: `j${id}`, session: BS, gameId: id, token: BT });
      boards.set(id, new Chess());
    }
    for (let i = 0; i < 400; i++) {
      const id = rand(2) === 0 ? 'ga' : 'gb';
      const board = boards.get(id)!;
      if (board.isGameOver()) continue;
      const legal = board.moves({ verbose: true });
      const seat = board.turn() === 'w' ? { session: WS, token: WT } : { session: BS, token: BT };
      const pick = legal[rand(legal.length)]!;
      const text = rand(2) === 0 ? pick.san : pick.lan;
      const move = { type: 'move', requestId: `m${n++}`, ...seat, gameId: id, move: text };
      switch (rand(4)) {
        case 0: // another legal move of the same position is asked about, then this one applied
          asked.precheck({ ...move, move: legal[rand(legal.length)]!.lan });
          break;
        case 1: // the other game is asked about in between
          asked.precheck(move);
          asked.precheck({ ...move, gameId: id === 'ga' ? 'gb' : 'ga', move: 'e4' });
          break;
        default:
          asked.precheck(move);
      }
      both(move);
      board.move(pick.lan);
    }
    assert.ok(Buffer.from(asked.snapshot()).equals(Buffer.from(plain.snapshot())), 'the two machines ended in different states');
  });

  it('answers a malformed command with ERR_MALFORMED and lets a duplicate request through', () => {
    const m = new ChessMachine();
    const pre = m.precheck({ type: 'move' });
    assert.equal(pre?.ok === false ? pre.error.code : 'none', 'ERR_MALFORMED');
    const create = { type: 'create', requestId: 'c1', session: WS, gameId: 'g', token: WT, color: 'white', timeControl: null };
    assert.equal(m.apply(create, 1).result.ok, true);
    assert.equal(m.precheck(create), undefined, 'a retried request gets its first result from apply, so it is not refused here');
  });
});
