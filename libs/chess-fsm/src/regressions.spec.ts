import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChessMachine, type ApplyOutput } from './index';
import { BS, BT, WS, WT, type Body } from './machine.spec-fixtures';

// Regressions from the review of the state machine: each test names what went wrong.

function timedGame(m: ChessMachine): (c: Body, at: number) => ApplyOutput {
  let n = 0;
  const run = (c: Body, at: number): ApplyOutput => m.apply({ requestId: `r${++n}`, gameId: 'g', ...c }, at);
  run({ type: 'create', session: WS, token: WT, color: 'white', timeControl: { initialMs: 10_000, incrementMs: 0 } }, 1000);
  run({ type: 'join', session: BS, token: BT }, 1001);
  run({ type: 'move', session: WS, token: WT, move: 'e4' }, 2000);
  run({ type: 'move', session: BS, token: BT, move: 'e5' }, 3000); // white's clock starts: it falls at 13 000
  return run;
}

describe('review regressions', () => {
  for (const [what, command] of [
    ['an offer of a draw by the flagged side', { type: 'offerDraw', session: WS, token: WT }],
    ['a resignation by the side with time left', { type: 'resign', session: BS, token: BT }],
    ['a draw claim', { type: 'claimDraw', session: BS, token: BT }],
  ] as const) {
    it(`${what} after the flag fell ends the game on time instead (FIDE 6.9)`, () => {
      const m = new ChessMachine();
      const run = timedGame(m);
      const out = run(command, 20_000);
      assert.equal(out.result.ok && out.result.flagged, true, JSON.stringify(out.result));
      assert.deepEqual(out.events.map((e) => e.type), ['flagged']);
      const v = m.view('g')!;
      assert.deepEqual([v.status, v.result, v.reason], ['ended', '0-1', 'timeout']);
    });
  }

  it('events, results and views handed out cannot change the machine', () => {
    const m = new ChessMachine();
    const run = timedGame(m);
    const out = run({ type: 'move', session: WS, token: WT, move: 'Nf3' }, 4000);
    const before = Buffer.from(m.snapshot());
    assert.throws(() => ((out.events[0] as { san: string }).san = 'HACKED'), TypeError);
    assert.throws(() => ((out.result as { version: number }).version = 999), TypeError);
    const view = m.view('g')!;
    try {
      (view.timeControl as { incrementMs: number }).incrementMs = 99_999;
    } catch {
      // frozen: also fine
    }
    assert.ok(Buffer.from(m.snapshot()).equals(before));
    assert.equal(m.view('g')!.timeControl!.incrementMs, 0);
  });

  it('the snapshot is JSON lines: thousands of games and a dedupe table of many lines round-trip exactly', () => {
    const m = new ChessMachine({ maxGames: 10_000 });
    let at = 1;
    for (let g = 0; g < 3000; g++) {
      m.apply({ type: 'create', requestId: 'c', session: `s-${g}`, gameId: `g${g}`, token: `tok-${String(g).padStart(16, '0')}`, color: 'white', timeControl: null, name: `P "${g}"`.replace(/"/g, '') }, ++at);
    }
    const bytes = m.snapshot();
    const lines = Buffer.from(bytes).toString('utf8').split('\n');
    assert.equal(lines.length, 1 + 3000 + 3 + 1, 'a header, a line per game, 3 dedupe lines, and the final newline');
    const restored = ChessMachine.fromSnapshot(bytes);
    assert.ok(Buffer.from(restored.snapshot()).equals(Buffer.from(bytes)));
    // The dedupe table came back: a retried create answers with its first result.
    const retry = restored.apply({ type: 'create', requestId: 'c', session: 's-1234', gameId: 'g1234', token: `tok-${String(1234).padStart(16, '0')}`, color: 'white', timeControl: null }, ++at);
    assert.equal(retry.result.ok && retry.result.duplicate, true);
    assert.throws(() => ChessMachine.fromSnapshot(bytes.subarray(0, bytes.length - 10)), /chess-fsm snapshot: line/);
  });

  it('precheck tries a move on the game\'s own board and takes it back', () => {
    const m = new ChessMachine();
    const run = timedGame(m);
    const before = Buffer.from(m.snapshot());
    assert.equal(m.precheck({ type: 'move', requestId: 'p1', session: WS, gameId: 'g', token: WT, move: 'Nf3' }), undefined);
    assert.equal(m.precheck({ type: 'move', requestId: 'p2', session: WS, gameId: 'g', token: WT, move: 'Nf6' })?.ok, false);
    assert.ok(Buffer.from(m.snapshot()).equals(before));
    assert.equal(run({ type: 'move', session: WS, token: WT, move: 'Nf3' }, 4000).result.ok, true);
    assert.equal(m.view('g')!.moves.length, 3);
  });
});
