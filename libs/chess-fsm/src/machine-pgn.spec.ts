/**
 * PGN export, driven through the public API only: `pgnDate`, the tag pairs, movetext wrapped at
 * 80 characters, games from a FEN, waiting games, and the Termination and RookeryReason tags for
 * every way a game ends.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_OPTIONS, pgnDate, type TimeControl } from './index';
import { BS, BT, WS, WT, Table, ok } from './machine.spec-fixtures';

describe('PGN', () => {
  const dates: [number, string][] = [
    [0, '1970.01.01'],
    [86_399_999, '1970.01.01'],
    [86_400_000, '1970.01.02'],
    [951_782_400_000, '2000.02.29'],
    [951_868_800_000, '2000.03.01'],
    [1_700_000_000_000, '2023.11.14'],
    [4_107_542_400_000, '2100.03.01'],
    [-1, '1969.12.31'],
  ];
  for (const [ms, want] of dates) {
    it(`pgnDate(${ms}) is ${want}`, () => assert.equal(pgnDate(ms), want));
  }

  it('pgnDate agrees with Date (UTC) every 13 days and 7 hours from 1900 to 2200', () => {
    const from = Date.UTC(1900, 0, 1);
    const to = Date.UTC(2200, 0, 1);
    let n = 0;
    for (let ms = from; ms < to; ms += 13 * 86_400_000 + 7 * 3_600_000) {
      const d = new Date(ms);
      const want = `${d.getUTCFullYear()}.${String(d.getUTCMonth() + 1).padStart(2, '0')}.${String(d.getUTCDate()).padStart(2, '0')}`;
      assert.equal(pgnDate(ms), want, String(ms));
      n++;
    }
    assert.ok(n > 8000);
  });

  it('a resigned timed game: the tags, then the moves ending with the result', () => {
    const t = new Table();
    ok(t.create('g1', 1_700_000_000_000, { name: 'Alice', timeControl: { initialMs: 300_000, incrementMs: 3000 } }));
    ok(t.join('g1', 1_700_000_000_001, { name: 'Bob' }));
    t.play('g1', ['e4', 'e5'], 1_700_000_000_002);
    ok(t.act('resign', 'g1', WT, 1_700_000_000_100));
    assert.equal(
      t.m.pgn('g1'),
      [
        '[Event "Rookery casual game"]',
        '[Site "Rookery"]',
        '[Date "2023.11.14"]',
        '[Round "-"]',
        '[White "Alice"]',
        '[Black "Bob"]',
        '[Result "0-1"]',
        '[TimeControl "300+3"]',
        '[Termination "normal"]',
        '[RookeryReason "resign"]',
        '',
        '1. e4 e5 0-1',
        '',
      ].join('\n'),
    );
    assert.match(t.m.pgn('g1', { event: 'Club night', site: 'Paris FRA' })!, /^\[Event "Club night"\]\n\[Site "Paris FRA"\]\n\[Date "2023\.11\.14"\]/);
    assert.equal(t.m.pgn('nope'), undefined);
  });

  it('the Opera game: long movetext wrapped greedily at 80 characters, checkmate 1-0, untimed "-"', () => {
    const t = new Table();
    ok(t.create('opera', 0, { name: 'Morphy' }));
    ok(t.join('opera', 1, { name: 'Duke Karl / Count Isouard' }));
    const sans = [
      'e4', 'e5', 'Nf3', 'd6', 'd4', 'Bg4', 'dxe5', 'Bxf3', 'Qxf3', 'dxe5', 'Bc4', 'Nf6', 'Qb3', 'Qe7', 'Nc3', 'c6', 'Bg5', 'b5',
      'Nxb5', 'cxb5', 'Bxb5+', 'Nbd7', 'O-O-O', 'Rd8', 'Rxd7', 'Rxd7', 'Rd1', 'Qe6', 'Bxd7+', 'Nxd7', 'Qb8+', 'Nxb8', 'Rd8#',
    ];
    t.play('opera', sans, 10);
    assert.deepEqual(t.m.view('opera')!.moves.map((m) => m.san), sans);
    assert.equal(t.m.view('opera')!.result, '1-0');
    const text = t.m.pgn('opera')!;
    const [head, body] = text.split('\n\n') as [string, string];
    assert.deepEqual(head.split('\n'), [
      '[Event "Rookery casual game"]',
      '[Site "Rookery"]',
      '[Date "1970.01.01"]',
      '[Round "-"]',
      '[White "Morphy"]',
      '[Black "Duke Karl / Count Isouard"]',
      '[Result "1-0"]',
      '[TimeControl "-"]',
      '[Termination "normal"]',
      '[RookeryReason "checkmate"]',
    ]);
    assert.ok(text.endsWith('1-0\n'));
    const lines = body.replace(/\n$/, '').split('\n');
    const tokens = lines.join(' ').split(' ');
    assert.equal(
      lines.join(' '),
      '1. e4 e5 2. Nf3 d6 3. d4 Bg4 4. dxe5 Bxf3 5. Qxf3 dxe5 6. Bc4 Nf6 7. Qb3 Qe7 8. Nc3 c6 9. Bg5 b5 10. Nxb5 cxb5 ' +
        '11. Bxb5+ Nbd7 12. O-O-O Rd8 13. Rxd7 Rxd7 14. Rd1 Qe6 15. Bxd7+ Nxd7 16. Qb8+ Nxb8 17. Rd8# 1-0',
    );
    assert.ok(lines.length >= 3, `${lines.length} lines`);
    for (const [i, line] of lines.entries()) {
      assert.ok(line.length <= 80, `line ${i} has ${line.length} characters`);
      assert.equal(line, line.trim());
      // Greedy: the next line's first token would not have fit.
      const next = lines[i + 1];
      if (next !== undefined) assert.ok(line.length + 1 + next.split(' ')[0]!.length > 80, `line ${i} could hold more`);
    }
    assert.equal(tokens.length, 17 + 33 + 1);
    for (const line of text.split('\n')) assert.ok(line.length <= 80, line);
  });

  it('from a FEN with black to move: SetUp, FEN, "12... e5" and a running game is "*"', () => {
    const t = new Table();
    const fen = '4k3/4p3/8/8/8/8/4P3/4K3 b - - 0 12';
    ok(t.create('g1', 0, { fen, color: 'black', token: BT, session: BS }));
    ok(t.join('g1', 1, { token: WT, session: WS }));
    t.play('g1', ['e7e5', 'e2e4', 'Kd7'], 5);
    const text = t.m.pgn('g1')!;
    assert.equal(
      text,
      [
        '[Event "Rookery casual game"]',
        '[Site "Rookery"]',
        '[Date "1970.01.01"]',
        '[Round "-"]',
        '[White "Anonymous"]',
        '[Black "Anonymous"]',
        '[Result "*"]',
        '[TimeControl "-"]',
        '[Termination "unterminated"]',
        '[SetUp "1"]',
        `[FEN "${fen}"]`,
        '',
        '12... e5 13. e4 Kd7 *',
        '',
      ].join('\n'),
    );
  });

  it('a waiting game has "?" for the empty seat and no moves', () => {
    const t = new Table();
    ok(t.create('g1', 0, { color: 'black', token: BT, session: BS, name: 'Carol' }));
    const text = t.m.pgn('g1')!;
    assert.match(text, /\[White "\?"\]\n\[Black "Carol"\]\n\[Result "\*"\]/);
    assert.ok(text.endsWith('\n\n*\n'));
  });

  const terminations: { name: string; tc: TimeControl | null; end: (t: Table) => void; result: string; termination: string; reason: string }[] = [
    { name: 'resignation', tc: null, end: (t) => ok(t.act('resign', 'g1', BT, 100)), result: '1-0', termination: 'normal', reason: 'resign' },
    { name: 'agreement', tc: null, end: (t) => (ok(t.act('offerDraw', 'g1', BT, 100)), ok(t.act('acceptDraw', 'g1', WT, 101))), result: '1/2-1/2', termination: 'normal', reason: 'agreement' },
    {
      name: 'a flag fall',
      tc: { initialMs: 1000, incrementMs: 0 },
      end: (t) => ok(t.apply({ type: 'flag', session: 'leader', gameId: 'g1' }, 2000)),
      result: '0-1',
      termination: 'time forfeit',
      reason: 'timeout',
    },
    { name: 'abort', tc: { initialMs: 90_500, incrementMs: 0 }, end: (t) => ok(t.act('abort', 'g1', WT, 100)), result: '*', termination: 'unterminated', reason: 'aborted' },
    {
      name: 'abandonment (sweep)',
      tc: null,
      end: (t) => assert.deepEqual(t.apply({ type: 'sweep', session: 'leader' }, DEFAULT_OPTIONS.firstMoveTimeoutMs + 1).result, { ok: true, ended: ['g1'], forgotten: 0 }),
      result: '*',
      termination: 'abandoned',
      reason: 'abandoned',
    },
  ];
  for (const c of terminations) {
    it(`Termination "${c.termination}" and RookeryReason "${c.reason}" after ${c.name}`, () => {
      const t = new Table();
      t.started('g1', 0, c.tc);
      if (c.reason !== 'abandoned' && c.reason !== 'aborted') t.play('g1', ['e4', 'e5'], 10);
      else if (c.reason === 'aborted') t.play('g1', ['e4'], 10);
      c.end(t);
      const text = t.m.pgn('g1')!;
      const tc = c.tc === null ? '-' : c.tc.initialMs === 1000 ? '1+0' : '90.5+0';
      assert.ok(text.includes(`[Result "${c.result}"]\n[TimeControl "${tc}"]\n[Termination "${c.termination}"]\n[RookeryReason "${c.reason}"]\n\n`), text);
      assert.equal(text.split('\n\n')[1]!.trimEnd().split(/\s+/).pop(), c.result, text);
      assert.ok(text.endsWith(`${c.result}\n`), text);
    });
  }
});
